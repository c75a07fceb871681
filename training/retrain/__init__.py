"""``sentinel retrain``, the monthly job: its config, the promotion gate, the run and its report."""

__all__ = ["config", "gate", "live", "report", "run"]
