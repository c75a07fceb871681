"""Served forecasts scored against the actuals that arrive later (forecast accountability).

An actual ``y`` of a period is scored against the distribution the serving model gave for that
period, the calibrated paths' ``n`` samples of its horizon step as trained (not conditioned on
other actuals):

* **PIT**, its position among the samples: ``(#{x < y} + ½ #{x = y}) / n``, the mid-rank. A
  randomised PIT would draw uniformly between ``#{x < y} / n`` and ``#{x ≤ y} / n``; the midpoint is
  exact and repeatable, and equals it whenever no sample ties with ``y`` (continuous samples).
* **inside the central 50/80/95% bands**: ``lower ≤ y ≤ upper`` for the bands ``/v1/forecast``
  answers at that level (numpy's linear quantiles of the same samples), passed in as they are.
* **scaled error**: ``(yhat − y) / s`` with ``s`` the in-sample MAE of the seasonal naive forecast
  of the series' training history (``scores.seasonal_naive_scale``, MASE's denominator). Positive
  means the forecast was too high, as ``bias`` in ``sentinel evaluate``; its sign is ``sign``.

``summarise_scores`` turns many scored periods into coverage per level, a 10-bin PIT histogram,
``bias`` = Σ(yhat − y) / Σ|y| and ``mase`` = mean |scaled error| (``scores.mase`` for one series).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["LEVELS", "PIT_BINS", "ForecastFigures", "PeriodScore", "pit", "pit_histogram", "score_period",
           "summarise_scores"]  # fmt: skip

LEVELS = (50, 80, 95)  # central bands scored, in percent (the fan chart's)
PIT_BINS = 10


@dataclass(frozen=True)
class PeriodScore:
    """One actual against its period's forecast distribution."""

    y: float
    yhat: float
    pit: float
    inside: dict[int, bool]  # level (percent) -> lower <= y <= upper
    scaled_error: float  # (yhat - y) / scale: positive = forecast too high
    scale: float

    @property
    def sign(self) -> int:
        """+1 when the forecast was above the actual, -1 below, 0 exact."""
        return int(np.sign(self.yhat - self.y))


def pit(y: float, samples: np.ndarray) -> float:
    """Mid-rank PIT of ``y`` among ``samples``: (#{x < y} + ½ #{x = y}) / n."""
    below = int(np.count_nonzero(samples < y))
    ties = int(np.count_nonzero(samples == y))
    return (below + 0.5 * ties) / samples.size


def score_period(
    y: float, yhat: float, samples: np.ndarray, bands: Mapping[int, tuple[float, float]], scale: float
) -> PeriodScore:
    """Score actual ``y`` against a step's ``samples``, point forecast ``yhat`` and central ``bands``."""
    if not scale > 0:
        raise ValueError(f"the error scale must be positive, got {scale}")
    inside = {int(level): bool(lo <= y <= hi) for level, (lo, hi) in bands.items()}
    return PeriodScore(float(y), float(yhat), pit(y, samples), inside, (float(yhat) - float(y)) / scale, float(scale))


def pit_histogram(pits: np.ndarray, bins: int = PIT_BINS) -> list[float]:
    """Share of PIT values in each of ``bins`` equal bins of [0, 1] (the last bin holds 1.0)."""
    if pits.size == 0:
        return [0.0] * bins
    which = np.minimum((np.asarray(pits) * bins).astype(int), bins - 1)
    return (np.bincount(which, minlength=bins) / pits.size).tolist()


@dataclass(frozen=True)
class ForecastFigures:
    periods_scored: int
    series: int
    coverage: dict[int, float | None]  # level -> share of actuals inside its band
    pit_histogram: list[float]
    bias: float | None
    mase: float | None


def summarise_scores(
    y: np.ndarray,
    yhat: np.ndarray,
    pits: np.ndarray,
    inside: Mapping[int, np.ndarray],
    scaled_error: np.ndarray,
    series: int,
) -> ForecastFigures:
    """Figures of many scored periods (arrays aligned by period; ``inside`` per level, booleans)."""
    n = int(np.asarray(y).size)
    if n == 0:
        return ForecastFigures(0, 0, {level: None for level in inside}, [0.0] * PIT_BINS, None, None)
    denominator = float(np.abs(y).sum())
    bias = float((yhat - y).sum()) / denominator if denominator > 0 else None
    return ForecastFigures(
        periods_scored=n,
        series=series,
        coverage={level: float(np.mean(flags)) for level, flags in inside.items()},
        pit_histogram=pit_histogram(np.asarray(pits, dtype=float)),
        bias=bias,
        mase=float(np.mean(np.abs(scaled_error))),
    )
