"""Staff and business accounts, sign-in sessions and tokens, API keys, permissions."""
