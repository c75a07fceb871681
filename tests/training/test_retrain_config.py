"""retrain.yaml: mistakes are named by field before anything runs; the churn job is gated on AUC."""

import json

import pytest

from models.errors import InvalidInput
from models.registry import Registry
from training.cli import main
from training.retrain.config import ChurnJob, load_retrain_config

GOOD = {
    "sources": {"sales": {"path": "data/sales-*.csv", "id_col": "store", "date_col": "week", "value_col": "sales"}},
    "jobs": {"forecast": {"source": "sales", "horizon": 13, "folds": 2}},
    "policy": {"tolerance": 0.1},
}


def write(tmp_path, config) -> str:
    path = tmp_path / "retrain.yaml"
    path.write_text(json.dumps(config))
    return str(path)


def test_a_good_config_resolves_paths_against_its_own_directory(tmp_path):
    config = load_retrain_config(write(tmp_path, GOOD))
    source = config.sources["sales"]
    assert source.path == str(tmp_path / "data/sales-*.csv") and source.mapping.id_col == "store"
    assert config.forecast.horizon == 13 and config.policy.tolerance == 0.1 and config.churn is None
    (tmp_path / "data").mkdir()
    for name in ("sales-2026-10.csv", "sales-2026-09.csv"):
        (tmp_path / "data" / name).write_text("store,week,sales\n")
    assert [p.name for p in source.files()] == ["sales-2026-09.csv", "sales-2026-10.csv"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"jobs": {"forecast": {"source": "sales", "horizon": "a year"}}}, "jobs.forecast.horizon"),
        ({"jobs": {"forecast": {"source": "crm"}}}, "jobs.forecast.source"),
        ({"jobs": {"forecast": {"source": "sales", "folds": -1}}}, "jobs.forecast.folds"),
        ({"policy": {"tolerence": 0.1}}, "policy.tolerence"),
        ({"sources": {"sales": {"id_col": "store"}}}, "sources.sales.path"),
        ({"jobs": {}}, "jobs"),
    ],
)
def test_a_bad_field_is_named(tmp_path, change, field):
    with pytest.raises(InvalidInput, match=field.replace(".", r"\.")):
        load_retrain_config(write(tmp_path, {**GOOD, **change}))


def test_the_cli_exits_3_on_a_bad_config(tmp_path, capsys):
    bad = write(tmp_path, {**GOOD, "policy": {"tolerance": "loose"}})
    assert main(["retrain", "--config", bad, "--registry", str(tmp_path / "registry")]) == 3
    assert "policy.tolerance" in capsys.readouterr().err


def test_unreadable_data_is_reported_and_exits_3(tmp_path, capsys):
    config = write(tmp_path, GOOD)  # data/sales-*.csv matches nothing
    assert main(["retrain", "--config", config, "--registry", str(tmp_path / "registry")]) == 3
    assert "forecast: INVALID-INPUT" in capsys.readouterr().out
    (run,) = (tmp_path / "registry" / "runs").iterdir()
    assert "sources.sales.path: no file matches" in (run / "summary.txt").read_text()


def test_a_churn_retrain_promotes_then_rejects_a_model_that_lost_its_signal(tmp_path, capsys):
    from training.jobs.sample import make_customers

    customers = make_customers(seed=3, n=800)
    customers.to_csv(tmp_path / "customers.csv", index=False)
    job = {"source": "customers", "value_col": "monthly_value", "time_budget": 0.1}
    config = write(
        tmp_path,
        {
            "sources": {"customers": {"path": "customers.csv"}},
            "jobs": {"churn": job},
            "policy": {"auc_tolerance": 0.05},
        },
    )
    registry = str(tmp_path / "registry")
    assert main(["retrain", "--config", config, "--registry", registry]) == 0
    first = Registry(registry).champion("churn")
    scrambled = customers.assign(churned=customers["churned"].sample(frac=1, random_state=0).to_numpy())
    scrambled.to_csv(tmp_path / "customers.csv", index=False)  # a broken extract: labels no longer match
    assert main(["retrain", "--config", config, "--registry", registry]) == 10
    assert "below the champion's" in capsys.readouterr().out
    assert Registry(registry).champion("churn") == first


def test_the_churn_job_is_checked_when_the_config_is_read(tmp_path):
    base = {"sources": {"customers": {"path": "customers.csv"}}}
    for job, fragment in [
        ({"value_col": "monthly_value"}, "jobs.churn.source: required"),
        ({"source": "crm"}, "jobs.churn.source: no source named 'crm'"),
        ({"source": "customers", "budget": 3}, "jobs.churn.budget: unknown field"),
        ({"source": "customers", "time_budget": 0}, "jobs.churn.time_budget: must be positive"),
    ]:
        with pytest.raises(InvalidInput, match=fragment):
            load_retrain_config(write(tmp_path, {**base, "jobs": {"churn": job}}))
    config = load_retrain_config(
        write(tmp_path, {**base, "jobs": {"churn": {"source": "customers", "time_budget": 2}}})
    )
    assert config.churn == ChurnJob(source="customers", time_budget=2.0)
