"""`sentinel evaluate --regressors ... --peers`: the gain from drivers and the peer that hears them too."""

import json

import numpy as np
import pandas as pd
import pytest

from models.forecast.contracts import Frequency
from models.forecast.peers import prophet_regressors
from training.cli import main
from training.jobs.scorecard import OURS, Scores, score, summarise

WEEKS, HORIZON = 150, 8


def _promo_sales(n_series: int = 3, seed: int = 3) -> pd.DataFrame:
    """Weekly sales that jump 70% in promotion weeks (a third of them), with mild seasonality and noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2021-01-03", periods=WEEKS, freq="W-SUN")
    rows = []
    for i in range(n_series):
        promo = (rng.random(WEEKS) < 0.33).astype(int)
        season = 1 + 0.05 * np.sin(2 * np.pi * np.arange(WEEKS) / 52)
        y = 100 * (i + 1) * season * (1 + 0.7 * promo) * rng.lognormal(0, 0.03, WEEKS)
        days = ds.strftime("%Y-%m-%d")
        rows.append(pd.DataFrame({"series_id": f"s{i}", "ds": days, "y": y.round(2), "promo": promo}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    """One evaluation with the promotions and every peer (real Prophet and AutoETS fits)."""
    root = tmp_path_factory.mktemp("evaluate-drivers")
    _promo_sales().to_csv(root / "sales.csv", index=False)
    args = ["evaluate", "--data", str(root / "sales.csv"), "--regressors", "promo", "--peers"]
    args += ["--horizon", str(HORIZON), "--cutoffs", "1", "--samples", "200", "--jobs", "1", "--out", str(root)]
    assert main(args) == 0
    return json.loads((root / "evaluation.json").read_text())


def test_the_table_has_our_run_without_drivers_and_prophet_with_the_regressors(evaluation):
    rows = set(evaluation["table"])
    assert rows == {OURS, "sales-sentinel (no drivers)", "prophet+regressors", "prophet-default", "auto-ets"} | {
        "seasonal-naive"
    }
    for name in (OURS, "sales-sentinel (no drivers)", "prophet+regressors"):
        row = evaluation["table"][name]  # the same metrics for every row that has a distribution
        assert 0 <= row["coverage_80"] <= 1 and 0 <= row["ece"] <= 1 and 0 <= row["brier"] <= 1


def test_a_strong_known_promotion_effect_is_a_gain_for_both_models_that_hear_it(evaluation):
    mase = {name: row["mase"] for name, row in evaluation["table"].items()}
    assert mase[OURS] < 0.8 * mase["sales-sentinel (no drivers)"]
    assert mase["prophet+regressors"] < 0.8 * mase["sales-sentinel (no drivers)"]
    assert mase["prophet+regressors"] < mase["prophet-default"]


def test_the_regressor_peer_forecasts_closed_periods_as_zero():
    sales = _promo_sales(n_series=1)
    history = sales.assign(ds=pd.to_datetime(sales["ds"]), is_open=1).iloc[:-HORIZON].reset_index(drop=True)
    window = sales.assign(ds=pd.to_datetime(sales["ds"]), is_open=1).iloc[-HORIZON:].reset_index(drop=True)
    history.loc[10:12, ["y", "is_open"]] = 0  # closed weeks in the history are not fitted
    window.loc[[2, 5], "is_open"] = 0
    peer = prophet_regressors(history, Frequency("W-SUN"), HORIZON, window, ("promo",), n_samples=100)
    assert (peer.yhat[[2, 5]] == 0).all() and (peer.paths[:, [2, 5]] == 0).all()
    promo, other = window["promo"].to_numpy() == 1, window["promo"].to_numpy() == 0
    open_ = window["is_open"].to_numpy() == 1
    assert peer.yhat[promo & open_].mean() > 1.4 * peer.yhat[other & open_].mean()


def test_closed_periods_are_left_out_of_every_models_point_errors_and_coverage():
    freq, train = Frequency("W-SUN"), np.tile([100.0, 120.0], 60)
    actual = np.array([100.0, 0.0, 100.0, 0.0])  # weeks 2 and 4 closed
    is_open = np.array([1, 0, 1, 0])
    rows = {}
    for name, forecast in ((OURS, [100.0, 0.0, 100.0, 0.0]), ("ignores", [100.0, 110.0, 100.0, 110.0])):
        s = Scores()
        yhat = np.array(forecast)
        score(s, 0, actual, train, freq, yhat, lambda lvl, f=yhat: (f, f), None, None, is_open=is_open)
        s.seconds.append(0.0)
        rows[name] = s
    table = summarise(rows, [pd.Timestamp("2023-01-01")], 4, 1, 0, freq).table
    assert table[OURS]["mase"] == table["ignores"]["mase"] == 0.0  # only the closed weeks differ
    assert table[OURS]["coverage_80"] == table["ignores"]["coverage_80"] == 1.0
    assert table["ignores"]["bias"] == pytest.approx(220 / 200)  # period totals still count what it forecast


BAD_DRIVERS = {
    "an unknown regressor": ["--regressors", "promo,discount", "--regressor-fill", "promo=0,discount=0"],
    "a fill for a column that is not a driver": ["--regressors", "promo", "--regressor-fill", "price=0"],
    "a regressor named twice": ["--regressors", "promo,promo"],
    "a plan without drivers": ["--future", "FUTURE"],
}


@pytest.mark.parametrize("flags", BAD_DRIVERS.values(), ids=BAD_DRIVERS.keys())
def test_bad_driver_input_gets_trainings_error_and_exit_code(tmp_path, capsys, flags):
    sales = _promo_sales(n_series=1)
    sales["promo"] = sales["promo"].astype(object)
    sales.loc[5, "promo"] = "lots"  # a non-numeric regressor value too
    sales.to_csv(tmp_path / "sales.csv", index=False)
    sales.iloc[:2][["series_id", "ds"]].to_csv(tmp_path / "future.csv", index=False)
    flags = [str(tmp_path / "future.csv") if f == "FUTURE" else f for f in flags]
    common = ["--data", str(tmp_path / "sales.csv"), *flags, "--horizon", str(HORIZON)]
    trained = main(["train", "forecast", *common, "--registry", str(tmp_path / "registry")])
    trained_err = capsys.readouterr().err
    evaluated = main(["evaluate", *common, "--jobs", "1"])
    evaluated_err = capsys.readouterr().err
    assert trained == evaluated == 3  # InvalidInput / ValidationFailed: the CLI's invalid-input code
    assert evaluated_err == trained_err and evaluated_err.startswith("error: ")
    assert not (tmp_path / "registry").exists() or not any((tmp_path / "registry").rglob("manifest.json"))


def test_a_non_numeric_regressor_names_the_series_and_date_in_both_commands(tmp_path, capsys):
    sales = _promo_sales(n_series=1)
    sales["promo"] = sales["promo"].astype(object)
    sales.loc[5, "promo"] = "lots"
    sales.to_csv(tmp_path / "sales.csv", index=False)
    common = ["--data", str(tmp_path / "sales.csv"), "--regressors", "promo", "--regressor-fill", "promo=0"]
    assert main(["evaluate", *common, "--horizon", str(HORIZON), "--jobs", "1"]) == 3
    err = capsys.readouterr().err
    assert "[non_numeric_regressors]" in err and f"s0 @ {sales.loc[5, 'ds']}" in err
    assert main(["train", "forecast", *common, "--horizon", str(HORIZON), "--registry", str(tmp_path)]) == 3
    assert "[non_numeric_regressors]" in capsys.readouterr().err
