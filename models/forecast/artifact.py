"""The files of a forecast version: the only code that knows their names and formats.

Artifacts of one version (all covered by the manifest's checksums)::

    series.json        per series: id, history range, horizon end, backtest metrics
    history.parquet    the validated history (series_id, ds, y)
    yhat.npy           (n_series, horizon) point forecasts
    paths.npy          (n_series, n_samples, horizon) float32 joint sample paths
    cum_paths.npy      (n_series, horizon + 1, n_samples) float32 cumulative sums of the paths
                       (accumulated in float64), memory-mapped by the service; versions written
                       before it existed lack it and build the same array in memory from paths.npy
    group_paths.npy    (n_groups, horizon + 1, n_samples) float32 cumulative paths of the total and
    group_paths.json   of each one-column group, and those groups in row order (``aggregates``)
    prophet/<i>.json   each series' Prophet model, in Prophet's JSON format (never pickle)

Training writes them into a staging directory (``Registry.stage``); everything else reads them
through ``load_forecast`` (the served model), ``read_series`` and ``load_history``, on a
directory that ``Registry.open_version`` verified or that the registry names. The path arrays are
written series by series into ``.npy`` memory maps, so writing never holds a second (let alone a
float64) copy of every series' paths.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.forecast.aggregates import group_members, sum_member_paths
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import SeriesFit
from models.forecast.model import ForecastModel, SeriesInfo

__all__ = ["PathWriter", "load_forecast", "load_history", "read_series", "save_forecast", "write_prophet"]

SERIES, HISTORY, YHAT, PATHS, PROPHET = "series.json", "history.parquet", "yhat.npy", "paths.npy", "prophet"
CUM_PATHS, GROUP_PATHS, GROUP_KEYS = "cum_paths.npy", "group_paths.npy", "group_paths.json"


def write_prophet(directory: Path, position: int, model_json: str) -> None:
    """Store the Prophet JSON of the ``position``-th series (training may stream them as they arrive)."""
    (directory / PROPHET).mkdir(exist_ok=True)
    (directory / PROPHET / f"{position}.json").write_text(model_json)


class PathWriter:
    """Writes each series' calibrated paths into paths.npy and cum_paths.npy as they are drawn.

    Pass it as ``calibrate(..., sink=writer)``: the files are memory maps in the staging version,
    so the paths of every series are never held in memory at once; ``save_forecast`` then finds
    them written (the fits' ``paths`` stay None).
    """

    def __init__(self, directory: Path, n_series: int, n_samples: int, horizon: int) -> None:
        self._raw = np.lib.format.open_memmap(
            directory / PATHS, mode="w+", dtype=np.float32, shape=(n_series, n_samples, horizon)
        )
        self._cum = np.lib.format.open_memmap(
            directory / CUM_PATHS, mode="w+", dtype=np.float32, shape=(n_series, horizon + 1, n_samples)
        )

    def __call__(self, position: int, paths: np.ndarray) -> None:
        self._raw[position] = paths
        self._cum[position, 0] = 0.0
        self._cum[position, 1:] = np.cumsum(paths.T, axis=0, dtype=np.float64)  # float64 for one series only

    def close(self) -> None:
        self._raw.flush()
        self._cum.flush()
        del self._raw, self._cum


def save_forecast(
    directory: Path,
    fits: Sequence[SeriesFit],
    history: pd.DataFrame,
    freq: Frequency,
    groups: Mapping[str, dict[str, str]] | None = None,
) -> list[SeriesInfo]:
    """Write the artifacts of ``fits`` (in order) into a staging directory.

    A fit whose ``model_json`` is empty was already streamed by training (``write_prophet``); when
    no fit holds ``paths``, a ``PathWriter`` already wrote them.
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
    if any(f.paths is not None for f in fits):
        _write_paths(directory, [f.paths for f in fits if f.paths is not None])
    _write_group_paths(directory, infos)
    (directory / SERIES).write_text(json.dumps([i.__dict__ for i in infos], indent=1))
    return infos


def _write_paths(directory: Path, paths: Sequence[np.ndarray]) -> None:
    """paths.npy and cum_paths.npy of paths held in memory, written one series at a time."""
    writer = PathWriter(directory, len(paths), *paths[0].shape)
    for i, p in enumerate(paths):
        writer(i, p)
    writer.close()


def _write_group_paths(directory: Path, infos: Sequence[SeriesInfo]) -> None:
    """group_paths.npy/.json: the summed cumulative paths of the total and each stored group."""
    cum = np.load(directory / CUM_PATHS, mmap_mode="r")
    rows = group_members(infos)
    shape = (len(rows), *cum.shape[1:])
    out = np.lib.format.open_memmap(directory / GROUP_PATHS, mode="w+", dtype=np.float32, shape=shape)
    for row, (_, members) in enumerate(rows):
        out[row] = sum_member_paths(cum, members)
    out.flush()
    del out, cum
    (directory / GROUP_KEYS).write_text(json.dumps([key for key, _ in rows]))


def read_series(directory: Path) -> list[SeriesInfo]:
    """Every series of a version, in artifact order, without loading its arrays."""
    return [SeriesInfo(**d) for d in json.loads((directory / SERIES).read_text())]


def load_history(directory: Path, series_id: str | None = None) -> pd.DataFrame:
    """The validated history a version was trained on (``series_id``, ``ds``, ``y``), or one series' part."""
    filters = None if series_id is None else [(SERIES_ID, "==", series_id)]
    return pd.read_parquet(directory / HISTORY, filters=filters)


def load_forecast(directory: Path, manifest: dict[str, Any]) -> ForecastModel:
    """Load a verified version directory (see ``Registry.open_version``).

    The cumulative paths are memory-mapped read-only when the manifest lists them (so its
    checksum covered them): nothing is read until asked, and the pages are the OS page cache's,
    shared by every process serving the version. An older version builds them from paths.npy.
    """
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
        **_path_arrays(directory, manifest),
    )


def _path_arrays(directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    listed = manifest.get("files", {})
    if CUM_PATHS not in listed:
        return {"paths": np.load(directory / PATHS)}
    # Plain ndarray views of the maps (their base keeps the map open): cheaper to index per request.
    arrays: dict[str, Any] = {"cum": np.asarray(np.load(directory / CUM_PATHS, mmap_mode="r"))}
    if GROUP_PATHS in listed and GROUP_KEYS in listed:
        arrays["group_cum"] = np.asarray(np.load(directory / GROUP_PATHS, mmap_mode="r"))
        arrays["group_keys"] = json.loads((directory / GROUP_KEYS).read_text())
    return arrays
