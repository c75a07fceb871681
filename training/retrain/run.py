"""``sentinel retrain``: the monthly job as one safe, observable run.

For each job of the config: load and validate -> gate -> fit and store the challenger -> promote
-> report. The run holds ``<registry>/retrain.lock`` (``fcntl.flock``: the OS releases it when
the process dies, even by SIGKILL) and writes its report under ``<registry>/runs/.running-<id>``,
renamed to ``runs/<id>`` when the run ends, so a killed run leaves no visible version, report or
pointer change; the next run deletes what it left.

The forecast gate (champion vs challenger on the same, most recent fold)
------------------------------------------------------------------------
The fold is the periods that arrived since the champion was trained: its first ``k`` periods
after each series' ``history_end`` (``k`` = the fewest new periods of any series, at most the
champion's horizon). There the champion's *stored* forecast is scored against the new actuals
as it stands (it never saw them), and the challenger's configuration is fitted on the new data
truncated at the same cutoff and scored on the same periods (one extra fit per series, plus its
rolling origins). A challenger is rejected when

* its median MASE exceeds the champion's x (1 + ``policy.tolerance``): a worse configuration, or
  history restated badly (a re-export that zeroes a past month); or
* more than ``policy.max_level_shift_share`` of the series shifted level in the new periods
  (actual total below half or above twice the champion's forecast). A broken latest extract
  (a month of zeros) hurts the champion and the challenger's same-cutoff fit alike, so the error
  rule alone cannot see it; a model trained on it would still forecast the break forward.

No new periods since the champion: nothing to do (exit 0). No champion: the first model is
promoted without a gate. The challenger is stored only when it passes, so a rejected run
leaves the registry as it was.

Exit codes: 0 promoted or nothing to do, 10 a challenger was rejected by the gate, 11 another
run holds the lock, 3 invalid config or data, 1 a job failed or the run crashed.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InvalidInput, NoChampion, RetrainLocked
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import ForecastConfig
from models.forecast.model import ForecastModel, load_forecast
from models.forecast.scores import mase, seasonal_naive_scale
from models.forecast.validation import validate_sales
from models.registry import Registry
from training.cli import exit_codes
from training.jobs.fitting import default_folds, fit_all
from training.jobs.forecast import train_forecast
from training.load import read_table
from training.retrain.config import Policy, RetrainConfig, Source
from training.retrain.report import write_report

__all__ = ["JobResult", "run_retrain"]

log = logging.getLogger(__name__)
LEVEL_SHIFT_RATIO = 2.0  # actual / forecast total beyond x2 or below /2
RESTATED_TOLERANCE = 0.01  # relative change of a series' total over the periods both extracts hold


@dataclass
class JobResult:
    model: str
    status: str  # promoted | rejected | nothing-to-do | would-promote (dry run) | invalid-input | failed
    reasons: list[str] = field(default_factory=list)
    version: str | None = None
    champion_before: str | None = None
    gate: dict[str, Any] = field(default_factory=dict)
    per_series: list[dict[str, Any]] = field(default_factory=list)
    data_changes: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """Exclusive lock on ``<root>/retrain.lock``; RetrainLocked at once if another run holds it."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "retrain.lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise RetrainLocked(f"another retrain holds {path} ({holder}); this run did nothing") from None
        fh.truncate(0)
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_source(source: Source) -> pd.DataFrame:
    frames = [read_table(path, source.mapping) for path in source.files()]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _champion(registry: Registry, model: str) -> tuple[str, Path, dict[str, Any]] | None:
    try:
        version = registry.champion(model)
    except NoChampion:
        return None
    directory, manifest = registry.open_version(model, version)
    return version, directory, manifest


