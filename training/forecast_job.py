"""The forecast training job: validate -> fit in parallel -> backtest -> registry -> promote."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from models.contracts import DS, SERIES_ID, ColumnMapping, Frequency
from models.forecast_model import save_forecast
from models.forecaster import ForecastConfig, SeriesFit, fit_series
from models.registry import Registry
from models.validation import SalesHistory, ValidationRules, validate_sales
from training.logs import quiet_third_party
from training.provenance import library_versions

__all__ = ["TrainSummary", "summary_dict", "train_forecast"]

log = logging.getLogger(__name__)
MODEL = "forecast"
_BACKTEST_HORIZON = {"daily": 90, "weekly": 13, "monthly": 12}


@dataclass
class TrainSummary:
    version: str
    promoted: bool
    freq: Frequency
    n_rows: int
    fitted: list[str]
    skipped: list[str]
    seconds: float
    config: ForecastConfig
    metrics: dict[str, float]
    warnings: list[str] = field(default_factory=list)


def _fit_one(
    series_id: str, history: pd.DataFrame, freq: Frequency, config: ForecastConfig, verbose: bool
) -> SeriesFit:
    quiet_third_party(verbose)  # runs in a worker process
    return fit_series(series_id, history, freq, config)


def _aggregate_backtest(fits: list[SeriesFit]) -> dict[str, float]:
    scored = [f.backtest for f in fits if f.backtest]
    if not scored:
        return {}
    out: dict[str, float] = {"series_backtested": len(scored), "horizon": scored[0]["horizon"]}
    for key in ("mase", "smape"):
        out[f"median_{key}"] = float(np.median([b[key] for b in scored]))
    for key in ("coverage_80", "coverage_95"):
        out[key] = float(np.mean([b[key] for b in scored]))
    return out


def train_forecast(
    raw: pd.DataFrame,
    registry: Registry,
    *,
    mapping: ColumnMapping = ColumnMapping(),
    rules: ValidationRules = ValidationRules(),
    horizon: int | None = None,
    n_samples: int = 1000,
    country_holidays: str | None = None,
    seasonality_mode: Literal["additive", "multiplicative"] = "additive",
    backtest: bool = True,
    promote: bool = True,
    n_jobs: int = -1,
    progress: bool = True,
    verbose: bool = False,
    source: str | None = None,
) -> TrainSummary:
    """Train one Prophet model per series and store them as a new registry version.

    Validation runs first and raises ``ValidationFailed`` before anything is fitted or
    written; the new version appears in the registry only once it is complete.
    """
    started = time.perf_counter()
    history: SalesHistory = validate_sales(raw, mapping, rules)
    freq = history.freq
    h = horizon or freq.default_horizon
    config = ForecastConfig(
        horizon=h,
        n_samples=n_samples,
        country_holidays=country_holidays,
        seasonality_mode=seasonality_mode,
        nonnegative=not rules.allow_negative,
        backtest_horizon=min(h, _BACKTEST_HORIZON[freq.kind]) if backtest else None,
    )
    groups = list(history.frame.groupby(SERIES_ID, sort=False))
    log.info("fitting %d %s series (horizon %d, %d sample paths)", len(groups), freq.kind, h, n_samples)
    jobs = (
        delayed(_fit_one)(str(sid), g[[DS, "y"]].reset_index(drop=True), freq, config, verbose) for sid, g in groups
    )
    results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    fits: list[SeriesFit] = list(
        tqdm(results, total=len(groups), desc="fitting series", unit="series", disable=not progress)
    )
    metrics = _aggregate_backtest(fits)
    fingerprint = pd.util.hash_pandas_object(history.frame, index=False).to_numpy()
    with registry.stage(MODEL) as staged:
        save_forecast(staged.path, fits, history.frame, freq)
        staged.manifest.update(
            {
                "freq": freq.alias,
                "horizon": h,
                "n_samples": n_samples,
                "params": config.to_dict(),
                "validation": {**history.report.to_dict(), "rules": rules.__dict__},
                "data": {
                    "source": source,
                    "fingerprint_sha256": hashlib.sha256(fingerprint.tobytes()).hexdigest(),
                    "rows": int(len(history.frame)),
                    "series": len(fits),
                    "skipped_series": history.report.skipped_series,
                    "start": f"{history.frame[DS].min():%Y-%m-%d}",
                    "end": f"{history.frame[DS].max():%Y-%m-%d}",
                    "mapping": mapping.__dict__,
                },
                "metrics": {"backtest": metrics, "fit_seconds_total": sum(f.fit_seconds for f in fits)},
                "libraries": library_versions(
                    ["prophet", "cmdstanpy", "pandas", "numpy", "scikit-learn", "sales-sentinel"]
                ),
            }
        )
    if promote:
        registry.promote(MODEL, staged.version)
    return TrainSummary(
        version=staged.version,
        promoted=promote,
        freq=freq,
        n_rows=len(raw),
        fitted=[f.series_id for f in fits],
        skipped=history.report.skipped_series,
        seconds=time.perf_counter() - started,
        config=config,
        metrics=metrics,
        warnings=[p.message for p in history.report.warnings],
    )


def summary_dict(summary: TrainSummary) -> dict[str, Any]:
    return {
        "version": summary.version,
        "promoted": summary.promoted,
        "freq": summary.freq.alias,
        "series_fitted": len(summary.fitted),
        "series_skipped": summary.skipped,
        "seconds": round(summary.seconds, 2),
        "horizon": summary.config.horizon,
        "backtest": summary.metrics,
        "warnings": summary.warnings,
    }
