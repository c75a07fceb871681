"""``sentinel evaluate``: a rolling-origin backtest of our forecaster, optionally beside peers.

Origins are the last ``cutoffs`` non-overlapping windows of ``horizon`` periods before the
latest date. At each origin every model sees only the history up to it; ours (including its
internal calibration folds) is trained by the same code as ``sentinel train forecast``.
Targets are set the way planners set them: last year's same-period sum x 0.85 ... 1.15.
With drivers (``--regressors``, ``--open-col``) each origin's plan is the drivers' recorded values
over its window, as a planner's plan would have been had it come true.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from models.forecast import scores as M
from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import ForecastConfig
from models.forecast.peers import PeerForecast, auto_ets, prophet_default, seasonal_naive
from models.forecast.validation import SalesHistory
from training.jobs.fitting import fit_all
from training.logs import quiet_third_party

__all__ = ["EvalResult", "evaluate"]

OURS = "sales-sentinel"
MULTIPLIERS = (0.85, 0.90, 0.95, 1.00, 1.05, 1.10, 1.15)
PEERS = {"prophet-default": prophet_default, "auto-ets": auto_ets, "seasonal-naive": seasonal_naive}


@dataclass
class _Scores:
    """Everything scored for one model, appended per (series, origin)."""

    origin: list[int] = field(default_factory=list)  # which origin each (series, origin) row is
    mase: list[float] = field(default_factory=list)
    smape: list[float] = field(default_factory=list)
    bias: list[float] = field(default_factory=list)  # forecast period total / actual total - 1
    scrps: list[float] = field(default_factory=list)
    inside: dict[int, list[np.ndarray]] = field(default_factory=lambda: {80: [], 95: []})
    probability: list[float] = field(default_factory=list)
    outcome: list[float] = field(default_factory=list)
    multiplier: list[float] = field(default_factory=list)
    target_origin: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


@dataclass
class EvalResult:
    table: dict[str, dict[str, float | None]]
    reliability: dict[str, list[dict[str, float]]]
    coverage_by_step: dict[str, list[float]]
    meta: dict[str, Any]
    by_origin: dict[str, list[dict[str, float | None]]] = field(default_factory=dict)


def _peer_one(name: str, history: pd.DataFrame, freq: Frequency, horizon: int) -> tuple[PeerForecast, float]:
    quiet_third_party(fitting=True)
    started = time.perf_counter()
    forecast = PEERS[name](history, freq, horizon)
    return forecast, time.perf_counter() - started


def _score(
    s: _Scores,
    k: int,
    actual: np.ndarray,
    train: np.ndarray,
    freq: Frequency,
    yhat: np.ndarray,
    interval: Any,
    paths: np.ndarray | None,
    peer: PeerForecast | None,
) -> None:
    scale = M.seasonal_naive_scale(train, freq.season_length)
    s.origin.append(k)
    s.mase.append(M.mase(actual, yhat, scale))
    s.smape.append(M.smape(actual, yhat))
    total = float(actual.sum())
    s.bias.append(float(yhat.sum()) / total - 1 if total > 0 else math.nan)
    if paths is not None:
        s.scrps.append(float(M.crps_samples(actual, paths).mean() / scale))
    elif peer is not None and peer.sd is not None:
        s.scrps.append(float(M.crps_normal(actual, yhat, peer.sd).mean() / scale))
    else:
        s.scrps.append(float(np.mean(np.abs(actual - yhat)) / scale))  # a point forecast's CRPS is its MAE
    for level in (80, 95):
        bounds = interval(level / 100)
        if bounds is not None:
            s.inside[level].append((actual >= bounds[0]) & (actual <= bounds[1]))
    shift = freq.season_length * math.ceil(len(actual) / freq.season_length)
    if len(train) >= shift:
        base = train[len(train) - shift : len(train) - shift + len(actual)].sum()
        for mult in MULTIPLIERS:
            target = base * mult
            if paths is not None:
                p: float | None = float(np.mean(paths.sum(axis=1) >= target))
            else:
                p = peer.probability_at_least(target) if peer is not None else None
            if p is not None:
                s.probability.append(p)
                s.outcome.append(float(actual.sum() >= target))
                s.multiplier.append(mult)
                s.target_origin.append(k)


def evaluate(
    history: SalesHistory,
    horizon: int,
    cutoffs: int,
    *,
    peers: bool = False,
    config: ForecastConfig | None = None,
    n_jobs: int = -1,
    progress: bool = False,
) -> EvalResult:
    """Backtest at ``cutoffs`` origins; return the metric table, reliability and coverage data."""
    freq, frame = history.freq, history.frame
    last = frame[DS].max()
    origins = [last - freq.offset * (horizon * k) for k in range(cutoffs, 0, -1)]
    n_series = frame[SERIES_ID].nunique()
    config = config or ForecastConfig.for_history(history, horizon=horizon)
    names = [OURS, *(PEERS if peers else [])]
    scores = {name: _Scores() for name in names}
    skipped = 0
    for k, origin in enumerate(tqdm(origins, desc="rolling origins", unit="origin", disable=not progress)):
        train = frame[frame[DS] <= origin]
        sizes = train.groupby(SERIES_ID).size()
        test = frame[(frame[DS] > origin)].groupby(SERIES_ID).head(horizon)
        complete = test.groupby(SERIES_ID).size()
        keep = [s for s in sizes.index if sizes[s] >= freq.min_length and complete.get(s, 0) == horizon]
        skipped += n_series - len(keep)
        train = train[train[SERIES_ID].isin(keep)]
        groups = {sid: g.reset_index(drop=True) for sid, g in train.groupby(SERIES_ID, sort=False)}
        actuals = {sid: g[Y].to_numpy(dtype=float) for sid, g in test[test[SERIES_ID].isin(keep)].groupby(SERIES_ID)}
        drivers = [c for c in frame.columns if c not in (SERIES_ID, DS, Y)]
        plan = test.loc[test[SERIES_ID].isin(keep), [SERIES_ID, DS, *drivers]] if drivers else None
        fits, _ = fit_all(train, freq, config, n_jobs=n_jobs, plan=plan)  # a fold's plan: what happened
        for fit in fits:
            lo_hi = {lvl: np.quantile(fit.paths, [(1 - lvl) / 2, (1 + lvl) / 2], axis=0) for lvl in (0.8, 0.95)}
            _score(
                scores[OURS],
                k,
                actuals[fit.series_id],
                groups[fit.series_id][Y].to_numpy(dtype=float),
                freq,
                fit.yhat,
                lambda lvl, b=lo_hi: b[lvl],
                fit.paths,
                None,
            )
            scores[OURS].seconds.append(fit.fit_seconds)
        for name in names[1:]:
            jobs = (delayed(_peer_one)(name, g[[DS, Y]], freq, horizon) for g in groups.values())
            for sid, (peer, seconds) in zip(groups, Parallel(n_jobs=n_jobs)(jobs), strict=True):
                _score(
                    scores[name],
                    k,
                    actuals[sid],
                    groups[sid][Y].to_numpy(dtype=float),
                    freq,
                    peer.yhat,
                    peer.interval,
                    peer.paths,
                    peer,
                )
                scores[name].seconds.append(seconds)
    return _summarise(scores, origins, horizon, n_series, skipped, freq)


def _summarise(
    scores: dict[str, _Scores], origins: list[pd.Timestamp], horizon: int, n_series: int, skipped: int, freq: Frequency
) -> EvalResult:
    table: dict[str, dict[str, float | None]] = {}
    reliability, by_step, by_origin = {}, {}, {}
    for name, s in scores.items():
        row: dict[str, float | None] = {
            "mase": float(np.mean(s.mase)),
            "smape": float(np.mean(s.smape)),
            "bias": _median(s.bias),
            "scaled_crps": float(np.mean(s.scrps)),
            "fit_seconds_per_series": float(np.mean(s.seconds)),
        }
        for level in (80, 95):
            row[f"coverage_{level}"] = float(np.mean(np.stack(s.inside[level]))) if s.inside[level] else None
        if s.inside[80]:
            by_step[name] = np.stack(s.inside[80]).mean(axis=0).tolist()
        if s.probability:
            p, o, mult = np.array(s.probability), np.array(s.outcome), np.array(s.multiplier)
            clim = np.array([o[mult == m].mean() for m in mult])  # per target level base rate
            row.update(brier=M.brier(p, o), brier_skill=M.brier_skill(p, o, clim), ece=M.ece(p, o))
            reliability[name] = M.reliability(p, o)
        else:
            row.update(brier=None, brier_skill=None, ece=None)
        table[name] = row
        by_origin[name] = [_origin_row(s, k, origin) for k, origin in enumerate(origins)]
    meta = {
        "origins": [f"{o:%Y-%m-%d}" for o in origins],
        "horizon": horizon,
        "freq": freq.alias,
        "series": n_series,
        "series_origins_skipped": skipped,
        "series_origins_scored": len(scores[OURS].mase),
        "targets": f"last year's same-period sum x {list(MULTIPLIERS)}",
        "notes": {
            "auto-ets": "period-sum probabilities assume independent steps (normal marginals)",
            "seasonal-naive": "point forecast: no interval or probability",
        },
    }
    return EvalResult(table, reliability, by_step, meta, by_origin)


def _median(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else None


def _origin_row(s: _Scores, k: int, origin: pd.Timestamp) -> dict[str, Any]:
    """One origin's accuracy, period-total bias and calibration in the large (mean p - hit rate)."""
    rows = [i for i, o in enumerate(s.origin) if o == k]
    targets = [i for i, o in enumerate(s.target_origin) if o == k]
    p = np.array([s.probability[i] for i in targets])
    o = np.array([s.outcome[i] for i in targets])
    return {
        "origin": f"{origin:%Y-%m-%d}",
        "series": len(rows),
        "mase": float(np.mean([s.mase[i] for i in rows])) if rows else None,
        "bias": _median([s.bias[i] for i in rows]),
        "mean_probability": float(p.mean()) if p.size else None,
        "hit_rate": float(o.mean()) if o.size else None,
    }


