"""The jobs the CLI and the monthly retrain run: train a forecast or churn model, evaluate the
forecaster beside peers, write the sample company, plot an evaluation.
"""

__all__ = ["churn", "evaluate", "fitting", "forecast", "plots", "sample"]
