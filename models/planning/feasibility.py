"""Target feasibility from the distribution of a period sum.

The probability of reaching a target is read off the joint sample paths' period sums,
never off summed interval bounds (those overstate the spread of a sum of correlated periods
and understate it for independent ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from models.errors import InvalidInput

__all__ = ["CURVE_RANGE", "Feasibility", "VerdictCutoffs", "assess", "target_curve"]

Verdict = Literal["likely", "stretch", "unlikely"]
CURVE_RANGE = (0.005, 0.995)  # the target curve spans these quantiles of the period total
QUANTILES = (0.1, 0.5, 0.9)  # the p10, p50 and p90 of an answer


@dataclass(frozen=True)
class VerdictCutoffs:
    """``likely`` when P(reach) ≥ likely, ``stretch`` when ≥ stretch, else ``unlikely``."""

    likely: float = 0.7
    stretch: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 < self.stretch < self.likely < 1.0:
            raise InvalidInput(
                f"verdict cut-offs must satisfy 0 < stretch < likely < 1; got stretch={self.stretch}, "
                f"likely={self.likely}"
            )

    def verdict(self, probability: float) -> Verdict:
        if probability >= self.likely:
            return "likely"
        return "stretch" if probability >= self.stretch else "unlikely"


@dataclass(frozen=True)
class Feasibility:
    probability: float
    expected: float
    p10: float
    p50: float
    p90: float
    gap: float
    verdict: Verdict


def assess(totals: np.ndarray, target: float, cutoffs: VerdictCutoffs = VerdictCutoffs()) -> Feasibility:
    """Feasibility of ``target`` given samples of the period total (actuals included).

    ``probability`` = P(total ≥ target); ``gap`` = target − expected (positive: short of it).
    """
    if not np.isfinite(target):
        raise InvalidInput(f"target must be a finite number, got {target!r}")
    # No full sort: the probability is a count, and np.partition puts just the six order
    # statistics the three quantiles interpolate between in place (a third of a sort's cost).
    n = totals.size
    placed = np.partition(totals, _ranks(n))  # _quantile reads only these ranks: they are in place
    probability = int(np.count_nonzero(totals >= target)) / n
    expected = float(totals.sum()) / n
    p10, p50, p90 = (_quantile(placed, q) for q in QUANTILES)
    return Feasibility(
        probability=probability,
        expected=expected,
        p10=p10,
        p50=p50,
        p90=p90,
        gap=float(target) - expected,
        verdict=cutoffs.verdict(probability),
    )


def target_curve(totals: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """(targets, P(total >= target)) at ``points`` evenly spaced targets across the totals' central 99%.

    Each probability is the one ``assess`` gives for that target. When every sample is the same
    (a period already recorded in full), every target is that value, reached with probability 1.
    """
    if points < 2:
        raise InvalidInput(f"a target curve needs at least 2 points, got {points}")
    ordered = np.sort(totals)
    lo, hi = (_quantile(ordered, q) for q in CURVE_RANGE)
    targets = np.linspace(lo, hi, points)
    return targets, _reach(ordered, targets)


def _reach(ordered: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """P(total >= target) for each target, from the sorted samples of the total."""
    n = ordered.size
    return (n - np.searchsorted(ordered, targets, side="left")) / n


@lru_cache(maxsize=8)
def _ranks(n: int) -> list[int]:
    """For n samples: the ranks numpy's linear p10/p50/p90 interpolate between."""
    return sorted({i for q in QUANTILES for i in _span(n, q)[:2]})


def _span(n: int, q: float) -> tuple[int, int, float]:
    """(lo, hi, fraction): numpy's linear q-quantile of n sorted values is v[lo] + (v[hi] - v[lo]) * fraction."""
    pos = (n - 1) * q
    lo = int(pos)
    return lo, min(lo + 1, n - 1), pos - lo


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile of already sorted data, without re-sorting."""
    lo, hi, fraction = _span(ordered.size, q)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * fraction)