def render_table(result: EvalResult) -> str:
    def fmt(v: float | None, spec: str) -> str:
        return format(v, spec) if v is not None else "-"

    columns = ("MASE", "sMAPE", "bias", "sCRPS", "cov80", "cov95", "Brier", "BSS", "ECE", "s/ser")
    head = f"{'model':<17}" + "".join(f"{c:>7}" for c in columns)
    lines = [head]
    for name, r in result.table.items():
        lines.append(
            f"{name:<17}{fmt(r['mase'], '.3f'):>7}{fmt(r['smape'], '.3f'):>7}{fmt(r['bias'], '+.1%'):>7}"
            f"{fmt(r['scaled_crps'], '.3f'):>7}"
            f"{fmt(r['coverage_80'], '.2f'):>7}{fmt(r['coverage_95'], '.2f'):>7}{fmt(r['brier'], '.3f'):>7}"
            f"{fmt(r['brier_skill'], '.3f'):>7}{fmt(r['ece'], '.3f'):>7}{fmt(r['fit_seconds_per_series'], '.2f'):>7}"
        )
    if len(result.meta["origins"]) > 1:
        lines += ["", "per origin: median period-total bias | mean target probability - hit rate"]
        lines.append(f"{'origin':<12}" + "".join(f"{name:>24}" for name in result.by_origin))
        for k, origin in enumerate(result.meta["origins"]):
            cells = []
            for rows in result.by_origin.values():
                r = rows[k]
                gap = None if r["hit_rate"] is None else r["mean_probability"] - r["hit_rate"]
                cells.append(f"{fmt(r['bias'], '+.1%')} | {fmt(gap, '+.2f')}")
            lines.append(f"{origin:<12}" + "".join(f"{c:>24}" for c in cells))
    return "\n".join(lines)
