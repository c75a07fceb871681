"""The parts of the retrain gate that need no fitting: data changes and the run's exit code."""

import pandas as pd

from training.retrain.run import EXIT_CRASHED, EXIT_INVALID, EXIT_REJECTED, JobResult, _data_changes, exit_code


def frame(rows):
    return pd.DataFrame(rows, columns=["series_id", "ds", "y"]).assign(ds=lambda d: pd.to_datetime(d["ds"]))


def test_data_changes_name_new_vanished_and_restated_series():
    old = frame([("a", "2026-01-01", 10), ("a", "2026-02-01", 10), ("b", "2026-01-01", 5), ("c", "2026-01-01", 7)])
    new = frame(
        [("a", "2026-01-01", 10), ("a", "2026-02-01", 0), ("a", "2026-03-01", 9), ("b", "2026-01-01", 5)]
        + [("d", "2026-03-01", 1)]
    )
    changes = _data_changes(old, new)
    assert changes["new_series"] == ["d"] and changes["vanished_series"] == ["c"]
    assert changes["restated_series"] == ["a"]  # February was 10, the new extract says 0


def test_exit_code_reports_the_worst_outcome():
    def job(status):
        return JobResult("forecast", status)

    assert exit_code([job("promoted"), job("nothing-to-do")]) == 0
    assert exit_code([job("promoted"), job("rejected")]) == EXIT_REJECTED
    assert exit_code([job("rejected"), job("invalid-input")]) == EXIT_INVALID
    assert exit_code([job("invalid-input"), job("failed")]) == EXIT_CRASHED
