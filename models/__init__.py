"""The shared core of sales-sentinel: pure domain code that training and the service both call.

One subpackage per domain (forecast, planning, churn, kri), plus the error tree and the registry.
Nothing here knows about HTTP, the environment or the command line.
"""

__all__ = ["churn", "errors", "forecast", "kri", "planning", "registry"]
