"""Training benchmark: wall time and series per second of `train forecast` per back end, beside a
plain Prophet fit of the same series in the same run.

    python bench/train.py                      # sample (24 daily) + Walmart stores (45 weekly), 1 and 2 workers
    python bench/train.py --walmart-dept 1000 --folds 2 --samples 200   # 1,000 store x dept series (weekly)
    python bench/train.py --walmart-dept 1000 --backends local:1,local:2,dask:2

Each run is the full job a user runs (validation, Prophet (+AutoETS) fits, rolling-origin folds,
calibrated sample paths, registry write) into a throw-away registry, with `sentinel train
forecast`'s defaults unless ``--folds``/``--samples``/``--horizon`` say otherwise. ``dask:N``
starts a ``LocalCluster`` with N single-threaded worker processes and trains through it, as
``--dask-scheduler`` does against a real cluster (cluster start-up is not counted).

The ``plain prophet`` row is what a user calling Prophet directly pays per series, in this
process, one series after the other: ``Prophet(uncertainty_samples=0).fit(history)`` then
``predict`` over the same horizon (no intervals, so the cheapest honest fit-and-forecast); one
untimed fit first, so neither side pays the first import. ``x plain`` divides each back end's
seconds per series by that row's, times the number of workers (core-seconds per series against
the plain fit's).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Y
from models.forecast.validation import ValidationRules, validate_sales
from models.registry import Registry
from training.jobs.forecast import TrainOptions, train_forecast
from training.jobs.sample import make_sales
from training.logs import configure_logging

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
Dataset = tuple[pd.DataFrame, ColumnMapping, ValidationRules]


def default_datasets() -> dict[str, Dataset]:
    found = {"sample (daily, 3y)": (make_sales(), ColumnMapping(), ValidationRules())}
    walmart = SHARED / "walmart_store_sales" / "Walmart.csv"
    if walmart.is_file():
        found["walmart stores (weekly, 143w)"] = (
            pd.read_csv(walmart),
            ColumnMapping("Store", "Date", "Weekly_Sales"),
            ValidationRules(date_format="%d-%m-%Y"),
        )
    return found


def walmart_dept(n: int) -> dict[str, Dataset]:
    """The first ``n`` store x department series (sorted) observed on all 143 weeks."""
    raw = pd.read_csv(SHARED / "walmart_store_dept" / "train.csv.gz")
    raw["series_id"] = raw["Store"].astype(str).str.zfill(2) + "-" + raw["Dept"].astype(str).str.zfill(2)
    weeks = raw.groupby("series_id")["Date"].nunique()
    complete = sorted(weeks.index[weeks == weeks.max()])[:n]
    frame = raw[raw["series_id"].isin(complete)][["series_id", "Date", "Weekly_Sales"]]
    mapping = ColumnMapping("series_id", "Date", "Weekly_Sales")
    return {
        f"walmart store x dept ({len(complete)} complete, weekly)": (
            frame,
            mapping,
            ValidationRules(allow_negative=True),
        )
    }


@contextlib.contextmanager
def backend(spec: str) -> Iterator[tuple[int, str | None]]:
    """``local:N`` -> (N, None); ``dask:N`` -> a LocalCluster of N worker processes and its address."""
    kind, _, n = spec.partition(":")
    workers = int(n or 1)
    if kind == "local":
        yield workers, None
        return
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield workers, cluster.scheduler_address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local:1,local:2", help="comma-separated local:N and dask:N")
    parser.add_argument("--walmart-dept", type=int, metavar="N", help="N complete Walmart store x dept series")
    parser.add_argument("--folds", type=int, help="rolling origins per series (default: as training chooses)")
    parser.add_argument("--samples", type=int, default=1000, help="sample paths per series (default %(default)s)")
    parser.add_argument("--horizon", type=int, help="periods ahead (default: a year)")
    args = parser.parse_args()
    configure_logging()
    data = walmart_dept(args.walmart_dept) if args.walmart_dept else default_datasets()
    rows = []
    for name, (raw, mapping, rules) in data.items():
        plain = plain_prophet(raw, mapping, rules, args.horizon)
        print(f"{name}: plain prophet {plain:.3f} s per series", flush=True)
        rows.append((name, "plain prophet", None, plain, None, None, 1.0))
        for spec in args.backends.split(","):
            with backend(spec) as (jobs, scheduler), tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                options = TrainOptions(
                    mapping=mapping,
                    rules=rules,
                    horizon=args.horizon,
                    n_samples=args.samples,
                    calibration_folds=args.folds,
                    n_jobs=jobs,
                    progress=False,
                    scheduler=scheduler,
                )
                summary = train_forecast(raw, Registry(tmp), options)
                seconds = time.perf_counter() - started
            n = len(summary.fitted)
            mase = summary.metrics.get("median_mase", float("nan"))
            rows.append((name, spec, n, seconds / n, n / seconds, mase, seconds / n * jobs / plain))
            print(f"{name}: {spec}: {n} series in {seconds:.1f} s", flush=True)
    print(f"{'data':<48}{'backend':>14}{'series':>8}{'s/series':>10}{'series/s':>10}{'MASE':>7}{'x plain':>9}")
    for name, spec, n, per, rate, mase, ratio in rows:
        if n is None:
            print(f"{name:<48}{spec:>14}{'':>8}{per:>10.3f}{1 / per:>10.2f}{'':>7}{ratio:>9.1f}")
        else:
            print(f"{name:<48}{spec:>14}{n:>8}{per:>10.3f}{rate:>10.2f}{mase:>7.3f}{ratio:>9.1f}")


def plain_prophet(raw: pd.DataFrame, mapping: ColumnMapping, rules: ValidationRules, horizon: int | None) -> float:
    """Seconds per series of Prophet's own fit + predict on the validated series, one worker."""
    from prophet import Prophet

    history = validate_sales(raw, mapping, rules)
    h = horizon or history.freq.default_horizon
    series = [g[[DS, Y]].reset_index(drop=True) for _, g in history.frame.groupby(SERIES_ID, sort=False)]

    def fit(g: pd.DataFrame) -> None:
        model = Prophet(uncertainty_samples=0).fit(g)
        model.predict(model.make_future_dataframe(h, freq=history.freq.alias, include_history=False))

    fit(series[0])  # imports and first-call costs, untimed
    started = time.perf_counter()
    for g in series:
        fit(g)
    return (time.perf_counter() - started) / len(series)


if __name__ == "__main__":
    main()
