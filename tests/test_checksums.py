"""Verification re-hashes only files written since they were found intact, and still refuses a changed byte."""

import json
import os
import time

import pytest

from models import checksums
from models.errors import ArtifactIntegrityError
from models.registry import Registry
from training.cli import main

TICK = 0.05  # longer than any filesystem timestamp tick, so a later write moves the ctime


@pytest.fixture
def hashed(monkeypatch):
    """The files each verification read, in order; files count as settled once one tick old."""
    monkeypatch.setattr(checksums, "RACY_NS", int(TICK * 1e9))
    seen: list[list[str]] = []
    real = checksums.sha256_files

    def counting(paths):
        seen.append(sorted(p.name for p in paths))
        return real(paths)

    monkeypatch.setattr(checksums, "sha256_files", counting)
    return seen


def publish(registry: Registry, settled: bool = True) -> str:
    with registry.stage("forecast") as staged:
        (staged.path / "paths.bin").write_bytes(bytes(range(256)) * 64)
        (staged.path / "series.json").write_text("[]")
        if settled:  # as the paths of a real version, written long before it is sealed
            time.sleep(2 * TICK)
    return staged.version


def flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_unchanged_file_is_not_hashed_again(tmp_path, hashed):
    registry = Registry(tmp_path)
    version = publish(registry)
    assert hashed == [["paths.bin", "series.json"]]  # the manifest's checksums, at training
    registry.open_version("forecast", version)
    assert hashed[-1] == []


def test_a_file_written_just_before_the_check_is_hashed_until_it_settles(tmp_path, hashed):
    registry = Registry(tmp_path)
    version = publish(registry, settled=False)
    registry.open_version("forecast", version)
    assert hashed[-1] == ["paths.bin", "series.json"]  # a second write in the same tick would not show
    time.sleep(2 * TICK)
    registry.open_version("forecast", version)
    assert hashed[-1] == ["paths.bin", "series.json"]  # now settled: recorded
    registry.open_version("forecast", version)
    assert hashed[-1] == []


def test_a_changed_byte_is_refused_even_in_a_recorded_file(tmp_path, hashed):
    registry = Registry(tmp_path)
    version = publish(registry)
    registry.open_version("forecast", version)
    path = registry.version_dir("forecast", version) / "paths.bin"
    stat = path.stat()
    time.sleep(TICK)
    flip_a_byte(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # mtime put back: the ctime still moved
    with pytest.raises(ArtifactIntegrityError, match="paths.bin"):
        registry.open_version("forecast", version)
    assert "paths.bin" in hashed[-1]
    with pytest.raises(ArtifactIntegrityError):
        registry.promote("forecast", version)


def test_a_copied_version_is_hashed_in_full(tmp_path, hashed):
    registry = Registry(tmp_path)
    version = publish(registry)
    registry.open_version("forecast", version)
    copy = registry.version_dir("forecast", version).with_name("29990101T000000Z-copy00")
    os.system(f"cp -r {registry.version_dir('forecast', version)} {copy}")
    record = tmp_path / "forecast" / ".verified"
    (record / f"{copy.name}.json").write_text((record / f"{version}.json").read_text())  # the record, copied too
    registry.open_version("forecast", copy.name)
    assert "paths.bin" in hashed[-1]  # new inodes: nothing of the copied record applies


def test_full_verification_and_an_unreadable_record_hash_everything(tmp_path, hashed):
    registry = Registry(tmp_path)
    version = publish(registry)
    registry.open_version("forecast", version, full=True)
    assert hashed[-1] == ["paths.bin", "series.json"]
    (tmp_path / "forecast" / ".verified" / f"{version}.json").write_text("{not json")
    registry.open_version("forecast", version)
    assert "paths.bin" in hashed[-1]


def test_a_read_only_registry_still_verifies(tmp_path, hashed, monkeypatch):
    registry = Registry(tmp_path)
    version = publish(registry)
    (tmp_path / "forecast" / ".verified" / f"{version}.json").unlink()
    monkeypatch.setattr(checksums.os, "replace", _refuse)
    registry.open_version("forecast", version)
    assert not (tmp_path / "forecast" / ".verified" / f"{version}.json").exists()
    assert not list((tmp_path / "forecast" / ".verified").glob(".*.tmp"))


def _refuse(*_):
    raise PermissionError("read-only file system")


def test_pruning_a_version_removes_its_record(tmp_path, hashed):
    registry = Registry(tmp_path)
    publish(registry), publish(registry)
    old, new = registry.versions("forecast")  # ids made within a second sort by their random part
    registry.promote("forecast", new)
    assert registry.prune("forecast", keep=1) == [old]
    assert sorted(p.name for p in (tmp_path / "forecast" / ".verified").iterdir()) == [f"{new}.json"]
    assert registry.versions("forecast") == [new]


def test_registry_verify_hashes_every_file_and_names_a_changed_one(tmp_path, hashed, capsys):
    registry = Registry(tmp_path)
    version = publish(registry)
    assert main(["registry", "verify", "--registry", str(tmp_path)]) == 0
    assert f"forecast {version}: 2 files match their SHA-256" in capsys.readouterr().out
    record = json.loads((tmp_path / "forecast" / ".verified" / f"{version}.json").read_text())
    path = registry.version_dir("forecast", version) / "paths.bin"
    flip_a_byte(path)
    record["paths.bin"]["stat"] = list(checksums._signature(path))  # a record that vouches for the new bytes
    (tmp_path / "forecast" / ".verified" / f"{version}.json").write_text(json.dumps(record))
    registry.open_version("forecast", version)  # trusts the record (as for bytes changed without a write)
    assert main(["registry", "verify", version, "--registry", str(tmp_path)]) != 0
    assert "paths.bin does not match its SHA-256" in capsys.readouterr().err
