"""The clinic blueprint."""
