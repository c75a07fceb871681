"""Resolving churn outcomes to the scores given, and the realised figures (pure functions)."""

import datetime as dt

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from models.churn.outcomes import GivenScore, Outcome, realised_figures, resolve_outcomes, roc_auc
from models.errors import InvalidInput

JAN, MAR = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)


def given(*scores: GivenScore) -> dict[str, list[GivenScore]]:
    out: dict[str, list[GivenScore]] = {}
    for s in scores:
        out.setdefault(s.customer_id, []).append(s)
    return out


def test_an_outcome_resolves_the_latest_score_given_on_or_before_its_date():
    scores = given(GivenScore("a", 0.2, "v1", JAN, "training"), GivenScore("a", 0.7, "v2", MAR, "score"))
    early = resolve_outcomes([Outcome("a", True, dt.date(2026, 2, 1))], scores, set(), today=TODAY)
    late = resolve_outcomes([Outcome("a", True, dt.date(2026, 3, 1))], scores, set(), today=TODAY)
    assert early[0].score.probability == 0.2 and late[0].score.probability == 0.7


@pytest.mark.parametrize(
    ("outcomes", "resolved", "expected"),
    [
        ([Outcome("zz", True, TODAY)], set(), "outcomes[0]: customer 'zz' was never scored"),
        ([Outcome("a", False, dt.date(2026, 1, 9))], set(), "is before the customer was scored (2026-01-10"),
        ([Outcome("a", False, TODAY), Outcome("a", True, TODAY)], set(), "outcomes[1]: customer 'a' appears twice"),
        ([Outcome("a", True, TODAY)], {("a", "v1", JAN)}, "already has an outcome"),
        ([Outcome("a", True, dt.date(2026, 6, 5))], set(), "is in the future"),
    ],
)
def test_each_bad_row_is_named_and_nothing_resolves(outcomes, resolved, expected):
    scores = given(GivenScore("a", 0.2, "v1", JAN, "training"), GivenScore("b", 0.4, "v1", JAN, "training"))
    batch = [Outcome("b", True, TODAY), *outcomes]  # a good row first: it must not be stored either
    with pytest.raises(InvalidInput) as err:
        resolve_outcomes(batch, scores, resolved, today=TODAY)
    message = str(err.value).replace("outcomes[1]", "outcomes[0]").replace("outcomes[2]", "outcomes[1]")
    assert message.startswith("nothing was stored: 1 of") and expected in message


def test_roc_auc_equals_scikit_learn_with_ties_and_none_with_one_class():
    rng = np.random.default_rng(3)
    p = np.round(rng.random(3000), 2)  # many ties
    y = (rng.random(3000) < p).astype(int)
    assert roc_auc(p, y) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert roc_auc(p, np.zeros_like(y)) is None


def test_realised_figures_brier_and_reliability():
    rng = np.random.default_rng(4)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    out = realised_figures(p, y)
    assert out["resolved"] == 2000 and out["churned"] == int(y.sum())
    assert out["brier"] == pytest.approx(brier_score_loss(y, p))
    assert sum(r["count"] for r in out["reliability"]) == 2000 and out["ece"] < 0.05
    assert realised_figures(np.array([]), np.array([]))["roc_auc"] is None
