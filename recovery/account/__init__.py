"""Pages every signed-in user has for their own account (personal API tokens)."""
