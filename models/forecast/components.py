"""The members of the per-series forecaster: Prophet and AutoETS, and how their forecasts combine.

``models.forecast.fit`` decides, per series, which of them to use and with what weight; this
module fits each one on its recent window and forecasts the horizon, given the drivers' plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.forecast.contracts import DS, Frequency, Y
from models.forecast.country_holidays import period_holidays
from models.forecast.effects import add_regressors, driver_effect

if TYPE_CHECKING:
    from prophet import Prophet

    from models.forecast.fit import ForecastConfig

__all__ = [
    "Adjusted",
    "combine",
    "ets_season_length",
    "ets_sees_year",
    "ets_with_drivers",
    "make_prophet",
    "prophet_forecast",
]

log = logging.getLogger(__name__)

# Most recent history each component is fitted on: older regimes hurt more than they help
# (measured on aus_retail: Prophet on the last 10 years has MASE 1.19 vs 1.72 on all 35).
PROPHET_WINDOW = {"daily": 4 * 365, "weekly": 5 * 52, "monthly": 10 * 12}
# AutoETS on days sees the week (season 7) and follows the recent level, which Prophet's trend
# does not: on the sample's 28-day folds, adding it took MASE from 0.717 to 0.610 and the target
# Brier score from 0.130 to 0.097, for ~0.5 s more per series (one form search, then 0.03 s a fit).
ETS_WINDOW = {"daily": 365, "weekly": 5 * 52, "monthly": 10 * 12}


YEAR_FROM_PROPHET_AFTER = 31  # days of horizon beyond which daily AutoETS is given Prophet's year (see below)


def ets_sees_year(freq: Frequency, horizon: int) -> bool:
    """Whether AutoETS forecasts the ``horizon`` on its own: weeks and months (its season is the year),
    and days over a month at most. Over a longer horizon AutoETS on days (a weekly season) fits
    the history with Prophet's yearly seasonality and holidays taken out and gets them back on
    its forecast (``ets_with_drivers``), so that a year ahead it still has a summer and a Christmas.
    Measured on the sample (24 daily stores, new grid of weights): at 91 days MASE 0.840 -> 0.768,
    at 365 days 1.070 -> 0.811 (target Brier 0.187 -> 0.091); at 28 days it cost 0.580 -> 0.610,
    Prophet's yearly curve misplacing more of a month than it adds.
    """
    return freq.kind != "daily" or horizon <= YEAR_FROM_PROPHET_AFTER


def ets_season_length(freq: Frequency, n_obs: int) -> int:
    """The season AutoETS is given, for our ensemble and for the ``auto-ets`` peer alike.

    The frequency's season once ``n_obs`` periods hold two full seasons and two more (the seasonal
    states need that much to be estimated), else none (1).
    """
    return freq.season_length if n_obs >= 2 * freq.season_length + 2 else 1


def make_prophet(freq: Frequency, history: pd.DataFrame, config: ForecastConfig, multiplicative: bool) -> Prophet:
    """A Prophet model with defaults that suit the frequency and length of ``history``."""
    from prophet import Prophet  # heavy import, kept off the serving path

    span_days = (history[DS].iloc[-1] - history[DS].iloc[0]).days
    model = Prophet(
        growth="linear",
        yearly_seasonality=span_days >= 548,  # 1.5 years: enough to see a year's shape once
        weekly_seasonality=freq.kind == "daily",
        daily_seasonality=False,
        seasonality_mode="multiplicative" if multiplicative else "additive",
        changepoint_prior_scale=config.changepoint_prior_scale,
        changepoint_range=config.changepoint_range,
        uncertainty_samples=0,  # the predictive distribution comes from calibration
    )
    if config.country_holidays:
        if freq.kind == "daily":
            model.add_country_holidays(country_name=config.country_holidays)
        else:
            model.holidays = period_holidays(config.country_holidays, freq, history[DS].iloc[0], history[DS].iloc[-1])
    return model


def future_dates(last: pd.Timestamp, freq: Frequency, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(last, periods=horizon + 1, freq=freq.alias)[1:]


OPEN = "is_open"  # models.forecast.drivers.OPEN: 1 open, 0 closed (sales known to be 0)


def prophet_forecast(
    history: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    horizon: int,
    multiplicative: bool,
    plan: pd.DataFrame | None = None,
    in_sample: bool = False,
) -> tuple[Prophet, np.ndarray, pd.DataFrame | None]:
    """Prophet fitted on the recent window of ``history``, its point forecast for ``horizon`` periods
    (given ``plan``'s regressor values), and with ``in_sample`` its prediction over window + horizon.

    Always optimised with L-BFGS: Prophet picks Newton below 100 periods, which cost 0.36 s
    against 0.075 s per fold of a 143-week series, for forecasts within 2% of each other (Prophet
    still falls back to Newton when L-BFGS fails). Closed periods (``is_open`` 0) are not fitted.
    """
    recent = history.iloc[-PROPHET_WINDOW[freq.kind] :]
    prophet = make_prophet(freq, recent, config, multiplicative)
    fitted = recent[recent[OPEN] == 1] if OPEN in recent else recent
    active = add_regressors(prophet, fitted, config.regressors, multiplicative) if config.regressors else []
    prophet.fit(fitted[[DS, Y, *active]], algorithm="LBFGS")
    future = pd.DataFrame({DS: future_dates(history[DS].iloc[-1], freq, horizon)})
    for r in active:
        future[r] = plan[r].to_numpy(dtype=float)[:horizon] if plan is not None else 0.0
    if not in_sample:
        return prophet, prophet.predict(future)["yhat"].to_numpy(), None
    prediction = prophet.predict(pd.concat([recent[[DS, *active]], future], ignore_index=True))
    return prophet, prediction["yhat"].to_numpy()[-horizon:], prediction


EtsForm = tuple[str, bool, int]  # AutoETS's chosen form ("MAM"), whether damped, and its season length


def ets_forecast(
    history: pd.DataFrame, freq: Frequency, horizon: int, form: EtsForm | None = None
) -> tuple[np.ndarray | None, EtsForm | None]:
    """AutoETS's point forecast (None when it fails) and the form it used.

    ``form`` fixes the form chosen on a longer history of the same season length instead of
    searching all of them again: 0.012 s against 0.16 s for a 91-week fold, the search being most
    of AutoETS's cost. A fixed form that fails here falls back to the search.
    """
    from statsforecast.models import AutoETS

    y = history[Y].to_numpy(dtype=float)[-ETS_WINDOW[freq.kind] :]
    season = ets_season_length(freq, len(y))
    forms: list[tuple[str, bool | None]] = [("ZZZ", None)]
    if form is not None and form[2] == season:
        forms.insert(0, (form[0], form[1]))
    for model, damped in forms:
        try:
            ets = AutoETS(season_length=season, model=model, damped=damped).fit(y)
        except Exception as exc:  # noqa: BLE001 - a failed partner leaves Prophet alone
            log.debug("AutoETS %s failed (%s)", model, exc)
            continue
        components = ets.model_["components"]
        return ets.predict(h=horizon)["mean"], (components[:3], components[3] != "N", season)
    return None, form


@dataclass(frozen=True)
class Adjusted:
    """A history with the drivers' (and optionally the year's) effect taken out, and the way back.

    ``y``: the adjusted values over Prophet's window (closed periods taken as what Prophet says an
    open one would have sold); ``future``: the plan's effect over the horizon, a ratio for
    log-scale series (multiplied back) or a sum (added back).
    """

    y: np.ndarray
    future: np.ndarray
    multiplicative: bool

    @classmethod
    def of(
        cls, history: pd.DataFrame, prediction: pd.DataFrame, horizon: int, multiplicative: bool, yearly: bool = False
    ) -> Adjusted:
        n = len(prediction) - horizon
        recent = history.iloc[-n:]
        effect = driver_effect(prediction, multiplicative, yearly=yearly)
        y = recent[Y].to_numpy(dtype=float)
        if OPEN in recent:
            y = np.where(recent[OPEN].to_numpy() == 1, y, prediction["yhat"].to_numpy()[:n])
        return cls(y / effect[:n] if multiplicative else y - effect[:n], effect[n:], multiplicative)

    def put_back(self, forecast: np.ndarray) -> np.ndarray:
        """A forecast of the adjusted history (..., horizon) with the plan's effect put back."""
        return forecast * self.future if self.multiplicative else forecast + self.future


