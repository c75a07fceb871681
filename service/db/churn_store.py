"""Churn scores the service gave and the outcomes that resolved them (SQLAlchemy Core, any dialect).

Bounded: ``churn_scores`` keeps the latest ``POST /v1/churn/score`` answer per customer (a
customer scored again replaces the earlier score, so an outcome resolves the latest score given
on or before its date), and at most ``cap`` rows, the oldest scores going first; ``churn_outcomes``
keeps at most ``cap`` outcomes, the oldest ``as_of`` going first. The training population's
scores are not copied here: they are in the served model's artifact, which is immutable.

Every process reads the database itself (nothing is cached but the realised figures, keyed by a
change mark), so several workers see the same scores and outcomes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from models.churn.outcomes import GivenScore, ResolvedOutcome, realised_figures
from models.errors import InvalidInput
from service.db.kri_store import utc
from service.db.tables import churn_outcomes, churn_scores
from service.db.upsert import insert_on_conflict

__all__ = ["DEFAULT_CAP", "ChurnStore"]

DEFAULT_CAP = 100_000
_CHUNK = 500  # ids per IN (...) list: well inside every database's bound-parameter limit


def _json_features(features: pd.DataFrame) -> list[dict[str, Any]]:
    """Cleaned feature rows as JSON values (NaN -> null)."""
    return features.astype(object).where(features.notna(), None).to_dict("records")


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for lo in range(0, len(items), _CHUNK):
        yield items[lo : lo + _CHUNK]


class ChurnStore:
    def __init__(self, engine: Engine, cap: int = DEFAULT_CAP) -> None:
        self.engine = engine
        self.cap = cap
        self._lock = threading.Lock()
        self._figures: tuple[tuple[object, ...], dict[str, Any]] | None = None

    # --- scores -------------------------------------------------------------------------------

    def record_scores(
        self,
        ids: Sequence[str],
        probabilities: Sequence[float],
        features: pd.DataFrame,
        model_version: str,
        now: dt.datetime,
    ) -> None:
        """Keep each customer's score as answered (replacing an earlier one), then trim to the cap."""
        # A batch may name a customer twice: the last answer is the latest score.
        rows = {
            cid: {
                "customer_id": cid,
                "model_version": model_version,
                "probability": float(p),
                "scored_at": now,
                "features": f,
            }
            for cid, p, f in zip(ids, probabilities, _json_features(features), strict=True)
        }
        stmt = insert_on_conflict(
            self.engine, churn_scores, ["customer_id"], update=["model_version", "probability", "scored_at", "features"]
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, list(rows.values()))
            _trim(conn, churn_scores.c.customer_id, churn_scores.c.scored_at, self.cap)

    def given(self, ids: Sequence[str]) -> dict[str, list[GivenScore]]:
        """The stored score of each of ``ids`` that has one."""
        out: dict[str, list[GivenScore]] = {}
        cols = (churn_scores.c.customer_id, churn_scores.c.probability, churn_scores.c.model_version)
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                query = select(*cols, churn_scores.c.scored_at).where(churn_scores.c.customer_id.in_(chunk))
                for cid, p, version, at in conn.execute(query):
                    out.setdefault(cid, []).append(GivenScore(cid, float(p), version, utc(at), "score"))  # type: ignore[arg-type]
        return out

    def scored_features(self, since: dt.datetime) -> pd.DataFrame:
        """Feature values of the customers scored at or after ``since`` (their latest score)."""
        query = select(churn_scores.c.features).where(
            churn_scores.c.scored_at >= since, churn_scores.c.features.is_not(None)
        )
        with self.engine.connect() as conn:
            rows = [r for (r,) in conn.execute(query)]
        return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()

    # --- outcomes -----------------------------------------------------------------------------

    def resolved_keys(self, ids: Sequence[str]) -> set[tuple[str, str, dt.datetime]]:
        """(customer, model version, scored at) of every resolved score of ``ids``."""
        keys: set[tuple[str, str, dt.datetime]] = set()
        c = churn_outcomes.c
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                query = select(c.customer_id, c.model_version, c.scored_at).where(c.customer_id.in_(chunk))
                keys |= {(cid, version, utc(at)) for cid, version, at in conn.execute(query)}  # type: ignore[misc]
        return keys

    def add_outcomes(self, resolved: Sequence[ResolvedOutcome], now: dt.datetime) -> None:
        """Store a checked batch in one transaction; a score resolved meanwhile by another request
        (or process) rejects the whole batch."""
        values = [
            {
                "customer_id": r.outcome.customer_id,
                "churned": r.outcome.churned,
                "as_of": r.outcome.as_of,
                "probability": r.score.probability,
                "model_version": r.score.model_version,
                "scored_at": r.score.scored_at,
                "source": r.score.source,
                "received_at": now,
            }
            for r in resolved
        ]
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(churn_outcomes), values)
                _trim(conn, churn_outcomes.c.id, churn_outcomes.c.as_of, self.cap)
        except IntegrityError:
            raise InvalidInput(
                "nothing was stored: a score of this batch was resolved by another request meanwhile, "
                "and outcomes are final; resend the batch without the customers already resolved"
            ) from None

    def outcomes(self, since: dt.date | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, churned as 0/1) of the outcomes dated on or after ``since``."""
        c = churn_outcomes.c
        query = select(c.probability, c.churned)
        if since is not None:
            query = query.where(c.as_of >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        p = np.fromiter((r[0] for r in rows), dtype=np.float64, count=len(rows))
        y = np.fromiter((bool(r[1]) for r in rows), dtype=np.float64, count=len(rows))
        return p, y

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            scores = conn.execute(select(func.count()).select_from(churn_scores)).scalar_one()
            outcomes = conn.execute(select(func.count()).select_from(churn_outcomes)).scalar_one()
        return {"scores": int(scores), "outcomes": int(outcomes)}

    def figures(self, since: dt.date | None = None) -> dict[str, Any]:
        """``realised_figures`` of the outcomes since ``since``; all outcomes' figures are cached
        until any process stores more (for the ``/metrics`` gauge)."""
        if since is not None:
            return realised_figures(*self.outcomes(since))
        c = churn_outcomes.c
        with self.engine.connect() as conn:
            mark = tuple(conn.execute(select(func.count(), func.max(c.id))).one())
        with self._lock:
            cached = self._figures
        if cached is not None and cached[0] == mark:
            return cached[1]
        figures = realised_figures(*self.outcomes())
        with self._lock:
            self._figures = (mark, figures)
        return figures


def _trim(conn: Any, key: Any, age: Any, cap: int) -> None:
    """Delete the oldest rows (by ``age``) beyond ``cap``."""
    excess = conn.execute(select(func.count()).select_from(key.table)).scalar_one() - cap
    if excess > 0:
        oldest = select(key).order_by(age, key).limit(excess)
        conn.execute(delete(key.table).where(key.in_(oldest)))
