"""Accounts: organiser logins, roles and API tokens."""
