"""POST /v1/churn/outcomes through the ASGI app: resolving the scores given, all-or-nothing 422s,
the realised figures and drift of the monitoring answer, the gauge, the KRI source, restarts."""

import datetime as dt

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from models.kri.config import KriDefinition
from service.api.churn import churn_monitoring
from service.deps import services_of
from service.kri.sources import ChurnCalibration
from tests.service.conftest import client_for
from training.jobs.sample import make_customers

KEYS = "w-key:write,r-key:read"
WRITE, READ = {"X-API-Key": "w-key"}, {"X-API-Key": "r-key"}
TODAY = dt.datetime.now(dt.UTC).date().isoformat()
TRAINING = make_customers(seed=7, n=2000)  # the churn_registry's training table


def new_customers(n: int, seed: int = 9, prefix: str = "new-") -> list[dict]:
    rows = make_customers(seed=seed, n=n).drop(columns=["churned"])
    return rows.assign(customer_id=[f"{prefix}{i}" for i in range(n)]).to_dict("records")


def outcome(cid: str, churned: bool = True, as_of: str = TODAY) -> dict:
    return {"customer_id": cid, "churned": churned, "as_of": as_of}


def post(client, *outcomes: dict):
    return client.post("/v1/churn/outcomes", json={"outcomes": list(outcomes)}, headers=WRITE)


def monitoring(client, since: dt.date | None = None) -> dict:
    services = services_of(client.app)
    return churn_monitoring(services.churn_records, services.models.churn, since)


@pytest.fixture
def client(churn_registry, tmp_path):
    with client_for(churn_registry.root, database=tmp_path / "sentinel.db", api_keys=KEYS) as c:
        yield c


def test_outcomes_resolve_training_and_served_scores_and_give_scikit_learns_auc(client, churn_model):
    scored = client.post("/v1/churn/score", json={"customers": new_customers(40)}).json()["scores"]
    trained = TRAINING.head(300)
    batch = [outcome(c, bool(y == "yes")) for c, y in zip(trained["customer_id"], trained["churned"], strict=True)]
    batch += [outcome(s["customer_id"], s["probability"] > 0.3) for s in scored]
    r = post(client, *batch)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resolved"] == 340 and body["by_source"] == {"training": 300, "score": 40}
    assert body["model_versions"] == [churn_model.version] and body["total_outcomes"] == 340

    given = churn_model.population_scores()
    p = [given[c] for c in trained["customer_id"]] + [s["probability"] for s in scored]
    y = [o["churned"] for o in batch]
    out = monitoring(client)
    assert out["resolved"] == 340 and out["churned"] == sum(y)
    assert out["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert sum(b["count"] for b in out["reliability"]) == 340 and out["brier"] is not None


def test_a_training_customer_scored_again_resolves_against_the_served_answer(client):
    cid = TRAINING["customer_id"].iloc[0]
    answer = client.post("/v1/churn/score", json={"customers": [{**new_customers(1)[0], "customer_id": cid}]}).json()
    assert post(client, outcome(cid)).json()["by_source"] == {"score": 1}
    assert monitoring(client)["mean_probability"] == answer["scores"][0]["probability"]


YESTERDAY = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (outcome("nobody-42"), "outcomes[1]: customer 'nobody-42' was never scored"),
        (outcome("C00002", as_of=YESTERDAY), "is before the customer was scored"),
        (outcome("C00001", churned=False), "outcomes[1]: customer 'C00001' appears twice in this batch"),
        (outcome("C00003"), "already has an outcome, and outcomes are final; drop the row"),
    ],
)
def test_a_bad_row_rejects_the_batch_naming_it_and_stores_nothing(client, bad, says):
    assert post(client, outcome("C00003")).status_code == 200  # resolved before the batch
    r = post(client, outcome("C00001"), bad)
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    assert r.json()["detail"].startswith("nothing was stored: 1 of 2 outcome(s)") and says in r.json()["detail"]
    assert monitoring(client)["resolved"] == 1
    assert post(client, outcome("C00001")).json()["resolved"] == 1  # its good row was not stored