def _data_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
    """New and vanished series, and series whose overlapping history was restated."""
    old_ids, new_ids = set(old[SERIES_ID].unique()), set(new[SERIES_ID].unique())
    both = old.merge(new, on=[SERIES_ID, DS], suffixes=("_old", "_new"))
    sums = both.groupby(SERIES_ID)[[f"{Y}_old", f"{Y}_new"]].sum()
    change = (sums[f"{Y}_new"] - sums[f"{Y}_old"]).abs() / sums[f"{Y}_old"].abs().clip(lower=1e-9)
    return {
        "new_series": sorted(new_ids - old_ids),
        "vanished_series": sorted(old_ids - new_ids),
        "restated_series": sorted(change.index[change > RESTATED_TOLERANCE]),
        "rows_before": int(len(old)),
        "rows_now": int(len(new)),
    }


def _forecast_gate(
    frame: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    champion: ForecastModel,
    policy: Policy,
    result: JobResult,
    *,
    n_jobs: int,
    scheduler: str | None,
) -> bool:
    """Score champion and challenger configuration on the periods since the champion; True to promote."""
    ends = {i.series_id: pd.Timestamp(i.history_end) for i in champion.infos}
    common = [sid for sid in frame[SERIES_ID].unique() if sid in ends]
    after = frame[frame[SERIES_ID].isin(common) & (frame[DS] > frame[SERIES_ID].map(ends))]
    counts = after.groupby(SERIES_ID).size().reindex(common, fill_value=0)
    if not (counts > 0).any():
        result.status = "nothing-to-do"
        result.reasons.append("no new periods since the champion's training data ended")
        return False
    # The fold is as long as most series' new data; a series with less (it stopped reporting, or
    # lags) is left out of the comparison and listed, rather than shortening everyone's fold.
    k = int(min(counts[counts > 0].mode().max(), champion.horizon))
    scored = [sid for sid in common if counts[sid] >= k]
    result.data_changes["lagging_series"] = sorted(set(common) - set(scored))
    after = after[after[SERIES_ID].isin(scored)]
    before = frame[frame[SERIES_ID].isin(scored) & (frame[DS] <= frame[SERIES_ID].map(ends))]
    started = time.perf_counter()
    fits, _ = fit_all(before, freq, replace(config, horizon=k), n_jobs=n_jobs, scheduler=scheduler)
    result.timings["gate_fit_seconds"] = time.perf_counter() - started
    window = after.groupby(SERIES_ID, sort=False).head(k)
    actuals = {sid: g[Y].to_numpy(float) for sid, g in window.groupby(SERIES_ID, sort=False)}
    histories = {sid: g[Y].to_numpy(float) for sid, g in before.groupby(SERIES_ID, sort=False)}
    shifted = []
    for fit in fits:
        sid, actual = fit.series_id, actuals[fit.series_id]
        scale = seasonal_naive_scale(histories[sid], freq.season_length)
        champ = np.asarray(champion.forecast(sid, k, 80.0)["yhat"])
        ratio = float(actual.sum() / max(champ.sum(), 1e-9))
        row = {
            "series_id": sid,
            "champion_mase": mase(actual, champ, scale),
            "challenger_mase": mase(actual, fit.yhat[:k], scale),
            "actual_over_forecast": ratio,
            "level_shift": not 1 / LEVEL_SHIFT_RATIO <= ratio <= LEVEL_SHIFT_RATIO,
        }
        row["worse"] = row["challenger_mase"] > row["champion_mase"] * (1 + policy.tolerance)
        shifted += [sid] if row["level_shift"] else []
        result.per_series.append(row)
    champ_median = float(np.median([r["champion_mase"] for r in result.per_series]))
    chall_median = float(np.median([r["challenger_mase"] for r in result.per_series]))
    share = len(shifted) / len(result.per_series)
    result.gate = {
        "fold_periods": k,
        "fold_start": f"{window[DS].min():%Y-%m-%d}",
        "fold_end": f"{window[DS].max():%Y-%m-%d}",
        "series_scored": len(result.per_series),
        "champion_median_mase": champ_median,
        "challenger_median_mase": chall_median,
        "tolerance": policy.tolerance,
        "series_worse": sum(r["worse"] for r in result.per_series),
        "level_shift_share": share,
        "max_level_shift_share": policy.max_level_shift_share,
    }
    result.data_changes["level_shift_series"] = shifted
    if chall_median > champ_median * (1 + policy.tolerance):
        result.reasons.append(
            f"challenger median MASE {chall_median:.3f} exceeds the champion's {champ_median:.3f} x "
            f"(1 + {policy.tolerance:g}) on the {k} periods {result.gate['fold_start']}..{result.gate['fold_end']}"
        )
    if share > policy.max_level_shift_share:
        rows = [r for r in result.per_series if r["level_shift"]][:3]
        examples = ", ".join(f"{r['series_id']} {r['actual_over_forecast']:.0%}" for r in rows)
        result.reasons.append(
            f"{len(shifted)} of {len(result.per_series)} series ({share:.0%}) shifted level in the new periods "
            f"(actual total / champion forecast: {examples}, ...), more than policy.max_level_shift_share "
            f"{policy.max_level_shift_share:.0%}: check the extract for missing or zeroed data"
        )
    return not result.reasons


