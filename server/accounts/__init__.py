"""Accounts: the rules for creating them (service), the admin's management of them, their devices."""
