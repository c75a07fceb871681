"""The files of a forecast version: the only code that knows their names and formats.

Artifacts of one version (all covered by the manifest's checksums)::

    series.json        per series: id, history range, horizon end, backtest metrics
    history.parquet    the validated history (series_id, ds, y)
    yhat.npy           (n_series, horizon) point forecasts
    cum_paths.npy      (n_series, horizon + 1, n_samples) float32 cumulative sums of the joint
                       sample paths (accumulated in float64), memory-mapped by the service
    paths.npy          versions written before cum_paths.npy only: (n_series, n_samples, horizon)
                       float32 joint sample paths, from which the service builds the cumulative sums
                       in memory (newer versions no longer write it: it doubled the bytes to verify)
    group_paths.npy    (n_groups, horizon + 1, n_samples) float32 cumulative paths of the total and
    group_paths.json   of each one-column group, and those groups in row order (``aggregates``)
    prophet/<i>.json   each series' Prophet model, in Prophet's JSON format (never pickle)
    plan.parquet       with drivers only: the plan the forecast was made with (series_id, ds, each
                       regressor, ``is_open`` with --open-col), ``horizon`` rows per series
    plan_terms.npy     with regressors only: (n_series, 2, horizon) float64, each step's sensitivity to
                       the regressor effect and unclipped point forecast (``effects.plan_terms``), what
                       ``models.forecast.scenario`` shifts a changed plan by; older versions lack it

Training writes them into a staging directory (``Registry.stage``); everything else reads them
through ``load_forecast`` (the served model), ``read_series`` and ``load_history``, on a
directory that ``Registry.open_version`` verified or that the registry names. The path arrays are
written series by series into their ``.npy`` files with positional writes (``NpyRows``), so writing
never holds a second (let alone a float64) copy of every series' paths, nor maps their pages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.forecast.aggregates import group_members, sum_member_paths
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import SeriesFit
from models.forecast.model import ForecastModel, SeriesInfo
from models.forecast.scenario import Drivers

__all__ = [
    "NpyRows",
    "PathWriter",
    "load_forecast",
    "load_history",
    "load_plan",
    "read_series",
    "save_forecast",
    "write_prophet",
]

SERIES, HISTORY, YHAT, PATHS, PROPHET = "series.json", "history.parquet", "yhat.npy", "paths.npy", "prophet"
CUM_PATHS, GROUP_PATHS, GROUP_KEYS = "cum_paths.npy", "group_paths.npy", "group_paths.json"
PLAN, PLAN_TERMS = "plan.parquet", "plan_terms.npy"


def write_prophet(directory: Path, position: int, model_json: str) -> None:
    """Store the Prophet JSON of the ``position``-th series (training may stream them as they arrive)."""
    (directory / PROPHET).mkdir(exist_ok=True)
    (directory / PROPHET / f"{position}.json").write_text(model_json)


class NpyRows:
    """A C-ordered ``.npy`` file written or read one leading-axis row at a time (``pwrite``/``pread``).

    Rows go through the file descriptor rather than a memory map: the written pages belong to the
    page cache, not to the writing process, so a training run's resident memory stays the size of
    one series however large the version (a ``w+`` map counts every page it touched, 9.95 GB at
    3,000 series). ``np.load(..., mmap_mode="r")`` reads the result as usual.
    """

    def __init__(self, path: Path, shape: tuple[int, ...] | None = None, mode: str = "r") -> None:
        """``mode`` "w" creates the file for ``shape``; "r" opens an existing one (``shape`` checked if given)."""
        if mode == "w":
            assert shape is not None
            with path.open("wb") as fh:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
                np.lib.format.write_array_header_1_0(fh, {**header, "shape": shape})
                self._offset = fh.tell()
                fh.truncate(self._offset + int(np.prod(shape)) * 4)
            self._fd = os.open(path, os.O_WRONLY)
        else:
            with path.open("rb") as fh:
                np.lib.format.read_magic(fh)
                found, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                if (shape is not None and found != shape) or fortran or dtype != np.float32:
                    raise ValueError(f"{path.name} holds {dtype} {found}, expected C-ordered float32 {shape}")
                self._offset, shape = fh.tell(), found
            self._fd = os.open(path, os.O_RDONLY)
        self.shape: tuple[int, ...] = shape
        self._row_bytes = int(np.prod(shape[1:])) * 4

    def write(self, row: int, values: np.ndarray) -> None:
        data = np.ascontiguousarray(values, dtype=np.float32)
        assert data.shape == self.shape[1:], (data.shape, self.shape)
        view, at = data.data.cast("B"), self._offset + row * self._row_bytes
        while view:  # pwrite may write less than asked
            done = os.pwrite(self._fd, view, at)
            view, at = view[done:], at + done

    def read(self, row: int, out: np.ndarray) -> np.ndarray:
        """Row ``row`` into ``out`` (float32, the row's shape)."""
        view, at = out.data.cast("B"), self._offset + row * self._row_bytes
        while view:
            done = os.preadv(self._fd, [view], at)
            if done == 0:
                raise EOFError(f"row {row} lies beyond the end of the file")
            view, at = view[done:], at + done
        return out

    def close(self) -> None:
        os.close(self._fd)


class PathWriter:
    """Writes each series' calibrated paths into cum_paths.npy, as cumulative sums, as they are drawn.

    Pass it as ``calibrate(..., sink=writer)``: the rows are written straight to the files of the
    staging version (``NpyRows``), so the paths of every series are never held in memory at once;
    ``save_forecast`` then finds them written (the fits' ``paths`` stay None).
    """

    def __init__(self, directory: Path, n_series: int, n_samples: int, horizon: int) -> None:
        self._cum = NpyRows(directory / CUM_PATHS, (n_series, horizon + 1, n_samples), mode="w")

    def __call__(self, position: int, paths: np.ndarray) -> None:
        cum = np.zeros((paths.shape[1] + 1, paths.shape[0]), dtype=np.float32)
        cum[1:] = np.cumsum(paths.T, axis=0, dtype=np.float64)  # float64 for one series only
        self._cum.write(position, cum)

    def close(self) -> None:
        self._cum.close()


def save_forecast(
    directory: Path,
    fits: Sequence[SeriesFit],
    history: pd.DataFrame,
    freq: Frequency,
    groups: Mapping[str, dict[str, str]] | None = None,
    plan: pd.DataFrame | None = None,
) -> list[SeriesInfo]:
    """Write the artifacts of ``fits`` (in order) into a staging directory.

    ``plan`` (with drivers) is stored as plan.parquet, the fitted series' rows only.
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
                effects=fit.effects,
            )
        )
    kept = history.loc[history[SERIES_ID].isin([f.series_id for f in fits]), [SERIES_ID, DS, Y]]
    kept.to_parquet(directory / HISTORY, index=False)
    if plan is not None:
        plan[plan[SERIES_ID].isin([f.series_id for f in fits])].to_parquet(directory / PLAN, index=False)
    np.save(directory / YHAT, np.stack([f.yhat for f in fits]).astype(np.float64))
    if plan is not None and fits and all(f.plan_terms is not None for f in fits):
        np.save(
            directory / PLAN_TERMS,
            np.stack([f.plan_terms for f in fits if f.plan_terms is not None]).astype(np.float64),
        )
    if any(f.paths is not None for f in fits):
        _write_paths(directory, [f.paths for f in fits if f.paths is not None])
    _write_group_paths(directory, infos)
    (directory / SERIES).write_text(json.dumps([i.__dict__ for i in infos], indent=1))
    return infos


def _write_paths(directory: Path, paths: Sequence[np.ndarray]) -> None:
    """cum_paths.npy of paths held in memory, written one series at a time."""
    writer = PathWriter(directory, len(paths), *paths[0].shape)
    for i, p in enumerate(paths):
        writer(i, p)
    writer.close()


def _write_group_paths(directory: Path, infos: Sequence[SeriesInfo]) -> None:
    """group_paths.npy/.json: the summed cumulative paths of the total and each stored group.

    One pass over cum_paths.npy, each series' rows read once into one buffer (``NpyRows.read``).
    """
    cum = NpyRows(directory / CUM_PATHS)
    rows = group_members(infos)
    buffer = np.empty(cum.shape[1:], dtype=np.float32)
    series_rows = ((i, cum.read(i, buffer)) for i in range(cum.shape[0]))
    try:
        summed = sum_member_paths(series_rows, [members for _, members in rows], cum.shape[1:])
    finally:
        cum.close()
    out = NpyRows(directory / GROUP_PATHS, summed.shape, mode="w")
    for row in range(len(rows)):
        out.write(row, summed[row])
    out.close()
    (directory / GROUP_KEYS).write_text(json.dumps([key for key, _ in rows]))


def read_series(directory: Path) -> list[SeriesInfo]:
    """Every series of a version, in artifact order, without loading its arrays."""
    return [SeriesInfo(**d) for d in json.loads((directory / SERIES).read_text())]


def load_history(directory: Path, series_id: str | None = None) -> pd.DataFrame:
    """The validated history a version was trained on (``series_id``, ``ds``, ``y``), or one series' part."""
    filters = None if series_id is None else [(SERIES_ID, "==", series_id)]
    return pd.read_parquet(directory / HISTORY, filters=filters)


def load_plan(directory: Path, series_id: str | None = None) -> pd.DataFrame | None:
    """The plan a version's forecast was made with (or one series' part); None for a version without drivers."""
    if not (directory / PLAN).is_file():
        return None
    filters = None if series_id is None else [(SERIES_ID, "==", series_id)]
    return pd.read_parquet(directory / PLAN, filters=filters)


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
        drivers=_drivers(directory, manifest, infos),
        **_path_arrays(directory, manifest),
    )