def _run_forecast(
    config: RetrainConfig, registry: Registry, *, dry_run: bool, n_jobs: int, scheduler: str | None
) -> JobResult:
    job = config.forecast
    assert job is not None
    result = JobResult("forecast", "failed")
    started = time.perf_counter()
    source = config.sources[job.source]
    raw = read_source(source)
    history = validate_sales(raw, source.mapping, source.rules)
    result.timings["load_validate_seconds"] = time.perf_counter() - started
    freq, frame = history.freq, history.frame
    champion = _champion(registry, "forecast")
    n_series = frame[SERIES_ID].nunique()
    fc = ForecastConfig(
        horizon=job.horizon or freq.default_horizon,
        n_samples=job.samples,
        country_holidays=job.country_holidays,
        seasonality_mode=job.seasonality_mode,  # type: ignore[arg-type]
        nonnegative=not source.rules.allow_negative,
        ensemble=job.ensemble,
        calibration_folds=job.folds or default_folds(n_series),
    )
    if champion is None:
        result.reasons.append("no champion yet: the first model is promoted without a gate")
        passed = True
    else:
        result.champion_before, directory, manifest = champion
        model = load_forecast(directory, manifest)
        result.data_changes = _data_changes(pd.read_parquet(directory / "history.parquet"), frame)
        passed = _forecast_gate(frame, freq, fc, model, config.policy, result, n_jobs=n_jobs, scheduler=scheduler)
        if result.status == "nothing-to-do":
            return result
    if not passed:
        result.status = "rejected"
    elif dry_run:
        result.status = "would-promote"
    else:
        fit_started = time.perf_counter()
        summary = train_forecast(
            raw,
            registry,
            mapping=source.mapping,
            rules=source.rules,
            horizon=fc.horizon,
            n_samples=fc.n_samples,
            country_holidays=fc.country_holidays,
            seasonality_mode=fc.seasonality_mode,
            ensemble=fc.ensemble,
            calibration_folds=fc.calibration_folds,
            n_jobs=n_jobs,
            progress=False,
            source=source.path,
            scheduler=scheduler,
        )
        result.timings["train_seconds"] = time.perf_counter() - fit_started
        result.version, result.status = summary.version, "promoted"
    result.timings["total_seconds"] = time.perf_counter() - started
    return result


