"""The files of a forecast version: the only code that knows their names and formats.

Artifacts of one version (all covered by the manifest's checksums)::

    series.json        per series: id, history range, horizon end, backtest metrics
    history.parquet    the validated history (series_id, ds, y)
    yhat.npy           (n_series, horizon) point forecasts
    paths.npy          (n_series, n_samples, horizon) float32 joint sample paths
    prophet/<i>.json   each series' Prophet model, in Prophet's JSON format (never pickle)

Training writes them into a staging directory (``Registry.stage``); everything else reads them
through ``load_forecast`` (the served model), ``read_series`` and ``load_history``, on a
directory that ``Registry.open_version`` verified or that the registry names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import SeriesFit
from models.forecast.model import ForecastModel, SeriesInfo

__all__ = ["load_forecast", "load_history", "read_series", "save_forecast", "write_prophet"]

SERIES, HISTORY, YHAT, PATHS, PROPHET = "series.json", "history.parquet", "yhat.npy", "paths.npy", "prophet"


def write_prophet(directory: Path, position: int, model_json: str) -> None:
    """Store the Prophet JSON of the ``position``-th series (training may stream them as they arrive)."""
    (directory / PROPHET).mkdir(exist_ok=True)
    (directory / PROPHET / f"{position}.json").write_text(model_json)


def save_forecast(
    directory: Path,
    fits: Sequence[SeriesFit],
    history: pd.DataFrame,
    freq: Frequency,
    groups: Mapping[str, dict[str, str]] | None = None,
) -> list[SeriesInfo]:
    """Write the artifacts of ``fits`` (in order) into a staging directory.

    A fit whose ``model_json`` is empty was already streamed by training (``write_prophet``).
    ``groups`` maps a series id to its attribute values (``--group-cols``), stored in series.json.
    """
    groups = groups or {}
    (directory / PROPHET).mkdir(exist_ok=True)
    infos = []
    grouped = dict(tuple(history.groupby(SERIES_ID, sort=False)))
    for i, fit in enumerate(fits):
        if fit.model_json:
            write_prophet(directory, i, fit.model_json)
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
                error_scale=float(fit.error_scale),
                groups=dict(groups.get(fit.series_id, {})),
            )
        )
    kept = history[history[SERIES_ID].isin([f.series_id for f in fits])]
    kept.to_parquet(directory / HISTORY, index=False)
    np.save(directory / YHAT, np.stack([f.yhat for f in fits]).astype(np.float64))
    np.save(directory / PATHS, np.stack([f.paths for f in fits if f.paths is not None]).astype(np.float32))
    (directory / SERIES).write_text(json.dumps([i.__dict__ for i in infos], indent=1))
    return infos


def read_series(directory: Path) -> list[SeriesInfo]:
    """Every series of a version, in artifact order, without loading its arrays."""
    return [SeriesInfo(**d) for d in json.loads((directory / SERIES).read_text())]


def load_history(directory: Path, series_id: str | None = None) -> pd.DataFrame:
    """The validated history a version was trained on (``series_id``, ``ds``, ``y``), or one series' part."""
    filters = None if series_id is None else [(SERIES_ID, "==", series_id)]
    return pd.read_parquet(directory / HISTORY, filters=filters)


def load_forecast(directory: Path, manifest: dict[str, Any]) -> ForecastModel:
    """Load a verified version directory (see ``Registry.open_version``)."""
    infos = read_series(directory)
    history = load_history(directory)
    values = {sid: g[Y].to_numpy(dtype=np.float64) for sid, g in history.groupby(SERIES_ID, sort=False)}
    return ForecastModel(
        version=manifest["version"],
        manifest=manifest,
        freq=Frequency(manifest["freq"]),
        infos=infos,
        history=[values[i.series_id] for i in infos],
        yhat=np.load(directory / YHAT),
        paths=np.load(directory / PATHS),
    )
