"""Target feasibility from the distribution of a period sum.

The probability of reaching a target is read off the joint sample paths' period sums,
never off summed interval bounds (those overstate the spread of a sum of correlated periods
and understate it for independent ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from models.errors import InvalidInput

__all__ = ["CURVE_RANGE", "Feasibility", "Spread", "VerdictCutoffs", "assess", "spread", "target_curve"]

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


@dataclass(frozen=True)
class Spread:
    """Samples of a period total in ascending order, with what the answer for every target shares.

    ``valid``: the samples that are not NaN (sorted last); P(total >= target) counts among them, as a
    comparison does. Kept by ``models.planning.pace.SpreadCache`` so a period asked about again is a
    lookup plus one binary search per target.
    """

    ordered: np.ndarray
    expected: float
    p10: float
    p50: float
    p90: float
    valid: int

    def assess(self, target: float, cutoffs: VerdictCutoffs = VerdictCutoffs()) -> Feasibility:
        """``assess`` of the samples for ``target``: P(total >= target) = the share sorted at or above it."""
        if not math.isfinite(target):
            raise InvalidInput(f"target must be a finite number, got {target!r}")
        below = int(self.ordered.searchsorted(target))  # side="left": the samples < target
        probability = (self.valid - below) / self.ordered.size
        return Feasibility(
            probability=probability,
            expected=self.expected,
            p10=self.p10,
            p50=self.p50,
            p90=self.p90,
            gap=float(target) - self.expected,
            verdict=cutoffs.verdict(probability),
        )


def spread(totals: np.ndarray) -> Spread:
    """Float64 samples of a period total (n_samples,) sorted, their mean and p10/p50/p90 (numpy's linear quantiles)."""
    # One sort: numpy's SIMD sort of ~1,000 floats costs less than partitioning out the six order
    # statistics the quantiles read, and a sorted array answers every target with a binary search.
    ordered = np.sort(totals)
    n = ordered.size
    last = ordered[-1]
    valid = n - int(np.count_nonzero(np.isnan(ordered))) if last != last else n
    ranks, (f10, f50, f90) = _spans(n)
    v = ordered[ranks].tolist()  # Python floats: the same IEEE arithmetic as numpy's scalars
    return Spread(
        ordered=ordered,
        expected=float(totals.sum()) / n,  # summed in the samples' own order, as always
        p10=v[0] + (v[1] - v[0]) * f10,
        p50=v[2] + (v[3] - v[2]) * f50,
        p90=v[4] + (v[5] - v[4]) * f90,
        valid=valid,
    )


def assess(totals: np.ndarray, target: float, cutoffs: VerdictCutoffs = VerdictCutoffs()) -> Feasibility:
    """Feasibility of ``target`` given samples of the period total (actuals included).

    ``probability`` = P(total ≥ target); ``gap`` = target − expected (positive: short of it).
    """
    if not np.isfinite(target):
        raise InvalidInput(f"target must be a finite number, got {target!r}")
    return spread(totals).assess(target, cutoffs)


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
def _spans(n: int) -> tuple[np.ndarray, tuple[float, float, float]]:
    """For n samples: the (lo, hi) ranks of the p10, the p50 and the p90 (``_span``), and their fractions."""
    spans = [_span(n, q) for q in QUANTILES]
    ranks = np.array([r for lo, hi, _ in spans for r in (lo, hi)])
    ranks.setflags(write=False)  # shared by every call
    return ranks, (spans[0][2], spans[1][2], spans[2][2])


def _span(n: int, q: float) -> tuple[int, int, float]:
    """(lo, hi, fraction): numpy's linear q-quantile of n sorted values is v[lo] + (v[hi] - v[lo]) * fraction."""
    pos = (n - 1) * q
    lo = int(pos)
    return lo, min(lo + 1, n - 1), pos - lo


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile of already sorted data, without re-sorting."""
    lo, hi, fraction = _span(ordered.size, q)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * fraction)
