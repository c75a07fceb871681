"""The trained forecast model as served: period sums, forecasts and pace from arrays alone.

Every series lies on one regular grid from its first observation through its horizon, so a
period [start, end] maps to positions by binary search. The paths are kept as
cumulative sums laid out (series, step, sample): a period total is then the difference of two
contiguous rows, O(n_samples) whatever the period length. float32 cumulative sums (accumulated
in float64) keep about 7 significant digits of the horizon total, far below forecast error. The
array may be a read-only memory map (only the rows a request touches are read).
The files a version is stored in, and how they load into this model, are
``models.forecast.artifact``'s business.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.errors import InvalidInput, NotFound, OutOfRange
from models.forecast.aggregates import GroupPaths
from models.forecast.conditioning import conditioned_sum
from models.forecast.contracts import DS, Frequency
from models.forecast.fan import Fan, fan_chart
from models.forecast.membership import Membership

if TYPE_CHECKING:
    from models.forecast.scenario import Drivers

__all__ = ["ForecastModel", "PaceSum", "PeriodSum", "Posted", "SeriesInfo"]
_UNIX_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # numpy datetime64[D] counts days from it

Posted = Mapping[str, Sequence[tuple[int, float]]]  # series id -> [(ordinal day, y)] after the history
BAND_CACHE_SIZE = 1024  # (series, level) interval bands kept for /v1/forecast


@dataclass(frozen=True)
class SeriesInfo:
    series_id: str
    freq: str
    history_start: str
    history_end: str
    horizon_end: str
    n_obs: int
    backtest: dict[str, float]
    model: str = "prophet"  # "prophet" or "prophet+ets": the per-series choice
    prophet_weight: float = 1.0
    multiplicative: bool = False  # errors calibrated on the log scale
    error_scale: float = 1.0  # d_s: the unit of the standardised errors (older artifacts: 1.0)
    groups: dict[str, str] = field(default_factory=dict)  # attribute columns, e.g. {"region": "North"}
    # per regressor: mode, coef per unit, center, fitted, effect in words (models.forecast.effects)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def public(self, model_version: str) -> dict[str, Any]:
        return {
            "series_id": self.series_id,
            "freq": self.freq,
            "history_start": self.history_start,
            "history_end": self.history_end,
            "horizon_end": self.horizon_end,
            "model": self.model,
            "groups": self.groups,
            "model_version": model_version,
        }


@dataclass(frozen=True)
class PeriodSum:
    """Samples of a period's total: recorded actuals plus the forecast of the rest."""

    periods_actual: int
    periods_forecast: int
    actual: float
    totals: np.ndarray  # (n_samples,) float64, actuals included


@dataclass(frozen=True)
class PaceSum:
    """A period total given everything recorded so far (history and posted actuals).

    ``remaining`` holds the samples of the part still to come, adjusted to the posted actuals;
    ``totals`` = ``actual`` + ``remaining``. Sample j is one joint scenario for all member series.
    """

    actual: float
    periods_elapsed: int
    periods_remaining: int
    remaining: np.ndarray
    totals: np.ndarray


