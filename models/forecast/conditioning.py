"""Sample paths conditioned on posted actuals: the regression adjustment behind pace.

When actuals arrive for the first periods of a forecast, the rest of each sample path is moved
by what they revealed, as in regression ABC: with m_obs the mean standardised error of the
actuals and m_j the same mean along path j, path j's error at a remaining step h becomes
z_jh + beta_h (m_obs - m_j), beta_h being the slope of z_h on m across the paths (how much of
an early miss persists to step h), clipped to [0, 2]. Errors are in the calibration's units
(``models.forecast.fit.standardised_errors``), so the adjustment follows the backtests.
"""

from __future__ import annotations

import numpy as np

from models.forecast.fit import standardised_errors

__all__ = ["conditioned_sum"]

_FLOOR = 1e-9  # log-scale errors of values at or below zero stay finite


def conditioned_sum(
    paths: np.ndarray,
    yhat: np.ndarray,
    observed: np.ndarray,
    observed_paths: np.ndarray,
    observed_yhat: np.ndarray,
    error_scale: float,
    multiplicative: bool,
) -> np.ndarray:
    """(n_samples,) sum over the remaining steps of one series' paths, adjusted to its actuals.

    ``paths`` (k, n) are the samples of the k remaining steps and ``yhat`` (k,) their point
    forecasts; ``observed`` (m,) are the posted actuals, ``observed_paths`` (m, n) the samples and
    ``observed_yhat`` (m,) the point forecasts of their steps. Paths keep their own shape and
    spread, and sample j stays the same joint scenario (nothing is resampled).
    """
    unit = error_scale or 1.0
    m_path = standardised_errors(observed_paths, observed_yhat[..., None], unit, multiplicative, _FLOOR).mean(axis=0)
    m_obs = float(standardised_errors(observed[:, None], observed_yhat[..., None], unit, multiplicative, _FLOOR).mean())
    var = float(np.var(m_path))
    if var <= 0:
        return paths.sum(axis=0)
    z = standardised_errors(paths, yhat[..., None], unit, multiplicative, _FLOOR)  # (k, n)
    beta = np.clip(((z - z.mean(axis=1, keepdims=True)) @ (m_path - m_path.mean())) / (m_path.size * var), 0, 2)
    shift = error_scale * beta[:, None] * (m_obs - m_path)[None, :]
    if multiplicative:
        return (paths * np.exp(shift)).sum(axis=0)
    adjusted = paths + shift
    return (np.clip(adjusted, 0.0, None) if (paths >= 0).all() else adjusted).sum(axis=0)
