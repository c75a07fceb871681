"""KRI alerting in the running service: the engine that evaluates every KRI on a schedule, the
sources of model-derived values, and the at-least-once delivery to Alertmanager and webhooks.
"""

__all__ = ["delivery", "engine", "sources"]
