"""The parts of the retrain gate that need no fitting: data changes and the run's exit code."""

import pandas as pd

from training.cli.exit_codes import for_retrain
from training.retrain.gate import data_changes
from training.retrain.report import JobResult


def frame(rows):
    return pd.DataFrame(rows, columns=["series_id", "ds", "y"]).assign(ds=lambda d: pd.to_datetime(d["ds"]))


def test_data_changes_name_new_vanished_and_restated_series():
    old = frame([("a", "2026-01-01", 10), ("a", "2026-02-01", 10), ("b", "2026-01-01", 5), ("c", "2026-01-01", 7)])
    new = frame(
        [("a", "2026-01-01", 10), ("a", "2026-02-01", 0), ("a", "2026-03-01", 9), ("b", "2026-01-01", 5)]
        + [("d", "2026-03-01", 1)]
    )
    changes = data_changes(old, new)
    assert changes["new_series"] == ["d"] and changes["vanished_series"] == ["c"]
    assert changes["restated_series"] == ["a"]  # February was 10, the new extract says 0


def test_exit_code_reports_the_worst_outcome():
    def exit_code(*statuses):
        return for_retrain(JobResult("forecast", status).status for status in statuses)

    assert exit_code("promoted", "nothing-to-do") == 0
    assert exit_code("promoted", "rejected") == 10
    assert exit_code("rejected", "invalid-input") == 3
    assert exit_code("invalid-input", "failed") == 1
