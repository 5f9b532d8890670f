"""The domain: every write goes through here; functions flush and leave the commit to the caller."""
