"""Goal seek over HTTP: the change it proposes is one POST /v1/feasibility confirms under that scenario."""

import pytest

from tests.service.conftest import client_for

JAN = {"period": "2027-01"}


@pytest.fixture(scope="module")
def served(driver_registry, tmp_path_factory):
    database = tmp_path_factory.mktemp("solve") / "sentinel.db"
    with client_for(driver_registry.root, database=database) as client:
        yield client


def _confirmed(client, subject, target, periods, scenario=None):
    """POST /v1/feasibility with the proposed dates switched on (over ``scenario``'s windows)."""
    windows = [{"start": d, "end": d, "value": 1} for d in periods]
    promo = sorted([*(scenario or {}).get("promo", []), *windows], key=lambda w: w["start"])
    body = {**subject, **JAN, "target": target, "scenario": {"promo": promo}}
    response = client.post("/v1/feasibility", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("subject", [{"series_id": "store-01"}, {"group": {}}])
@pytest.mark.parametrize("probability", [0.5, 0.8])
def test_the_promotion_days_it_proposes_reach_the_probability(served, subject, probability):
    plain = served.post("/v1/feasibility", json={**subject, **JAN, "target": 1.0}).json()
    target = plain["expected"] * 1.06
    ask = {**subject, **JAN, "target": target, "regressor": "promo", "probability": probability}
    body = served.post("/v1/feasibility/solve", json=ask).json()
    assert body["kind"] == "binary" and body["regressor"] == "promo" and body["level"] is None, body
    assert body["baseline"]["expected"] == pytest.approx(plain["expected"])
    assert body["series_count"] == plain["series_count"] and body["required_probability"] == probability
    confirmed = _confirmed(served, subject, target, body["periods"])
    assert confirmed["probability"] == pytest.approx(body["probability"])
    assert confirmed["expected"] == pytest.approx(body["expected"], rel=1e-6)
    if body["reached"]:
        assert body["probability"] >= probability > body["baseline"]["probability"]
        assert body["method"] in ("exhaustive", "greedy") and body["periods"]
        assert all("2027-01-01" <= d <= "2027-01-31" for d in body["periods"])
        fewer = body["periods"][:-1]  # one day less of those does not reach it
        assert _confirmed(served, subject, target, fewer)["probability"] < probability or body["method"] == "greedy"
    else:
        assert "cannot reach" in body["message"]


def test_an_unreachable_target_gets_the_best_the_bounds_can_do(served):
    ask = {"series_id": "store-02", **JAN, "target": 5e7, "regressor": "promo", "probability": 0.7}
    body = served.post("/v1/feasibility/solve", json={**ask, "bounds": {"max_periods": 3}}).json()
    assert not body["reached"] and len(body["periods"]) == 3 and "cannot reach probability 0.7" in body["message"]
    assert body["probability"] == 0.0 and body["expected"] > body["baseline"]["expected"]


def test_a_target_the_plan_reaches_needs_no_change(served):
    ask = {"series_id": "store-03", **JAN, "target": 1.0, "regressor": "promo", "probability": 0.9}
    body = served.post("/v1/feasibility/solve", json=ask).json()
    assert body["reached"] and body["method"] == "none" and body["periods"] == [] and "already" in body["message"]
    assert body["probability"] == body["baseline"]["probability"] == 1.0


def test_the_scenario_comes_first_and_its_days_are_not_proposed(served):
    scenario = {"promo": [{"start": "2027-01-05", "end": "2027-01-18", "value": 1}]}
    subject = {"series_id": "store-01"}
    with_it = served.post("/v1/feasibility", json={**subject, **JAN, "target": 1.0, "scenario": scenario}).json()
    target = with_it["expected"] * 1.05
    ask = {**subject, **JAN, "target": target, "regressor": "promo", "probability": 0.6, "scenario": scenario}
    body = served.post("/v1/feasibility/solve", json=ask).json()
    assert body["baseline"]["expected"] == pytest.approx(with_it["expected"])
    assert not any("2027-01-05" <= d <= "2027-01-18" for d in body["periods"])
    assert body["changeable_periods"] <= 31 - 14
    confirmed = _confirmed(served, subject, target, body["periods"], scenario)
    assert confirmed["probability"] == pytest.approx(body["probability"])


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ({"regressor": "price"}, 422, "choose one of promo, or retrain with --regressors promo,price"),
        ({"bounds": {"min": 0, "max": 1}}, 422, "0/1 regressor"),
        ({"period": "2026-10"}, 422, "recorded already"),
        ({"period": "2030-01"}, 422, "outside what the model covers"),
        ({"series_id": "store-99"}, 404, "unknown series"),
        ({"probability": 1.0}, 422, "probability"),
        ({"bounds": {"max_periods": 0}}, 422, "max_periods"),
        ({"scenario": {"promo": [{"start": "2027-01-05", "end": "2027-01-06", "value": 0.5}]}}, 422, "0/1 regressor"),
    ],
)
def test_a_bad_question_names_the_problem(served, change, status, named):
    ask = {"series_id": "store-01", **JAN, "target": 4e5, "regressor": "promo", "probability": 0.7, **change}
    if "period" in change:
        ask.pop("start", None)
    response = served.post("/v1/feasibility/solve", json=ask)
    assert response.status_code == status and named in response.json()["detail"], response.json()


def test_a_model_trained_without_drivers_says_to_retrain(client):
    ask = {"series_id": "store-01", **JAN, "target": 4e5, "regressor": "promo", "probability": 0.7}
    response = client.post("/v1/feasibility/solve", json=ask)
    assert response.status_code == 422 and "--regressors" in response.json()["detail"]
