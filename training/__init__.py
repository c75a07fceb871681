"""Training jobs and the ``sentinel`` CLI: load -> validate -> fit -> backtest -> registry -> gate -> promote.

``cli/`` parses the command line, ``jobs/`` fit and evaluate models, ``retrain/`` is the monthly run.
"""

__all__ = ["load", "logs", "provenance", "cli", "jobs", "retrain"]
