"""Logging in and out, setting a password from a link, and the health check."""
