"""Target decomposition: proportional shares and equal-probability quantiles that add up."""

import numpy as np
import pytest

from models.errors import InvalidInput
from models.planning.decomposition import decompose


@pytest.fixture
def samples():
    rng = np.random.default_rng(1)
    steady = rng.normal(100.0, 2.0, 4000)  # predictable store
    volatile = rng.normal(100.0, 30.0, 4000)  # same expectation, far wider
    return np.stack([steady, volatile])


def test_proportional_splits_by_expected_sales(samples):
    result = decompose(["a", "b"], samples * np.array([[1.0], [3.0]]), 800.0, "proportional")
    targets = [p.target for p in result.parts]
    assert sum(targets) == pytest.approx(800.0)
    assert targets[1] / targets[0] == pytest.approx(3.0, rel=0.02)


def test_equal_probability_gives_every_part_the_same_chance(samples):
    result = decompose(["steady", "volatile"], samples, 210.0, "equal_probability")
    steady, volatile = result.parts
    assert steady.target + volatile.target == pytest.approx(210.0)
    assert steady.probability == pytest.approx(volatile.probability, abs=0.02)
    assert steady.probability == pytest.approx(result.common_probability, abs=0.02)
    # Proportional would hand both 105: a near-impossible ask for the steady store only.
    proportional = decompose(["steady", "volatile"], samples, 210.0, "proportional")
    assert proportional.parts[0].probability < 0.01 < proportional.parts[1].probability
    assert steady.target < 105.0 < volatile.target


def test_total_probability_is_read_off_the_joint_samples(samples):
    result = decompose(["a", "b"], samples, 200.0, "proportional")
    assert result.total_probability == pytest.approx(float((samples.sum(axis=0) >= 200.0).mean()))
    assert result.total_expected == pytest.approx(float(samples.sum(axis=0).mean()))


def test_unreachable_total_still_adds_up(samples):
    result = decompose(["a", "b"], samples, 10_000.0, "equal_probability")
    assert sum(p.target for p in result.parts) == pytest.approx(10_000.0)
    assert result.total_probability == 0.0 and result.common_probability == 0.0


@pytest.mark.parametrize("total", [0.0, -5.0, float("nan")])
def test_non_positive_total_is_refused(samples, total):
    with pytest.raises(InvalidInput, match="positive"):
        decompose(["a", "b"], samples, total, "proportional")
