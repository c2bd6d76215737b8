"""Accounts, sign-in tokens and API keys: who is calling the API."""
