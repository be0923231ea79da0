"""Tables computed from tidy measurement rows (pandas only)."""
