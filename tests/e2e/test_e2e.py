"""The user's path with real processes: sample -> train -> serve on loopback -> HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_sample_train_serve_query(tmp_path):
    registry = tmp_path / "registry"
    run = lambda *args: subprocess.run([SENTINEL, *args], capture_output=True, text=True, timeout=300)  # noqa: E731
    sample = run("sample", "--out", str(tmp_path / "data"), "--stores-per-region", "1")
    assert sample.returncode == 0, sample.stderr
    trained = run(
        "train",
        "forecast",
        "--data",
        str(tmp_path / "data" / "sales.csv"),
        "--horizon",
        "100",
        "--samples",
        "200",
        "--folds",
        "2",
        "--registry",
        str(registry),
    )
    assert trained.returncode == 0, trained.stderr
    assert "fitted:   4 series" in trained.stdout and "median MASE" in trained.stdout
    assert "cmdstanpy" not in trained.stderr  # Stan stays quiet without --verbose
    customers = tmp_path / "data" / "customers.csv"
    churn = run("train", "churn", "--data", str(customers), "--value-col", "monthly_value", "--segment-col", "region",
                "--time-budget", "0.5", "--registry", str(registry))  # fmt: skip
    assert churn.returncode == 0, churn.stderr
    assert "promoted to champion" in churn.stdout and "revenue at risk" in churn.stdout

    port = free_port()
    server = subprocess.Popen(
        [SENTINEL, "serve", "--registry", str(registry), "--port", str(port), "--print-example"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "SENTINEL_RELOAD_INTERVAL_SECONDS": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        banner = [server.stdout.readline() for _ in range(4)]
        assert base in banner[0]
        example = json.loads(banner[3].split("-d '", 1)[1].rsplit("'", 1)[0])
        for _ in range(100):
            try:
                if get(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        status, body = post(f"{base}/v1/feasibility", example)  # the printed example works as printed
        assert status == 200 and 0 <= body["probability"] <= 1 and body["series_id"] == example["series_id"]
        status, body = get(f"{base}/v1/forecast/{example['series_id']}?horizon=7&level=80")
        assert status == 200 and len(body["points"]) == 7
        assert get(f"{base}/v1/forecast/unknown")[0] == 404
        status, body = get(f"{base}/v1/churn/summary")
        assert status == 200 and body["segment_column"] == "region" and body["revenue_at_risk"] > 0
        one = {"customer_id": "X1", "tenure_months": 2, "contract": "month-to-month", "support_tickets": 5}
        status, body = post(f"{base}/v1/churn/score", {"customers": [one]})
        assert status == 200 and body["scores"][0]["customer_id"] == "X1" and body["scores"][0]["drivers"]
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
            text = r.read()
            assert b'route="/v1/feasibility"' in text and b"sentinel_churn_revenue_at_risk" in text
    finally:
        server.terminate()
        server.wait(timeout=20)
