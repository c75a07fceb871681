"""Training benchmark: wall time and series per second of `train forecast`, 1 vs 2 local workers.

    python bench/train.py                 # built-in sample (24 daily series) and Walmart stores (45 weekly)

Each run is the full job a user runs (validation, Prophet fit, 1000 sample paths, holdout
backtest, registry write) into a throw-away registry.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from models.contracts import ColumnMapping
from models.registry import Registry
from models.validation import ValidationRules
from training.forecast_job import train_forecast
from training.logs import configure_logging
from training.sample import make_sales

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def datasets() -> dict[str, tuple[pd.DataFrame, ColumnMapping, ValidationRules]]:
    found = {"sample (daily, 3y)": (make_sales(), ColumnMapping(), ValidationRules())}
    walmart = SHARED / "walmart_store_sales" / "Walmart.csv"
    if walmart.is_file():
        found["walmart stores (weekly, 143w)"] = (
            pd.read_csv(walmart),
            ColumnMapping("Store", "Date", "Weekly_Sales"),
            ValidationRules(date_format="%d-%m-%Y"),
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1,2")
    args = parser.parse_args()
    configure_logging()
    rows = []
    for name, (raw, mapping, rules) in datasets().items():
        for jobs in [int(j) for j in args.jobs.split(",")]:
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                summary = train_forecast(raw, Registry(tmp), mapping=mapping, rules=rules, n_jobs=jobs, progress=False)
                seconds = time.perf_counter() - started
            n = len(summary.fitted)
            rows.append((name, jobs, n, seconds, n / seconds, summary.metrics.get("median_mase", float("nan"))))
    print(f"{'data':<32}{'workers':>8}{'series':>8}{'wall s':>9}{'series/s':>10}{'s/series':>10}{'MASE':>7}")
    for name, jobs, n, seconds, rate, mase in rows:
        print(f"{name:<32}{jobs:>8}{n:>8}{seconds:>9.1f}{rate:>10.2f}{seconds / n:>10.2f}{mase:>7.3f}")


if __name__ == "__main__":
    main()