def _run_churn(config: RetrainConfig, registry: Registry, *, dry_run: bool = False, **_: Any) -> JobResult:
    """Churn: fit a challenger on the new table and promote it unless its holdout ROC AUC falls
    more than ``policy.auc_tolerance`` below the champion's recorded holdout ROC AUC.

    The two AUCs come from different holdouts (each model's own, stratified 20%), so the gate
    catches a broken extract or a collapsed model, not differences of a few thousandths.
    """
    from training.jobs.churn import train_churn

    started = time.perf_counter()
    section = dict(config.churn or {})
    name = section.get("source")
    if name not in config.sources:
        known = ", ".join(sorted(config.sources)) or "none"
        return JobResult("churn", "invalid-input", [f"jobs.churn.source: unknown source {name!r} (defined: {known})"])
    source = config.sources[name]
    try:
        frame = pd.concat([read_table(path) for path in source.files()], ignore_index=True)
        served = _champion(registry, "churn")
        champion = served[0] if served else None
        champion_auc = served[2]["metrics"]["holdout"]["model"]["roc_auc"] if served else None
        summary = train_churn(
            frame,
            registry,
            id_col=section.get("id_col", "customer_id"),
            label_col=section.get("label_col", "churned"),
            value_col=section.get("value_col"),
            segment_col=section.get("segment_col"),
            budget_seconds=float(section.get("time_budget", 30)),
            promote=False,
            source=source.path,
        )
    except InvalidInput as exc:
        return JobResult("churn", "invalid-input", [str(exc)])
    auc = float(summary.holdout["model"]["roc_auc"])
    gate = {"challenger_roc_auc": auc, "champion_roc_auc": champion_auc, "auc_tolerance": config.policy.auc_tolerance}
    result = JobResult("churn", "promoted", version=summary.version, champion_before=champion, gate=gate)
    if champion_auc is not None and auc < champion_auc - config.policy.auc_tolerance:
        result.status = "rejected"
        result.reasons.append(
            f"challenger holdout ROC AUC {auc:.4f} is below the champion's {champion_auc:.4f} "
            f"by more than {config.policy.auc_tolerance}"
        )
    elif dry_run:
        result.status = "would-promote"
    else:
        registry.promote("churn", summary.version)
    result.timings["total_seconds"] = time.perf_counter() - started
    return result


def run_retrain(
    config: RetrainConfig,
    registry: Registry,
    *,
    dry_run: bool = False,
    n_jobs: int = -1,
    scheduler: str | None = None,
) -> tuple[int, Path, list[JobResult]]:
    """Run every job of ``config`` under the registry's run lock; return (exit code, report dir, results)."""
    with run_lock(registry.root):
        runs = registry.root / "runs"
        runs.mkdir(exist_ok=True)
        for stale in runs.glob(".running-*"):  # a killed run's half-written report
            shutil.rmtree(stale, ignore_errors=True)
        for model in ("forecast", "churn"):
            for name in registry.clean_staging(model):
                log.warning("removed %s/%s left by a run that died mid-write", model, name)
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        work = runs / f".running-{run_id}"
        work.mkdir()
        started_at, started = datetime.now(UTC), time.perf_counter()
        results = []
        jobs = [("forecast", _run_forecast)] if config.forecast else []
        jobs += [("churn", _run_churn)] if config.churn is not None else []
        for name, run in jobs:
            log.info("retrain %s: %s", run_id, name)
            try:
                results.append(run(config, registry, dry_run=dry_run, n_jobs=n_jobs, scheduler=scheduler))
            except InvalidInput as exc:  # the data or config is at fault: exit 3, reported like the rest
                results.append(JobResult(name, "invalid-input", [str(exc)]))
            except Exception as exc:  # noqa: BLE001 - one failed job must not stop the others
                log.exception("retrain job %s failed", name)
                results.append(JobResult(name, "failed", [f"{type(exc).__name__}: {exc}"]))
        code = exit_codes.for_retrain(r.status for r in results)
        meta = {
            "run_id": run_id,
            "config": str(config.path),
            "dry_run": dry_run,
            "scheduler": scheduler or "local processes",
            "started_at": started_at.isoformat(),
            "seconds": time.perf_counter() - started,
            "exit_code": code,
        }
        write_report(work, meta, results)
        final = runs / run_id
        os.rename(work, final)
        if code in (exit_codes.OK, exit_codes.REJECTED) and not dry_run:
            registry.write_retrain_status({"run_id": run_id, "jobs": {r.model: r.status for r in results}})
        return code, final, results
