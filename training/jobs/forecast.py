"""The forecast training job: validate -> fit and backtest in parallel -> calibrate -> registry -> promote."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.forecast.artifact import save_forecast
from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Frequency
from models.forecast.drivers import DriverSpec, validate_drivers
from models.forecast.fit import ForecastConfig, SeasonalityMode, SeriesFit, check_country_holidays, fold_min_history
from models.forecast.groups import series_groups
from models.forecast.validation import SalesHistory, ValidationRules, name_list, validate_sales
from models.registry import Registry
from training.jobs.fitting import fit_all
from training.provenance import library_versions

__all__ = ["TrainOptions", "TrainSummary", "summary_dict", "train_forecast"]

log = logging.getLogger(__name__)
MODEL = "forecast"


@dataclass(frozen=True)
class TrainOptions:
    """Everything ``train_forecast`` is told besides the data: what ``sentinel train forecast``'s
    flags (or a retrain job) say. Unset horizon and folds follow the data (``ForecastConfig.for_history``).
    """

    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    rules: ValidationRules = field(default_factory=ValidationRules)
    horizon: int | None = None
    n_samples: int = 1000
    country_holidays: str | None = None
    seasonality_mode: SeasonalityMode = "auto"
    ensemble: bool = True
    calibration_folds: int | None = None
    group_cols: tuple[str, ...] = ()
    promote: bool = True
    n_jobs: int = -1
    progress: bool = True
    verbose: bool = False
    source: str | None = None  # the data's path, recorded in the manifest
    scheduler: str | None = None  # a Dask scheduler address; None fits in local processes
    drivers: DriverSpec = field(default_factory=DriverSpec)  # --regressors, --open-col, --regressor-fill

    def config(self, history: SalesHistory) -> ForecastConfig:
        """The model's training parameters for this validated history."""
        return ForecastConfig.for_history(
            history,
            horizon=self.horizon,
            n_samples=self.n_samples,
            country_holidays=self.country_holidays,
            seasonality_mode=self.seasonality_mode,
            nonnegative=not self.rules.allow_negative,
            ensemble=self.ensemble,
            calibration_folds=self.calibration_folds,
            regressors=self.drivers.regressors,
        )

    def validate(
        self, raw: pd.DataFrame, future: pd.DataFrame | None = None
    ) -> tuple[SalesHistory, pd.DataFrame | None]:
        """The validated history and, with drivers, the plan over the horizon (else None)."""
        if not self.drivers.active:
            return validate_sales(raw, self.mapping, self.rules), None
        self.drivers.check()
        found = validate_drivers(raw, self.mapping, self.rules, self.drivers, self.horizon, future)
        return found.history, found.plan


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
    calibration: dict[str, Any] = field(default_factory=dict)
    drivers: dict[str, Any] | None = None  # the manifest's "drivers" (None without driver flags)
    anchor: dict[str, Any] = field(default_factory=dict)  # the pooled naive anchor (models.forecast.anchor)


def _aggregate_backtest(fits: list[SeriesFit]) -> dict[str, float]:
    scored = [f.backtest for f in fits if f.backtest]
    if not scored:
        return {}
    out: dict[str, float] = {"series_backtested": len(scored), "horizon": max(b["horizon"] for b in scored)}
    for key in ("mase", "smape"):
        out[f"median_{key}"] = float(np.median([b[key] for b in scored]))
    for key in ("coverage_80", "coverage_95"):
        values = [b[key] for b in scored if key in b]
        if values:
            out[key] = float(np.mean(values))
    out["share_prophet_ets"] = float(np.mean([f.model == "prophet+ets" for f in fits]))
    if any(f.effects for f in fits):  # with regressors: series whose folds forecast better without them
        left_out = [
            f.effects and all(str(e["effect"]).startswith("left out") for e in f.effects.values()) for f in fits
        ]
        out["share_drivers_left_out"] = float(np.mean(left_out))
    return out


