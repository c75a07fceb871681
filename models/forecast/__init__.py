"""models/forecast."""
