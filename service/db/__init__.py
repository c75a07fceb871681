"""service/db."""
