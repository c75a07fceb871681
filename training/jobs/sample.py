"""The built-in sample company: deterministic, realistic daily store sales and customers.

A retailer with 4 regions and 24 stores over three years: regional trends, weekly and
yearly seasonality, US holidays (Black Friday, Christmas closures), store promotions, a
regional demand shock shared by a region's stores (so stores move together, as real ones do)
and multiplicative noise. ``future.csv`` is the promotion plan of the year after the history
(``--future`` for ``sentinel train forecast --regressors promo``), drawn by the same rule as the
history's promotions. ``customers.csv`` holds a churn-labelled customer table whose
churn depends on contract, tenure, activity and service issues the way telecom/retail data do.
"""

from __future__ import annotations

from pathlib import Path

import holidays
import numpy as np
import pandas as pd

__all__ = ["make_customers", "make_promo_plan", "make_sales", "write_sample"]

REGIONS = {"North": 0.06, "South": 0.02, "East": -0.01, "West": 0.04}  # yearly growth
FORMATS = {"mall": (1.35, 1.25), "street": (1.0, 1.10), "outlet": (0.8, 1.45)}  # level, weekend lift
START, END = "2023-10-01", "2026-10-31"


def make_sales(seed: int = 7, stores_per_region: int = 6, start: str = START, end: str = END) -> pd.DataFrame:
    """Daily sales per store: ``series_id, region, store_format, ds, y, promo``."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, end, freq="D")
    n = len(ds)
    t_years = np.arange(n) / 365.25
    doy = ds.day_of_year.to_numpy()
    yearly = 0.08 * np.sin(2 * np.pi * (doy - 80) / 365.25) + 0.12 * np.exp(-(((doy - 355) / 12.0) ** 2))
    us = holidays.country_holidays("US", years=range(ds[0].year, ds[-1].year + 1))
    holiday_effect = np.ones(n)
    for i, day in enumerate(ds):
        name = us.get(day.date(), "")
        if "Thanksgiving" in name:
            holiday_effect[i] = 0.15  # mostly closed
            if i + 1 < n:
                holiday_effect[i + 1] = 1.9  # Black Friday
        elif "Christmas" in name:
            holiday_effect[i] = 0.05
            holiday_effect[max(i - 1, 0)] = 1.5  # Christmas Eve rush
        elif name:
            holiday_effect[i] = 1.15
    weekend = ds.day_of_week.to_numpy() >= 5

    frames = []
    store_no = 0
    for region, growth in REGIONS.items():
        shock = np.zeros(n)  # AR(1) regional demand shock, shared by the region's stores
        eps = rng.normal(0, 0.015, n)
        for i in range(1, n):
            shock[i] = 0.97 * shock[i - 1] + eps[i]
        for _ in range(stores_per_region):
            store_no += 1
            fmt = list(FORMATS)[store_no % len(FORMATS)]
            level, weekend_lift = FORMATS[fmt]
            base = 18_000 * level * rng.lognormal(0, 0.25)
            store_growth = growth + rng.normal(0, 0.02)
            trend = np.exp(store_growth * t_years)
            if rng.random() < 0.3:  # a refit or a new competitor changes the level mid-history
                k = int(rng.integers(n // 3, 2 * n // 3))
                trend[k:] *= rng.choice([0.85, 1.15])
            promo = _promotions(rng, ds)
            y = (
                base
                * trend
                * (1 + yearly)
                * np.where(weekend, weekend_lift, 1.0)
                * holiday_effect
                * (1 + 0.22 * promo)
                * np.exp(shock + rng.normal(0, 0.06, n))
            )
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": f"store-{store_no:02d}",
                        "region": region,
                        "store_format": fmt,
                        "ds": ds.strftime("%Y-%m-%d"),
                        "y": np.round(y, 2),
                        "promo": promo,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _promotions(rng: np.random.Generator, ds: pd.DatetimeIndex) -> np.ndarray:
    """A 7-day promotion starting in the first three weeks of 60% of the months."""
    promo = np.zeros(len(ds), dtype=int)
    for month_start in pd.date_range(ds[0], ds[-1], freq="MS"):
        if rng.random() < 0.6:
            k = int(ds.get_loc(month_start)) + int(rng.integers(0, 21))
            promo[k : k + 7] = 1
    return promo


def make_promo_plan(seed: int = 7, stores_per_region: int = 6, end: str = END, days: int = 365) -> pd.DataFrame:
    """The planned promotions of ``days`` days after ``end``: ``series_id, ds, promo`` (no value column).

    Drawn with its own generator, so the history of ``make_sales`` is unchanged by it.
    """
    rng = np.random.default_rng(seed + 2)
    ds = pd.date_range(pd.Timestamp(end) + pd.Timedelta(days=1), periods=days, freq="D")
    frames = [
        pd.DataFrame({"series_id": f"store-{i:02d}", "ds": ds.strftime("%Y-%m-%d"), "promo": _promotions(rng, ds)})
        for i in range(1, len(REGIONS) * stores_per_region + 1)
    ]
    return pd.concat(frames, ignore_index=True)


def make_customers(seed: int = 7, n: int = 5000) -> pd.DataFrame:
    """A churn-labelled customer snapshot with numeric, categorical and boolean features."""
    rng = np.random.default_rng(seed + 1)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], n, p=[0.55, 0.25, 0.20])
    tenure = np.where(contract == "month-to-month", rng.integers(0, 36, n), rng.integers(6, 73, n))
    region = rng.choice(list(REGIONS), n)
    payment = rng.choice(["card", "direct-debit", "invoice"], n, p=[0.45, 0.35, 0.20])
    monthly_value = np.round(rng.lognormal(4.0, 0.45, n), 2)
    visits_90d = rng.poisson(np.clip(8 - 0.05 * (36 - tenure).clip(0), 0.5, None))
    support_tickets = rng.poisson(0.6, n)
    online = rng.random(n) < 0.5
    logit = (
        -1.0
        + 1.3 * (contract == "month-to-month")
        - 0.9 * (contract == "two-year")
        - 0.035 * tenure
        - 0.12 * visits_90d
        + 0.45 * support_tickets
        + 0.5 * (payment == "invoice")
        + 0.006 * (monthly_value - 60)
    )
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "region": region,
            "tenure_months": tenure,
            "contract": contract,
            "payment_method": payment,
            "online_account": np.where(online, "yes", "no"),
            "visits_90d": visits_90d,
            "support_tickets": support_tickets,
            "total_spend": np.round(monthly_value * np.maximum(tenure, 1) * rng.uniform(0.9, 1.1, n), 2),
            "monthly_value": monthly_value,
            "churned": np.where(churn, "yes", "no"),
        }
    )


def write_sample(out: Path, seed: int = 7, stores_per_region: int = 6, customers: int = 5000) -> dict[str, Path]:
    """Write ``sales.csv``, ``future.csv`` (the promotion plan) and ``customers.csv`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"sales": out / "sales.csv", "future": out / "future.csv", "customers": out / "customers.csv"}
    make_sales(seed, stores_per_region).to_csv(paths["sales"], index=False)
    make_promo_plan(seed, stores_per_region).to_csv(paths["future"], index=False)
    make_customers(seed, customers).to_csv(paths["customers"], index=False)
    return paths