def ets_with_drivers(
    history: pd.DataFrame,
    prediction: pd.DataFrame | None,
    freq: Frequency,
    horizon: int,
    multiplicative: bool,
    form: EtsForm | None = None,
) -> tuple[np.ndarray | None, EtsForm | None]:
    """AutoETS on the driver-adjusted window (``Adjusted``), its forecast with the plan's effects put back.

    On days over a long horizon the adjustment also takes out Prophet's yearly seasonality and
    holidays (``ets_sees_year``): AutoETS there has a weekly season only, and follows the level
    while Prophet gives the year's shape. Without a prediction it is ``ets_forecast`` itself.
    """
    if prediction is None:
        return ets_forecast(history, freq, horizon, form)
    adjusted = Adjusted.of(history, prediction, horizon, multiplicative, yearly=not ets_sees_year(freq, horizon))
    e, form = ets_forecast(pd.DataFrame({Y: adjusted.y}), freq, horizon, form)
    if e is None:
        return None, form
    return adjusted.put_back(e), form


def blend(p: np.ndarray, e: np.ndarray | None, w: float) -> np.ndarray:
    """Prophet's forecast ``p`` with weight ``w``, AutoETS's ``e`` with the rest (before any clip)."""
    return p if e is None or w == 1.0 else w * p + (1 - w) * e


def combine(
    p: np.ndarray, e: np.ndarray | None, w: float, nonnegative: bool, closed: np.ndarray | None = None
) -> np.ndarray:
    yhat = blend(p, e, w)
    yhat = np.clip(yhat, 0.0, None) if nonnegative else yhat
    return yhat if closed is None or not closed.any() else np.where(closed[: yhat.size], 0.0, yhat)
