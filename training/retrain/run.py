"""``sentinel retrain``: the monthly job as one safe, observable run.

For each job of the config: load and validate -> gate (``training.retrain.gate``) -> fit and
store the challenger -> promote -> report. The run holds the registry's retrain lock (the OS
releases it when the process dies, even by SIGKILL) and writes its report into a hidden run
directory that is published when the run ends, so a killed run leaves no visible version,
report or pointer change; the next run deletes what it left (``Registry.begin_run``).

The challenger is stored only when it passes the gate, so a rejected run leaves the registry as
it was. The forecast champion's live figures (its scores in the service's database,
``training.retrain.live``) are reported, and with ``policy.force_challenger_when`` a stale
champion gives way to a challenger that passes the data checks.

Exit codes: 0 promoted or nothing to do, 10 a challenger was rejected by the gate, 11 another
run holds the lock, 3 invalid config or data, 1 a job failed or the run crashed.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from models.errors import InvalidInput
from models.forecast.artifact import load_forecast
from models.forecast.drivers import DriverSpec
from models.forecast.model import ForecastModel
from models.registry import Registry
from training.cli import exit_codes
from training.jobs.forecast import TrainOptions, train_forecast
from training.load import read_table
from training.retrain.config import ForceChallenger, RetrainConfig, Source
from training.retrain.gate import churn_gate, forecast_gate, served_champion
from training.retrain.live import read_live, stale_reasons, thin_evidence
from training.retrain.report import JobResult, write_report

__all__ = ["JobResult", "run_retrain"]

log = logging.getLogger(__name__)


def read_source(source: Source) -> pd.DataFrame:
    """Every file of a source, read with its column mapping and concatenated."""
    frames = [read_table(path, source.mapping) for path in source.files()]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _run_forecast(
    config: RetrainConfig,
    registry: Registry,
    *,
    dry_run: bool,
    n_jobs: int,
    scheduler: str | None,
    database_url: str | None = None,
) -> JobResult:
    job = config.forecast
    assert job is not None
    result = JobResult("forecast", "failed")
    started = time.perf_counter()
    source = config.sources[job.source]
    raw = read_source(source)
    files = job.future_files()
    future = pd.concat([read_table(f, source.mapping) for f in files], ignore_index=True) if files else None
    result.timings["load_validate_seconds"] = time.perf_counter() - started
    options = TrainOptions(
        mapping=source.mapping,
        rules=source.rules,
        horizon=job.horizon,
        n_samples=job.samples,
        country_holidays=job.country_holidays,
        seasonality_mode=job.seasonality_mode,
        ensemble=job.ensemble,
        calibration_folds=job.folds,
        n_jobs=n_jobs,
        progress=False,
        source=source.path,
        scheduler=scheduler,
        drivers=job.drivers,
    )
    history, _ = options.validate(raw, future)  # training's own validation, drivers included
    champion = served_champion(registry, "forecast")
    if champion is None:
        result.reasons.append("no champion yet: the first model is promoted without a gate")
        passed = True
    else:
        model = load_forecast(champion[1], champion[2])
        stale = _live(result, model, config.policy.force_challenger_when, database_url)
        passed = forecast_gate(
            history.frame,
            history.freq,
            options.config(history),
            champion,
            config.policy,
            result,
            n_jobs=n_jobs,
            scheduler=scheduler,
            model=model,
            stale=stale,
        )
        passed = _drivers_kept(champion[2], job.drivers, result) and passed
        if result.status == "nothing-to-do":
            return result
    if not passed:
        result.status = "rejected"
    elif dry_run:
        result.status = "would-promote"
    else:
        fit_started = time.perf_counter()
        summary = train_forecast(raw, registry, options, future)
        result.timings["train_seconds"] = time.perf_counter() - fit_started
        result.version, result.status = summary.version, "promoted"
    result.timings["total_seconds"] = time.perf_counter() - started
    return result


def _drivers_kept(manifest: dict[str, Any], drivers: DriverSpec, result: JobResult) -> bool:
    """False (with the reasons) when the challenger's config drops a driver the champion was trained with:
    its regressors (promoting it would answer clients' scenario, plan and goal-seek requests with 422) or
    its open_col (closed periods would no longer be forecast as exactly 0)."""
    had = manifest.get("drivers") or {}
    reasons: list[str] = []
    regressors = list(had.get("regressors") or [])
    missing = [r for r in regressors if r not in drivers.regressors]
    if missing:
        reasons.append(
            f"the champion was trained with regressors {', '.join(regressors)} but the challenger has no "
            f"{', '.join(missing)}: not promoted, since scenarios, plans and goal seek would answer 422; "
            f"add them to jobs.forecast.regressors (with a jobs.forecast.future plan)"
        )
    open_col = had.get("open_col")
    if open_col and drivers.open_col is None:
        reasons.append(
            f"the champion was trained with open_col {open_col} but the challenger has none: not promoted, "
            f"since closed periods would be forecast as sales instead of exactly 0; set jobs.forecast.open_col "
            f"to {open_col} (with its plan over the horizon, e.g. in jobs.forecast.future)"
        )
    result.reasons += reasons
    return not reasons


def _live(result: JobResult, model: ForecastModel, when: ForceChallenger | None, database_url: str | None) -> list[str]:
    """Record the champion's live figures in ``result``; return why they make it stale (if they do)."""
    if database_url is None:
        result.live = {"status": "no-database", "detail": "no database URL given", "model_version": model.version}
    else:
        result.live = read_live(database_url, model)
    stale = stale_reasons(result.live, when)
    if stale:
        result.live["verdict"] = "stale: a challenger that passes the data checks replaces it"
    elif when is not None:
        why = result.live["detail"] or thin_evidence(result.live, when) or "no force_challenger_when condition is met"
        result.live["verdict"] = f"the usual gate decides: {why}"
    return stale


def _run_churn(config: RetrainConfig, registry: Registry, *, dry_run: bool = False, **_: Any) -> JobResult:
    """Churn: fit a challenger on the new table and promote it unless the gate rejects it."""
    from training.jobs.churn import train_churn

    started = time.perf_counter()
    job = config.churn
    assert job is not None  # run_retrain runs this job only when the config has one
    source = config.sources[job.source]
    try:
        frame = pd.concat([read_table(path) for path in source.files()], ignore_index=True)
        served = served_champion(registry, "churn")
        champion = served[0] if served else None
        champion_auc = served[2]["metrics"]["holdout"]["model"]["roc_auc"] if served else None
        summary = train_churn(
            frame,
            registry,
            id_col=job.id_col,
            label_col=job.label_col,
            value_col=job.value_col,
            segment_col=job.segment_col,
            budget_seconds=job.time_budget,
            promote=False,
            source=source.path,
        )
    except InvalidInput as exc:
        return JobResult("churn", "invalid-input", [str(exc)])
    gate, reasons = churn_gate(float(summary.holdout["model"]["roc_auc"]), champion_auc, config.policy)
    result = JobResult("churn", "promoted", reasons, version=summary.version, champion_before=champion, gate=gate)
    if reasons:
        result.status = "rejected"
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
    database_url: str | None = None,
) -> tuple[int, Path, list[JobResult]]:
    """Run every job of ``config`` under the registry's retrain lock; return (exit code, report dir, results).

    ``database_url`` is the service's database, read for the forecast champion's live figures."""
    with registry.retrain_lock():
        for model in ("forecast", "churn"):
            for name in registry.clean_staging(model):
                log.warning("removed %s/%s left by a run that died mid-write", model, name)
        run_id, work = registry.begin_run()
        started_at, started = datetime.now(UTC), time.perf_counter()
        results = []
        jobs = [("forecast", _run_forecast)] if config.forecast else []
        jobs += [("churn", _run_churn)] if config.churn is not None else []
        for name, run in jobs:
            log.info("retrain %s: %s", run_id, name)
            try:
                kwargs: dict[str, Any] = {"dry_run": dry_run, "n_jobs": n_jobs, "scheduler": scheduler}
                kwargs["database_url"] = database_url
                results.append(run(config, registry, **kwargs))
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
        final = registry.publish_run(run_id)
        if code in (exit_codes.OK, exit_codes.REJECTED) and not dry_run:
            registry.write_retrain_status({"run_id": run_id, "jobs": {r.model: r.status for r in results}})
        return code, final, results
