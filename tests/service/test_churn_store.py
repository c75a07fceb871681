"""The churn store's bounds: the latest score per customer, and at most ``cap`` scores and outcomes."""

import datetime as dt

import pandas as pd

from models.churn.outcomes import GivenScore, Outcome, ResolvedOutcome
from service.db import engine as db
from service.db.churn_store import ChurnStore

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def store(tmp_path, cap: int) -> ChurnStore:
    engine = db.connect(f"sqlite:///{tmp_path / 'churn.db'}")
    db.upgrade(engine)
    return ChurnStore(engine, cap=cap)


def scored(records: ChurnStore, ids: list[str], at: dt.datetime, p: float = 0.5) -> None:
    features = pd.DataFrame({"tenure": [1.0] * len(ids), "contract": [None] * len(ids)})
    records.record_scores(ids, [p] * len(ids), features, "v1", at)


def test_a_customer_keeps_its_latest_score_and_the_oldest_go_beyond_the_cap(tmp_path):
    records = store(tmp_path, cap=4)
    scored(records, ["a", "b", "c"], T0)
    scored(records, ["a"], T0 + dt.timedelta(days=1), p=0.9)
    assert records.given(["a"])["a"] == [GivenScore("a", 0.9, "v1", T0 + dt.timedelta(days=1), "score")]
    scored(records, ["d", "e"], T0 + dt.timedelta(days=2))
    assert sorted(records.given(["a", "b", "c", "d", "e"])) == ["a", "c", "d", "e"]  # b was the oldest
    assert records.scored_features(T0 + dt.timedelta(days=1)).shape == (3, 2)


def test_outcomes_are_bounded_oldest_first(tmp_path):
    records = store(tmp_path, cap=3)
    for day in range(5):
        score = GivenScore(f"c{day}", 0.1 * day, "v1", T0, "training")
        outcome = Outcome(f"c{day}", day % 2 == 0, (T0 + dt.timedelta(days=day)).date())
        records.add_outcomes([ResolvedOutcome(outcome, score)], T0)
    assert records.counts()["outcomes"] == 3 and records.figures()["resolved"] == 3
    assert {k[0] for k in records.resolved_keys([f"c{d}" for d in range(5)])} == {"c2", "c3", "c4"}
