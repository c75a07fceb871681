"""The FastAPI service: forecasts, target feasibility and metrics over the registry's champion."""

from service.app import create_app

__all__ = ["create_app"]
