"""The planner's web app: server-rendered pages (Jinja2) and the small scripts that draw them from
the service's own JSON API, served under ``/app/`` with Plotly from the installed package.
"""

__all__ = ["pages"]
