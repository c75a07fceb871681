"""Feasibility math against hand-computed cases."""

import numpy as np
import pytest

from models.errors import InvalidInput
from models.planning.feasibility import VerdictCutoffs, assess, spread, target_curve


def test_probability_is_the_share_of_totals_at_or_above_target():
    totals = np.array([80.0, 90.0, 100.0, 110.0, 120.0])
    result = assess(totals, 100.0)
    assert result.probability == pytest.approx(3 / 5)
    assert result.expected == pytest.approx(100.0)
    assert result.gap == pytest.approx(0.0)
    assert result.p50 == pytest.approx(100.0)
    assert result.p10 == pytest.approx(84.0)  # linear interpolation: 80 + 0.4 * 10
    assert result.p90 == pytest.approx(116.0)
    assert result.verdict == "stretch"


def test_gap_is_target_minus_expected():
    result = assess(np.array([10.0, 20.0, 30.0, 40.0]), 45.0)
    assert result.probability == 0.0
    assert result.gap == pytest.approx(20.0)
    assert result.verdict == "unlikely"


def test_verdict_cutoffs_are_configurable():
    totals = np.arange(1.0, 11.0)  # P(total >= 4) = 0.7
    assert assess(totals, 4.0).verdict == "likely"
    assert assess(totals, 4.0, VerdictCutoffs(likely=0.8, stretch=0.5)).verdict == "stretch"


def test_cutoffs_must_be_ordered():
    with pytest.raises(InvalidInput, match="0 < stretch < likely < 1"):
        VerdictCutoffs(likely=0.3, stretch=0.6)


def test_non_finite_target_is_rejected():
    with pytest.raises(InvalidInput, match="finite"):
        assess(np.ones(3), float("nan"))


def test_the_target_curve_spans_the_central_99_percent_and_matches_assess():
    totals = np.random.default_rng(3).normal(1000.0, 100.0, size=1000)
    targets, probabilities = target_curve(totals, 21)
    assert (targets[0], targets[-1]) == pytest.approx(tuple(np.quantile(totals, [0.005, 0.995])))
    assert np.allclose(np.diff(targets), np.diff(targets)[0]) and (np.diff(probabilities) <= 0).all()
    assert probabilities.tolist() == [assess(totals, float(x)).probability for x in targets]
    assert probabilities[0] == 0.995 and probabilities[-1] == 0.005


def test_the_target_curve_of_a_certain_total_is_one_value_reached_for_sure():
    targets, probabilities = target_curve(np.full(50, 1234.5), 4)
    assert targets.tolist() == [1234.5] * 4 and probabilities.tolist() == [1.0] * 4
    with pytest.raises(InvalidInput, match="at least 2 points"):
        target_curve(np.full(50, 1.0), 1)


@pytest.mark.parametrize("kind", ["smooth", "few values", "constant", "with nan"])
def test_one_sorted_spread_answers_every_target_as_counting_and_numpys_quantiles_do(kind):
    rng = np.random.default_rng(3)
    totals = {
        "smooth": rng.normal(1e6, 1e5, 1000),
        "few values": rng.choice(rng.normal(1e6, 1e5, 72), 1000),  # calibration's reused error paths
        "constant": np.full(1000, 5e5),
        "with nan": np.where(rng.random(1000) < 0.05, np.nan, rng.normal(1e6, 1e5, 1000)),
    }[kind]
    known = spread(totals)
    finite = totals[~np.isnan(totals)]
    for target in [4e5, 5e5, *np.quantile(finite, [0.1, 0.5, 0.9]), float(finite[0]), 2e6]:
        result = known.assess(float(target))
        np.testing.assert_equal(vars(result), vars(assess(totals, float(target))))  # NaN == NaN here
        assert result.probability == np.count_nonzero(totals >= target) / totals.size
    if kind != "with nan":
        assert [known.p10, known.p50, known.p90] == np.quantile(totals, [0.1, 0.5, 0.9]).tolist()
        assert known.expected == float(totals.sum()) / totals.size
