"""Churn accountability on IBM Telco: outcomes for a real holdout give scikit-learn's ROC AUC.

A churn model is trained on a stratified 80% of the table; the other 20% are scored through
``POST /v1/churn/score`` and their real labels posted as outcomes, then the training customers'
labels as well (resolving the population scored at training). The realised AUC of the monitoring
answer must equal ``roc_auc_score`` over the very scores the service gave.
"""

import datetime as dt

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from models.registry import Registry
from service.api.churn import churn_monitoring
from service.deps import services_of
from tests.conftest import shared_data
from tests.service.conftest import client_for
from training.jobs.churn import train_churn

pytestmark = pytest.mark.slow
WRITE = {"X-API-Key": "w-key"}


def test_telco_holdout_outcomes_give_scikit_learns_auc(tmp_path):
    table = pd.read_csv(shared_data("telco_churn", "Telco-Customer-Churn.csv"))
    train, holdout = train_test_split(table, test_size=0.2, stratify=table["Churn"], random_state=0)
    registry = Registry(tmp_path / "registry")
    train_churn(train, registry, id_col="customerID", label_col="Churn", value_col="MonthlyCharges", budget_seconds=5)
    today = dt.datetime.now(dt.UTC).date().isoformat()

    with client_for(registry.root, database=tmp_path / "sentinel.db", api_keys="w-key:write") as client:
        customers = holdout.drop(columns=["Churn"]).rename(columns={"customerID": "customer_id"})
        scored = client.post("/v1/churn/score", json={"customers": customers.to_dict("records")})
        assert scored.status_code == 200, scored.text
        p = {s["customer_id"]: s["probability"] for s in scored.json()["scores"]}
        y = dict(zip(holdout["customerID"], holdout["Churn"] == "Yes", strict=True))
        outcomes = [{"customer_id": c, "churned": bool(y[c]), "as_of": today} for c in p]
        r = client.post("/v1/churn/outcomes", json={"outcomes": outcomes}, headers=WRITE)
        assert r.status_code == 200 and r.json()["by_source"] == {"score": 1409}, r.text

        services = services_of(client.app)
        live = churn_monitoring(services.churn_records, services.models.churn, None)
        expected = roc_auc_score([y[c] for c in p], list(p.values()))
        assert live["resolved"] == 1409 and live["roc_auc"] == pytest.approx(expected, abs=1e-12)
        assert live["roc_auc"] > 0.8 and live["brier"] < 0.15  # an honest out-of-sample figure
        print(f"\nTelco holdout: realised ROC AUC {live['roc_auc']:.6f} (scikit-learn {expected:.6f}), "
              f"Brier {live['brier']:.4f}, ECE {live['ece']:.4f}")  # fmt: skip

        # The training population's own scores (from the artifact), resolved by their labels.
        population = services.models.churn.population_scores()
        labels = [{"customer_id": c, "churned": bool(v == "Yes"), "as_of": today} for c, v in
                  zip(train["customerID"], train["Churn"], strict=True)]  # fmt: skip
        r = client.post("/v1/churn/outcomes", json={"outcomes": labels}, headers=WRITE)
        assert r.status_code == 200 and r.json()["by_source"] == {"training": len(train)}, r.text
        every = churn_monitoring(services.churn_records, services.models.churn, None)
        scores = [*p.values(), *(population[o["customer_id"]] for o in labels)]
        churned = [*(y[c] for c in p), *(o["churned"] for o in labels)]
        assert every["resolved"] == 7043 and every["roc_auc"] == pytest.approx(
            roc_auc_score(churned, scores), abs=1e-12
        )