def test_malformed_outcomes_are_422_and_a_write_key_is_needed(client):
    r = client.post("/v1/churn/outcomes", json={"outcomes": [outcome("C00001")]})
    assert r.status_code == 401
    assert client.post("/v1/churn/outcomes", json={"outcomes": [outcome("C00001")]}, headers=READ).status_code == 403
    for body in (
        {"outcomes": []},
        {"outcomes": [{"customer_id": "C00001", "churned": "yes", "as_of": TODAY}]},
        {"outcomes": [{"customer_id": "C00001", "churned": True, "as_of": "31/12/2026"}]},
        {"outcomes": [{"customer_id": "C00001", "churned": True}]},
    ):
        r = client.post("/v1/churn/outcomes", json=body, headers=WRITE)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", body
    assert monitoring(client)["resolved"] == 0


def test_restart_keeps_the_scores_and_the_outcomes(churn_registry, tmp_path):
    database = tmp_path / "kept.db"
    with client_for(churn_registry.root, database=database, api_keys=KEYS) as first:
        first.post("/v1/churn/score", json={"customers": new_customers(3)})
        assert post(first, outcome("new-0"), outcome("C00005", churned=False)).status_code == 200
        before = monitoring(first)
    with client_for(churn_registry.root, database=database, api_keys=KEYS) as again:
        assert monitoring(again)["roc_auc"] == before["roc_auc"] and monitoring(again)["resolved"] == 2
        assert "already has an outcome" in post(again, outcome("new-0")).json()["detail"]
        assert post(again, outcome("new-1", churned=False)).json()["by_source"] == {"score": 1}  # kept score
        assert monitoring(again)["drift"]["scored"] == 3


def test_the_realised_auc_gauge_follows_the_outcomes(client, churn_model):
    def gauge() -> float:
        lines = client.get("/metrics").text.splitlines()
        return float(next(line.split()[1] for line in lines if line.startswith("sentinel_churn_realised_auc")))

    assert np.isnan(gauge())
    trained = TRAINING.head(200)
    post(client, *[outcome(c, y == "yes") for c, y in zip(trained["customer_id"], trained["churned"], strict=True)])
    assert gauge() == pytest.approx(monitoring(client)["roc_auc"], abs=1e-9)


def test_drift_compares_the_customers_scored_with_the_training_population(client):
    client.post("/v1/churn/score", json={"customers": new_customers(400)})
    drift = monitoring(client)["drift"]
    assert drift["scored"] == 400 and {r["feature"] for r in drift["features"]} >= {"contract", "region"}
    assert all(r["level"] != "significant" for r in drift["features"])
    # Training profiled every feature, the numeric ones included (binned by training deciles).
    assert not drift["unprofiled"] and "tenure_months" in {r["feature"] for r in drift["features"]}
    shifted = [{**c, "contract": "month-to-month", "customer_id": f"m-{i}"} for i, c in enumerate(new_customers(400))]
    client.post("/v1/churn/score", json={"customers": shifted})
    later = monitoring(client)["drift"]
    contract = next(r for r in later["features"] if r["feature"] == "contract")
    assert later["scored"] == 800 and contract["psi"] > 0.1 and later["max_psi"] >= contract["psi"]


def test_churn_calibration_kri_reads_a_realised_figure_over_its_window(client):
    calibration = ChurnCalibration(services_of(client.app).churn_records)
    kri = KriDefinition("churn_ece", "churn_calibration", "above", 0.1, 0.2, params={"min_resolved": 100})
    assert "fewer than 100" in calibration.read(kri).reason
    trained = TRAINING.head(300)
    post(client, *[outcome(c, y == "yes") for c, y in zip(trained["customer_id"], trained["churned"], strict=True)])
    [(labels, value)] = calibration.read(kri)
    assert labels == {} and value == pytest.approx(monitoring(client)["ece"])
    auc = KriDefinition("churn_auc", "churn_calibration", "below", 0.7, 0.6, params={"metric": "roc_auc"})
    assert calibration.read(auc)[0][1] == pytest.approx(monitoring(client)["roc_auc"])
    f1 = KriDefinition("churn_f1", "churn_calibration", "above", 0.1, 0.2, params={"metric": "f1"})
    assert "must be one of" in calibration.read(f1).reason