def train_forecast(
    raw: pd.DataFrame, registry: Registry, options: TrainOptions = TrainOptions(), future: pd.DataFrame | None = None
) -> TrainSummary:
    """Train the forecaster per series, calibrate jointly, and store a new registry version.

    With ``options.drivers`` the plan comes from ``raw``'s rows after each series' history whose
    value is empty and from ``future`` (a --future table); it is stored with the version.

    Validation runs first and raises ``ValidationFailed`` before anything is fitted or
    written; the new version appears in the registry only once it is complete. With a Dask
    ``options.scheduler`` address the series are fitted on that cluster and each Prophet model
    is streamed into the staging version as it arrives.
    """
    started = time.perf_counter()
    mapping, rules = options.mapping, options.rules
    check_country_holidays(options.country_holidays)
    history, plan = options.validate(raw, future)
    groups = series_groups(raw, mapping, options.group_cols)
    freq = history.freq
    config = options.config(history)
    h = config.horizon
    log.info(
        "fitting %d %s series (horizon %d, %d rolling origins, %d sample paths)",
        history.frame[SERIES_ID].nunique(),
        freq.kind,
        h,
        config.calibration_folds,
        config.n_samples,
    )
    fingerprint = pd.util.hash_pandas_object(history.frame, index=False).to_numpy()
    with registry.stage(MODEL) as staged:
        fits, calibration = fit_all(
            history.frame,
            freq,
            config,
            n_jobs=options.n_jobs,
            progress=options.progress,
            verbose=options.verbose,
            scheduler=options.scheduler,
            spill_to=staged.path if options.scheduler else None,
            groups=groups,
            paths_to=staged.path,
            plan=plan,
        )
        anchored = calibration.pop("anchor")
        metrics = _aggregate_backtest(fits)
        save_forecast(staged.path, fits, history.frame, freq, groups, plan)
        staged.manifest.update(
            {
                "freq": freq.alias,
                "horizon": h,
                "n_samples": config.n_samples,
                "params": config.to_dict(),
                "validation": {**history.report.to_dict(), "rules": rules.__dict__},
                "data": {
                    "source": options.source,
                    "fingerprint_sha256": hashlib.sha256(fingerprint.tobytes()).hexdigest(),
                    "rows": int(len(history.frame)),
                    "series": len(fits),
                    "skipped_series": history.report.skipped_series,
                    "start": f"{history.frame[DS].min():%Y-%m-%d}",
                    "end": f"{history.frame[DS].max():%Y-%m-%d}",
                    "mapping": mapping.__dict__,
                },
                "metrics": {"backtest": metrics, "fit_seconds_total": sum(f.fit_seconds for f in fits)},
                "calibration": {
                    "method": "pooled standardised error paths from rolling-origin folds, drawn jointly "
                    "across series (one fold position and source assignment per sample, a group's members "
                    "together); the point forecast half-way between each step's path mean and median; "
                    "every fold re-scaled to the latest fold's spread, each series' spread by "
                    "(own / pooled fold spread) ** 0.25",
                    "folds_per_series": config.calibration_folds,
                    "libraries": calibration,
                },
                "anchor": anchored,
                "group_cols": list(options.group_cols),
                "drivers": (drivers := _drivers_manifest(options.drivers, fits)),
                "libraries": library_versions(
                    ["prophet", "cmdstanpy", "pandas", "numpy", "scikit-learn", "sales-sentinel"]
                ),
                "training": {"backend": "dask" if options.scheduler else "local processes"},
            }
        )
    if options.promote:
        registry.promote(MODEL, staged.version)
    return TrainSummary(
        version=staged.version,
        promoted=options.promote,
        freq=freq,
        n_rows=len(raw),
        fitted=[f.series_id for f in fits],
        skipped=history.report.skipped_series,
        seconds=time.perf_counter() - started,
        config=config,
        metrics=metrics,
        warnings=[p.message for p in history.report.warnings]
        + _coarse_warnings(calibration)
        + _short_history_warnings(history.frame, freq, h),
        calibration=calibration,
        drivers=drivers,
        anchor=anchored,
    )


def _drivers_manifest(spec: DriverSpec, fits: list[SeriesFit]) -> dict[str, Any] | None:
    """The driver flags, and each regressor's median fitted coefficient (per series: series.json)."""
    if not spec.active:
        return None
    median = {
        r: float(np.median([f.effects[r]["coef"] for f in fits if f.effects.get(r, {}).get("fitted")]))
        for r in spec.regressors
        if any(f.effects.get(r, {}).get("fitted") for f in fits)
    }
    return {
        "regressors": list(spec.regressors),
        "open_col": spec.open_col,
        "fill": dict(spec.fill),
        "plan": "plan.parquet",
        "median_coef": median,
        "mode_of_coef": "multiplicative: relative change per unit; additive: sales units per unit",
    }


def _coarse_warnings(calibration: dict[str, Any]) -> list[str]:
    return [
        f"the {scale} calibration pool has only {lib['min_paths_per_step']} error paths at some horizon "
        "steps: probabilities are coarse; more series or a longer history make them finer"
        for scale, lib in calibration.items()
        if lib["coarse"]
    ]


def _short_history_warnings(frame: pd.DataFrame, freq: Frequency, horizon: int) -> list[str]:
    """Series too short for a calibration fold that holds a year's shape (1.5 years) plus the horizon."""
    needed = fold_min_history(freq) + horizon
    lengths = frame.groupby(SERIES_ID).size()
    short = lengths[lengths < needed]
    if short.empty:
        return []
    names = name_list([str(s) for s in short.index])
    return [
        f"{len(short)} of {len(lengths)} series have fewer than {needed} periods of history (1.5 years plus the "
        f"horizon: {names}): their calibration folds cannot see a full yearly cycle, so their bands and "
        "probabilities are likely too confident (on Walmart stores with 62-75 weeks of history, 80% bands "
        "covered 66% of outcomes); a longer history or a shorter horizon helps"
    ]


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
        **({"drivers": summary.drivers} if summary.drivers else {}),
    }
