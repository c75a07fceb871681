"""models/churn."""
