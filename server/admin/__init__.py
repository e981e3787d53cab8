"""Administration: accounts, their devices (sessions), and the audit log."""
