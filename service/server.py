"""``sentinel serve``: run the app under uvicorn and print how to call it."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd

from models.forecast.artifact import load_history, read_series
from models.forecast.contracts import DS, Y
from models.registry import Registry

__all__ = ["example_request", "log_config", "serve"]


def example_request(registry: Registry) -> dict[str, object] | None:
    """A realistic feasibility request for the champion: next quarter, last year's sales + 5%."""
    try:
        version = registry.champion("forecast")
    except Exception:  # noqa: BLE001 - no example is not an error
        return None
    directory = registry.version_dir("forecast", version)
    info = read_series(directory)[0]
    quarter = pd.Timestamp(info.history_end).to_period("Q") + 1
    start, end = quarter.start_time, quarter.end_time.normalize()
    if end > pd.Timestamp(info.horizon_end):
        start, end = pd.Timestamp(info.history_end) + pd.Timedelta(days=1), pd.Timestamp(info.horizon_end)
    history = load_history(directory, info.series_id)
    last_year = history[(history[DS] >= start - pd.DateOffset(years=1)) & (history[DS] <= end - pd.DateOffset(years=1))]
    base = float(last_year[Y].sum()) if len(last_year) else float(history[Y].tail(90).mean() * 90)
    return {
        "series_id": info.series_id,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
        "target": round(base * 1.05, -3),
    }


def serve(registry: str, host: str, port: int, workers: int, print_example: bool, verbose: bool) -> int:
    import uvicorn

    os.environ["SENTINEL_REGISTRY"] = str(Path(registry))  # read by every worker's Settings
    url = f"http://{host}:{port}"
    print(f"sales-sentinel on {url}  (web app: {url}/app/, API docs: {url}/docs, metrics: {url}/metrics)", flush=True)
    body = example_request(Registry(registry)) if print_example else None
    if body:
        print("try, once GET /readyz answers 200:", flush=True)
        print(
            f"  curl -s -X POST {url}/v1/feasibility -H 'Content-Type: application/json' \\\n"
            f"       -d '{json.dumps(body)}'",
            flush=True,
        )
        query = urlencode({"start": body["start"], "end": body["end"], "target": body["target"]})
        print(f"or open {url}/app/series/{quote(str(body['series_id']))}?{query}", flush=True)
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="debug" if verbose else "info",
        log_config=log_config(verbose),
    )
    return 0


def log_config(verbose: bool) -> dict[str, Any]:
    """uvicorn's logging plus the service's own loggers at INFO, applied in every worker.

    With ``--workers N`` uvicorn spawns fresh interpreters that configure logging from this alone:
    without a root handler, the service's INFO events (alert transitions, who took the KRI
    lease) would be dropped in every worker.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["handlers"]["service"] = {
        "class": "logging.StreamHandler",
        "formatter": "service",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["service"], "level": "DEBUG" if verbose else "INFO"}
    # As training.logs.configure_logging: alembic and httpx narrate every step at INFO.
    for name in ("alembic", "httpx"):
        config["loggers"][name] = {"level": "DEBUG" if verbose else "WARNING"}
    return config
