"""The elderly checks: who is due or overdue for a visit (rules)."""
