"""bench/evaluate_cached.py: a replay on cached fits prints the evaluation the real run printed."""

import pytest

from bench import evaluate_cached
from training.jobs.sample import make_promo_plan, make_sales


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("cached")
    make_sales(stores_per_region=1, start="2024-10-01").to_csv(out / "sales.csv", index=False)
    make_promo_plan(stores_per_region=1).to_csv(out / "future.csv", index=False)
    return out


def test_a_replay_on_the_cached_fits_scores_exactly_what_the_run_did(sample_files, tmp_path, capsys):
    argv = ["--data", str(sample_files / "sales.csv"), "--horizon", "7", "--cutoffs", "2", "--samples", "200"]
    argv += ["--regressors", "promo", "--future", str(sample_files / "future.csv"), "--jobs", "1"]
    cache = tmp_path / "fits.pkl"
    assert evaluate_cached.save(cache, argv) == 0
    ran = capsys.readouterr().out
    assert evaluate_cached.replay(cache, argv) == 0
    replayed = capsys.readouterr().out

    def rows(text: str) -> list[str]:  # the table and per-origin rows, not the timings
        return [line for line in text.splitlines() if line.startswith(("sales-sentinel", "2026-"))]

    assert rows(ran) and rows(replayed) == rows(ran)
    assert evaluate_cached.replay(cache, [*argv[:3], "14", *argv[4:]]) == 2  # other arguments: refused
    assert "was saved for other arguments" in capsys.readouterr().out
    assert evaluate_cached.replay(cache, [*argv, "--peers"]) == 2
