"""training/retrain."""
