"""Each validation case, and that every problem is reported in one go."""

import numpy as np
import pandas as pd
import pytest

from models.errors import ValidationFailed
from models.forecast.contracts import ColumnMapping
from models.forecast.validation import ValidationRules, validate_sales


def daily(series: str = "a", n: int = 60, start: str = "2024-01-01", value: float = 10.0) -> pd.DataFrame:
    ds = pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame({"series_id": series, "ds": ds, "y": [str(value)] * n})


def problems(raw: pd.DataFrame, **rules) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        validate_sales(raw, ColumnMapping(), ValidationRules(**rules))
    return {p.code: p.message for p in info.value.report.errors}


def test_valid_history_is_returned_sorted_with_its_frequency():
    raw = pd.concat([daily("b"), daily("a")]).sample(frac=1, random_state=0)
    history = validate_sales(raw)
    assert history.freq.alias == "D"
    assert history.series_ids == ["a", "b"]
    assert history.frame["y"].dtype == float
    assert history.frame.groupby("series_id")["ds"].is_monotonic_increasing.all()


def test_missing_columns_name_the_columns_and_the_flags():
    found = problems(pd.DataFrame({"Store": [1], "Date": ["2024-01-01"], "Sales": [1.0]}))
    assert "'series_id'" in found["missing_columns"] and "--id-col" in found["missing_columns"]
    assert "'Store'" in found["missing_columns"]


def test_all_problems_are_reported_at_once_naming_rows():
    raw = daily(n=60)
    raw.loc[3, "ds"] = "not a date"
    raw.loc[5, "y"] = "12,5x"
    raw.loc[7, "y"] = None
    raw.loc[9, "y"] = "inf"
    raw.loc[11, "y"] = "-4"
    found = problems(raw)
    assert {"unparseable_dates", "non_numeric_values", "missing_values", "infinite_values", "negative_values"} <= set(
        found
    )
    assert "row 4" in found["unparseable_dates"] and "'not a date'" in found["unparseable_dates"]
    assert "row 6" in found["non_numeric_values"]
    assert "row 8" in found["missing_values"]
    assert "row 10" in found["infinite_values"]
    assert "row 12" in found["negative_values"] and "--allow-negative" in found["negative_values"]


def test_day_first_dates_get_a_format_hint_and_parse_with_it():
    raw = daily(n=60)
    raw["ds"] = pd.to_datetime(raw["ds"]).dt.strftime("%d-%m-%Y")
    assert "%d-%m-%Y" in problems(raw)["unparseable_dates"]
    assert validate_sales(raw, rules=ValidationRules(date_format="%d-%m-%Y")).freq.alias == "D"


def test_timezone_aware_dates_are_rejected():
    raw = daily(n=60)
    raw["ds"] = raw["ds"] + "T00:00:00+02:00"
    assert "timezone" in problems(raw)["timezone_aware_dates"]


def test_timezone_aware_parquet_column_is_rejected():
    raw = daily(n=60)
    raw["ds"] = pd.to_datetime(raw["ds"]).dt.tz_localize("Europe/Berlin")
    assert "Europe/Berlin" in problems(raw)["timezone_aware_dates"]


def test_duplicates_are_an_error_unless_aggregated():
    raw = pd.concat([daily(n=60), daily(n=3, value=5.0)], ignore_index=True)
    assert "--aggregate sum" in problems(raw)["duplicate_rows"]
    history = validate_sales(raw, rules=ValidationRules(aggregate="sum"))
    assert history.frame["y"].iloc[:3].tolist() == [15.0, 15.0, 15.0]


def test_aggregate_sum_rolls_daily_rows_into_weekly_periods():
    raw = daily(n=7 * 30, start="2024-01-06")  # Saturdays..Fridays
    history = validate_sales(raw, rules=ValidationRules(aggregate="sum", freq="W-FRI"))
    assert history.freq.alias == "W-FRI"
    assert (history.frame["ds"].dt.day_of_week == 4).all()
    assert history.frame["y"].iloc[1] == 70.0


def test_negative_values_pass_with_allow_negative():
    raw = daily(n=60)
    raw.loc[0, "y"] = "-3"
    assert validate_sales(raw, rules=ValidationRules(allow_negative=True)).frame["y"].min() == -3


def test_gaps_are_reported_and_filled_only_by_policy():
    raw = daily(n=60).drop(index=[10, 11, 12])
    assert "2 missing" not in problems(raw)["gaps"] and "3 missing" in problems(raw)["gaps"]
    zero = validate_sales(raw, rules=ValidationRules(fill_gaps="zero"))
    assert len(zero.frame) == 60 and zero.frame["y"].iloc[10] == 0.0
    assert [p.code for p in zero.report.warnings] == ["gaps_filled"]
    interpolated = validate_sales(raw, rules=ValidationRules(fill_gaps="interpolate"))
    assert interpolated.frame["y"].iloc[11] == 10.0


def test_off_grid_dates_for_the_frequency_are_irregular():
    raw = daily(n=60)
    raw["ds"] = pd.date_range("2024-01-05", periods=60, freq="7D").strftime("%Y-%m-%d")
    raw.loc[4, "ds"] = "2024-02-03"  # a Saturday among Fridays
    assert "row 5" in problems(raw, freq="W-FRI")["irregular_dates"]


def test_short_series_are_skipped_and_listed():
    raw = pd.concat([daily("long", n=60), daily("short", n=10)], ignore_index=True)
    history = validate_sales(raw)
    assert history.series_ids == ["long"]
    assert history.report.skipped_series == ["short"]
    assert "'short'" in history.report.warnings[0].message


def test_all_series_too_short_is_an_error():
    assert "nothing can be fitted" in problems(daily(n=10))["too_short"]


def test_blank_series_ids_are_named():
    raw = daily(n=60)
    raw.loc[2, "series_id"] = " "
    assert "row 3" in problems(raw)["missing_series_id"]


def test_numeric_columns_from_parquet_are_accepted():
    raw = daily(n=60)
    raw["y"] = np.arange(60, dtype=float)
    raw["ds"] = pd.to_datetime(raw["ds"])
    assert validate_sales(raw).frame["y"].sum() == sum(range(60))


def test_report_renders_every_problem_with_its_severity():
    raw = daily(n=60)
    raw.loc[0, "y"] = "x"
    raw.loc[1, "ds"] = "bad"
    with pytest.raises(ValidationFailed) as info:
        validate_sales(raw)
    text = str(info.value)
    assert "2 error(s)" in text and "[non_numeric_values]" in text and "[unparseable_dates]" in text


def test_several_id_columns_form_one_series_id():
    raw = pd.concat([daily("x"), daily("y")], ignore_index=True).rename(columns={"series_id": "store"})
    raw["dept"] = "7"
    history = validate_sales(raw, ColumnMapping(id_col="store,dept"))
    assert history.series_ids == ["x-7", "y-7"]
    raw.loc[0, "dept"] = None
    assert "row 1" in problems_for(raw, ColumnMapping(id_col="store,dept"))["missing_series_id"]


def problems_for(raw: pd.DataFrame, mapping: ColumnMapping) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        validate_sales(raw, mapping)
    return {p.code: p.message for p in info.value.report.errors}
