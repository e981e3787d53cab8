"""Alerts for urgent entries: queued from what the push stored, sent to the committee's chat group."""
