"""training/jobs."""
