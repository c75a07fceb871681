"""The CLI: exit codes, the printed validation report, and a registry untouched by bad input."""

import pandas as pd

from models.registry import Registry
from training.cli import main


def test_failed_validation_prints_every_problem_and_changes_nothing(tmp_path, capsys, trained_registry):
    before = sorted(p.relative_to(trained_registry.root) for p in trained_registry.root.rglob("*"))
    champion = trained_registry.champion("forecast")
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {"store": ["a", "a", "b"], "day": ["2024-01-01", "yesterday", "2024-01-01"], "sales": [1, -2, "x"]}
    ).to_csv(bad, index=False)
    code = main(
        [
            "train",
            "forecast",
            "--data",
            str(bad),
            "--id-col",
            "store",
            "--date-col",
            "day",
            "--value-col",
            "sales",
            "--registry",
            str(trained_registry.root),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert (
        "[unparseable_dates]" in err
        and "'yesterday'" in err
        and "[non_numeric_values]" in err
        and "[negative_values]" in err
    )
    assert sorted(p.relative_to(trained_registry.root) for p in trained_registry.root.rglob("*")) == before
    assert trained_registry.champion("forecast") == champion


def test_missing_file_and_missing_columns_exit_3(tmp_path, capsys):
    assert main(["train", "forecast", "--data", str(tmp_path / "none.csv"), "--registry", str(tmp_path)]) == 3
    assert "does not exist" in capsys.readouterr().err
    data = tmp_path / "sales.csv"
    pd.DataFrame({"Store": [1], "Date": ["2024-01-01"], "Weekly_Sales": [1.0]}).to_csv(data, index=False)
    assert main(["train", "forecast", "--data", str(data), "--registry", str(tmp_path)]) == 3
    assert "--id-col" in capsys.readouterr().err
    assert Registry(tmp_path).versions("forecast") == []


def test_registry_commands(tmp_path, capsys, trained_registry):
    root = str(trained_registry.root)
    assert main(["registry", "champion", "--registry", root]) == 0
    champion = capsys.readouterr().out.strip()
    assert main(["registry", "list", "--registry", root]) == 0
    assert f"* {champion}" in capsys.readouterr().out
    assert main(["registry", "champion", "--registry", str(tmp_path)]) == 4
    assert main(["registry", "rollback", "--registry", str(tmp_path)]) == 4


def test_sample_writes_sales_and_customers(tmp_path):
    assert main(["sample", "--out", str(tmp_path), "--stores-per-region", "5"]) == 0
    sales = pd.read_csv(tmp_path / "sales.csv")
    customers = pd.read_csv(tmp_path / "customers.csv")
    assert sales["series_id"].nunique() == 20 and sales["region"].nunique() == 4
    assert pd.to_datetime(sales["ds"]).max() - pd.to_datetime(sales["ds"]).min() >= pd.Timedelta(days=3 * 365)
    assert {"customer_id", "tenure_months", "contract", "monthly_value", "churned"} <= set(customers.columns)


def test_train_churn_from_a_customer_table_prints_metrics_and_promotes(tmp_path, capsys):
    from training.jobs.sample import make_customers

    data = tmp_path / "customers.csv"
    make_customers(seed=3, n=800).to_csv(data, index=False)
    args = ["train", "churn", "--data", str(data), "--value-col", "monthly_value", "--segment-col", "region"]
    assert main([*args, "--time-budget", "0.1", "--registry", str(tmp_path / "reg")]) == 0
    out = capsys.readouterr().out
    assert "promoted to champion" in out and "ROC AUC" in out and "(logistic regression)" in out
    assert "revenue at risk" in out and "calibration: holdout deciles" in out
    manifest = Registry(tmp_path / "reg").manifest("churn", Registry(tmp_path / "reg").champion("churn"))
    assert manifest["metrics"]["holdout"]["model"]["brier"] > 0 and manifest["data"]["segment_col"] == "region"


def test_train_churn_bad_input_exits_3_and_writes_nothing(tmp_path, capsys):
    data = tmp_path / "customers.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "churn": ["yes", "maybe", "no"], "x": [1, 2, 3]}).to_csv(data, index=False)
    registry = str(tmp_path / "reg")
    assert (
        main(["train", "churn", "--data", str(data), "--id-col", "id", "--label-col", "churn", "--registry", registry])
        == 3
    )
    assert "'maybe'" in capsys.readouterr().err
    assert main(["train", "churn", "--data", str(data), "--id-col", "customer", "--registry", registry]) == 3
    assert "--id-col" in capsys.readouterr().err
    assert Registry(registry).versions("churn") == []


def test_registry_prune_reports_what_it_removed(tmp_path, capsys):
    registry = Registry(tmp_path)
    for payload in ("a", "b", "c"):
        with registry.stage("churn") as staged:
            (staged.path / "model.bin").write_text(payload)
    oldest, *_ = versions = registry.versions("churn")
    registry.promote("churn", versions[-1])
    assert main(["registry", "prune", "--keep", "2", "--model", "churn", "--registry", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"removed churn {oldest}" in out and "1 churn version(s) removed, 2 kept" in out
    assert main(["registry", "prune", "--keep", "0", "--model", "churn", "--registry", str(tmp_path)]) == 3


def test_unknown_holiday_country_exits_3_before_fitting(tmp_path, capsys):
    data = tmp_path / "sales.csv"
    pd.DataFrame({"series_id": ["a"], "ds": ["2024-01-01"], "y": [1.0]}).to_csv(data, index=False)
    args = ["--data", str(data), "--country-holidays", "XX"]
    assert main(["train", "forecast", *args, "--registry", str(tmp_path)]) == 3
    assert "unknown country 'XX'" in capsys.readouterr().err
    assert main(["evaluate", *args, "--horizon", "4"]) == 3
    assert "unknown country 'XX'" in capsys.readouterr().err
    assert Registry(tmp_path).versions("forecast") == []
