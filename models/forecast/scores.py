"""Forecast accuracy metrics as plain composable numpy functions."""

from __future__ import annotations

import numpy as np

__all__ = [
    "brier",
    "brier_skill",
    "coverage",
    "crps_normal",
    "crps_samples",
    "ece",
    "mase",
    "reliability",
    "seasonal_naive_scale",
    "smape",
]


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


def crps_samples(actual: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """CRPS per column of ``samples`` (n_samples, H): E|X - y| - E|X - X'| / 2, exact for the sample.

    Uses the sorted-sample identity E|X - X'| = 2/n^2 * sum_i (2i - n - 1) x_(i).
    """
    n = samples.shape[0]
    ordered = np.sort(samples, axis=0)
    spread = (2 * np.arange(1, n + 1) - n - 1) @ ordered * 2 / n**2
    return np.mean(np.abs(samples - actual[None, :]), axis=0) - spread / 2


def crps_normal(actual: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Closed-form CRPS of a normal forecast."""
    from scipy.stats import norm

    sd = np.maximum(sd, 1e-12)
    z = (actual - mean) / sd
    return sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


def brier(probability: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.mean((probability - outcome) ** 2))


def brier_skill(probability: np.ndarray, outcome: np.ndarray, climatology: np.ndarray) -> float:
    """1 - BS / BS(climatology): above 0 means better than always forecasting the base rate."""
    reference = brier(climatology, outcome)
    return 1 - brier(probability, outcome) / reference if reference > 0 else float("nan")


def reliability(probability: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per probability bin: count, mean forecast probability and observed frequency."""
    which = np.minimum((probability * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                {
                    "bin": b,
                    "count": int(mask.sum()),
                    "forecast": float(probability[mask].mean()),
                    "observed": float(outcome[mask].mean()),
                }
            )
    return rows


def ece(probability: np.ndarray, outcome: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    rows = reliability(probability, outcome, bins)
    n = sum(r["count"] for r in rows)
    return float(sum(r["count"] * abs(r["forecast"] - r["observed"]) for r in rows) / n) if n else float("nan")