def _drivers(directory: Path, manifest: dict[str, Any], infos: list[SeriesInfo]) -> Drivers | None:
    """The plan and its shift terms of a version trained with regressors (else None: nothing to change)."""
    regressors = (manifest.get("drivers") or {}).get("regressors") or []
    plan = load_plan(directory)
    if not regressors or plan is None or not (directory / PLAN_TERMS).is_file():
        return None
    nonnegative = bool(manifest.get("params", {}).get("nonnegative", True))
    return Drivers(regressors, plan, np.load(directory / PLAN_TERMS), infos, nonnegative)


def _path_arrays(directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    listed = manifest.get("files", {})
    if CUM_PATHS not in listed:  # a version from before cum_paths.npy existed
        return {"paths": np.load(directory / PATHS)}
    # Plain ndarray views of the maps (their base keeps the map open): cheaper to index per request.
    arrays: dict[str, Any] = {"cum": np.asarray(np.load(directory / CUM_PATHS, mmap_mode="r"))}
    if GROUP_PATHS in listed and GROUP_KEYS in listed:
        arrays["group_cum"] = np.asarray(np.load(directory / GROUP_PATHS, mmap_mode="r"))
        arrays["group_keys"] = json.loads((directory / GROUP_KEYS).read_text())
    return arrays
