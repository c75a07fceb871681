"""bench/drivers_data.py: the prepared driver files keep every row and leave no driver value empty."""

import numpy as np
import pandas as pd

from bench.drivers_data import MARKDOWNS, dunnhumby, fill_price, walmart
from tests.conftest import shared_data


def test_a_missing_or_zero_price_takes_the_series_previous_price_else_its_base_price():
    rows = pd.DataFrame(
        {
            "STORE_NUM": [1, 1, 1, 2, 2],
            "UPC": [9, 9, 9, 9, 9],
            "WEEK_END_DATE": ["2009-01-28", "2009-01-14", "2009-01-21", "2009-01-14", "2009-01-21"],
            "PRICE": [np.nan, 2.5, 0.0, np.nan, 3.1],
            "BASE_PRICE": [2.9, 2.9, 2.9, 3.3, 3.3],
        }
    )
    # Rows arrive out of date order; store 2's first week has no earlier price, so its base price.
    assert fill_price(rows).tolist() == [2.5, 2.5, 2.5, 3.3, 3.1]


def test_prepared_files_keep_every_row_with_every_driver_filled():
    prices = dunnhumby(shared_data("dunnhumby_breakfast_frat", "transactions.csv.gz").parent)
    assert len(prices) == 524_950 and (prices["PRICE"] > 0).all()
    weeks = prices.groupby(["STORE_NUM", "UPC"])["WEEK_END_DATE"].nunique()
    assert (weeks == 156).sum() == 1_225

    markdowns = walmart(shared_data("walmart_store_dept", "train.csv.gz").parent)
    assert len(markdowns) == 421_570 and markdowns[MARKDOWNS].notna().all().all()
    assert set(markdowns["IsHoliday"]) == {0, 1}
