"""Transaction-log features and labels at a cutoff, checked against values computed by hand."""

import pandas as pd
import pytest

from models.churn.transactions import TransactionColumns, transaction_features
from models.errors import InvalidInput

LOG = pd.DataFrame(
    {
        "cust": ["a", "a", "a", "a", "b", "b", "c"],
        "day": ["2024-01-01", "2024-03-01", "2024-03-01", "2024-05-15", "2024-02-01", "2024-04-20", "2024-08-01"],
        "spend": [10.0, 5.0, 5.0, 20.0, 30.0, 12.0, 99.0],
    }
)
COLS = TransactionColumns("cust", "day", "spend")


def test_rfm_tenure_trend_and_label_by_hand():
    features, cutoff = transaction_features(LOG, COLS, inactive_days=60, as_of="2024-04-30")
    assert cutoff == pd.Timestamp("2024-04-30")
    rows = features.set_index("customer_id")
    assert list(rows.index) == ["a", "b"]  # c first buys after the cutoff: not a customer yet
    a = rows.loc["a"]
    assert a["recency_days"] == 60  # last purchase 2024-03-01
    assert a["frequency"] == 2  # two rows on 2024-03-01 are one purchase day
    assert a["monetary_total"] == 20.0 and a["monetary_mean"] == 10.0
    assert a["tenure_days"] == 120
    assert a["frequency_90d"] == 1 and a["spend_90d"] == 10.0  # window (2024-01-31, 2024-04-30]
    assert a["trend_90d"] == pytest.approx(1 - 2 * 90 / 121)
    assert a["monthly_value"] == pytest.approx(20.0 / (120 / 30))
    assert a["churned"] == 0  # buys on 2024-05-15, within 60 days
    b = rows.loc["b"]
    assert b["recency_days"] == 10 and b["frequency_90d"] == 2
    assert b["churned"] == 1  # nothing in (2024-04-30, 2024-06-29]


def test_default_cutoff_leaves_a_full_label_window():
    _, cutoff = transaction_features(LOG, COLS, inactive_days=30)
    assert cutoff == pd.Timestamp("2024-07-02")


def test_a_cutoff_without_an_observed_label_window_is_refused():
    with pytest.raises(InvalidInput, match="--as-of 2024-06-02"):
        transaction_features(LOG, COLS, inactive_days=60, as_of="2024-07-15")


def test_missing_columns_name_the_flags():
    with pytest.raises(InvalidInput, match="--customer-col"):
        transaction_features(LOG, TransactionColumns("customer", "day", "spend"))
