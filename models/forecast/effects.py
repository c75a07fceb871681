"""How the drivers enter the per-series model, and what each one was fitted to do.

Each regressor enters Prophet through ``add_regressor`` in the series' seasonality mode
(multiplicative: a coefficient is a relative change of the trend per unit; additive: units of
sales per unit). AutoETS cannot take regressors, so where the per-series choice combines it with
Prophet it is fitted on the *driver-adjusted* history (each period's Prophet regressor effect
divided out, or subtracted for additive series, and closed periods replaced by Prophet's in-sample
forecast) and its forecast gets the planned periods' effects back: both members of the
combination then hear the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.forecast.scores import seasonal_naive_scale

if TYPE_CHECKING:
    from prophet import Prophet

__all__ = ["add_regressors", "adjusted_sensitivity", "driver_effect", "open_scale", "plan_terms", "regressor_effects"]

RATIO_FLOOR = 0.05  # Prophet's multiplier 1 + M is taken as at least this when a driver ratio is formed
MAX_DRIVER_RATIO = 10.0  # the drivers multiply a period's sales by at most this (or divide by it)


def add_regressors(
    prophet: Prophet, frame: pd.DataFrame, regressors: tuple[str, ...], multiplicative: bool
) -> list[str]:
    """Add to ``prophet`` the regressors that vary over ``frame``'s fitted rows; return their names.

    A regressor constant over the window (a series that never ran a promotion there) has no
    effect to estimate; it would only trade places with the trend's level, so it is left out.
    """
    active = [r for r in regressors if frame[r].nunique() > 1]
    for r in active:
        prophet.add_regressor(r, mode="multiplicative" if multiplicative else "additive")
    return active


def regressor_effects(
    prophet: Prophet | None, regressors: tuple[str, ...], multiplicative: bool, left_out: bool = False
) -> dict[str, Any]:
    """Per regressor: ``mode``, ``coef`` (per unit, Prophet's ``regressor_coefficients``), ``center``,
    whether it was ``fitted``, and the effect in words ("+21.3% per unit").

    ``left_out``: the series' folds forecast better without the drivers, so none is in its model.
    """
    from prophet.utilities import regressor_coefficients

    mode = "multiplicative" if multiplicative else "additive"
    table = (
        regressor_coefficients(prophet).set_index("regressor")
        if prophet is not None and prophet.extra_regressors
        else pd.DataFrame()
    )
    out: dict[str, Any] = {}
    for r in regressors:
        if r not in table.index:
            why = "left out: the series' folds forecast better without the drivers" if left_out else None
            out[r] = {
                "mode": mode,
                "coef": 0.0,
                "center": 0.0,
                "fitted": False,
                "effect": why or "constant: no effect fitted",
            }
            continue
        coef, center = float(table.loc[r, "coef"]), float(table.loc[r, "center"])
        text = f"{coef:+.1%} per unit" if mode == "multiplicative" else f"{coef:+,.2f} per unit"
        out[r] = {"mode": mode, "coef": coef, "center": center, "fitted": True, "effect": text}
    return out


def driver_effect(prediction: pd.DataFrame, multiplicative: bool, yearly: bool = False) -> np.ndarray:
    """Per row of a Prophet prediction: the regressors' effect, a ratio (multiplicative) or a sum (additive).

    ``yhat / ratio`` (or ``yhat - sum``) is the forecast the same model gives with every
    regressor at its centre; a ratio is kept within [1 / MAX_DRIVER_RATIO, MAX_DRIVER_RATIO].
    With ``yearly`` the effect also holds the yearly seasonality and the holidays: everything of
    Prophet but its trend and weekly shape, what AutoETS on days (a weekly season) cannot see.
    """
    weekly = prediction["weekly"].to_numpy() if "weekly" in prediction else np.zeros(len(prediction))
    if multiplicative:
        terms = prediction["multiplicative_terms"].to_numpy()
        if yearly:
            kept = weekly  # the weekly shape stays in: AutoETS has its own
        else:
            extra = prediction.get("extra_regressors_multiplicative", pd.Series(0.0, index=prediction.index))
            kept = terms - extra.to_numpy()
        # Where Prophet's seasonality takes a period to ~0 (a product's Christmas week), the exact
        # ratio runs to hundreds or turns negative; AutoETS's forecast, multiplied by it, exploded.
        ratio = np.maximum(1.0 + terms, RATIO_FLOOR) / np.maximum(1.0 + kept, RATIO_FLOOR)
        return np.clip(ratio, 1 / MAX_DRIVER_RATIO, MAX_DRIVER_RATIO)
    if yearly:
        return prediction["additive_terms"].to_numpy() - weekly
    return prediction.get("extra_regressors_additive", pd.Series(0.0, index=prediction.index)).to_numpy()


def plan_terms(
    prediction: pd.DataFrame | None,
    prophet_yhat: np.ndarray,
    ets_yhat: np.ndarray | None,
    weight: float,
    multiplicative: bool,
    closed: np.ndarray | None,
) -> np.ndarray:
    """(2, horizon): what an exact shift of the combined point forecast needs, per horizon step.

    Row 0 is the *sensitivity* b_h, the change of the combined (unclipped) point forecast per unit
    of regressor effect E_h = sum_r coef_r (x_rh - center_r) (``regressor_effects``' coefficients):
    additive series 1 (Prophet adds E_h in sales units, and AutoETS gets the same E_h added back);
    multiplicative ones ``w trend_h + (1 - w) ets_h / (1 + M_h)``, since Prophet's regressors
    multiply the trend (``yhat = trend (1 + M) + A``, M holding the regressors' E) and AutoETS's
    forecast was multiplied by ``(1 + M_h) / (1 + M_h - E_h)`` (``driver_effect``). Row 1 is the
    combined point forecast before the clip at zero. A changed plan then forecasts
    ``max(0, row1 + b_h * dE_h)``; closed periods have b = 0 and row 1 = 0, so they stay 0.
    ``prediction`` is Prophet's prediction whose last ``horizon`` rows are the forecast periods.
    """
    if prediction is None:
        raise ValueError("plan_terms needs Prophet's prediction over the horizon")
    h = prophet_yhat.size
    tail = prediction.iloc[-h:]
    if multiplicative:
        base = weight * tail["trend"].to_numpy(dtype=float)
        if ets_yhat is not None and weight != 1.0:
            base = base + (1 - weight) * adjusted_sensitivity(ets_yhat, prediction)
    else:
        base = np.ones(h)
    raw = prophet_yhat if ets_yhat is None or weight == 1.0 else weight * prophet_yhat + (1 - weight) * ets_yhat
    terms = np.stack([base, raw]).astype(np.float64)
    if closed is not None:
        terms[:, closed[:h]] = 0.0
    return terms


def adjusted_sensitivity(forecast: np.ndarray, prediction: pd.DataFrame) -> np.ndarray:
    """(..., horizon): the change per unit of regressor effect E_h of a log-scale series' forecast made
    on the driver-adjusted history and multiplied by the plan's ratio (AutoETS's, the naive anchors'):
    ``forecast / (1 + M_h)``, M_h being Prophet's multiplicative terms over the horizon."""
    terms = prediction["multiplicative_terms"].to_numpy()[-forecast.shape[-1] :]
    return forecast / np.maximum(1.0 + terms, 1e-6)


def open_scale(y: np.ndarray, is_open: np.ndarray, season_length: int, log: bool = False) -> float:
    """``seasonal_naive_scale`` over pairs of periods that were both open (closed ones sell a known 0).

    With every period open it is ``seasonal_naive_scale`` itself, on the log scale when ``log``.
    """
    if is_open.all():
        return seasonal_naive_scale(np.log(y) if log else y, season_length)
    values = np.log(np.where(is_open, np.maximum(y, 1e-9), 1.0)) if log else y
    m = season_length if len(y) > 2 * season_length else 1
    both = is_open[m:] & is_open[:-m]
    diffs = np.abs(values[m:] - values[:-m])[both]
    scale = float(diffs.mean()) if diffs.size else 0.0
    return scale if scale > 0 else 1.0
