"""Churn scoring benchmark: customers per second for a 1,000-customer batch, drivers included.

    python bench/churn.py            # sample customers (9 features) and IBM Telco (19) if present

For each dataset a model is trained into a throw-away registry (small search budget), then the
same 1,000 customers are scored ``--runs`` times (median reported), twice over:

* model: ``frame_from_records`` (input checks) + probabilities + risk bands + top-3 drivers;
* HTTP:  ``POST /v1/churn/score`` through the ASGI app in-process (JSON in and out included).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from models.churn.artifact import load_churn
from models.churn.features import frame_from_records
from models.registry import Registry
from service.app import create_app
from service.settings import Settings
from training.jobs.churn import train_churn
from training.jobs.sample import make_customers
from training.logs import configure_logging

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def datasets() -> dict[str, tuple[pd.DataFrame, dict[str, str]]]:
    found = {
        "sample customers": (
            make_customers(7, 5000),
            {"id_col": "customer_id", "label_col": "churned", "value_col": "monthly_value"},
        )
    }
    telco = SHARED / "telco_churn" / "Telco-Customer-Churn.csv"
    if telco.is_file():
        found["IBM Telco"] = (
            pd.read_csv(telco),
            {"id_col": "customerID", "label_col": "Churn", "value_col": "MonthlyCharges"},
        )
    return found


def timed(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=5.0, help="search budget of each training run (s)")
    args = parser.parse_args()
    configure_logging()
    rows = []
    for name, (frame, cols) in datasets().items():
        with tempfile.TemporaryDirectory() as tmp:
            registry = Registry(tmp)
            train_churn(frame, registry, budget_seconds=args.budget, **cols)
            model = load_churn(*registry.open_version("churn", registry.champion("churn")))
            batch = frame.drop(columns=[cols["label_col"]]).head(args.batch)
            records = batch.rename(columns={cols["id_col"]: "customer_id"}).to_dict("records")

            def score_model(records=records, model=model) -> None:
                _, features, _ = frame_from_records(records, model.schema)
                model.score(features)

            model_s = timed(score_model, args.runs)
            with TestClient(create_app(Settings(registry=tmp, reload_interval_seconds=0))) as client:

                def score_http(client=client, records=records) -> None:
                    assert client.post("/v1/churn/score", json={"customers": records}).status_code == 200

                http_s = timed(score_http, args.runs)
            rows.append((name, len(model.schema.features), len(records), model_s, http_s))
    print(
        f"{'data':<18}{'features':>9}{'batch':>7}{'model ms':>10}{'model cust/s':>14}{'HTTP ms':>9}{'HTTP cust/s':>13}"
    )
    for name, features, n, model_s, http_s in rows:
        model_part = f"{model_s * 1e3:>10.0f}{n / model_s:>14,.0f}"
        print(f"{name:<18}{features:>9}{n:>7}{model_part}{http_s * 1e3:>9.0f}{n / http_s:>13,.0f}")


if __name__ == "__main__":
    main()
