"""models/planning."""
