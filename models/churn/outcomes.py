"""Churn scores held to what happened: which score an outcome resolves, and the realised figures.

The service keeps every score it gave (the training population's, from the served artifact, and
each ``POST /v1/churn/score`` answer). An outcome (customer, churned or not, as of a date)
resolves the *latest* score that customer was given on or before that date; once resolved, a
score's outcome is final. A batch of outcomes is checked whole: an unknown customer, an outcome
dated before the customer's first score, a customer twice in the batch or a score already resolved
rejects it, naming every row, so nothing of a bad batch is stored.

Realised figures of the resolved scores: ROC AUC (the Mann-Whitney statistic with tied scores
counted half, which is exactly the trapezoidal area scikit-learn's ``roc_auc_score`` computes),
the Brier score, the expected calibration error and a reliability table over ten equal-width
probability bins (``models.forecast.scores``, shared with the target probabilities).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import InvalidInput
from models.forecast.scores import brier, ece, reliability

__all__ = ["GivenScore", "Outcome", "ResolvedOutcome", "realised_figures", "resolve_outcomes", "roc_auc"]

_SHOWN = 10  # problems named in one 422; the count of the rest follows


@dataclass(frozen=True)
class GivenScore:
    """A churn probability the service gave a customer. ``source``: "training" (the population
    scored when the served model was trained) or "score" (a ``POST /v1/churn/score`` answer)."""

    customer_id: str
    probability: float
    model_version: str
    scored_at: dt.datetime  # UTC
    source: str

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        """What identifies the score: one outcome per key."""
        return (self.customer_id, self.model_version, self.scored_at)


@dataclass(frozen=True)
class Outcome:
    customer_id: str
    churned: bool
    as_of: dt.date


@dataclass(frozen=True)
class ResolvedOutcome:
    outcome: Outcome
    score: GivenScore


def resolve_outcomes(
    outcomes: Sequence[Outcome],
    given: Mapping[str, Sequence[GivenScore]],
    resolved: Collection[tuple[str, str, dt.datetime]],
    *,
    today: dt.date,
) -> list[ResolvedOutcome]:
    """Each outcome with the score it resolves, or ``InvalidInput`` naming every bad row.

    ``given``: the scores known per customer id; ``resolved``: the keys of scores that already
    have an outcome; ``today`` (UTC): an outcome may be dated at most one day ahead of it, for
    clients a time zone ahead.
    """
    problems: list[str] = []
    first_row: dict[str, int] = {}
    out: list[ResolvedOutcome] = []
    for k, item in enumerate(outcomes):
        cid, where = item.customer_id, f"outcomes[{k}]"
        if cid in first_row:
            problems.append(
                f"{where}: customer {cid!r} appears twice in this batch (also outcomes[{first_row[cid]}]); "
                "send one outcome per customer"
            )
            continue
        first_row[cid] = k
        scores = given.get(cid, ())
        if not scores:
            problems.append(
                f"{where}: customer {cid!r} was never scored (not in the served model's training population, "
                "nor scored by POST /v1/churn/score); score the customer first or drop the row"
            )
            continue
        if item.as_of > today + dt.timedelta(days=1):
            problems.append(f"{where}: as_of {item.as_of} for customer {cid!r} is in the future; date it when known")
            continue
        eligible = [s for s in scores if s.scored_at.date() <= item.as_of]
        if not eligible:
            earliest = min(scores, key=lambda s: s.scored_at)
            problems.append(
                f"{where}: as_of {item.as_of} for customer {cid!r} is before the customer was scored "
                f"({earliest.scored_at.date()}, model {earliest.model_version}); an outcome resolves a score "
                "given on or before its date: correct as_of or drop the row"
            )
            continue
        score = max(eligible, key=lambda s: s.scored_at)
        if score.key in resolved:
            problems.append(
                f"{where}: the score customer {cid!r} was given on {score.scored_at.date()} "
                f"(model {score.model_version}) already has an outcome, and outcomes are final; drop the row"
            )
            continue
        out.append(ResolvedOutcome(item, score))
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise InvalidInput(
            f"nothing was stored: {len(problems)} of {len(outcomes)} outcome(s) cannot be resolved: "
            + "; ".join(problems[:_SHOWN])
            + more
        )
    return out


def roc_auc(probability: np.ndarray, outcome: np.ndarray) -> float | None:
    """P(a churned customer scored above a retained one), ties counting half; None with one class only."""
    from scipy.stats import rankdata

    y = np.asarray(outcome).astype(bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(np.asarray(probability, dtype=np.float64))  # tied scores share their mean rank
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def realised_figures(probability: np.ndarray, churned: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Resolved count, churn rate, mean probability, ROC AUC, Brier, ECE and the reliability table.

    Figures that need data are None without it (AUC also needs both outcomes present).
    """
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(churned, dtype=np.float64)
    n = len(p)
    if n == 0:
        return {
            "resolved": 0,
            "churned": 0,
            "churn_rate": None,
            "mean_probability": None,
            "roc_auc": None,
            "brier": None,
            "ece": None,
            "reliability": [],
        }
    return {
        "resolved": n,
        "churned": int(y.sum()),
        "churn_rate": float(y.mean()),
        "mean_probability": float(p.mean()),
        "roc_auc": roc_auc(p, y),
        "brier": brier(p, y),
        "ece": ece(p, y, bins),
        "reliability": reliability(p, y, bins),
    }
