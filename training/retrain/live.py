"""The champion's live figures in ``sentinel retrain``: how its forecasts and target probabilities
came true since it was promoted, and whether they make it stale (``policy.force_challenger_when``).

The figures are the service's own: its database's scores of the champion's model version, summed
up by ``service.accountability.monitoring_report`` (what ``GET /v1/monitoring?model_version=...``
answers). The database is only read: a SQLite file is opened read-only, and a missing file is
reported as such, never created. Without a database or scores the report says so and the usual
gate decides.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from models.forecast.model import ForecastModel
from training.retrain.config import ForceChallenger

__all__ = ["read_live", "stale_reasons", "thin_evidence"]


def _engine(url: str) -> tuple[Engine | None, str]:
    """A read-only engine on ``url``, or None and why there is no database to read."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return None, f"database URL {url!r} is not a SQLAlchemy URL ({exc}); fix --database-url or database_url"
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() != "sqlite":
        connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
        return create_engine(parsed, connect_args=connect_args), shown
    path = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:" or not path.is_file():
        return None, f"no database at {shown}"
    uri = f"file:{path.resolve()}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)), shown


def read_live(database_url: str, model: ForecastModel) -> dict[str, Any]:
    """The champion's figures since its promotion: ``status`` ``scored`` with ``forecast``,
    ``targets`` and ``groups`` as in ``GET /v1/monitoring``; else ``no-database``, ``no-scores``
    or ``unreadable``, with the reason in ``detail``."""
    from service.accountability import monitoring_report
    from service.db.monitoring_store import MonitoringStore

    live: dict[str, Any] = {"model_version": model.version}
    engine, shown = _engine(database_url)
    live["database"] = shown
    if engine is None:
        return {**live, "status": "no-database", "detail": shown}
    try:
        report = monitoring_report(MonitoringStore(engine), model, model.version)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        detail = f"cannot read the scores in {shown}: {reason} (is it the service's database, upgraded?)"
        return {**live, "status": "unreadable", "detail": detail}
    finally:
        engine.dispose()
    if not report["forecast"]["periods_scored"] and not report["targets"]["resolved"]:
        detail = f"no scores of {model.version} in {shown}: no actuals were posted while it served"
        return {**live, "status": "no-scores", "detail": detail}
    return {**live, "status": "scored", "detail": None, **report}


def stale_reasons(live: dict[str, Any], when: ForceChallenger | None) -> list[str]:
    """The conditions of ``when`` the champion's live figures meet (none: the usual gate decides)."""
    if when is None or live.get("status") != "scored":
        return []
    where = "policy.force_challenger_when"
    forecast, targets = live["forecast"], live["targets"]
    n, reasons = forecast["periods_scored"], []
    if n >= when.min_periods:
        for level, floor in sorted(when.coverage_below.items()):
            value = forecast["coverage"][str(level)]
            if value is not None and value < floor:
                reasons.append(f"live {level}% coverage {value:.3f} is below {where}.coverage_{level}_below {floor:g}")
        bias = forecast["bias"]
        if bias is not None and when.bias_above is not None and bias > when.bias_above:
            reasons.append(f"live bias {bias:+.3f} is above {where}.bias_above {when.bias_above:g}")
        if bias is not None and when.bias_below is not None and bias < when.bias_below:
            reasons.append(f"live bias {bias:+.3f} is below {where}.bias_below {when.bias_below:g}")
        reasons = [f"{r} over {n} scored periods" for r in reasons]
    brier = targets["brier"]
    judged = when.target_brier_above is not None and brier is not None and targets["resolved"] >= when.min_resolved
    if judged and brier > when.target_brier_above:
        reasons.append(
            f"live target Brier {brier:.3f} is above {where}.target_brier_above {when.target_brier_above:g} "
            f"over {targets['resolved']} resolved targets"
        )
    return reasons


def thin_evidence(live: dict[str, Any], when: ForceChallenger | None) -> str | None:
    """Why the live figures are too few to judge the champion by, when they are."""
    if when is None or live.get("status") != "scored":
        return None
    n = live["forecast"]["periods_scored"]
    if (when.coverage_below or when.bias_above is not None or when.bias_below is not None) and n < when.min_periods:
        return f"only {n} scored periods, fewer than policy.force_challenger_when.min_periods {when.min_periods}"
    return None
