"""Registry atomicity, promotion, rollback, tamper detection and the retrain run's lock and reports."""

import json

import pytest

from models.errors import ArtifactIntegrityError, InvalidInput, NoChampion, NotFound, RegistryError, RetrainLocked
from models.registry import Registry


def publish(registry: Registry, payload: str = "weights") -> str:
    with registry.stage("forecast") as staged:
        (staged.path / "model.bin").write_text(payload)
        staged.manifest["note"] = payload
    return staged.version


def test_a_finished_version_has_a_manifest_with_checksums(tmp_path):
    registry = Registry(tmp_path)
    version = publish(registry)
    manifest = registry.manifest("forecast", version)
    assert manifest["version"] == version and manifest["note"] == "weights"
    assert set(manifest["files"]) == {"model.bin"} and len(manifest["files"]["model.bin"]) == 64


def test_a_failed_run_leaves_nothing_visible(tmp_path):
    registry = Registry(tmp_path)
    with pytest.raises(RuntimeError), registry.stage("forecast") as staged:
        (staged.path / "model.bin").write_text("half")
        raise RuntimeError("crash mid-training")
    assert registry.versions("forecast") == []
    assert [p.name for p in (tmp_path / "forecast").iterdir()] == []


def test_staging_directories_of_a_killed_run_are_never_listed(tmp_path):
    registry = Registry(tmp_path)
    (tmp_path / "forecast" / ".staging-20260101T000000Z-dead00").mkdir(parents=True)
    assert registry.versions("forecast") == []


def test_promote_and_rollback_switch_the_champion(tmp_path):
    registry = Registry(tmp_path)
    with pytest.raises(NoChampion, match="sentinel train forecast"):
        registry.champion("forecast")
    first, second = publish(registry, "one"), publish(registry, "two")
    registry.promote("forecast", first)
    registry.promote("forecast", second)
    assert registry.champion("forecast") == second
    assert registry.rollback("forecast") == first
    assert registry.champion("forecast") == first
    with pytest.raises(RegistryError, match="no previous champion"):
        registry.rollback("forecast")


def test_tampered_artifact_is_refused_and_cannot_be_promoted(tmp_path):
    registry = Registry(tmp_path)
    version = publish(registry)
    (tmp_path / "forecast" / version / "model.bin").write_text("evil")
    with pytest.raises(ArtifactIntegrityError, match="model.bin does not match its SHA-256"):
        registry.open_version("forecast", version)
    with pytest.raises(ArtifactIntegrityError):
        registry.promote("forecast", version)
    with pytest.raises(NoChampion):
        registry.champion("forecast")


def test_missing_artifact_and_unknown_version_are_named(tmp_path):
    registry = Registry(tmp_path)
    version = publish(registry)
    (tmp_path / "forecast" / version / "model.bin").unlink()
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        registry.open_version("forecast", version)
    with pytest.raises(NotFound, match="no version 'v0'"):
        registry.open_version("forecast", "v0")


def test_pointer_is_plain_json_with_history(tmp_path):
    registry = Registry(tmp_path)
    first, second = publish(registry), publish(registry)
    registry.promote("forecast", first)
    registry.promote("forecast", second)
    pointer = json.loads((tmp_path / "forecast" / "champion.json").read_text())
    assert pointer["version"] == second and pointer["previous"] == [first]


def test_prune_keeps_the_newest_the_champion_and_its_rollback_targets(tmp_path):
    registry = Registry(tmp_path)
    for i in range(6):
        publish(registry, f"w{i}")
    versions = registry.versions("forecast")  # oldest first
    registry.promote("forecast", versions[0])
    registry.promote("forecast", versions[1])  # champion v1, previous [v0]
    removed = registry.prune("forecast", keep=2)
    assert removed == versions[2:4]
    assert registry.versions("forecast") == [versions[0], versions[1], versions[4], versions[5]]
    assert registry.rollback("forecast") == versions[0]
    assert not [p for p in (tmp_path / "forecast").iterdir() if p.name.startswith((".pruned-", ".staging-"))]


def test_prune_refuses_to_keep_nothing(tmp_path):
    registry = Registry(tmp_path)
    publish(registry)
    with pytest.raises(InvalidInput):
        registry.prune("forecast", keep=0)


def test_clean_staging_removes_what_a_killed_run_left(tmp_path):
    registry = Registry(tmp_path)
    version = publish(registry)
    (tmp_path / "forecast" / ".staging-20260101T000000Z-dead00").mkdir()
    assert registry.clean_staging("forecast") == [".staging-20260101T000000Z-dead00"]
    assert [p.name for p in (tmp_path / "forecast").iterdir()] == [version]


def test_a_second_retrain_lock_is_refused_at_once_and_names_the_holder(tmp_path):
    registry = Registry(tmp_path / "registry")
    with registry.retrain_lock():
        assert (tmp_path / "registry" / "retrain.lock").read_text().startswith("pid ")
        second = Registry(tmp_path / "registry").retrain_lock()
        with pytest.raises(RetrainLocked, match="another retrain holds .*retrain.lock \\(pid "), second:
            pass
    with registry.retrain_lock():  # released when the holder's block ends
        pass


def test_a_run_report_is_hidden_until_published_and_a_killed_runs_is_removed(tmp_path):
    registry = Registry(tmp_path)
    killed = tmp_path / "runs" / ".running-20260101T000000Z-dead00"
    killed.mkdir(parents=True)
    run_id, work = registry.begin_run()
    assert not killed.exists() and work == tmp_path / "runs" / f".running-{run_id}" and work.is_dir()
    (work / "summary.txt").write_text("done")
    final = registry.publish_run(run_id)
    assert final == registry.runs_dir() / run_id == tmp_path / "runs" / run_id
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [run_id] and (final / "summary.txt").is_file()
