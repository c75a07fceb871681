"""`sentinel evaluate` on a small real subset: the table, the JSON and the plots."""

import json

import pytest

from tests.conftest import walmart_stores_args
from training.cli import main

pytestmark = pytest.mark.slow


def test_evaluate_walmart_subset_with_peers(tmp_path, capsys):
    code = main(
        [
            "evaluate",
            *walmart_stores_args(),
            "--horizon",
            "13",
            "--cutoffs",
            "2",
            "--peers",
            "--max-series",
            "6",
            "--samples",
            "300",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6 series" in out
    for model in ("sales-sentinel", "prophet-default", "auto-ets", "seasonal-naive"):
        assert model in out
    report = json.loads((tmp_path / "evaluation.json").read_text())
    ours = report["table"]["sales-sentinel"]
    assert 0 < ours["mase"] < 2 and 0 <= ours["coverage_80"] <= 1 and 0 <= ours["ece"] <= 1
    assert report["table"]["seasonal-naive"]["brier"] is None  # a point forecast has no probability
    assert len(report["coverage_by_step"]["sales-sentinel"]) == 13
    first, second = report["by_origin"]["sales-sentinel"]
    assert first["origin"] < second["origin"] and first["series"] == second["series"] == 6
    assert -0.5 < first["bias"] < 0.5 and 0 <= first["hit_rate"] <= 1
    assert "per origin: median period-total bias" in out
    assert (tmp_path / "reliability.png").stat().st_size > 10_000
    assert (tmp_path / "coverage_by_horizon.png").stat().st_size > 10_000
