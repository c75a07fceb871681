"""``POST /v1/feasibility/curve``: P(period total >= x) over a range of x, as feasibility answers each x."""

import pytest

from tests.service.conftest import client_for

WRITE = {"X-API-Key": "curve-write"}
JAN = {"period": "2027-01"}


@pytest.fixture(scope="module")
def client(trained_registry, tmp_path_factory):
    db = tmp_path_factory.mktemp("curve-db") / "sentinel.db"
    with client_for(trained_registry.root, db, api_keys="curve-write:write") as c:
        yield c


def _curve(client, **body):
    response = client.post("/v1/feasibility/curve", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _probability(client, target, **body):
    response = client.post("/v1/feasibility", json={**body, "target": target})
    assert response.status_code == 200, response.text
    return response.json()["probability"]


@pytest.mark.parametrize(
    "subject",
    [{"series_id": "store-01"}, {"group": {"region": "North"}}, {"group": {"store_format": "street"}}, {"total": True}],
)
def test_the_curve_falls_across_the_central_99_percent_of_the_totals(client, subject):
    curve = _curve(client, **subject, **JAN)
    assert len(curve) == 41 and all(set(p) == {"target", "probability"} for p in curve)
    targets = [p["target"] for p in curve]
    probabilities = [p["probability"] for p in curve]
    assert all(b > a for a, b in zip(targets, targets[1:], strict=False))
    steps = [b - a for a, b in zip(targets, targets[1:], strict=False)]
    assert max(steps) == pytest.approx(min(steps), rel=1e-6)  # evenly spaced
    assert all(b <= a for a, b in zip(probabilities, probabilities[1:], strict=False))  # never rises
    # At least 99.5% of the totals reach the first target and 0.5% the last one; more where
    # samples tie (the fixture's pool is small).
    assert probabilities[0] >= 0.995 and 0.005 <= probabilities[-1] <= 0.1
    expected = client.post("/v1/feasibility", json={**subject, **JAN, "target": 1.0}).json()
    assert targets[0] < expected["p10"] < expected["p50"] < expected["p90"] < targets[-1]


@pytest.mark.parametrize("subject", [{"series_id": "store-02"}, {"total": True}])
def test_each_point_is_feasibilitys_probability_for_that_target(client, subject):
    period = {"start": "2026-12-01", "end": "2027-02-28"}
    for point in _curve(client, **subject, **period, points=7):
        assert point["probability"] == _probability(client, point["target"], **subject, **period)


def test_posted_actuals_move_the_curve_as_they_move_feasibility(client):
    before = _curve(client, series_id="store-03", period="2026-11", points=11)
    low = [{"series_id": "store-03", "ds": f"2026-11-{d:02d}", "y": 1000.0} for d in range(1, 11)]
    assert client.post("/v1/actuals", json={"actuals": low}, headers=WRITE).status_code == 200
    after = _curve(client, series_id="store-03", period="2026-11", points=11)
    assert after[5]["target"] < before[5]["target"]  # a run of low days lowers the whole range
    for point in after:
        assert point["probability"] == _probability(client, point["target"], series_id="store-03", period="2026-11")


def test_a_period_already_recorded_is_a_single_certain_value(client):
    curve = _curve(client, series_id="store-01", start="2026-10-01", end="2026-10-31", points=3)
    recorded = client.post(
        "/v1/feasibility", json={"series_id": "store-01", "start": "2026-10-01", "end": "2026-10-31", "target": 1.0}
    ).json()["actual_to_date"]
    assert curve == [{"target": recorded, "probability": 1.0}] * 3


def test_points_sets_the_resolution(client):
    assert len(_curve(client, series_id="store-01", **JAN)) == 41  # the default
    assert len(_curve(client, series_id="store-01", **JAN, points=2)) == 2
    assert len(_curve(client, series_id="store-01", **JAN, points=501)) == 501


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"series_id": "store-01"}, 422, "a period is needed"),
        ({"series_id": "store-01", "period": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31"}, 422, "not both"),
        ({"series_id": "store-01", "period": "2027-Q3"}, 422, "outside what the model covers"),
        ({"series_id": "store-01", "period": "2027-Q5"}, 422, "malformed period"),
        ({"series_id": "store-99", **JAN}, 404, "unknown series 'store-99'"),
        ({"group": {"region": "Mars"}, **JAN}, 404, "available: East, North, South, West"),
        ({"series_id": "store-01", "group": {"region": "North"}, **JAN}, 422, "exactly one"),
        ({"series_id": "store-01", **JAN, "points": 1}, 422, "points"),
        ({"series_id": "store-01", **JAN, "points": 502}, 422, "points"),
        ({"series_id": "store-01", **JAN, "target": 5.0}, 422, "target"),
    ],
)
def test_curve_bad_inputs_answer_as_feasibility_does(client, body, status, fragment):
    response = client.post("/v1/feasibility/curve", json=body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    if "target" not in body and "points" not in body:  # the same question to feasibility: the same answer
        same = client.post("/v1/feasibility", json={**body, "target": 1.0})
        assert (same.status_code, same.json()) == (status, response.json())
