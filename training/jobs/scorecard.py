"""The scorecard of ``sentinel evaluate``: every forecast scored the same way, and the table.

Each model's forecasts are scored by ``score`` into its ``Scores``, identically for every row:
MASE against the in-sample seasonal-naive change, sMAPE, the period total's bias, scaled CRPS, 80%
and 95% interval coverage, and for planner-style targets (last year's same-period sum x 0.85 ...
1.15) the probability of reaching each. Closed periods (``is_open`` 0) sell a known 0: they count
as 0 in period totals, but point errors, CRPS and coverage skip them, and the MASE scale is the
seasonal-naive change between open periods (``open_scale``). ``summarise`` turns the scores into
the table, reliability and per-origin rows, and for our joint sample paths the ECE a calibrated
forecaster would show on the same targets by chance (``chance_ece``); ``render_table`` prints them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.forecast import scores as M
from models.forecast.contracts import Frequency
from models.forecast.effects import open_scale
from models.forecast.peers import PeerForecast

__all__ = [
    "MULTIPLIERS",
    "NO_DRIVERS",
    "OURS",
    "PROPHET_REGRESSORS",
    "EvalResult",
    "Scores",
    "chance_ece",
    "render_table",
    "score",
    "summarise",
]

OURS = "sales-sentinel"
NO_DRIVERS = "sales-sentinel (no drivers)"  # ours with the drivers left out: what they gain
PROPHET_REGRESSORS = "prophet+regressors"
MULTIPLIERS = (0.85, 0.90, 0.95, 1.00, 1.05, 1.10, 1.15)


@dataclass
class Scores:
    """Everything scored for one model, appended per (series, origin)."""

    origin: list[int] = field(default_factory=list)  # which origin each (series, origin) row is
    mase: list[float] = field(default_factory=list)
    smape: list[float] = field(default_factory=list)
    bias: list[float] = field(default_factory=list)  # forecast period total / actual total - 1
    scrps: list[float] = field(default_factory=list)
    inside: dict[int, list[np.ndarray]] = field(default_factory=lambda: {80: [], 95: []})  # 1/0, NaN closed
    probability: list[float] = field(default_factory=list)
    outcome: list[float] = field(default_factory=list)
    multiplier: list[float] = field(default_factory=list)
    target_origin: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    # Ours only (``joint``: sample j of every series is one shared scenario): per target row its
    # amount and the (n_samples,) period totals it was read off, for ``chance_ece``.
    joint: bool = False
    target: list[float] = field(default_factory=list)
    totals: list[np.ndarray] = field(default_factory=list)
    target_totals: list[int] = field(default_factory=list)


@dataclass
class EvalResult:
    table: dict[str, dict[str, float | None]]
    reliability: dict[str, list[dict[str, float]]]
    coverage_by_step: dict[str, list[float]]
    meta: dict[str, Any]
    by_origin: dict[str, list[dict[str, float | None]]] = field(default_factory=dict)


def score(
    s: Scores,
    k: int,
    actual: np.ndarray,
    train: np.ndarray,
    freq: Frequency,
    yhat: np.ndarray,
    interval: Any,
    paths: np.ndarray | None,
    peer: PeerForecast | None,
    *,
    is_open: np.ndarray | None = None,
    train_open: np.ndarray | None = None,
) -> None:
    """Score one (series, origin) forecast into ``s``; ``is_open`` / ``train_open`` (1 open, 0 closed)
    mark the window's and the history's closed periods, which point errors and coverage skip."""
    shut = np.zeros(len(actual), dtype=bool) if is_open is None else np.asarray(is_open) == 0
    before = np.ones(len(train), dtype=bool) if train_open is None else np.asarray(train_open) == 1
    scale = open_scale(train, before, freq.season_length)  # seasonal_naive_scale when every period is open
    a, f, o = actual[~shut], yhat[~shut], ~shut
    s.origin.append(k)
    s.mase.append(M.mase(a, f, scale) if o.any() else math.nan)
    s.smape.append(M.smape(a, f) if o.any() else math.nan)
    total = float(actual.sum())
    s.bias.append(float(yhat.sum()) / total - 1 if total > 0 else math.nan)
    if not o.any():
        s.scrps.append(math.nan)
    elif paths is not None:
        s.scrps.append(float(M.crps_samples(a, paths[:, o]).mean() / scale))
    elif peer is not None and peer.sd is not None:
        s.scrps.append(float(M.crps_normal(a, f, peer.sd[o]).mean() / scale))
    else:
        s.scrps.append(float(np.mean(np.abs(a - f)) / scale))  # a point forecast's CRPS is its MAE
    for level in (80, 95):
        bounds = interval(level / 100)
        if bounds is not None:
            hit = ((actual >= bounds[0]) & (actual <= bounds[1])).astype(float)
            s.inside[level].append(np.where(shut, np.nan, hit))
    shift = freq.season_length * math.ceil(len(actual) / freq.season_length)
    if len(train) >= shift:
        base = train[len(train) - shift : len(train) - shift + len(actual)].sum()
        if s.joint and paths is not None:
            s.totals.append(paths.sum(axis=1, dtype=np.float64))
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
                if s.joint and paths is not None:
                    s.target.append(target)
                    s.target_totals.append(len(s.totals) - 1)


def summarise(
    scores: dict[str, Scores], origins: list[pd.Timestamp], horizon: int, n_series: int, skipped: int, freq: Frequency
) -> EvalResult:
    table: dict[str, dict[str, float | None]] = {}
    reliability, by_step, by_origin = {}, {}, {}
    for name, s in scores.items():
        row: dict[str, float | None] = {
            "mase": _mean(s.mase),
            "smape": _mean(s.smape),
            "bias": _median(s.bias),
            "scaled_crps": _mean(s.scrps),
            "fit_seconds_per_series": float(np.mean(s.seconds)),
        }
        for level in (80, 95):
            row[f"coverage_{level}"] = _mean(np.stack(s.inside[level])) if s.inside[level] else None
        if s.inside[80]:
            by_step[name] = _mean(np.stack(s.inside[80]), axis=0).tolist()
        if s.probability:
            p, o, mult = np.array(s.probability), np.array(s.outcome), np.array(s.multiplier)
            clim = np.array([o[mult == m].mean() for m in mult])  # per target level base rate
            row.update(brier=M.brier(p, o), brier_skill=M.brier_skill(p, o, clim), ece=M.ece(p, o))
            reliability[name] = M.reliability(p, o)
            if s.target_totals and len(s.target_totals) == len(s.probability):
                row.update(zip(("ece_chance_p10", "ece_chance_median", "ece_chance_p90"), chance_ece(s), strict=True))
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
            NO_DRIVERS: "ours given the sales history alone (no regressors, no closed periods)",
            PROPHET_REGRESSORS: "prophet-default plus add_regressor per regressor; closed periods forecast as 0",
            "closed periods": "count as 0 in period totals; point errors, CRPS and coverage skip them",
        },
    }
    return EvalResult(table, reliability, by_step, meta, by_origin)


CHANCE_DRAWS = 200


def chance_ece(s: Scores, draws: int = CHANCE_DRAWS, seed: int = 0) -> tuple[float, float, float]:
    """10th, 50th and 90th percentile of the ECE a calibrated forecaster would show on ``s``'s targets.

    If our sample paths were the truth, each origin's outcomes would be one of its joint samples:
    per draw and origin one sample index j, shared by every series (a regional shock hits all of a
    region's stores at once), and the ECE of the same probabilities against those outcomes. With
    few origins, common shocks leave a calibrated forecaster a wide range of ECE by chance.
    """
    rng = np.random.default_rng(seed)
    p, target = np.array(s.probability), np.array(s.target)
    totals, rows, origin = np.stack(s.totals), np.array(s.target_totals), np.array(s.target_origin)
    per_origin = [np.flatnonzero(origin == k) for k in np.unique(origin)]
    out = np.empty(draws)
    for d in range(draws):
        outcome = np.empty(len(rows))
        for mine in per_origin:
            j = rng.integers(0, totals.shape[1])
            outcome[mine] = totals[rows[mine], j] >= target[mine]
        out[d] = M.ece(p, outcome)
    q10, q50, q90 = np.quantile(out, [0.1, 0.5, 0.9])
    return float(q10), float(q50), float(q90)


def _mean(values: Any, axis: int | None = None) -> Any:
    """The mean of what was scored, skipping NaN (closed periods, windows closed throughout)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a step closed everywhere: NaN, not a warning
        return np.nanmean(np.asarray(values, dtype=float), axis=axis) if np.size(values) else math.nan


def _median(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else None


def _origin_row(s: Scores, k: int, origin: pd.Timestamp) -> dict[str, Any]:
    """One origin's accuracy, period-total bias and calibration in the large (mean p - hit rate)."""
    rows = [i for i, o in enumerate(s.origin) if o == k]
    targets = [i for i, o in enumerate(s.target_origin) if o == k]
    p = np.array([s.probability[i] for i in targets])
    o = np.array([s.outcome[i] for i in targets])
    return {
        "origin": f"{origin:%Y-%m-%d}",
        "series": len(rows),
        "mase": float(_mean([s.mase[i] for i in rows])) if rows else None,
        "bias": _median([s.bias[i] for i in rows]),
        "mean_probability": float(p.mean()) if p.size else None,
        "hit_rate": float(o.mean()) if o.size else None,
    }


def render_table(result: EvalResult) -> str:
    def fmt(v: float | None, spec: str) -> str:
        return format(v, spec) if v is not None else "-"

    columns = ("MASE", "sMAPE", "bias", "sCRPS", "cov80", "cov95", "Brier", "BSS", "ECE", "s/ser")
    w = max(17, *(len(name) + 2 for name in result.table))
    lines = [f"{'model':<{w}}" + "".join(f"{c:>7}" for c in columns)]
    for name, r in result.table.items():
        lines.append(
            f"{name:<{w}}{fmt(r['mase'], '.3f'):>7}{fmt(r['smape'], '.3f'):>7}{fmt(r['bias'], '+.1%'):>7}"
            f"{fmt(r['scaled_crps'], '.3f'):>7}"
            f"{fmt(r['coverage_80'], '.2f'):>7}{fmt(r['coverage_95'], '.2f'):>7}{fmt(r['brier'], '.3f'):>7}"
            f"{fmt(r['brier_skill'], '.3f'):>7}{fmt(r['ece'], '.3f'):>7}{fmt(r['fit_seconds_per_series'], '.2f'):>7}"
        )
    for name, r in result.table.items():
        if r.get("ece_chance_median") is not None:
            lines.append(
                f"ECE by chance: a calibrated {name} would show {r['ece_chance_median']:.3f} "
                f"(10-90%: {r['ece_chance_p10']:.3f}-{r['ece_chance_p90']:.3f}) on these targets "
                f"(its own joint sample paths as the outcomes, {CHANCE_DRAWS} draws)"
            )
    if len(result.meta["origins"]) > 1:
        lines += ["", "per origin: median period-total bias | mean target probability - hit rate"]
        widths = [max(24, len(name) + 2) for name in result.by_origin]
        lines.append(f"{'origin':<12}" + "".join(f"{n:>{c}}" for n, c in zip(result.by_origin, widths, strict=True)))
        for k, origin in enumerate(result.meta["origins"]):
            cells = []
            for rows in result.by_origin.values():
                r = rows[k]
                gap = None if r["hit_rate"] is None else r["mean_probability"] - r["hit_rate"]
                cells.append(f"{fmt(r['bias'], '+.1%')} | {fmt(gap, '+.2f')}")
            lines.append(f"{origin:<12}" + "".join(f"{x:>{c}}" for x, c in zip(cells, widths, strict=True)))
    return "\n".join(lines)
