"""Scenarios and plan overrides over HTTP: feasibility, decomposition and forecasts under a changed plan."""

import pytest

from tests.service.conftest import client_for

WRITE = {"X-API-Key": "w-key"}
KEYS = {"api_keys": "w-key:write,r-key:read"}
JAN = {"period": "2027-01"}
PROMO = {"promo": [{"start": "2027-01-05", "end": "2027-01-18", "value": 1}]}
HORIZON = {"start": "2026-11-01", "end": "2027-02-28"}  # the driver model's 120 days
NO_PROMO = {"promo": [{**HORIZON, "value": 0}]}


@pytest.fixture
def served(driver_registry, tmp_path):
    """A client on the driver model with its own database, and a way to start it again on the same one."""

    def start():
        return client_for(driver_registry.root, database=tmp_path / "sentinel.db", **KEYS)

    with start() as client:
        yield client, start


@pytest.mark.parametrize("subject", [{"series_id": "store-01"}, {"group": {"region": "North"}}, {"total": True}])
def test_a_promotion_scenario_raises_expected_and_never_lowers_the_probability(served, subject):
    client, _ = served
    plain = client.post("/v1/feasibility", json={**subject, **JAN, "target": 1.0}).json()
    assert "baseline" not in plain
    for scale in (0.8, 1.0, 1.1, 1.3):
        target = plain["expected"] * scale
        body = client.post("/v1/feasibility", json={**subject, **JAN, "target": target, "scenario": PROMO}).json()
        assert body["expected"] > body["baseline"]["expected"] > 0
        assert body["probability"] >= body["baseline"]["probability"]
        assert body["scenario_effect"] == pytest.approx(body["expected"] - body["baseline"]["expected"])
        assert body["baseline"]["expected"] == pytest.approx(plain["expected"])


def test_a_group_scenario_is_the_sum_of_its_members_scenarios(served):
    client, _ = served
    total = client.post("/v1/feasibility", json={"total": True, **JAN, "target": 1.0, "scenario": PROMO}).json()
    members = [
        client.post("/v1/feasibility", json={"series_id": f"store-0{k}", **JAN, "target": 1.0, "scenario": PROMO})
        for k in range(1, 5)
    ]
    assert total["series_count"] == 4
    assert total["expected"] == pytest.approx(sum(m.json()["expected"] for m in members), rel=1e-5)
    assert total["scenario_effect"] == pytest.approx(sum(m.json()["scenario_effect"] for m in members), rel=1e-5)


def test_removing_promotions_lowers_the_probability(served):
    client, _ = served
    q = {"series_id": "store-02", **HORIZON}
    planned = [p["values"]["promo"] for p in client.get("/v1/plan/store-02").json()["points"]]
    assert 0 < sum(planned) < len(planned)
    expected = client.post("/v1/feasibility", json={**q, "target": 1.0}).json()["expected"]
    body = client.post("/v1/feasibility", json={**q, "target": expected, "scenario": NO_PROMO}).json()
    assert body["scenario_effect"] < 0 and body["probability"] <= body["baseline"]["probability"]


def test_forecast_and_decomposition_take_a_scenario(served):
    client, _ = served
    forecast = client.post("/v1/forecast/store-01", json={"scenario": PROMO}).json()
    changed = [p for p in forecast["points"] if p["yhat"] != p["baseline_yhat"]]
    assert changed and all("2027-01-05" <= p["ds"] <= "2027-01-18" for p in changed)
    assert all(p["yhat"] > p["baseline_yhat"] and p["lower"] <= p["yhat"] <= p["upper"] for p in changed)
    split = client.post(
        "/v1/targets/decompose", json={"target": 2e6, **JAN, "group": {}, "by": "series", "scenario": PROMO}
    ).json()
    assert split["scenario_effect"] > 0 and split["total"]["probability"] >= split["baseline"]["probability"]
    assert sum(p["target"] for p in split["parts"]) == pytest.approx(2e6)


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        ({"price": PROMO["promo"]}, "retrain with sentinel train forecast --regressors promo,price"),
        ({"promo": [{"start": "2027-01-05", "end": "2027-01-06", "value": 0.5}]}, "0/1 regressor"),
        ({"promo": [{"start": "2026-10-01", "end": "2026-11-06", "value": 1}]}, "not within the forecast horizon"),
        ({"promo": [{"start": "2027-01-05", "end": "2027-06-06", "value": 1}]}, "not within the forecast horizon"),
        ({"promo": [PROMO["promo"][0], {"start": "2027-01-10", "end": "2027-01-20", "value": 0}]}, "overlaps"),
        ({"promo": [{"start": "2027-01-05", "end": "2027-01-06", "value": "1"}]}, "scenario"),
    ],
)
def test_a_bad_scenario_is_a_422_naming_the_problem(served, scenario, named):
    client, _ = served
    response = client.post(
        "/v1/feasibility", json={"series_id": "store-01", **JAN, "target": 1.0, "scenario": scenario}
    )
    assert response.status_code == 422 and named in response.json()["detail"], response.json()


