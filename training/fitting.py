"""Fit every series of a history in parallel, then calibrate their distributions together."""

from __future__ import annotations

import math

import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from models.calibration import calibrate
from models.contracts import DS, SERIES_ID, Frequency, Y
from models.forecaster import ForecastConfig, SeriesFit, fit_series
from training.logs import quiet_third_party

__all__ = ["default_folds", "fit_all"]


def default_folds(n_series: int) -> int:
    """Rolling origins per series: enough that the pooled library holds ~100 error paths."""
    return max(3, min(8, math.ceil(100 / max(n_series, 1))))


def _fit_one(
    series_id: str, history: pd.DataFrame, freq: Frequency, config: ForecastConfig, verbose: bool
) -> SeriesFit:
    quiet_third_party(verbose, fitting=True)  # runs in a worker process
    return fit_series(series_id, history, freq, config)


def fit_all(
    frame: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    *,
    n_jobs: int = -1,
    progress: bool = False,
    verbose: bool = False,
    desc: str = "fitting series",
) -> tuple[list[SeriesFit], dict[str, object]]:
    """Fit each series of ``frame`` (``series_id``, ``ds``, ``y``) and calibrate them jointly."""
    groups = list(frame.groupby(SERIES_ID, sort=False))
    jobs = (delayed(_fit_one)(str(sid), g[[DS, Y]].reset_index(drop=True), freq, config, verbose) for sid, g in groups)
    results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    fits: list[SeriesFit] = list(tqdm(results, total=len(groups), desc=desc, unit="series", disable=not progress))
    diagnostics = calibrate(fits, config.n_samples, config.nonnegative, config.seed)
    return fits, diagnostics
