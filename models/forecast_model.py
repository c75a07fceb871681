"""The trained forecast model as stored in the registry and as served.

Artifacts of one version (all covered by the manifest's checksums)::

    series.json        per series: id, history range, horizon end, backtest metrics
    history.parquet    the validated history (series_id, ds, y)
    yhat.npy           (n_series, horizon) point forecasts
    paths.npy          (n_series, n_samples, horizon) float32 joint sample paths
    prophet/<i>.json   each series' Prophet model, in Prophet's JSON format (never pickle)

Every series lies on one regular grid from its first observation through its horizon, so a
period [start, end] maps to positions by binary search. In memory the paths are kept as
cumulative sums laid out (series, step, sample): a period total is then the difference of two
contiguous rows, O(n_samples) whatever the period length. float32 cumulative sums (accumulated
in float64) keep about 7 significant digits of the horizon total, far below forecast error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.contracts import DS, SERIES_ID, Frequency, Y
from models.errors import InvalidInput, NotFound, OutOfRange
from models.forecaster import SeriesFit

__all__ = ["ForecastModel", "PeriodSum", "SeriesInfo", "load_forecast", "save_forecast"]


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

    def public(self, model_version: str) -> dict[str, Any]:
        return {
            "series_id": self.series_id,
            "freq": self.freq,
            "history_start": self.history_start,
            "history_end": self.history_end,
            "horizon_end": self.horizon_end,
            "model": self.model,
            "model_version": model_version,
        }


@dataclass(frozen=True)
class PeriodSum:
    """Samples of a period's total: recorded actuals plus the forecast of the rest."""

    periods_actual: int
    periods_forecast: int
    actual: float
    totals: np.ndarray  # (n_samples,) float64, actuals included


def save_forecast(
    directory: Path, fits: Sequence[SeriesFit], history: pd.DataFrame, freq: Frequency
) -> list[SeriesInfo]:
    """Write the artifacts of ``fits`` (in order) into a staging directory.

    A fit whose ``model_json`` is empty was already streamed to ``prophet/<i>.json`` by training.
    """
    (directory / "prophet").mkdir(exist_ok=True)
    infos = []
    grouped = dict(tuple(history.groupby(SERIES_ID, sort=False)))
    for i, fit in enumerate(fits):
        if fit.model_json:
            (directory / "prophet" / f"{i}.json").write_text(fit.model_json)
        h = grouped[fit.series_id]
        end = h[DS].iloc[-1]
        horizon_end = pd.date_range(end, periods=fit.yhat.size + 1, freq=freq.alias)[-1]
        infos.append(
            SeriesInfo(
                series_id=fit.series_id,
                freq=freq.alias,
                history_start=f"{h[DS].iloc[0]:%Y-%m-%d}",
                history_end=f"{end:%Y-%m-%d}",
                horizon_end=f"{horizon_end:%Y-%m-%d}",
                n_obs=len(h),
                backtest=fit.backtest,
                model=fit.model,
                prophet_weight=fit.prophet_weight,
                multiplicative=fit.multiplicative,
            )
        )
    kept = history[history[SERIES_ID].isin([f.series_id for f in fits])]
    kept.to_parquet(directory / "history.parquet", index=False)
    np.save(directory / "yhat.npy", np.stack([f.yhat for f in fits]).astype(np.float64))
    np.save(directory / "paths.npy", np.stack([f.paths for f in fits if f.paths is not None]).astype(np.float32))
    (directory / "series.json").write_text(json.dumps([i.__dict__ for i in infos], indent=1))
    return infos


def load_forecast(directory: Path, manifest: dict[str, Any]) -> ForecastModel:
    """Load a verified version directory (see ``Registry.open_version``)."""
    infos = [SeriesInfo(**d) for d in json.loads((directory / "series.json").read_text())]
    history = pd.read_parquet(directory / "history.parquet")
    values = {sid: g[Y].to_numpy(dtype=np.float64) for sid, g in history.groupby(SERIES_ID, sort=False)}
    return ForecastModel(
        version=manifest["version"],
        manifest=manifest,
        freq=Frequency(manifest["freq"]),
        infos=infos,
        history=[values[i.series_id] for i in infos],
        yhat=np.load(directory / "yhat.npy"),
        paths=np.load(directory / "paths.npy"),
    )


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
        paths: np.ndarray,
    ) -> None:
        self.version = version
        self.manifest = manifest
        self.freq = freq
        self.infos = infos
        self._index = {info.series_id: i for i, info in enumerate(infos)}
        self._history_cum = [np.concatenate([[0.0], np.cumsum(h)]) for h in history]
        self._yhat = yhat
        n_series, n_samples, horizon = paths.shape
        cum = np.zeros((n_series, horizon + 1, n_samples), dtype=np.float32)
        cum[:, 1:, :] = np.cumsum(paths.transpose(0, 2, 1), axis=1, dtype=np.float64)
        self._cum = cum
        # Dates as proleptic ordinals in plain lists: bisect on them costs a fraction of numpy
        # scalar calls, and this is the per-request path.
        self._timelines = [
            [d.toordinal() for d in pd.date_range(info.history_start, periods=len(h) + yhat.shape[1], freq=freq.alias)]
            for info, h in zip(infos, history, strict=True)
        ]
        self._bands = lru_cache(maxsize=1024)(self._compute_bands)

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
        info = self.infos[i]
        if end < start:
            raise InvalidInput(f"end ({end:%Y-%m-%d}) is before start ({start:%Y-%m-%d})")
        timeline = self._timelines[i]
        first_day, last_day = start.toordinal(), end.toordinal()
        if first_day < timeline[0] or last_day > timeline[-1]:
            raise OutOfRange(
                f"period {start:%Y-%m-%d}..{end:%Y-%m-%d} is outside what the model covers for series "
                f"{series_id!r}: choose dates within {info.history_start}..{info.horizon_end} "
                "(history + forecast horizon)"
            )
        a = bisect.bisect_left(timeline, first_day)
        b = bisect.bisect_right(timeline, last_day)  # exclusive
        if a >= b:
            raise OutOfRange(
                f"no {self.freq.kind} period of series {series_id!r} is dated within "
                f"{start:%Y-%m-%d}..{end:%Y-%m-%d} ({self.freq.alias} periods are labelled by one date)"
            )
        n_hist = len(self._history_cum[i]) - 1
        cum = self._history_cum[i]
        actual = float(cum[min(b, n_hist)] - cum[min(a, n_hist)])
        fa, fb = max(a, n_hist) - n_hist, max(b, n_hist) - n_hist
        if fb > fa:
            totals = (self._cum[i, fb] - self._cum[i, fa]).astype(np.float64) + actual
        else:
            totals = np.full(self.n_samples, actual)
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

    def _compute_bands(self, i: int, level: float) -> tuple[np.ndarray, np.ndarray]:
        alpha = (1 - level / 100) / 2
        steps = np.diff(self._cum[i], axis=0)  # (horizon, n_samples) per-period samples
        lower, upper = np.quantile(steps, [alpha, 1 - alpha], axis=1)
        return lower, upper
