"""The driver contract: regressors, their plan and open/closed periods, every problem reported at once."""

import numpy as np
import pandas as pd
import pytest

from models.errors import InvalidInput, ValidationFailed
from models.forecast.contracts import ColumnMapping
from models.forecast.drivers import OPEN, DriverSpec, parse_fill, validate_drivers
from models.forecast.validation import ValidationRules, validate_sales
from models.registry import Registry
from training.jobs.forecast import TrainOptions, train_forecast


def history(series: str = "a", n: int = 70, start: str = "2024-01-01", plan_days: int = 0) -> pd.DataFrame:
    """Daily text rows with a promo column; ``plan_days`` more rows after it with an empty value."""
    ds = pd.date_range(start, periods=n + plan_days, freq="D").strftime("%Y-%m-%d")
    y = [str(100.0 + i % 7) for i in range(n)] + [""] * plan_days
    promo = ["1" if i % 10 == 0 else "0" for i in range(n + plan_days)]
    return pd.DataFrame({"series_id": series, "ds": ds, "y": y, "promo": promo})


def check(raw, spec, horizon=14, future=None, rules=ValidationRules()):
    return validate_drivers(raw, ColumnMapping(), rules, spec, horizon, future)


def errors(raw, spec, horizon=14, future=None) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        check(raw, spec, horizon, future)
    return {p.code: p.message for p in info.value.report.errors}


def test_plan_rows_after_the_history_become_the_plan():
    found = check(history(plan_days=14), DriverSpec(("promo",)))
    frame, plan = found.history.frame, found.plan
    assert len(frame) == 70 and frame["promo"].sum() == 7
    assert list(plan.columns) == ["series_id", "ds", "promo"] and len(plan) == 14
    assert plan["ds"].iloc[0] == pd.Timestamp("2024-03-11") and plan["promo"].iloc[0] == 1.0


def test_boolean_words_are_read_as_zero_and_one():
    raw = history(plan_days=14)
    raw["promo"] = np.where(raw["promo"] == "1", "Yes", "no")
    raw.loc[3, "promo"] = "TRUE"
    found = check(raw, DriverSpec(("promo",)))
    assert set(found.history.frame["promo"]) == {0.0, 1.0} and found.history.frame["promo"].iloc[3] == 1.0


def test_a_future_file_gives_the_plan_and_fill_policies_cover_the_rest():
    future = history(plan_days=14).iloc[70:77].drop(columns="y")  # 7 of the 14 days
    assert errors(history(), DriverSpec(("promo",)), future=future).keys() == {"plan_incomplete"}
    filled = check(history(), DriverSpec(("promo",), fill={"promo": "0"}), future=future).plan
    assert len(filled) == 14 and filled["promo"].iloc[7:].eq(0.0).all()
    last = check(history(), DriverSpec(("promo",), fill={"promo": "last"})).plan
    assert last["promo"].eq(0.0).all()  # the history's last promo value is 0


def test_every_problem_is_reported_at_once_naming_series_and_dates():
    a = history("a", plan_days=14)
    a.loc[5, "promo"] = "lots"  # non-numeric in the history
    a.loc[6, "promo"] = ""  # empty in the history
    a.loc[20, "y"] = ""  # an empty value that is not after the history
    b = history("b", plan_days=3)  # a plan 3 of 14 days long
    raw = pd.concat([a, b], ignore_index=True)
    future = pd.DataFrame({"series_id": ["b"], "ds": ["2024-03-20"], "y": ["5"], "promo": ["1"], "price": ["2"]})
    found = errors(raw, DriverSpec(("promo", "price")), future=future)
    assert {
        "missing_regressors",
        "non_numeric_regressors",
        "missing_regressor_values",
        "missing_values",
        "plan_incomplete",
        "future_values",
    } <= set(found)
    assert "'price'" in found["missing_regressors"]
    assert "a @ 2024-01-06" in found["non_numeric_regressors"] and "rows 6" in found["non_numeric_regressors"]
    assert "a @ 2024-01-07" in found["missing_regressor_values"]
    assert "a @ 2024-01-21" in found["missing_values"] and "after" in found["missing_values"]
    assert "b from 2024-03-14" in found["plan_incomplete"] and "--regressor-fill" in found["plan_incomplete"]
    assert "b @ 2024-03-20" in found["future_values"]


def test_a_future_file_must_not_reach_into_the_history():
    future = pd.DataFrame({"series_id": ["a"], "ds": ["2024-02-01"], "promo": ["1"]})
    found = errors(history(plan_days=14), DriverSpec(("promo",)), future=future)
    assert "a @ 2024-02-01" in found["plan_in_history"]


def test_open_col_marks_closed_periods_and_closed_ones_must_sell_nothing():
    raw = history(plan_days=14)
    raw["open"] = "1"
    sundays = pd.to_datetime(raw["ds"]).dt.day_of_week == 6
    raw.loc[sundays, "open"] = "0"
    raw.loc[sundays & (raw["y"] != ""), "y"] = "0"
    found = check(raw, DriverSpec(("promo",), open_col="open"))
    assert (found.history.frame[OPEN] == 0).sum() == sundays[:70].sum()
    assert found.plan[OPEN].tolist().count(0.0) == 2
    raw.loc[6, "y"] = "50"  # 2024-01-07 is a Sunday
    assert "a @ 2024-01-07" in errors(raw, DriverSpec(("promo",), open_col="open"))["closed_with_sales"]


def test_without_drivers_trailing_empty_rows_stay_an_error_as_before():
    with pytest.raises(ValidationFailed) as info:
        validate_sales(history(plan_days=3))
    assert {p.code for p in info.value.report.errors} == {"missing_values"}


def test_fill_flags_and_specs_that_contradict_themselves_are_refused():
    assert parse_fill("promo=0, price=LAST") == {"promo": "0", "price": "last"}
    for bad in ("promo", "promo=some", "=0"):
        with pytest.raises(InvalidInput, match="--regressor-fill"):
            parse_fill(bad)
    with pytest.raises(InvalidInput, match="not --regressors"):
        DriverSpec(("promo",), fill={"price": "0"}).check()
    with pytest.raises(InvalidInput, match="both --open-col"):
        DriverSpec(("open",), open_col="open").check()


def test_bad_driver_input_trains_nothing_and_leaves_the_registry_untouched(tmp_path):
    registry = Registry(tmp_path / "registry")
    raw = history(plan_days=5)
    options = TrainOptions(horizon=14, drivers=DriverSpec(("promo", "price")), progress=False, n_jobs=1)
    with pytest.raises(ValidationFailed) as info:
        train_forecast(raw, registry, options)
    assert {"missing_regressors", "plan_incomplete"} <= {p.code for p in info.value.report.errors}
    assert not (tmp_path / "registry" / "forecast").exists() or not any((tmp_path / "registry" / "forecast").iterdir())
