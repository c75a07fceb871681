"""Calibration experiments without refitting: cache the fits of a ``sentinel evaluate`` run, then replay it.

    python bench/evaluate_cached.py save var/fits/dunnhumby.pkl -- --data ... --horizon 13 --cutoffs 2
    python bench/evaluate_cached.py replay var/fits/dunnhumby.pkl -- --data ... --horizon 13 --cutoffs 2

Everything after ``--`` is ``sentinel evaluate``'s arguments, the same for both. ``save`` runs the
evaluation as ``sentinel evaluate`` does and keeps every origin's fits as they were before the
pooled naive anchor and calibration (point forecasts, fold forecasts and their anchors) in the
cache. ``replay`` runs it again with the cached fits in place of fitting, so only the anchor's
choice, calibration and scoring run. A change to ``models/forecast/anchor.py`` or
``models/forecast/calibration.py`` is then measured in seconds on the fits the real run had
(dunnhumby: 43 min to fit at ``--jobs 1``, 20 s to replay). The cache holds the fits of the code
that saved it, so a change to fitting needs a new ``save``. ``--peers`` is for ``save`` only: the
peers do not depend on our calibration, and a replay would refit them.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import joblib

import models.forecast.anchor as anchor
import models.forecast.calibration as calibration
import training.jobs.evaluate as evaluate
import training.jobs.fitting as fitting
from training.cli import main as sentinel

Call = tuple[Any, tuple[Any, ...], dict[str, Any]]  # the fits before the anchor, calibrate's other arguments


def save(cache: Path, argv: list[str]) -> int:
    """``sentinel evaluate argv``, with each fit's calibration inputs written to ``cache``.

    They are kept per set of regressors fitted, in order: with ``--peers`` and drivers, our run
    without the drivers is fitted (and cached) beside ours at every origin.
    """
    calls: dict[tuple[str, ...], list[Call]] = {}
    fit_all, anchor_all, calibrate = evaluate.fit_all, fitting.anchor_all, fitting.calibrate
    key: list[tuple[str, ...]] = []
    unanchored: list[Any] = []

    def keeping(train: Any, freq: Any, config: Any, *args: Any, **kwargs: Any) -> Any:
        key[:] = [tuple(config.regressors)]
        return fit_all(train, freq, config, *args, **kwargs)

    def keep_unanchored(fits: Any, nonnegative: bool) -> Any:
        unanchored[:] = [copy.deepcopy(fits)]
        return anchor_all(fits, nonnegative)

    def keep(fits: Any, *args: Any, **kwargs: Any) -> Any:
        calls.setdefault(key[0], []).append((unanchored[0], args, kwargs))
        return calibrate(fits, *args, **kwargs)

    evaluate.fit_all, fitting.anchor_all, fitting.calibrate = keeping, keep_unanchored, keep
    try:
        code = sentinel(["evaluate", *argv])
    finally:
        evaluate.fit_all, fitting.anchor_all, fitting.calibrate = fit_all, anchor_all, calibrate
    if code == 0:
        cache.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"argv": [a for a in argv if a != "--peers"], "calls": calls}, cache)
        print(f"cached {sum(map(len, calls.values()))} origins' fits in {cache}")
    return code


def replay(cache: Path, argv: list[str]) -> int:
    """``sentinel evaluate argv`` on the fits ``save`` cached, anchored and calibrated by today's code."""
    if "--peers" in argv:
        print("error: replay scores our forecaster only; drop --peers (the peers do not change with calibration)")
        return 2
    stored = joblib.load(cache)
    if stored["argv"] != argv:
        print(f"error: {cache} was saved for other arguments: {' '.join(stored['argv'])}")
        return 2
    calls = {k: iter(v) for k, v in stored["calls"].items()}

    def cached(train: Any, freq: Any, config: Any, *_: Any, **__: Any) -> tuple[Any, Any]:
        fits, args, kwargs = next(calls[tuple(config.regressors)])
        anchored = anchor.anchor_all(fits, config.nonnegative)
        return fits, {"anchor": anchored, **calibration.calibrate(fits, *args, **kwargs)}

    fit_all = evaluate.fit_all
    evaluate.fit_all = cached
    try:
        return sentinel(["evaluate", *argv])
    finally:
        evaluate.fit_all = fit_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "replay"])
    parser.add_argument("cache", type=Path, help="the fits file (joblib)")
    parser.add_argument("evaluate", nargs=argparse.REMAINDER, help="-- then sentinel evaluate's arguments")
    args = parser.parse_args()
    argv = args.evaluate[1:] if args.evaluate[:1] == ["--"] else args.evaluate
    return (save if args.action == "save" else replay)(args.cache, argv)


if __name__ == "__main__":
    sys.exit(main())
