"""``sentinel evaluate``: a rolling-origin backtest of our forecaster, optionally beside peers.

Origins are the last ``cutoffs`` non-overlapping windows of ``horizon`` periods before the
latest date. At each origin every model sees only the history up to it; ours (including its
internal calibration folds) is trained by the same code as ``sentinel train forecast``.
Targets are set the way planners set them: last year's same-period sum x 0.85 ... 1.15; every
forecast is scored the same way by ``training.jobs.scorecard``.

With drivers (``--regressors``, ``--open-col``) each origin's plan is the drivers' recorded values
over its window, as a planner's plan would have been had it come true. ``peers`` then adds our own
run without the drivers (the gain from them) and Prophet with the same regressors (``add_regressor``,
the peer that hears them too).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from models.forecast.contracts import DS, SERIES_ID, Frequency, Y
from models.forecast.fit import ForecastConfig, SeriesFit
from models.forecast.peers import PeerForecast, auto_ets, prophet_default, prophet_regressors, seasonal_naive
from models.forecast.plan import OPEN
from models.forecast.validation import SalesHistory
from training.jobs.fitting import fit_all
from training.jobs.scorecard import NO_DRIVERS, OURS, PROPHET_REGRESSORS, EvalResult, render_table
from training.jobs.scorecard import Scores as _Scores  # the private names are kept for older callers
from training.jobs.scorecard import score as _score
from training.jobs.scorecard import summarise as _summarise
from training.logs import quiet_third_party

__all__ = ["EvalResult", "evaluate", "render_table"]

PEERS = {"prophet-default": prophet_default, "auto-ets": auto_ets, "seasonal-naive": seasonal_naive}


def _peer_one(
    name: str,
    history: pd.DataFrame,
    freq: Frequency,
    horizon: int,
    plan: pd.DataFrame | None,
    regressors: tuple[str, ...],
) -> tuple[PeerForecast, float]:
    quiet_third_party(fitting=True)
    started = time.perf_counter()
    if name == PROPHET_REGRESSORS and plan is not None:
        forecast = prophet_regressors(history, freq, horizon, plan, regressors)
    else:
        forecast = PEERS[name](history[[DS, Y]], freq, horizon)
    return forecast, time.perf_counter() - started


@dataclass
class _Origin:
    """One origin's data: each kept series' history, actual window and driver values over it."""

    k: int
    groups: dict[str, pd.DataFrame]  # each kept series' history up to the origin, driver columns included
    actuals: dict[str, np.ndarray]
    plans: dict[str, pd.DataFrame]  # ds and driver columns over the window: what happened (empty without)

    def is_open(self, sid: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The window's and the history's open flags of ``sid`` (None without --open-col)."""
        if OPEN not in self.groups[sid]:
            return None, None
        return self.plans[sid][OPEN].to_numpy(), self.groups[sid][OPEN].to_numpy()


def _score_fits(s: _Scores, o: _Origin, fits: list[SeriesFit], freq: Frequency) -> None:
    for fit in fits:
        lo_hi = {lvl: np.quantile(fit.paths, [(1 - lvl) / 2, (1 + lvl) / 2], axis=0) for lvl in (0.8, 0.95)}
        window_open, train_open = o.is_open(fit.series_id)
        _score(
            s,
            o.k,
            o.actuals[fit.series_id],
            o.groups[fit.series_id][Y].to_numpy(dtype=float),
            freq,
            fit.yhat,
            lambda lvl, b=lo_hi: b[lvl],
            fit.paths,
            None,
            is_open=window_open,
            train_open=train_open,
        )
        s.seconds.append(fit.fit_seconds)


def _score_peer(
    s: _Scores, o: _Origin, name: str, freq: Frequency, horizon: int, regressors: tuple[str, ...], n_jobs: int
) -> None:
    jobs = (delayed(_peer_one)(name, g, freq, horizon, o.plans.get(sid), regressors) for sid, g in o.groups.items())
    for sid, (peer, seconds) in zip(o.groups, Parallel(n_jobs=n_jobs)(jobs), strict=True):
        window_open, train_open = o.is_open(sid)
        _score(
            s,
            o.k,
            o.actuals[sid],
            o.groups[sid][Y].to_numpy(dtype=float),
            freq,
            peer.yhat,
            peer.interval,
            peer.paths,
            peer,
            is_open=window_open,
            train_open=train_open,
        )
        s.seconds.append(seconds)


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
    """Backtest at ``cutoffs`` origins; return the metric table, reliability and coverage data.

    ``history.frame`` may hold driver columns (``config.regressors`` and ``is_open``, from
    ``validate_drivers``); every fit is then given their recorded values over its window. With
    drivers, ``peers`` also scores our run without them and Prophet with the same regressors.
    """
    freq, frame = history.freq, history.frame
    last = frame[DS].max()
    origins = [last - freq.offset * (horizon * k) for k in range(cutoffs, 0, -1)]
    n_series = frame[SERIES_ID].nunique()
    config = config or ForecastConfig.for_history(history, horizon=horizon)
    drivers = [c for c in frame.columns if c not in (SERIES_ID, DS, Y)]
    names = [OURS]
    if peers:
        names += [NO_DRIVERS] if drivers else []
        names += ["prophet-default", *([PROPHET_REGRESSORS] if config.regressors else []), "auto-ets", "seasonal-naive"]
    scores = {name: _Scores(joint=name in (OURS, NO_DRIVERS)) for name in names}
    skipped = 0
    anchors: list[dict[str, object]] = []  # our pooled naive-anchor choice per origin
    for k, origin in enumerate(tqdm(origins, desc="rolling origins", unit="origin", disable=not progress)):
        train = frame[frame[DS] <= origin]
        sizes = train.groupby(SERIES_ID).size()
        test = frame[(frame[DS] > origin)].groupby(SERIES_ID).head(horizon)
        complete = test.groupby(SERIES_ID).size()
        keep = [s for s in sizes.index if sizes[s] >= freq.min_length and complete.get(s, 0) == horizon]
        skipped += n_series - len(keep)
        train, test = train[train[SERIES_ID].isin(keep)], test[test[SERIES_ID].isin(keep)]
        plan = test[[SERIES_ID, DS, *drivers]] if drivers else None  # a fold's plan: what happened
        o = _Origin(
            k,
            {sid: g.reset_index(drop=True) for sid, g in train.groupby(SERIES_ID, sort=False)},
            {sid: g[Y].to_numpy(dtype=float) for sid, g in test.groupby(SERIES_ID)},
            {sid: g.reset_index(drop=True) for sid, g in plan.groupby(SERIES_ID)} if plan is not None else {},
        )
        fits, diagnostics = fit_all(train, freq, config, n_jobs=n_jobs, plan=plan)
        anchors.append(diagnostics["anchor"])
        _score_fits(scores[OURS], o, fits, freq)
        if NO_DRIVERS in scores:  # neither the regressors nor the closed periods: the history alone
            plain, _ = fit_all(train[[SERIES_ID, DS, Y]], freq, replace(config, regressors=()), n_jobs=n_jobs)
            _score_fits(scores[NO_DRIVERS], o, plain, freq)
        for name in names:
            if name in PEERS or name == PROPHET_REGRESSORS:
                _score_peer(scores[name], o, name, freq, horizon, config.regressors, n_jobs)
    result = _summarise(scores, origins, horizon, n_series, skipped, freq)
    result.meta["anchor"] = anchors
    return result
