"""Training jobs and the ``sentinel`` CLI: load -> validate -> fit -> backtest -> registry."""
