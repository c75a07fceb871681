"""The promotion gate of ``sentinel retrain``: does the challenger replace the champion?

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

No new periods since the champion: nothing to do. No champion: the first model is promoted
without a gate.

A stale champion (its live figures meet ``policy.force_challenger_when``, ``training.retrain.live``)
gives way to a challenger that passes the data checks even when the error rule would keep it:
the level-shift rule still applies, and since the error rule is also what catches history
restated badly, no more than ``policy.max_level_shift_share`` of the series may have restated
history.

The churn gate
--------------
A challenger is rejected when its holdout ROC AUC falls more than ``policy.auc_tolerance`` below
the champion's recorded holdout ROC AUC. The two AUCs come from different holdouts (each model's
own, stratified 20%), so the gate catches a broken extract or a collapsed model, not differences
of a few thousandths.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.errors import NoChampion
from models.forecast.artifact import load_forecast, load_history
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import ForecastConfig
from models.forecast.model import ForecastModel
from models.forecast.scores import mase, seasonal_naive_scale
from models.registry import Registry
from training.jobs.fitting import fit_all
from training.retrain.config import Policy
from training.retrain.report import JobResult

__all__ = ["churn_gate", "data_changes", "forecast_gate", "served_champion"]

LEVEL_SHIFT_RATIO = 2.0  # actual / forecast total beyond x2 or below /2
RESTATED_TOLERANCE = 0.01  # relative change of a series' total over the periods both extracts hold


def served_champion(registry: Registry, model: str) -> tuple[str, Path, dict[str, Any]] | None:
    """The champion's version, verified directory and manifest; None when there is none yet."""
    try:
        version = registry.champion(model)
    except NoChampion:
        return None
    directory, manifest = registry.open_version(model, version)
    return version, directory, manifest


def data_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
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


def forecast_gate(
    frame: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    served: tuple[str, Path, dict[str, Any]],
    policy: Policy,
    result: JobResult,
    *,
    n_jobs: int,
    scheduler: str | None,
    model: ForecastModel | None = None,
    stale: Sequence[str] = (),
) -> bool:
    """Compare the challenger configuration with the ``served`` champion on ``frame``; True to promote.

    Records the champion, the data changes since its training data and the scores in ``result``
    (its status becomes ``nothing-to-do`` when no period is new). ``model`` is the champion's,
    when already loaded; ``stale`` the reasons its live figures make it stale
    (``training.retrain.live``): then the error rule gives way and only the data checks decide.
    """
    result.champion_before, directory, manifest = served
    result.data_changes = data_changes(load_history(directory), frame)
    model = model or load_forecast(directory, manifest)
    return _score_new_periods(
        frame, freq, config, model, policy, result, n_jobs=n_jobs, scheduler=scheduler, stale=stale
    )


def _score_new_periods(
    frame: pd.DataFrame,
    freq: Frequency,
    config: ForecastConfig,
    champion: ForecastModel,
    policy: Policy,
    result: JobResult,
    *,
    n_jobs: int,
    scheduler: str | None,
    stale: Sequence[str] = (),
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
    window = after.groupby(SERIES_ID, sort=False).head(k)
    drivers = [c for c in frame.columns if c not in (SERIES_ID, DS, Y)]
    plan = window[[SERIES_ID, DS, *drivers]] if drivers else None  # the fold's plan: what happened, as evaluate
    fits, _ = fit_all(before, freq, replace(config, horizon=k), n_jobs=n_jobs, scheduler=scheduler, plan=plan)
    result.timings["gate_fit_seconds"] = time.perf_counter() - started
    actuals = {sid: g[Y].to_numpy(float) for sid, g in window.groupby(SERIES_ID, sort=False)}
    histories = {sid: g[Y].to_numpy(float) for sid, g in before.groupby(SERIES_ID, sort=False)}
    shifted = []
    for fit in fits:
        sid, actual = fit.series_id, actuals[fit.series_id]
        scale = seasonal_naive_scale(histories[sid], freq.season_length)
        champ = np.asarray(champion.forecast(sid, k, 80.0)["yhat"])
        ratio = float(actual.sum() / max(champ.sum(), 1e-9))
        row: dict[str, Any] = {
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
    errors, data = [], []
    if chall_median > champ_median * (1 + policy.tolerance):
        errors.append(
            f"challenger median MASE {chall_median:.3f} exceeds the champion's {champ_median:.3f} x "
            f"(1 + {policy.tolerance:g}) on the {k} periods {result.gate['fold_start']}..{result.gate['fold_end']}"
        )
    if share > policy.max_level_shift_share:
        rows = [r for r in result.per_series if r["level_shift"]][:3]
        examples = ", ".join(f"{r['series_id']} {r['actual_over_forecast']:.0%}" for r in rows)
        data.append(
            f"{len(shifted)} of {len(result.per_series)} series ({share:.0%}) shifted level in the new periods "
            f"(actual total / champion forecast: {examples}, ...), more than policy.max_level_shift_share "
            f"{policy.max_level_shift_share:.0%}: check the extract for missing or zeroed data"
        )
    if not stale:
        result.reasons += errors + data
        return not result.reasons
    # A stale champion: the error rule gives way, but it is also what catches history restated
    # badly, so a forced challenger must show that no more series than max_level_shift_share were.
    restated = set(result.data_changes["restated_series"]) & set(scored)
    if len(restated) / len(scored) > policy.max_level_shift_share:
        data.append(
            f"{len(restated)} of {len(scored)} series ({len(restated) / len(scored):.0%}) have restated history, "
            f"more than policy.max_level_shift_share {policy.max_level_shift_share:.0%}: a stale champion gives way "
            "only to a challenger fitted on a sound extract; check the extract"
        )
    result.gate["force_challenger"] = {"stale": list(stale), "error_rule_overridden": bool(errors and not data)}
    result.reasons += [f"champion is stale: {reason}" for reason in stale]
    if data:
        result.reasons += errors + data
        return False
    result.reasons += [f"overridden by policy.force_challenger_when: {reason}" for reason in errors]
    return True


def churn_gate(challenger_auc: float, champion_auc: float | None, policy: Policy) -> tuple[dict[str, Any], list[str]]:
    """The churn comparison (what the report shows) and the reasons to reject; none to promote."""
    gate = {
        "challenger_roc_auc": challenger_auc,
        "champion_roc_auc": champion_auc,
        "auc_tolerance": policy.auc_tolerance,
    }
    if champion_auc is not None and challenger_auc < champion_auc - policy.auc_tolerance:
        return gate, [
            f"challenger holdout ROC AUC {challenger_auc:.4f} is below the champion's {champion_auc:.4f} "
            f"by more than {policy.auc_tolerance}"
        ]
    return gate, []
