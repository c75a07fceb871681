"""KRI alerting in the running service: the engine that evaluates every KRI on a schedule, the
sources of model-derived values, the at-least-once delivery to Alertmanager and webhooks, and
what each process does per tick depending on whether it holds the KRI lease.
"""

__all__ = ["delivery", "engine", "leadership", "sources"]
