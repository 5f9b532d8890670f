"""Pages opened from reminder e-mails without signing in: one-time check-in, e-mail preferences."""
