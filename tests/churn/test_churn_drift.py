"""Feature drift: the training profile and the population stability index of scored customers."""

import numpy as np
import pandas as pd
import pytest

from models.churn.drift import feature_drift, feature_profile, population_stability, profile_from_population
from models.churn.features import FeatureSchema

SCHEMA = FeatureSchema(numeric=("tenure",), boolean=("online",), categorical=("contract",))


def frame(n: int, seed: int, shift: float = 0.0, monthly: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 12.0, n) + shift
    tenure[rng.random(n) < 0.05] = np.nan
    contract = rng.choice(["monthly", "yearly", "two-year"], n, p=[monthly, (1 - monthly) / 2, (1 - monthly) / 2])
    return pd.DataFrame(
        {"tenure": tenure, "online": rng.integers(0, 2, n).astype(float), "contract": contract.astype(object)}
    )


def test_same_population_is_stable_and_a_shift_is_significant():
    profile = feature_profile(frame(5000, 1), SCHEMA)
    assert len(profile["tenure"]["shares"]) == len(profile["tenure"]["edges"]) + 2  # value bins + missing
    same = {r["feature"]: r for r in feature_drift(profile, frame(3000, 2))}
    assert all(r["psi"] < 0.1 and r["level"] == "stable" for r in same.values())
    moved = {r["feature"]: r for r in feature_drift(profile, frame(3000, 2, shift=15.0, monthly=0.9))}
    assert moved["tenure"]["level"] == "significant" and moved["contract"]["level"] == "significant"
    assert moved["online"]["level"] == "stable"


def test_psi_is_the_textbook_sum_and_a_new_category_counts_as_other():
    e, a = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert population_stability(e, a) == pytest.approx(0.25 * np.log(0.5) * -1 + 0.25 * np.log(1.5))
    profile = feature_profile(frame(1000, 1), SCHEMA)
    novel = frame(500, 2).assign(contract="lifetime")
    assert {r["feature"]: r for r in feature_drift(profile, novel)}["contract"]["level"] == "significant"


def test_a_model_saved_without_a_profile_still_profiles_its_segment_features():
    population = pd.DataFrame(
        {"customer_id": ["1", "2", "3"], "probability": [0.1, 0.2, 0.3]}
        | {"segment:online": pd.array(["1.0", "0.0", None], dtype="string")}
        | {"segment:contract": pd.array(["monthly", "yearly", "monthly"], dtype="string")}
    )
    profile = profile_from_population(population, SCHEMA)
    assert set(profile) == {"online", "contract"}
    assert profile["online"]["categories"] == ["false", "true"] or profile["online"]["categories"] == ["true", "false"]
    assert profile["online"]["shares"][-1] == pytest.approx(1 / 3)  # the missing bin


def test_a_model_saved_with_its_features_profiles_every_feature(churn_model, tmp_path):
    from models.churn.artifact import load_churn, save_churn
    from models.churn.features import clean_features
    from training.jobs.sample import make_customers

    x = clean_features(make_customers(seed=7, n=2000), churn_model.schema)
    save_churn(
        tmp_path,
        churn_model.pipeline,
        churn_model.schema,
        churn_model.reference,
        churn_model.population,
        id_col="customer_id",
        value_col="monthly_value",
        segment_col="region",
        features=x,
    )
    loaded = load_churn(tmp_path, {"version": "v-profiled"})
    assert set(loaded.profile) == set(churn_model.schema.features)
    assert set(churn_model.profile) == set(loaded.profile)  # training saves its features' profile too
    assert all(r["level"] == "stable" for r in feature_drift(loaded.profile, x.sample(500, random_state=0)))
