"""models/kri."""