class ForecastModel:
    """A loaded forecast version: answers period sums and forecasts from arrays alone."""

    def __init__(
        self,
        version: str,
        manifest: dict[str, Any],
        freq: Frequency,
        infos: list[SeriesInfo],
        history: list[np.ndarray],
        yhat: np.ndarray,
        paths: np.ndarray | None = None,
        cum: np.ndarray | None = None,
        group_cum: np.ndarray | None = None,
        group_keys: Sequence[Mapping[str, str]] = (),
        drivers: Drivers | None = None,
    ) -> None:
        """``cum`` (series, horizon + 1, samples), e.g. a read-only map, else built from ``paths`` (series,
        samples, horizon); ``group_cum``: the same for ``group_keys`` (``models.forecast.aggregates``)."""
        self.version = version
        self.drivers = drivers  # with regressors: the plan and what changes it (models.forecast.scenario)
        self.manifest = manifest
        self.freq = freq
        self.infos = infos
        self._index = {info.series_id: i for i, info in enumerate(infos)}
        self._history_cum = [np.concatenate([[0.0], np.cumsum(h)]) for h in history]
        self._yhat = yhat
        if cum is None:
            if paths is None:
                raise InvalidInput("a forecast model needs its sample paths or their cumulative sums")
            n_series, n_samples, horizon = paths.shape
            cum = np.zeros((n_series, horizon + 1, n_samples), dtype=np.float32)
            cum[:, 1:, :] = np.cumsum(paths.transpose(0, 2, 1), axis=1, dtype=np.float64)
        self._cum = cum
        # Ordinals in plain lists for bisect per request; one read-only list per distinct date range.
        timelines: dict[tuple[str, int], list[int]] = {}
        self._timelines: list[list[int]] = []
        for info, h in zip(infos, history, strict=True):
            key = (info.history_start, len(h) + yhat.shape[1])
            if key not in timelines:
                days = pd.date_range(info.history_start, periods=key[1], freq=freq.alias).values.astype("datetime64[D]")
                timelines[key] = (days.astype(np.int64) + _UNIX_EPOCH_ORDINAL).tolist()
            self._timelines.append(timelines[key])
        # (series position, level) -> per-step interval bands, oldest evicted first.
        self._band_cache: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}
        self._band_lock = threading.Lock()
        self._membership = Membership(infos)
        self._group_paths = None if group_cum is None else GroupPaths(group_keys, group_cum, infos, self._history_cum)

    @property
    def horizon(self) -> int:
        return int(self._yhat.shape[1])

    @property
    def n_samples(self) -> int:
        return int(self._cum.shape[2])

    @property
    def trained_at(self) -> pd.Timestamp:
        return pd.Timestamp(self.manifest["created_at"])

    def info(self, series_id: str) -> SeriesInfo:
        return self.infos[self._position(series_id)]

    def _position(self, series_id: str) -> int:
        try:
            return self._index[series_id]
        except KeyError:
            raise NotFound(
                f"unknown series {series_id!r}: this model ({self.version}) has "
                f"{len(self.infos)} series; list them with GET /v1/series"
            ) from None

    def period_sum(self, series_id: str, start: dt.date, end: dt.date) -> PeriodSum:
        """Samples of the total over the periods whose ``ds`` lies in [start, end] (inclusive)."""
        i = self._position(series_id)
        a, b = self._span(i, start, end)
        return self._sum_rows(self._history_cum[i], self._cum[i], a, b)

    def _span(self, i: int, start: dt.date, end: dt.date) -> tuple[int, int]:
        """Timeline positions [a, b) of series ``i``'s periods dated within [start, end]."""
        info = self.infos[i]
        if end < start:
            raise InvalidInput(f"end ({end:%Y-%m-%d}) is before start ({start:%Y-%m-%d})")
        timeline = self._timelines[i]
        first_day, last_day = start.toordinal(), end.toordinal()
        if first_day < timeline[0] or last_day > timeline[-1]:
            raise OutOfRange(
                f"period {start:%Y-%m-%d}..{end:%Y-%m-%d} is outside what the model covers for series "
                f"{info.series_id!r}: choose dates within {info.history_start}..{info.horizon_end} "
                "(history + forecast horizon)"
            )
        a = bisect.bisect_left(timeline, first_day)
        b = bisect.bisect_right(timeline, last_day)  # exclusive
        if a >= b:
            raise OutOfRange(
                f"no {self.freq.kind} period of series {info.series_id!r} is dated within "
                f"{start:%Y-%m-%d}..{end:%Y-%m-%d} ({self.freq.alias} periods are labelled by one date)"
            )
        return a, b

    def _sum_rows(self, history_cum: np.ndarray, cum: np.ndarray, a: int, b: int) -> PeriodSum:
        n_hist = len(history_cum) - 1
        actual = float(history_cum[min(b, n_hist)] - history_cum[min(a, n_hist)])
        fa, fb = max(a, n_hist) - n_hist, max(b, n_hist) - n_hist
        totals = (cum[fb] - cum[fa]).astype(np.float64) + actual if fb > fa else np.full(self.n_samples, actual)
        return PeriodSum(min(b, n_hist) - min(a, n_hist), fb - fa, actual, totals)

    def forecast(self, series_id: str, horizon: int | None, level: float) -> dict[str, list]:
        """Point forecast with the central ``level`` interval (0 < level < 100) per period."""
        i = self._position(series_id)
        h = self.horizon if horizon is None else horizon
        if not 1 <= h <= self.horizon:
            raise OutOfRange(f"horizon must be between 1 and {self.horizon} periods (the trained horizon), got {h}")
        if not 0 < level < 100:
            raise InvalidInput(f"level must be a percentage between 0 and 100 (exclusive), got {level}")
        lower, upper = self._bands(i, float(level))
        n_hist = len(self._history_cum[i]) - 1
        ds = [dt.date.fromordinal(d) for d in self._timelines[i][n_hist : n_hist + h]]
        return {DS: ds, "yhat": self._yhat[i, :h].tolist(), "lower": lower[:h].tolist(), "upper": upper[:h].tolist()}

    def has_bands(self, series_id: str, level: float) -> bool:
        """Whether ``forecast`` at this level is a cached lookup (else it computes quantiles, ~ms)."""
        return (self._position(series_id), float(level)) in self._band_cache

    def step_forecast(self, series_id: str, step: int) -> tuple[float, np.ndarray]:
        """Point forecast and the calibrated paths' samples (n_samples,) of one horizon step, as trained."""
        i = self._position(series_id)
        return float(self._yhat[i, step]), self._step_values(i, np.array([step]))[0]

    def history_values(self, series_id: str) -> np.ndarray:
        """The series' training history, one value per period."""
        return np.diff(self._history_cum[self._position(series_id)])

    def _bands(self, i: int, level: float) -> tuple[np.ndarray, np.ndarray]:
        cached = self._band_cache.get((i, level))
        if cached is not None:
            return cached
        alpha = (1 - level / 100) / 2
        steps = np.diff(self._cum[i], axis=0)  # (horizon, n_samples) per-period samples
        lower, upper = np.quantile(steps, [alpha, 1 - alpha], axis=1)
        with self._band_lock:
            if len(self._band_cache) >= BAND_CACHE_SIZE:
                del self._band_cache[next(iter(self._band_cache))]
            self._band_cache[(i, level)] = (lower, upper)
        return lower, upper

    def fan(self, series_ids: Sequence[str], history_periods: int, posted: Posted | None = None) -> Fan:
        """Fan-chart data of the sum of ``series_ids`` (``models.forecast.fan``).

        The last ``history_periods`` periods of history, the posted actuals, and per date the mean,
        median and 50/80/95% bands of the joint paths as trained (not conditioned on the actuals).
        """
        if history_periods < 0:
            raise InvalidInput(f"history_periods must be 0 or more, got {history_periods}")
        positions = [self._position(sid) for sid in series_ids]
        if not positions:
            raise InvalidInput("a fan chart needs at least one series")
        rows = posted or {}
        row = self._group_row(series_ids, rows)
        if row is not None and self._group_paths is not None:  # a stored group, no posted actuals to show
            g, i = self._group_paths, self._group_paths.first[row]
            return fan_chart([self._timelines[i]], [g.history_cum[row]], [g.cum[row]], [()], history_periods)
        return fan_chart(
            [self._timelines[i] for i in positions],
            [self._history_cum[i] for i in positions],
            [self._cum[i] for i in positions],
            [rows.get(self.infos[i].series_id, ()) for i in positions],
            history_periods,
        )

    # --- groups -------------------------------------------------------------------------------

    def groups(self) -> dict[str, dict[str, int]]:
        """Each attribute column with its values and how many series hold each."""
        return self._membership.counts

    def members(self, group: Mapping[str, str]) -> list[str]:
        """Series whose attributes match every key of ``group`` (all series for ``{}``)."""
        return self._membership.members(group)

    # --- posted actuals and pace --------------------------------------------------------------

    def forecast_step(self, series_id: str, day: dt.date) -> int:
        """The horizon step (0-based) of ``day`` for a series; InvalidInput when it is not one."""
        i = self._position(series_id)
        info = self.infos[i]
        timeline = self._timelines[i]
        n_hist = len(self._history_cum[i]) - 1
        pos = bisect.bisect_left(timeline, day.toordinal())
        if pos >= len(timeline) or timeline[pos] != day.toordinal():
            if timeline[0] <= day.toordinal() <= timeline[-1]:
                raise InvalidInput(
                    f"{day:%Y-%m-%d} is not a period date of series {series_id!r} ({self.freq.alias} periods)"
                )
            raise OutOfRange(
                f"{day:%Y-%m-%d} is outside the forecast horizon of series {series_id!r} "
                f"(after {info.history_end}, up to {info.horizon_end})"
            )
        if pos < n_hist:
            raise OutOfRange(
                f"{day:%Y-%m-%d} lies in the training history of series {series_id!r} (ends "
                f"{info.history_end}): post actuals after it, up to {info.horizon_end}"
            )
        return pos - n_hist

    def pace_sum(
        self, series_ids: Sequence[str], start: dt.date, end: dt.date, posted: Posted | None = None
    ) -> PaceSum:
        """Joint total of ``series_ids`` over [start, end], with posted actuals counted and conditioned on.

        Posted actuals count for their periods, and each series' remaining paths are moved by
        what its actuals revealed (a regression adjustment: ``models.forecast.conditioning``). A
        run of low actuals therefore lowers the rest of the period as much as the backtest errors
        say misses persist, every path keeps its own shape and spread, and sample j stays one
        joint scenario for all series (nothing is resampled).
        """
        return self.pace_parts([(series_ids, start, end)], posted)[0]

    def _posted_steps(self, sid: str, posted: Posted) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Horizon steps, values and (k, n_samples) sample values of a series' posted actuals."""
        i = self._index[sid]
        timeline = self._timelines[i]
        n_hist = len(self._history_cum[i]) - 1
        rows = [(d, y) for d, y in posted.get(sid, ()) if d > timeline[n_hist - 1]]
        steps = np.array([bisect.bisect_left(timeline, d) - n_hist for d, _ in rows], dtype=int)
        values = np.array([y for _, y in rows], dtype=float)
        ok = steps < self.horizon
        steps, values = steps[ok], values[ok]
        return steps, values, self._step_values(i, steps)

    def _step_values(self, i: int, steps: np.ndarray) -> np.ndarray:
        return (self._cum[i, steps + 1] - self._cum[i, steps]).astype(np.float64)

    def _conditioned(self, i: int, steps: np.ndarray, obs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        """(n_samples,) sum over ``steps`` of the paths adjusted to the posted actuals ``obs``."""
        obs_steps, values, obs_paths = obs
        info = self.infos[i]
        return conditioned_sum(
            self._step_values(i, steps),
            self._yhat[i, steps],
            values,
            obs_paths,
            self._yhat[i, obs_steps],
            info.error_scale,
            info.multiplicative,
        )

    def pace_parts(
        self, parts: Sequence[tuple[Sequence[str], dt.date, dt.date]], posted: Posted | None = None
    ) -> list[PaceSum]:
        """``pace_sum`` of several (series ids, start, end) parts; sample j is one scenario in all.

        The parts' totals can therefore be added (decomposition, group totals).
        """
        posted = posted or {}
        seen: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        out = []
        for series_ids, start, end in parts:
            row = self._group_row(series_ids, posted)
            if row is not None and self._group_paths is not None:  # a stored group: two rows, no member sum
                out.append(self._group_pace(self._group_paths, row, start, end))
                continue
            actual, elapsed, remaining_periods = 0.0, 0, 0
            remaining = np.zeros(self.n_samples)
            for sid in series_ids:
                part = self.period_sum(sid, start, end)
                i = self._index[sid]
                n_hist = len(self._history_cum[i]) - 1
                fa = max(bisect.bisect_left(self._timelines[i], start.toordinal()), n_hist) - n_hist
                fb = max(bisect.bisect_right(self._timelines[i], end.toordinal()), n_hist) - n_hist
                if sid not in posted:  # the common case: the paths' period total as it is
                    actual += part.actual
                    elapsed = max(elapsed, part.periods_actual)
                    remaining_periods = max(remaining_periods, part.periods_forecast)
                    remaining += part.totals - part.actual
                    continue
                if sid not in seen:
                    seen[sid] = self._posted_steps(sid, posted)
                steps, values, _ = seen[sid]
                inside = (steps >= fa) & (steps < fb)
                if steps.size:
                    todo = np.setdiff1d(np.arange(fa, fb), steps[inside])
                    forecast_part = self._conditioned(i, todo, seen[sid]) if todo.size else np.zeros(self.n_samples)
                else:
                    forecast_part = part.totals - part.actual
                actual += part.actual + float(values[inside].sum())
                elapsed_i = part.periods_actual + int(inside.sum())
                elapsed = max(elapsed, elapsed_i)
                remaining_periods = max(remaining_periods, part.periods_actual + part.periods_forecast - elapsed_i)
                remaining += forecast_part
            out.append(PaceSum(actual, elapsed, remaining_periods, remaining, remaining + actual))
        return out

    def _group_row(self, series_ids: Sequence[str], posted: Posted) -> int | None:
        """The stored group row of exactly ``series_ids``, unless one of them has posted actuals."""
        if self._group_paths is None or (posted and any(sid in posted for sid in series_ids)):
            return None
        return self._group_paths.row(series_ids)

    def _group_pace(self, groups: GroupPaths, row: int, start: dt.date, end: dt.date) -> PaceSum:
        a, b = self._span(groups.first[row], start, end)
        part = self._sum_rows(groups.history_cum[row], groups.cum[row], a, b)
        return PaceSum(part.actual, part.periods_actual, part.periods_forecast, part.totals - part.actual, part.totals)
