"""service/kri."""
