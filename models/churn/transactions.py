"""Churn features and labels from a transaction log, at a cutoff date.

One row per customer who bought on or before the cutoff (``as_of``), from purchases up to and
including it:

    recency_days      days since the last purchase
    frequency         purchase days (several rows on one day count once)
    monetary_total    spend; monetary_mean: spend per purchase day
    tenure_days       days since the first purchase
    frequency_90d     purchase days in the last 90 days; spend_90d likewise
    trend_90d         frequency_90d minus the purchase days expected in 90 days at the
                      customer's lifetime rate (negative: buying less often than they used to)
    monthly_value     spend per 30 days of tenure (at least one month): the revenue at risk

and the label ``churned`` = 1 when the customer makes no purchase in (as_of, as_of + N days].
The default cutoff is N days before the last date in the log, so every label is observed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import InvalidInput

__all__ = ["TransactionColumns", "transaction_features"]

TRANSACTION_FEATURES = (
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_mean",
    "tenure_days",
    "frequency_90d",
    "spend_90d",
    "trend_90d",
)


@dataclass(frozen=True)
class TransactionColumns:
    customer: str = "customer_id"
    date: str = "date"
    amount: str = "amount"


def _parse(log: pd.DataFrame, cols: TransactionColumns) -> pd.DataFrame:
    missing = [c for c in (cols.customer, cols.date, cols.amount) if c not in log.columns]
    if missing:
        raise InvalidInput(
            f"transaction log has no column(s) {missing} (columns: {list(log.columns)[:20]}); "
            "name them with --customer-col, --date-col and --amount-col"
        )
    dates = pd.to_datetime(log[cols.date], errors="coerce")
    amounts = pd.to_numeric(log[cols.amount], errors="coerce")
    bad = dates.isna() | amounts.isna() | log[cols.customer].isna()
    if bad.mean() > 0.01:
        raise InvalidInput(
            f"{int(bad.sum())} of {len(log)} transactions have an unparseable date, amount or customer "
            f"(first at row {int(np.flatnonzero(bad)[0])}); fix the export or the column names"
        )
    return pd.DataFrame(
        {"customer_id": log[cols.customer].astype(str), "date": dates.dt.normalize(), "amount": amounts}
    )[~bad.to_numpy(bool)]


def transaction_features(
    log: pd.DataFrame,
    cols: TransactionColumns = TransactionColumns(),
    *,
    inactive_days: int = 90,
    as_of: str | pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Per-customer RFM, tenure and trend features plus the ``churned`` label; returns the cutoff too."""
    if inactive_days < 1:
        raise InvalidInput(f"--inactive-days must be at least 1, got {inactive_days}")
    tx = _parse(log, cols)
    last = tx["date"].max()
    cutoff = pd.Timestamp(as_of).normalize() if as_of is not None else last - pd.Timedelta(days=inactive_days)
    if cutoff + pd.Timedelta(days=inactive_days) > last:
        raise InvalidInput(
            f"cutoff {cutoff:%Y-%m-%d} + {inactive_days} days runs past the log's last date {last:%Y-%m-%d}, so "
            f"labels would be unobserved; use --as-of {last - pd.Timedelta(days=inactive_days):%Y-%m-%d} or earlier"
        )
    before = tx[tx["date"] <= cutoff]
    if before.empty:
        raise InvalidInput(f"no transactions on or before the cutoff {cutoff:%Y-%m-%d}; choose a later --as-of")
    after = tx[(tx["date"] > cutoff) & (tx["date"] <= cutoff + pd.Timedelta(days=inactive_days))]
    days = before.groupby(["customer_id", "date"], sort=False)["amount"].sum().reset_index()
    g = days.groupby("customer_id")
    recent = days[days["date"] > cutoff - pd.Timedelta(days=90)].groupby("customer_id")
    out = pd.DataFrame(
        {
            "recency_days": (cutoff - g["date"].max()).dt.days,
            "frequency": g.size(),
            "monetary_total": g["amount"].sum(),
            "tenure_days": (cutoff - g["date"].min()).dt.days,
        }
    )
    out["monetary_mean"] = out["monetary_total"] / out["frequency"]
    out["frequency_90d"] = recent.size().reindex(out.index, fill_value=0)
    out["spend_90d"] = recent["amount"].sum().reindex(out.index, fill_value=0.0)
    expected = out["frequency"] * 90 / np.maximum(out["tenure_days"] + 1, 90)
    out["trend_90d"] = out["frequency_90d"] - expected
    out["monthly_value"] = out["monetary_total"] / np.maximum(out["tenure_days"] / 30.0, 1.0)
    out["churned"] = (~out.index.isin(after["customer_id"].unique())).astype(np.int64)
    out = out.reset_index().rename(columns={"index": "customer_id"})
    return out[["customer_id", *TRANSACTION_FEATURES, "monthly_value", "churned"]], cutoff