def test_a_model_trained_without_drivers_says_to_retrain(client):
    body = {"series_id": "store-01", **JAN, "target": 1.0, "scenario": PROMO}
    response = client.post("/v1/feasibility", json=body)
    assert response.status_code == 422 and "--regressors" in response.json()["detail"]
    assert client.get("/v1/plan/store-01").status_code == 422


def test_a_put_plan_changes_the_baseline_and_survives_a_restart(served):
    client, start = served
    q = {"series_id": "store-01", **JAN, "target": 4e5}
    before = client.post("/v1/feasibility", json=q).json()
    scenario = client.post("/v1/feasibility", json={**q, "scenario": PROMO}).json()
    change = {"series_id": "store-01", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-18", "value": 1}
    stored = client.put("/v1/plan", json={"changes": [change]}, headers=WRITE)
    assert stored.status_code == 200 and stored.json()["stored"] == 14
    after = client.post("/v1/feasibility", json=q).json()
    assert after["expected"] == pytest.approx(scenario["expected"]) and after["expected"] > before["expected"]
    forecast = client.get("/v1/forecast/store-01").json()["points"]
    plain = client.post("/v1/forecast/store-01", json={"scenario": {}}).json()["points"]
    assert [p["yhat"] for p in forecast] == pytest.approx([p["baseline_yhat"] for p in plain])
    with start() as again:
        plan = again.get("/v1/plan/store-01").json()
        assert len(plan["overrides"]) == 14 and {o["value"] for o in plan["overrides"]} == {1.0}
        assert again.post("/v1/feasibility", json=q).json()["expected"] == pytest.approx(after["expected"])


@pytest.mark.parametrize(
    "bad",
    [
        {"series_id": "store-99", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-05", "value": 1},
        {"series_id": "store-01", "regressor": "price", "start": "2027-01-05", "end": "2027-01-05", "value": 1},
        {"series_id": "store-01", "regressor": "promo", "start": "2026-10-30", "end": "2026-11-02", "value": 1},
        {"series_id": "store-01", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-05", "value": 0.5},
        {"series_id": "store-01", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-05", "value": "one"},
    ],
)
def test_a_bad_put_plan_changes_nothing(served, bad):
    client, _ = served
    good = {"series_id": "store-02", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-06", "value": 1}
    q = {"series_id": "store-02", **JAN, "target": 4e5}
    before = client.post("/v1/feasibility", json=q).json()
    response = client.put("/v1/plan", json={"changes": [good, bad]}, headers=WRITE)
    assert response.status_code == 422 and "changes" in response.json()["detail"], response.json()
    assert client.get("/v1/plan/store-02").json()["overrides"] == []
    assert client.post("/v1/feasibility", json=q).json() == before
    assert client.put("/v1/plan", json={"changes": [good]}).status_code == 401  # a write needs the key


def test_registered_targets_and_their_kri_hear_the_plan_overrides(served):
    client, _ = served
    target = {"name": "store-01-jan", "series_id": "store-01", **JAN, "amount": 4e5}
    registered = client.post("/v1/targets", json=target, headers=WRITE).json()
    change = {"series_id": "store-01", "regressor": "promo", "start": "2027-01-05", "end": "2027-01-18", "value": 1}
    assert client.put("/v1/plan", json={"changes": [change]}, headers=WRITE).status_code == 200
    asked = client.post("/v1/feasibility", json={"series_id": "store-01", **JAN, "target": 4e5}).json()
    (standing,) = client.get("/v1/targets").json()["targets"]
    assert standing["expected"] == pytest.approx(asked["expected"])
    assert standing["probability"] == pytest.approx(asked["probability"])
    assert standing["expected"] > registered["expected"] and standing["probability"] >= registered["probability"]


@pytest.mark.parametrize(
    ("subject", "window"),
    [
        ({"series_id": "store-03", **JAN}, ("2027-01-05", "2027-01-18")),
        ({"series_id": "store-03", "start": "2026-10-20", "end": "2026-11-20"}, ("2026-11-05", "2026-11-18")),
        ({"group": {"region": "North"}, **JAN}, ("2027-01-05", "2027-01-18")),
    ],
)
def test_a_scenario_answers_what_storing_its_plan_then_answers(served, subject, window):
    """A scenario's answer (the trained totals read once, shifted for the scenario and for its baseline)
    is field for field the answer once PUT /v1/plan has stored the same plan."""
    client, _ = served
    start, end = window
    if "series_id" in subject:
        members = [subject["series_id"]]
    else:
        members = [
            s["series_id"] for s in client.get("/v1/series").json()["series"] if s["groups"]["region"] == "North"
        ]
    q = {**subject, "target": 1.02 * client.post("/v1/feasibility", json={**subject, "target": 1.0}).json()["expected"]}
    scenario = client.post(
        "/v1/feasibility", json={**q, "scenario": {"promo": [{"start": start, "end": end, "value": 1}]}}
    ).json()
    changes = [{"series_id": s, "regressor": "promo", "start": start, "end": end, "value": 1} for s in members]
    assert client.put("/v1/plan", json={"changes": changes}, headers=WRITE).status_code == 200
    stored = client.post("/v1/feasibility", json=q).json()
    assert scenario.pop("baseline") and scenario.pop("scenario_effect") > 0 and "baseline" not in stored
    assert scenario.keys() == stored.keys()
    for key, value in stored.items():
        if isinstance(value, float):
            assert scenario[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert scenario[key] == value, key
    if "start" in subject:
        assert stored["actual_to_date"] > 0 and stored["periods_elapsed"] > 0  # the period straddles the history


def test_the_fan_chart_follows_a_put_plan(served):
    """POST /v1/fan draws the plan as stored, like GET /v1/forecast: a stored promotion lifts its days only."""
    client, _ = served
    promo = ("2027-01-05", "2027-01-18")

    def fans():
        subjects = {
            "series": {"series_id": "store-01"},
            "group": {"group": {"region": "North"}},
            "total": {"total": True},
        }
        return {
            k: client.post("/v1/fan", json={**s, "history_periods": 7}).json()["forecast"] for k, s in subjects.items()
        }

    before = fans()
    change = {"series_id": "store-01", "regressor": "promo", "start": promo[0], "end": promo[1], "value": 1}
    assert client.put("/v1/plan", json={"changes": [change]}, headers=WRITE).status_code == 200
    after = fans()
    for subject in before:
        lifted = 0
        for old, new in zip(before[subject], after[subject], strict=True):
            assert old["ds"] == new["ds"]
            # tolerances: float32 group rows against a float64 sum of the members
            if promo[0] <= old["ds"] <= promo[1]:
                assert new["mean"] >= old["mean"] * (1 - 1e-4)
                assert new["bands"]["80"]["upper"] >= old["bands"]["80"]["upper"] * (1 - 1e-4)
                lifted += new["mean"] > old["mean"] * 1.001
            else:  # every other day as trained
                assert new["mean"] == pytest.approx(old["mean"], rel=1e-4)
                assert new["bands"]["95"]["lower"] == pytest.approx(old["bands"]["95"]["lower"], rel=1e-4)
        assert lifted >= 3, subject  # the promotion days store-01 had not planned one
    points = client.get("/v1/forecast/store-01", params={"level": 80}).json()["points"]
    lower = [p["bands"]["80"]["lower"] for p in after["series"]]
    assert lower == pytest.approx([p["lower"] for p in points], rel=1e-4)  # the forecast's interval, as stored
