"""Feasibility math against hand-computed cases."""

import numpy as np
import pytest

from models.errors import InvalidInput
from models.planning.feasibility import VerdictCutoffs, assess


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
