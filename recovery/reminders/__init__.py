"""Reminders: pure rules decide what should be sent; the outbox stores it; the dispatcher sends it."""
