"""Group columns read at training time: one value per series, or an error naming the series."""

import pandas as pd
import pytest

from models.errors import InvalidInput
from models.forecast.contracts import ColumnMapping
from models.forecast.groups import series_groups


def _raw(regions):
    return pd.DataFrame(
        {"series_id": ["a", "a", "b", "b"], "ds": ["2026-01-01", "2026-01-02"] * 2, "y": 1.0, "region": regions}
    )


def test_groups_are_read_per_series():
    assert series_groups(_raw(["N", "N", "S", "S"]), ColumnMapping(), ["region"]) == {
        "a": {"region": "N"},
        "b": {"region": "S"},
    }
    assert series_groups(_raw(["N", "N", "S", "S"]), ColumnMapping(), []) == {}


def test_a_changing_or_blank_group_value_names_the_series():
    with pytest.raises(InvalidInput, match="'region' changes within series 'b'"):
        series_groups(_raw(["N", "N", "S", "E"]), ColumnMapping(), ["region"])
    with pytest.raises(InvalidInput, match="'region' is blank for series 'a'"):
        series_groups(_raw(["", "", "S", "S"]), ColumnMapping(), ["region"])


def test_a_missing_group_column_is_named():
    with pytest.raises(InvalidInput, match="'channel' not found"):
        series_groups(_raw(["N", "N", "S", "S"]), ColumnMapping(), ["channel"])
