"""Registered targets against what happened: hit or miss once the period is in, and how well the
probabilities the service gave for them came true.

A target is resolved when every period of every member series in [start, end] has a recorded
value (training history or a posted actual): the pace total then has no forecast part left, and
the target is *hit* when that total reaches the amount (``actual ≥ amount``, the event whose
probability feasibility states). The probabilities it is judged by are the ones the service gave
while the period was still open: at registration and at every KRI evaluation since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.forecast.model import PaceSum
from models.forecast.scores import brier, ece, reliability

__all__ = ["Resolution", "TargetFigures", "TargetRecord", "resolve", "summarise_targets"]


@dataclass(frozen=True)
class Resolution:
    actual: float
    hit: bool


def resolve(pace: PaceSum, amount: float) -> Resolution | None:
    """Hit or miss when no period of the target is left to forecast, else None."""
    if pace.periods_remaining > 0:
        return None
    return Resolution(float(pace.actual), bool(pace.actual >= amount))


@dataclass(frozen=True)
class TargetRecord:
    """A resolved target with the probabilities given for it, oldest first (registration first
    when it was recorded)."""

    hit: bool
    probabilities: Sequence[float]
    at_registration: float | None = None


@dataclass(frozen=True)
class TargetFigures:
    resolved: int  # targets
    forecasts: int  # (probability, outcome) pairs scored
    hit_rate: float | None
    brier: float | None  # over every probability given
    brier_at_registration: float | None
    ece: float | None
    reliability: list[dict[str, float]]


def summarise_targets(records: Sequence[TargetRecord], bins: int = 10) -> TargetFigures:
    """Brier, ECE and reliability of every probability given for the resolved targets, each paired
    with its target's outcome (``models.forecast.scores``); also the Brier score at registration."""
    if not records:
        return TargetFigures(0, 0, None, None, None, None, [])
    probability = np.array([p for r in records for p in r.probabilities], dtype=float)
    outcome = np.array([float(r.hit) for r in records for _ in r.probabilities], dtype=float)
    registered = [(r.at_registration, float(r.hit)) for r in records if r.at_registration is not None]
    at_registration = (
        brier(np.array([p for p, _ in registered]), np.array([o for _, o in registered])) if registered else None
    )
    scored = probability.size > 0
    return TargetFigures(
        resolved=len(records),
        forecasts=int(probability.size),
        hit_rate=float(np.mean([r.hit for r in records])),
        brier=brier(probability, outcome) if scored else None,
        brier_at_registration=at_registration,
        ece=ece(probability, outcome, bins) if scored else None,
        reliability=reliability(probability, outcome, bins) if scored else [],
    )
