"""The trained churn model: calibration, drivers that agree with it, summary, and safe loading."""

import json
import os
import shutil

import pandas as pd
import pytest

from models.checksums import sha256_file
from models.churn.artifact import PIPELINE, load_churn
from models.churn.features import clean_features
from models.errors import ArtifactIntegrityError
from models.registry import MANIFEST, Registry
from training.jobs.sample import make_customers


@pytest.fixture(scope="module")
def customers():
    return make_customers(seed=11, n=400)  # unseen customers


def test_probabilities_are_calibrated_on_the_population(churn_registry, churn_model):
    manifest = churn_registry.manifest("churn", churn_model.version)
    holdout = manifest["metrics"]["holdout"]
    assert holdout["model"]["roc_auc"] > 0.75 and holdout["model"]["brier"] < 0.16
    assert {"roc_auc", "pr_auc", "brier", "calibration"} <= set(holdout["baseline"])
    assert abs(churn_model.population["probability"].mean() - manifest["data"]["churn_rate"]) < 0.02


def test_each_driver_is_the_probability_change_of_resetting_that_feature(churn_model, customers):
    x = clean_features(customers, churn_model.schema)
    scores = churn_model.score(x)
    for i in range(0, 400, 40):
        for driver in scores.drivers[i]:
            changed = x.iloc[[i]].copy()
            changed[driver["feature"]] = churn_model.reference[driver["feature"]]
            p_reset = churn_model.predict(changed)[0]
            assert scores.probability[i] - p_reset == pytest.approx(driver["effect"], abs=1e-4)
            assert driver["direction"] == ("raises" if driver["effect"] > 0 else "lowers")


def test_raising_a_risk_raising_feature_raises_the_probability_and_shows_as_a_driver(churn_model, customers):
    x = clean_features(customers, churn_model.schema)
    calm = x[x["support_tickets"] == 0]  # support tickets drive churn in the sample company
    stormy = calm.assign(support_tickets=5.0)
    after = churn_model.score(stormy)
    assert after.probability.mean() > churn_model.predict(calm).mean() + 0.05
    shown = [d for drivers in after.drivers for d in drivers if d["feature"] == "support_tickets"]
    assert len(shown) > len(calm) / 5 and all(d["direction"] == "raises" and d["value"] == 5.0 for d in shown)


def test_drivers_are_per_customer_not_one_global_list(churn_model, customers):
    scores = churn_model.score(clean_features(customers, churn_model.schema))
    tops = {tuple(d["feature"] for d in drivers) for drivers in scores.drivers}
    assert len(tops) > 10
    assert all(len(drivers) <= 3 for drivers in scores.drivers)
    assert set(scores.bands) <= {"low", "medium", "high"}


def test_a_typical_customer_has_no_drivers(churn_model):
    typical = clean_features(pd.DataFrame([churn_model.reference]), churn_model.schema)
    assert churn_model.score(typical).drivers == [[]]


def test_summary_adds_up_overall_and_by_segment(churn_model):
    summary = churn_model.summary()
    pop = churn_model.population
    assert summary["revenue_at_risk"] == pytest.approx((pop["probability"] * pop["value"]).sum(), abs=0.01)
    assert summary["segment_column"] == "region" and len(summary["by_segment"]) == 4
    assert sum(s["revenue_at_risk"] for s in summary["by_segment"]) == pytest.approx(summary["revenue_at_risk"])
    assert sum(summary["risk_bands"].values()) == summary["customers"] == 2000
    by_contract = churn_model.summary("contract")
    assert {s["segment"] for s in by_contract["by_segment"]} == {"month-to-month", "one-year", "two-year"}
    unknown = churn_model.summary("shoe_size")
    assert unknown["by_segment"] == [] and "shoe_size" in unknown["warnings"][0]


def copy_registry(registry, tmp_path) -> tuple[Registry, str]:
    shutil.copytree(registry.root, tmp_path / "registry")
    copy = Registry(tmp_path / "registry")
    return copy, copy.champion("churn")


def test_a_tampered_pipeline_is_refused_by_its_checksum(churn_registry, tmp_path):
    registry, version = copy_registry(churn_registry, tmp_path)
    path = registry.root / "churn" / version / PIPELINE
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ArtifactIntegrityError, match="SHA-256"):
        registry.open_version("churn", version)


def test_a_pipeline_asking_for_foreign_code_is_refused_even_with_forged_checksums(churn_registry, tmp_path):
    import skops.io as sio

    registry, version = copy_registry(churn_registry, tmp_path)
    directory = registry.root / "churn" / version
    sio.dump({"payload": os.system}, directory / PIPELINE)
    manifest = json.loads((directory / MANIFEST).read_text())
    manifest["files"][PIPELINE] = sha256_file(directory / PIPELINE)  # the attacker rewrote the manifest too
    (directory / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactIntegrityError, match="system"):
        load_churn(*registry.open_version("churn", version))
