"""Forecast accuracy metrics as plain composable numpy functions."""

from __future__ import annotations

import numpy as np

__all__ = ["coverage", "mase", "seasonal_naive_scale", "smape"]


def seasonal_naive_scale(history: np.ndarray, season_length: int) -> float:
    """In-sample MAE of the seasonal naive forecast: the MASE denominator.

    Falls back to the one-step naive forecast when the history is shorter than two seasons,
    and to 1.0 for a constant history (so MASE degrades to MAE instead of dividing by zero).
    """
    m = season_length if len(history) > 2 * season_length else 1
    diffs = np.abs(history[m:] - history[:-m])
    scale = float(diffs.mean()) if diffs.size else 0.0
    return scale if scale > 0 else 1.0


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error."""
    return float(np.mean(np.abs(actual - forecast)) / scale)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in [0, 2]; periods where both are zero count as exact."""
    denom = np.abs(actual) + np.abs(forecast)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(denom == 0, 0.0, 2 * np.abs(actual - forecast) / denom)
    return float(terms.mean())


def coverage(actual: np.ndarray, samples: np.ndarray, level: float) -> float:
    """Share of actuals inside the central ``level`` interval of ``samples`` (n_samples, H)."""
    alpha = (1 - level) / 2
    lower, upper = np.quantile(samples, [alpha, 1 - alpha], axis=0)
    return float(np.mean((actual >= lower) & (actual <= upper)))
