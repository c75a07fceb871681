"""Fit every series of a history in parallel, then calibrate their distributions together.

Two back ends: local processes (joblib's loky, the default) or a Dask cluster when a scheduler
address is given (``--dask-scheduler tcp://HOST:PORT`` or ``SENTINEL_DASK_SCHEDULER``). On Dask
each series is one task; results are taken as they complete, and when a ``spill_to`` version
directory is given each series' Prophet JSON (the bulk of a fit: it embeds the training data) is
written into it at once and dropped from memory, so the driver holds only the small arrays
calibration needs. Training passes ``paths_to`` too: the calibrated paths are then written into
the version series by series, so the driver never holds every series' paths either.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from models.errors import InvalidInput
from models.forecast.anchor import anchor_all
from models.forecast.artifact import PathWriter, write_prophet
from models.forecast.calibration import calibrate
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import ForecastConfig, SeriesFit, fit_series
from training.logs import quiet_third_party

__all__ = ["fit_all"]


def _fit_one(
    series_id: str,
    history: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    verbose: bool,
    plan: pd.DataFrame | None = None,
) -> SeriesFit:
    quiet_third_party(verbose, fitting=True)  # runs in a worker process
    return fit_series(series_id, history, freq, config, plan)


def _fit_on_dask(
    groups: list[tuple[str, pd.DataFrame, pd.DataFrame | None]],
    freq: Frequency,
    config: ForecastConfig,
    scheduler: str,
    spill_to: Path | None,
    verbose: bool,
) -> Iterator[tuple[int, SeriesFit]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise InvalidInput("--dask-scheduler needs the `distributed` package: pip install 'dask[distributed]'") from exc
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise InvalidInput(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        futures = {
            client.submit(_fit_one, sid, g, freq, config, verbose, plan, key=f"fit-{i}-{sid}", pure=False): i
            for i, (sid, g, plan) in enumerate(groups)
        }
        for future in as_completed(futures):
            i = futures.pop(future)
            fit: SeriesFit = future.result()
            future.release()
            if spill_to is not None:
                write_prophet(spill_to, i, fit.model_json)
                fit.model_json = ""  # on disk in the staging version; save_forecast skips it
            yield i, fit


def fit_all(
    frame: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    *,
    n_jobs: int = -1,
    progress: bool = False,
    verbose: bool = False,
    desc: str = "fitting series",
    scheduler: str | None = None,
    spill_to: Path | None = None,
    groups: Mapping[str, Mapping[str, str]] | None = None,
    paths_to: Path | None = None,
    plan: pd.DataFrame | None = None,
) -> tuple[list[SeriesFit], dict[str, object]]:
    """Fit each series of ``frame`` (``series_id``, ``ds``, ``y``) and calibrate them jointly.

    ``groups`` (series id -> group attribute values) keeps each group's members together in the
    joint draws (see ``models.forecast.calibration``). Returns the fits in the order the series first
    appear in ``frame``. With ``paths_to`` (a staging version directory) the calibrated paths are
    written there series by series (``PathWriter``) and the fits' ``paths`` stay None. With drivers
    ``frame`` also holds their columns and ``plan`` (``series_id``, ``ds``, the same columns) their
    values over the horizon (``models.forecast.drivers``). Between fitting and calibration every
    forecast is pulled toward its naive anchors by one weight chosen on all series' folds
    (``models.forecast.anchor``); the diagnostics hold that choice under ``anchor`` and the
    calibration libraries by scale.
    """
    cols = [DS, Y, *(c for c in frame.columns if c not in (SERIES_ID, DS, Y))] if plan is not None else [DS, Y]
    plans = (
        {str(sid): g.reset_index(drop=True) for sid, g in plan.groupby(SERIES_ID, sort=False)}
        if plan is not None
        else {}
    )
    series = [
        (str(sid), g[cols].reset_index(drop=True), plans.get(str(sid)))
        for sid, g in frame.groupby(SERIES_ID, sort=False)
    ]
    if scheduler:
        slots: list[SeriesFit | None] = [None] * len(series)
        arrived = _fit_on_dask(series, freq, config, scheduler, spill_to, verbose)
        for i, fit in tqdm(arrived, total=len(series), desc=desc, unit="series", disable=not progress):
            slots[i] = fit
        fits = [f for f in slots if f is not None]
    else:
        jobs = (delayed(_fit_one)(sid, g, freq, config, verbose, p) for sid, g, p in series)
        results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
        fits = list(tqdm(results, total=len(series), desc=desc, unit="series", disable=not progress))
    anchored = {"anchor": anchor_all(fits, config.nonnegative)}
    if paths_to is None or not fits:
        return fits, {**anchored, **calibrate(fits, config.n_samples, config.nonnegative, config.seed, groups)}
    writer = PathWriter(paths_to, len(fits), config.n_samples, fits[0].yhat.size)
    try:
        diagnostics = calibrate(fits, config.n_samples, config.nonnegative, config.seed, groups, sink=writer)
    finally:
        writer.close()
    return fits, {**anchored, **diagnostics}
