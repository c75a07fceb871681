"""Splitting a total sales target into parts (series, months or quarters) from joint samples.

``samples`` is (n_parts, n_samples): sample j of every part is one joint scenario, so the parts'
sum is the total's distribution. Two methods:

* ``proportional``: each part gets the total target times its share of expected sales;
* ``equal_probability``: each part gets the target it reaches with one common probability p,
  i.e. its (1 - p) quantile, with p found by bisection so the parts add up to the total. No part
  is handed a share it is far less likely to reach than the others.

The probability of the total is P(sum of parts >= total target), read off the joint samples; it
is lower than p when the parts are not perfectly dependent (a shortfall in one part can be made
up by another only partly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.errors import InvalidInput

__all__ = ["Decomposition", "Method", "Part", "decompose"]

Method = Literal["proportional", "equal_probability"]


@dataclass(frozen=True)
class Part:
    name: str
    target: float
    expected: float
    probability: float  # P(part >= its target)


@dataclass(frozen=True)
class Decomposition:
    method: Method
    total_target: float
    total_expected: float
    total_probability: float
    parts: list[Part]
    common_probability: float | None  # equal_probability: the p every part shares


def _equal_probability_targets(samples: np.ndarray, total: float) -> tuple[np.ndarray, float]:
    """(targets, p) with targets_i = quantile_i(1 - p) and sum(targets) = total."""

    def targets_at(p: float) -> np.ndarray:
        return np.quantile(samples, 1.0 - p, axis=1)

    hi_sum, lo_sum = targets_at(0.0).sum(), targets_at(1.0).sum()
    if total >= hi_sum or total <= lo_sum:
        # Beyond every sample (or below every one): no common probability fits; keep the
        # extreme quantiles and spread the rest in proportion to them.
        p = 0.0 if total >= hi_sum else 1.0
        base = targets_at(p)
        return base * (total / base.sum()) if base.sum() > 0 else np.full(len(base), total / len(base)), p
    lo, hi = 0.0, 1.0  # sum of quantiles falls as p rises
    for _ in range(60):
        mid = (lo + hi) / 2
        if targets_at(mid).sum() > total:
            lo = mid
        else:
            hi = mid
    p = (lo + hi) / 2
    found = targets_at(p)
    return found * (total / found.sum()), p  # remove the last rounding so the parts add up exactly


def decompose(names: Sequence[str], samples: np.ndarray, total: float, method: Method) -> Decomposition:
    """Split ``total`` over the parts whose joint samples are ``samples`` (n_parts, n_samples)."""
    if not np.isfinite(total) or total <= 0:
        raise InvalidInput(f"the total target must be a positive number, got {total!r}")
    if samples.ndim != 2 or samples.shape[0] != len(names) or samples.shape[0] == 0:
        raise InvalidInput("decomposition needs at least one part and one sample row per part")
    expected = samples.mean(axis=1)
    common: float | None = None
    if method == "proportional":
        share = expected / expected.sum() if expected.sum() > 0 else np.full(len(names), 1 / len(names))
        targets = total * share
    elif method == "equal_probability":
        targets, common = _equal_probability_targets(samples, total)
    else:
        raise InvalidInput(f"unknown method {method!r}: use proportional or equal_probability")
    probabilities = (samples >= targets[:, None]).mean(axis=1)
    parts = [
        Part(str(n), float(t), float(e), float(p))
        for n, t, e, p in zip(names, targets, expected, probabilities, strict=True)
    ]
    totals = samples.sum(axis=0)
    return Decomposition(
        method=method,
        total_target=float(total),
        total_expected=float(totals.mean()),
        total_probability=float((totals >= total).mean()),
        parts=parts,
        common_probability=common,
    )
