"""`sentinel kri check`, `sentinel kri rules` and `sentinel db upgrade` as a user runs them."""

from pathlib import Path

import yaml
from sqlalchemy import create_engine, inspect

from training.cli import main


def test_kri_check_accepts_the_built_in_set(capsys):
    assert main(["kri", "check"]) == 0
    built_in = yaml.safe_load((Path(__file__).parents[2] / "service" / "kri" / "default.yaml").read_text())
    assert f"{len(built_in['kris'])} KRI(s) valid" in capsys.readouterr().out


def test_kri_check_names_kri_and_field_and_exits_3(tmp_path, capsys):
    bad = tmp_path / "kri.yaml"
    bad.write_text("kris:\n  - {name: churn, source: observed, direction: above, warning: 0.3, critical: 0.2}\n")
    assert main(["kri", "check", str(bad)]) == 3
    err = capsys.readouterr().err
    assert "kri 'churn' field 'critical'" in err and "Traceback" not in err


def test_kri_rules_writes_a_rule_file(tmp_path, capsys):
    out = tmp_path / "rules.yml"
    assert main(["kri", "rules", "--out", str(out), "--interval", "30s"]) == 0
    (group,) = yaml.safe_load(out.read_text())["groups"]
    assert group["interval"] == "30s" and {r["labels"]["kri"] for r in group["rules"]} >= {"returns_rate"}
    assert main(["kri", "rules", "--interval", "soon"]) == 3


def test_db_upgrade_creates_the_tables(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'nested' / 'sentinel.db'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert main(["db", "upgrade", "--url", url]) == 0  # idempotent
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"kri_observations", "kri_state", "alert_outbox", "alembic_version"} <= tables
