"""Forecast accountability end to end: the sample trained without its last 60 days, those days
posted to a real `sentinel serve` with one region 30% lower, and that region's forecast_coverage
or forecast_bias alert in a real Alertmanager while the other regions stay quiet."""

import datetime as dt
import shutil

import pytest

from tests.e2e.conftest import http, wait_until

pytestmark = pytest.mark.e2e

KRIS = """
kris:
  - name: forecast_coverage
    source: forecast_coverage
    direction: below
    warning: 0.3
    params: {level: 80, window: 14, min_periods: 7, by: region}
  - name: forecast_bias
    source: forecast_bias
    direction: above
    warning: 0.25
    params: {window: 14, min_periods: 7, by: region}
"""
WATCHED = {"forecast_coverage", "forecast_bias"}


def _alerts(url: str) -> list[dict]:
    status, alerts = http("GET", f"{url}/api/v2/alerts")
    assert status == 200
    return [a for a in alerts if a["labels"].get("kri") in WATCHED]


def test_a_30_percent_drop_for_one_region_fires_that_regions_alert_only(
    held_out_registry, alertmanager, sentinel, tmp_path
):
    registry, held_out = held_out_registry
    shutil.copytree(registry.root, tmp_path / "registry")
    (tmp_path / "kri.yaml").write_text(KRIS)
    server = sentinel(SENTINEL_ALERTMANAGER_URL=alertmanager, SENTINEL_KRI_CONFIG=str(tmp_path / "kri.yaml"))
    wait_until(lambda: http("GET", f"{server.url}/readyz")[0] == 200, timeout=60, what="a ready model")
    for ds, day in held_out.groupby("ds", sort=True):
        rows = [
            {"series_id": r.series_id, "ds": ds, "y": round(r.y * (0.7 if r.region == "North" else 1.0), 2)}
            for r in day.itertuples()
        ]
        status, body = http("POST", f"{server.url}/v1/actuals", {"actuals": rows}, {"X-API-Key": "e2e-write"})
        assert status == 200, body
    posted = dt.datetime.now(dt.UTC)

    fired = wait_until(lambda: _alerts(alertmanager), timeout=30, what="an accountability alert in Alertmanager")
    assert {a["labels"]["region"] for a in fired} == {"North"}, fired

    def evaluated_after_the_last_post() -> bool:
        kris = http("GET", f"{server.url}/v1/kri")[1]["kris"]
        values = [v for k in kris for v in k["values"]]
        return len(values) == 2 * 4 and all(dt.datetime.fromisoformat(v["ts"]) > posted for v in values)

    wait_until(evaluated_after_the_last_post, timeout=30, what="an evaluation of every region after the last post")
    ours = [a for a in server.alerts() if a["labels"]["kri"] in WATCHED]
    values = [(k["name"], v["labels"], v["value"]) for k in http("GET", f"{server.url}/v1/kri")[1]["kris"]
              for v in k["values"]]  # fmt: skip
    assert ours and {a["labels"]["region"] for a in ours} == {"North"}, values
    assert {a["labels"]["region"] for a in _alerts(alertmanager)} == {"North"}
    monitoring = http("GET", f"{server.url}/v1/monitoring")[1]["groups"]["region"]
    assert monitoring["North"]["forecast"]["bias"] > 0.3  # forecasts ~43% above a 30% lower actual
