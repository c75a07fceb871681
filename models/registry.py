"""A versioned, file-based model registry: the sole owner of the on-disk layout.

Layout::

    <root>/<model>/<version>/        immutable: artifacts + manifest.json (SHA-256 of every file)
    <root>/<model>/champion.json     mutable alias: {"version", "previous": [...], "updated_at"}
    <root>/<model>/.verified/<v>.json which of version v's files were found intact, by signature
                                     (``models.checksums``), so an unchanged file is not re-hashed
    <root>/<model>/.staging-*/       a version being written; never listed, removed on failure
                                     (a run killed with SIGKILL leaves one: ``clean_staging``)
    <root>/retrain.lock              held by the running ``sentinel retrain`` (``retrain_lock``)
    <root>/runs/<run id>/            each finished retrain run's report (``publish_run``)
    <root>/runs/.running-<run id>/   the report of a run in progress (``begin_run``; the next run
                                     deletes one left by a killed run)
    <root>/retrain/last_success.json status of the last successful ``sentinel retrain`` run

What a version's artifacts are is its model family's business (``models.forecast.artifact``,
``models.churn.artifact``). A version becomes visible only by an atomic ``rename`` of its finished
staging directory, and the champion switches by an atomic ``os.replace`` of the pointer file, so
a crashed or failed training run is never seen. ``open_version`` verifies every checksum before
anything is loaded (re-hashing only files written since they were last found intact).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.checksums import checksum_files, verify
from models.errors import ArtifactIntegrityError, InvalidInput, NoChampion, NotFound, RegistryError, RetrainLocked

__all__ = ["MANIFEST", "Registry", "Staged"]

MANIFEST = "manifest.json"
_POINTER = "champion.json"
_RETRAIN_STATUS = Path("retrain") / "last_success.json"
_RETRAIN_LOCK = "retrain.lock"
_RUNS = "runs"
_RUNNING = ".running-"
_VERIFIED = ".verified"


def _new_id() -> str:
    """A version or run id: UTC time to the second, then random hex, so ids sort by creation."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with tmp.open("w") as fh:
        json.dump(payload, fh, indent=2, sort_keys=True, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class Staged:
    """A version under construction: write artifacts into ``path``, fill ``manifest``."""

    model: str
    version: str
    path: Path
    manifest: dict[str, Any]


class Registry:
    """Versioned models under ``root``; one instance per process is cheap and stateless."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def stage(self, model: str) -> Iterator[Staged]:
        """Build a new version; it becomes visible only if the block completes.

        The manifest (checksums of every file written, ``created_at`` and whatever the caller
        put in ``staged.manifest``) is written last, then the directory is renamed into place.
        """
        base = self.root / model
        base.mkdir(parents=True, exist_ok=True)
        version = _new_id()
        staging = base / f".staging-{version}"
        staging.mkdir()
        staged = Staged(model, version, staging, {})
        try:
            yield staged
            written = [str(p.relative_to(staging)) for p in sorted(staging.rglob("*")) if p.is_file()]
            files = checksum_files(staging, [rel for rel in written if rel != MANIFEST], self._record(model, version))
            manifest = {
                **staged.manifest,
                "model": model,
                "version": version,
                "created_at": datetime.now(UTC).isoformat(),
                "files": files,
            }
            _write_json_atomic(staging / MANIFEST, manifest)
            os.rename(staging, base / version)
            _fsync_dir(base)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def promote(self, model: str, version: str) -> None:
        """Point ``champion`` at ``version`` (verified first); the old one becomes previous."""
        self.open_version(model, version)
        pointer = self._pointer(model)
        previous = [pointer["version"], *pointer.get("previous", [])] if pointer else []
        previous = [v for v in previous if v != version][:20]
        _write_json_atomic(
            self.root / model / _POINTER,
            {"version": version, "previous": previous, "updated_at": datetime.now(UTC).isoformat()},
        )

    def rollback(self, model: str) -> str:
        """Restore the previous champion and return its version."""
        pointer = self._pointer(model)
        if not pointer:
            raise NoChampion(f"model {model!r} has no champion in {self.root}; nothing to roll back")
        candidates = [v for v in pointer.get("previous", []) if (self.root / model / v).is_dir()]
        if not candidates:
            raise RegistryError(f"model {model!r} has no previous champion to roll back to")
        target, rest = candidates[0], candidates[1:]
        self.open_version(model, target)
        _write_json_atomic(
            self.root / model / _POINTER,
            {"version": target, "previous": rest, "updated_at": datetime.now(UTC).isoformat()},
        )
        return target

    def prune(self, model: str, keep: int) -> list[str]:
        """Remove all but the ``keep`` newest versions; return the removed ones, oldest first.

        The champion and the first ``keep`` entries of its ``previous`` list (the versions a
        ``rollback`` would reach) are never removed, whatever their age. A version leaves by an
        atomic rename to a hidden name before its files are deleted, so a reader never sees half
        of one.
        """
        if keep < 1:
            raise InvalidInput(f"prune --keep must be at least 1, got {keep}")
        pointer = self._pointer(model) or {}
        protected = {pointer.get("version"), *pointer.get("previous", [])[:keep]}
        versions = self.versions(model)
        kept = set(versions[-keep:]) | protected
        removed = [v for v in versions if v not in kept]
        base = self.root / model
        for version in removed:
            hidden = base / f".pruned-{version}"
            os.rename(base / version, hidden)
            shutil.rmtree(hidden, ignore_errors=True)
            self._record(model, version).unlink(missing_ok=True)
        if removed:
            _fsync_dir(base)
        return removed

    def clean_staging(self, model: str) -> list[str]:
        """Delete leftovers of runs that died mid-write (call only while holding ``retrain_lock``)."""
        base = self.root / model
        if not base.is_dir():
            return []
        stale = [p for p in base.iterdir() if p.is_dir() and p.name.startswith((".staging-", ".pruned-"))]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
        for record in (base / _VERIFIED).glob("*.json"):  # a run killed between its record and its rename
            if not (base / record.stem).is_dir():
                record.unlink(missing_ok=True)
        return sorted(p.name for p in stale)

    # -- retrain runs ------------------------------------------------------------------
    @contextlib.contextmanager
    def retrain_lock(self) -> Iterator[None]:
        """Hold ``<root>/retrain.lock`` for one retrain run; RetrainLocked at once if another holds it.

        ``fcntl.flock``: the OS releases the lock when its process dies, even by SIGKILL, so a
        killed run never blocks the next one. The file names the holder for the error message.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / _RETRAIN_LOCK
        with path.open("a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "unknown"
                raise RetrainLocked(f"another retrain holds {path} ({holder}); this run did nothing") from None
            fh.truncate(0)
            fh.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n")
            fh.flush()
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def runs_dir(self) -> Path:
        """Where retrain runs keep their reports, one directory per run."""
        return self.root / _RUNS

    def begin_run(self) -> tuple[str, Path]:
        """A new run id and its hidden report directory (call only while holding ``retrain_lock``).

        Reports of runs that were killed before they finished (``.running-*``) are deleted first;
        ``publish_run`` makes this one visible, so a killed run never leaves a visible report.
        """
        runs = self.runs_dir()
        runs.mkdir(parents=True, exist_ok=True)
        for stale in runs.glob(f"{_RUNNING}*"):
            shutil.rmtree(stale, ignore_errors=True)
        run_id = _new_id()
        work = runs / f"{_RUNNING}{run_id}"
        work.mkdir()
        return run_id, work

    def publish_run(self, run_id: str) -> Path:
        """Make a finished run's report visible by an atomic rename; return its directory."""
        final = self.runs_dir() / run_id
        os.rename(self.runs_dir() / f"{_RUNNING}{run_id}", final)
        return final

    # -- reading -----------------------------------------------------------------------
    def version_dir(self, model: str, version: str) -> Path:
        """Where a version's artifacts live; unverified (``open_version`` checks them first)."""
        return self.root / model / version

    def versions(self, model: str) -> list[str]:
        """Finished versions, oldest first (version ids sort by creation time)."""
        base = self.root / model
        if not base.is_dir():
            return []
        return sorted(
            p.name for p in base.iterdir() if p.is_dir() and (p / MANIFEST).is_file() and not p.name.startswith(".")
        )

    def champion(self, model: str) -> str:
        pointer = self._pointer(model)
        if not pointer:
            raise NoChampion(
                f"no champion {model!r} model in registry {self.root}: train one with "
                f"`sentinel train {model} --data PATH --registry {self.root}`"
            )
        return str(pointer["version"])

    def manifest(self, model: str, version: str) -> dict[str, Any]:
        path = self.version_dir(model, version) / MANIFEST
        if not path.is_file():
            raise NotFound(f"model {model!r} has no version {version!r} in {self.root}")
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ArtifactIntegrityError(f"{path} is not valid JSON: refusing to load it") from exc

    def open_version(self, model: str, version: str, full: bool = False) -> tuple[Path, dict[str, Any]]:
        """Verify every artifact of a version against its manifest; return its directory.

        Files unchanged since they were last found intact (same inode, size, mtime and ctime) are
        not hashed again unless ``full`` (see ``models.checksums``).
        """
        manifest = self.manifest(model, version)
        directory = self.version_dir(model, version)
        listed: dict[str, str] = manifest.get("files", {})
        for rel in listed:
            if not (directory / rel).is_file():
                raise ArtifactIntegrityError(f"{model} {version}: artifact {rel} is missing; refusing to load")
        bad = verify(directory, listed, None if full else self._record(model, version))
        if bad:
            raise ArtifactIntegrityError(
                f"{model} {version}: artifact {bad[0]} does not match its SHA-256 in the manifest "
                "(changed after training); refusing to load it. Retrain, or roll back with "
                "`sentinel registry rollback`."
            )
        return directory, manifest

    def _record(self, model: str, version: str) -> Path:
        """Which of a version's files were found intact, and their signatures (``models.checksums``)."""
        return self.root / model / _VERIFIED / f"{version}.json"

    def write_retrain_status(self, status: dict[str, Any]) -> None:
        """Record a successful retrain run (``finished_at`` is added) for monitoring to read."""
        path = self.root / _RETRAIN_STATUS
        path.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        _write_json_atomic(path, {**status, "finished_at": now.isoformat(), "finished_timestamp": now.timestamp()})

    def retrain_status(self) -> dict[str, Any] | None:
        """The last successful retrain run's status, or None when there was none (or it is unreadable)."""
        try:
            return json.loads((self.root / _RETRAIN_STATUS).read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def _pointer(self, model: str) -> dict[str, Any] | None:
        path = self.root / model / _POINTER
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise RegistryError(f"champion pointer {path} is unreadable: {exc}") from exc
