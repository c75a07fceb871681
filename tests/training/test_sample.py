"""The built-in sample company is deterministic and shaped like real retail."""

import numpy as np
import pandas as pd

from training.jobs.sample import make_customers, make_sales


def test_same_seed_same_data_and_another_seed_differs():
    pd.testing.assert_frame_equal(make_sales(seed=3, stores_per_region=1), make_sales(seed=3, stores_per_region=1))
    assert not make_sales(seed=4, stores_per_region=1)["y"].equals(make_sales(seed=3, stores_per_region=1)["y"])


def test_default_company_meets_the_design_card():
    sales = make_sales()
    assert sales["series_id"].nunique() >= 20 and sales["region"].nunique() >= 3
    assert (sales["y"] >= 0).all()
    ds = pd.to_datetime(sales["ds"])
    assert (ds.max() - ds.min()).days >= 3 * 365


def test_weekly_yearly_holiday_and_promotion_effects_are_present():
    sales = make_sales(stores_per_region=2).assign(ds=lambda f: pd.to_datetime(f["ds"]))
    total = sales.groupby("ds")["y"].sum()
    weekend = total[total.index.day_of_week >= 5].mean() / total[total.index.day_of_week < 5].mean()
    assert weekend > 1.1
    assert total.loc["2025-12-25"] < 0.2 * total.loc["2025-12-18"]  # closed on Christmas
    assert total.loc["2025-11-28"] > 1.5 * total.loc["2025-11-21"]  # Black Friday
    promo = sales.groupby("promo")["y"].mean()
    assert promo[1] > 1.1 * promo[0]


def test_customers_churn_depends_on_contract_and_activity():
    customers = make_customers(n=4000)
    churn = customers["churned"].eq("yes")
    assert 0.1 < churn.mean() < 0.4
    by_contract = churn.groupby(customers["contract"]).mean()
    assert by_contract["month-to-month"] > 2 * by_contract["two-year"]
    assert np.corrcoef(customers["visits_90d"], churn)[0, 1] < 0
