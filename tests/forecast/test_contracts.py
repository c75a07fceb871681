import pandas as pd
import pytest

from models.errors import InvalidInput
from models.forecast.contracts import Frequency, infer_frequency


def dates(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)))


@pytest.mark.parametrize(
    ("values", "alias"),
    [
        (("2024-01-01", "2024-01-02", "2024-01-04"), "D"),
        (("2024-01-05", "2024-01-12", "2024-01-26"), "W-FRI"),
        (("2024-01-01", "2024-02-01", "2024-03-01"), "MS"),
        (("2024-01-31", "2024-02-29", "2024-03-31"), "ME"),
    ],
)
def test_infers_frequency_from_dates(values, alias):
    assert infer_frequency([dates(*values)]) == Frequency(alias)


def test_mixed_frequencies_cannot_be_inferred():
    assert infer_frequency([dates("2024-01-01", "2024-01-15", "2024-01-18")]) is None


def test_bare_weekly_takes_its_anchor_from_the_data():
    assert Frequency.parse("W", anchor_hint=dates("2024-01-03", "2024-01-10")).alias == "W-WED"


def test_unknown_frequency_names_the_choices():
    with pytest.raises(InvalidInput, match="W-MON..W-SUN"):
        Frequency.parse("fortnightly")


def test_weekly_label_rolls_forward_to_the_anchor_day():
    labels = Frequency("W-FRI").label(dates("2024-01-01", "2024-01-05", "2024-01-06"))
    assert list(labels.dt.strftime("%Y-%m-%d")) == ["2024-01-05", "2024-01-05", "2024-01-12"]
