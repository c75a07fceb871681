"""Target feasibility from the distribution of a period sum.

The probability of reaching a target is read off the joint sample paths' period sums,
never off summed interval bounds (those overstate the spread of a sum of correlated periods
and understate it for independent ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.errors import InvalidInput

__all__ = ["Feasibility", "VerdictCutoffs", "assess"]

Verdict = Literal["likely", "stretch", "unlikely"]


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
    ordered = np.sort(totals)  # one sort serves the probability and every quantile
    n = ordered.size
    probability = float(n - np.searchsorted(ordered, target, side="left")) / n
    expected = float(ordered.sum()) / n
    p10, p50, p90 = (_quantile(ordered, q) for q in (0.1, 0.5, 0.9))
    return Feasibility(
        probability=probability,
        expected=expected,
        p10=p10,
        p50=p50,
        p90=p90,
        gap=float(target) - expected,
        verdict=cutoffs.verdict(probability),
    )


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile of already sorted data, without re-sorting."""
    pos = (ordered.size - 1) * q
    lo = int(pos)
    hi = min(lo + 1, ordered.size - 1)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
