"""The CLI reads the same settings as the service: SENTINEL_* fill its defaults, flags override them."""

from models.registry import Registry
from training.cli import main


def test_sentinel_registry_is_the_default_and_a_flag_overrides_it(tmp_path, monkeypatch, capsys):
    from_env, from_flag = tmp_path / "env-registry", tmp_path / "flag-registry"
    monkeypatch.setenv("SENTINEL_REGISTRY", str(from_env))
    assert main(["registry", "champion"]) == 4
    assert str(from_env) in capsys.readouterr().err
    assert main(["registry", "champion", "--registry", str(from_flag)]) == 4
    assert str(from_flag) in capsys.readouterr().err
    assert not Registry(from_env).versions("forecast")


def test_database_url_and_kri_config_come_from_the_environment(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("SENTINEL_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "from-env.db").is_file()
    monkeypatch.setenv("SENTINEL_KRI_CONFIG", str(tmp_path / "absent.yaml"))
    assert main(["kri", "check"]) == 3
    assert "absent.yaml" in capsys.readouterr().err


def test_a_malformed_setting_is_named_with_exit_code_3(monkeypatch, capsys):
    monkeypatch.setenv("SENTINEL_VERDICT_LIKELY", "most")
    assert main(["registry", "list"]) == 3
    err = capsys.readouterr().err
    assert "SENTINEL_VERDICT_LIKELY" in err and "Traceback" not in err
