"""The FastAPI service: forecasts, target feasibility, churn and KRI alerts over the registry's champion.

Build the app with ``service.app.create_app``; importing this package builds nothing.
"""
