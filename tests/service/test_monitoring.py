"""Forecast accountability (issue 16): the sample's four stores trained without their last 60 days,
those days posted as actuals day by day, and /v1/monitoring held to an offline computation from
the same model, actuals and stored probabilities. The service is then stopped and a new one
started on the same database and registry: every score and the monitoring answer survive."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from models.forecast.scores import brier, ece, seasonal_naive_scale
from service.app import create_app
from tests.service.kri_fixtures import WRITE, kri_settings, wait_for

KRIS = """
kris:
  - name: forecast_coverage
    source: forecast_coverage
    direction: below
    warning: 0.4
    params: {level: 80, window: 14, min_periods: 7, by: region}
  - name: forecast_bias
    source: forecast_bias
    direction: above
    warning: 0.15
    params: {window: 14, min_periods: 7, by: region}
  - name: target_calibration
    source: target_calibration
    direction: above
    warning: 0.5
"""
LEVELS = ("50", "80", "95")


def _app(root):
    return TestClient(create_app(kri_settings(root, kri_eval_interval_seconds=0.1)))


@pytest.fixture(scope="module")
def first_run(held_out_registry, tmp_path_factory):
    """A service on the held-out model with October targets registered, then every held-out day
    posted one day at a time, until every target is resolved; then the service is stopped (its
    lifespan shut down). Returns (root, held-out rows, target names, the monitoring answer, the
    stored rows) as they were before the stop."""
    registry, held_out = held_out_registry
    root = tmp_path_factory.mktemp("monitoring")
    shutil.copytree(registry.root, root / "registry")
    (root / "kri.yaml").write_text(KRIS)
    names = []
    with _app(root) as client:
        for sid in sorted(held_out["series_id"].unique()):
            expected = client.post("/v1/feasibility", json={"series_id": sid, "period": "2026-10", "target": 1.0})
            for k, factor in enumerate((0.9, 0.97, 1.0, 1.03, 1.1)):
                amount = round(expected.json()["expected"] * factor, 2)
                body = {"name": f"{sid}-oct-{k}", "series_id": sid, "period": "2026-10", "amount": amount}
                assert client.post("/v1/targets", json=body, headers=WRITE).status_code == 201
                names.append(body["name"])
        body = {"name": "north-oct", "group": {"region": "North"}, "period": "2026-10", "amount": 1.0}
        assert client.post("/v1/targets", json=body, headers=WRITE).status_code == 201
        names.append("north-oct")
        for ds, day in held_out.groupby("ds", sort=True):
            rows = [{"series_id": r.series_id, "ds": ds, "y": float(r.y)} for r in day.itertuples()]
            assert client.post("/v1/actuals", json={"actuals": rows}, headers=WRITE).status_code == 200
        resolved = wait_for(lambda: client.get("/v1/monitoring").json()["targets"]["resolved"] == len(names))
        assert resolved, client.get("/v1/monitoring").json()["targets"]
        before = client.get("/v1/monitoring").json()
    return root, held_out, names, before, _tables(root)


@pytest.fixture(scope="module")
def posted(first_run):
    """A new service started on the stopped one's database and registry; yields (root, client,
    held-out rows, target names). Every test below runs against the restarted service."""
    root, held_out, names, _, _ = first_run
    with _app(root) as client:
        yield root, client, held_out, names


def _tables(root) -> dict[str, list[tuple]]:
    """Every stored accountability row: the posted actuals, their scores, the probabilities given
    for targets and the resolved targets."""
    engine = sa.create_engine(f"sqlite:///{root / 'sentinel.db'}")
    with engine.connect() as conn:
        out = {
            table: sorted(tuple(row) for row in conn.execute(sa.text(f"SELECT * FROM {table}")))  # noqa: S608
            for table in ("actuals", "forecast_scores", "target_forecasts", "target_outcomes")
        }
    engine.dispose()
    return out


def test_a_restart_keeps_every_score_and_the_monitoring_answer(first_run, posted):
    _, held_out, names, before, stored = first_run
    root, client, _, _ = posted
    assert len(stored["forecast_scores"]) == len(held_out) and len(stored["target_outcomes"]) == len(names)
    assert client.get("/v1/monitoring").json() == before
    assert _tables(root) == stored  # nothing lost, nothing scored or resolved twice


def _inside(client, held_out, level, series=None):
    inside = []
    for sid, rows in held_out.groupby("series_id"):
        if series is not None and sid not in series:
            continue
        points = {p["ds"]: p for p in client.get(f"/v1/forecast/{sid}", params={"level": level}).json()["points"]}
        inside += [points[r.ds]["lower"] <= r.y <= points[r.ds]["upper"] for r in rows.itertuples()]
    return inside


def test_coverage_equals_the_share_inside_the_forecast_bands(posted):
    _, client, held_out, _ = posted
    figures = client.get("/v1/monitoring").json()
    assert figures["forecast"]["periods_scored"] == len(held_out) == 240
    for level in LEVELS:
        inside = _inside(client, held_out, int(level))
        assert figures["forecast"]["coverage"][level] == sum(inside) / len(inside)
    north = {r.series_id for r in held_out.itertuples() if r.region == "North"}
    inside = _inside(client, held_out, 80, north)
    assert figures["groups"]["region"]["North"]["forecast"]["coverage"]["80"] == sum(inside) / len(inside)
    one = client.get("/v1/monitoring", params={"group": "region:North"}).json()
    assert one["forecast"]["coverage"]["80"] == sum(inside) / len(inside) and one["group"] == {"region": "North"}
    assert "churn" in figures  # the churn section: tests/service/test_churn_api.py


def test_pit_bias_and_mase_equal_an_offline_computation(posted, held_out_registry, small_sales):
    _, client, held_out, _ = posted
    from models.forecast.artifact import load_forecast

    registry, _ = held_out_registry
    model = load_forecast(*registry.open_version("forecast", registry.champion("forecast")))
    pits, errors, y_all, yhat_all = [], [], [], []
    for sid, rows in held_out.groupby("series_id"):
        history = small_sales[(small_sales["series_id"] == sid) & (small_sales["ds"] < held_out["ds"].min())]["y"]
        scale = seasonal_naive_scale(history.to_numpy(), 7)
        points = {p["ds"]: p for p in client.get(f"/v1/forecast/{sid}").json()["points"]}
        for r in rows.itertuples():
            step = model.forecast_step(sid, dt.date.fromisoformat(r.ds))
            samples = np.diff(model._cum[model._index[sid]], axis=0)[step].astype(np.float64)
            pits.append(float(np.mean(samples < r.y) + 0.5 * np.mean(samples == r.y)))
            errors.append(abs(points[r.ds]["yhat"] - r.y) / scale)
            y_all.append(r.y)
            yhat_all.append(points[r.ds]["yhat"])
    figures = client.get("/v1/monitoring").json()["forecast"]
    histogram = np.bincount(np.minimum((np.array(pits) * 10).astype(int), 9), minlength=10) / len(pits)
    assert figures["pit_histogram"] == pytest.approx(histogram.tolist(), abs=1e-12)
    assert figures["mase"] == pytest.approx(float(np.mean(errors)), rel=1e-9)
    assert figures["bias"] == pytest.approx((sum(yhat_all) - sum(y_all)) / sum(y_all), rel=1e-9)


def _stored(root):
    engine = sa.create_engine(f"sqlite:///{root / 'sentinel.db'}")
    with engine.connect() as conn:
        outcomes = conn.execute(sa.text("SELECT target_name, actual, hit, amount FROM target_outcomes")).all()
        given = conn.execute(sa.text("SELECT target_name, probability, source FROM target_forecasts")).all()
    engine.dispose()
    return outcomes, given


def test_target_figures_equal_an_offline_computation_from_the_stored_probabilities(posted):
    root, client, held_out, names = posted
    outcomes, given = _stored(root)
    assert sorted(o.target_name for o in outcomes) == sorted(names)
    october = held_out[held_out["ds"] >= "2026-10-01"]
    for o in outcomes:
        if o.target_name != "north-oct":
            sid = o.target_name.rsplit("-oct-", 1)[0]
            actual = october[october["series_id"] == sid]["y"].sum()
            assert o.actual == pytest.approx(actual, rel=1e-12) and bool(o.hit) == (actual >= o.amount)
    hit = {o.target_name: float(o.hit) for o in outcomes}
    probability = np.array([g.probability for g in given])
    outcome = np.array([hit[g.target_name] for g in given])
    assert {g.target_name for g in given if g.source == "registration"} == set(names)
    figures = client.get("/v1/monitoring").json()["targets"]
    assert figures["resolved"] == len(names) and figures["forecasts"] == len(given)
    assert figures["hit_rate"] == pytest.approx(np.mean(list(hit.values())))
    assert figures["brier"] == pytest.approx(brier(probability, outcome), rel=1e-12)
    assert figures["ece"] == pytest.approx(ece(probability, outcome), rel=1e-12)
    registered = [(g.probability, hit[g.target_name]) for g in given if g.source == "registration"]
    assert figures["brier_at_registration"] == pytest.approx(np.mean([(p - h) ** 2 for p, h in registered]))


def test_gauges_on_metrics_show_the_overall_figures(posted):
    _, client, _, _ = posted
    figures = client.get("/v1/monitoring").json()
    text = client.get("/metrics").text
    wait_for(lambda: 'sentinel_forecast_coverage_ratio{level="80"}' in client.get("/metrics").text)
    text = client.get("/metrics").text
    line = next(x for x in text.splitlines() if x.startswith('sentinel_forecast_coverage_ratio{level="80"}'))
    assert float(line.split()[-1]) == pytest.approx(figures["forecast"]["coverage"]["80"])
    assert "sentinel_forecast_bias_ratio" in text and "sentinel_target_brier_score" in text


def test_a_bad_batch_stores_nothing_and_a_repeat_rescores(posted):
    _, client, held_out, _ = posted
    before = client.get("/v1/monitoring").json()
    first = held_out.iloc[0]
    bad = [
        {"series_id": first.series_id, "ds": first.ds, "y": first.y * 3},
        {"series_id": "no", "ds": first.ds, "y": 1},
    ]
    response = client.post("/v1/actuals", json={"actuals": bad}, headers=WRITE)
    assert response.status_code == 422 and "nothing was stored" in response.json()["detail"]
    assert client.get("/v1/monitoring").json() == before
    again = [{"series_id": first.series_id, "ds": first.ds, "y": float(first.y) * 3}]
    assert client.post("/v1/actuals", json={"actuals": again}, headers=WRITE).status_code == 200
    changed = client.get("/v1/monitoring").json()
    assert changed["forecast"]["periods_scored"] == before["forecast"]["periods_scored"]
    assert changed["forecast"]["bias"] < before["forecast"]["bias"]  # the actual is now far above its forecast
    restore = [{"series_id": first.series_id, "ds": first.ds, "y": float(first.y)}]
    assert client.post("/v1/actuals", json={"actuals": restore}, headers=WRITE).status_code == 200
    assert client.get("/v1/monitoring").json()["forecast"] == before["forecast"]


def test_bad_monitoring_queries_name_the_fix(posted):
    _, client, _, _ = posted
    response = client.get("/v1/monitoring", params={"group": "North"})
    assert response.status_code == 422 and "column:value" in response.json()["detail"]
    assert client.get("/v1/monitoring", params={"group": "region:Mars"}).status_code == 404
    assert client.get("/v1/monitoring", params={"series_id": "store-99"}).status_code == 404
    since = client.get("/v1/monitoring", params={"since": "2026-10-01"}).json()["forecast"]["periods_scored"]
    assert since == 4 * 31
