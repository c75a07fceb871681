"""A pushed batch is checked whole: each rejected item is named, and nothing is stored."""

import datetime as dt

import pytest

from models.errors import InvalidInput
from models.kri.config import parse_kri_config
from models.kri.observations import Observation, check_observations

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
KRIS = {
    k.name: k
    for k in parse_kri_config(
        {
            "kris": [
                {"name": "returns_rate", "source": "observed", "direction": "above", "critical": 0.1},
                {"name": "target_attainment", "source": "target_attainment", "direction": "below", "critical": 0.3},
            ]
        }
    )
}


def obs(**kw) -> Observation:
    return Observation(**{"kri": "returns_rate", "value": 0.05, "ts": NOW, "labels": {}, **kw})


def test_a_good_batch_comes_back_in_utc():
    naive = obs(ts=dt.datetime(2026, 11, 22, 11))
    offset = obs(ts=dt.datetime(2026, 11, 22, 13, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    out = check_observations([naive, offset], KRIS, NOW)
    assert [o.ts for o in out] == [dt.datetime(2026, 11, 22, 11, tzinfo=dt.UTC)] * 2


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (obs(kri="nope"), "observations[1] (kri 'nope'): unknown KRI"),
        (obs(value=float("nan")), "observations[1] (kri 'returns_rate'): value must be a finite number"),
        (obs(ts=NOW + dt.timedelta(days=1)), "observations[1] (kri 'returns_rate'): ts 2026-11-23"),
        (obs(kri="target_attainment"), "the service computes it"),
        (obs(labels={"severity": "x"}), "label 'severity' is not allowed"),
    ],
)
def test_a_bad_item_is_named_and_fails_the_batch(item, expected):
    with pytest.raises(InvalidInput) as err:
        check_observations([obs(), item], KRIS, NOW)
    assert expected in str(err.value) and "nothing was stored" in str(err.value)


def test_a_small_clock_skew_is_accepted():
    assert check_observations([obs(ts=NOW + dt.timedelta(minutes=2))], KRIS, NOW)
