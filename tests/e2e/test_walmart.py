"""Real data through the mapping options alone: the 45 Walmart stores (weekly, dd-mm-YYYY)."""

import pytest
from fastapi.testclient import TestClient

from models.registry import Registry
from service.app import create_app
from service.settings import Settings
from tests.conftest import walmart_stores_args
from training.cli import main

pytestmark = pytest.mark.slow


def test_walmart_stores_train_and_answer_feasibility(tmp_path, capsys):
    code = main(
        [
            "train",
            "forecast",
            *walmart_stores_args(),
            "--registry",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fitted:   45 series" in out and "weekly (W-FRI)" in out
    manifest = Registry(tmp_path).manifest("forecast", Registry(tmp_path).champion("forecast"))
    assert manifest["data"]["rows"] == 6435 and manifest["horizon"] == 52
    assert manifest["metrics"]["backtest"]["median_mase"] < 1.5

    with TestClient(create_app(Settings(registry=tmp_path, reload_interval_seconds=0))) as client:
        series = client.get("/v1/series").json()["series"]
        assert len(series) == 45 and series[0]["history_end"] == "2012-10-26"
        body = client.post(
            "/v1/feasibility", json={"series_id": "1", "start": "2012-11-01", "end": "2013-01-31", "target": 22_000_000}
        ).json()
        assert body["expected"] > 0 and 0 <= body["probability"] <= 1
        # Store 1 sold ~21.4M in Nov 2011 - Jan 2012: the model should expect a similar quarter.
        assert 17e6 < body["expected"] < 26e6
