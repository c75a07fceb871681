"""SHA-256 checksums of a version's files, and a record of the files already found intact.

A 3,000-series forecast version is 4.4 GB of mapped paths: hashing it from a cold page cache reads
it all at disk speed (14 s here) before a service may answer, at every start and on every worker.
A file that matched its checksum and has not been written since need not be hashed again. Every
write, truncate, chmod or rename-over moves a file's ctime (the kernel sets it; no system call sets
it back) and a copy is a new inode, so once a file is found intact its signature (device, inode,
size, mtime and ctime in ns) is recorded, and a later check hashes only the files whose signature
differs from the record. A changed byte is still refused: changing it changed the signature.

As git does for its index, a file whose ctime is not ``RACY_NS`` older than the check is not
recorded: within one timestamp tick a second write would leave its ctime where it was. What no
signature sees is bytes that change without a write (a failing disk); ``verify(..., record=None)``
(``sentinel registry verify``) hashes every file whatever the record says.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["RACY_NS", "checksum_files", "sha256_file", "sha256_files", "verify"]

RACY_NS = 2_000_000_000  # 2 s: far above any filesystem's timestamp tick
_HASH_THREADS = 4


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed (``hashlib.file_digest``: no per-chunk Python loop)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sha256_files(paths: list[Path]) -> list[str]:
    """Checksums of several files, hashed in parallel threads (hashlib releases the GIL).

    A version is a few large arrays and many small files; threads overlap one file's reads with
    another's hashing, so verification runs at disk speed rather than one core's hashing speed.
    """
    if len(paths) < 2:
        return [sha256_file(p) for p in paths]
    with ThreadPoolExecutor(max_workers=min(_HASH_THREADS, len(paths))) as pool:
        return list(pool.map(sha256_file, paths))


def _signature(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_record(record: Path) -> dict[str, dict]:
    try:
        entries = json.loads(record.read_text())
    except (OSError, ValueError):  # none yet, or unreadable: hash everything
        return {}
    return entries if isinstance(entries, dict) else {}


def _write_record(record: Path, entries: dict[str, dict]) -> None:
    """Replace the record atomically; best effort (a read-only registry just hashes every time)."""
    tmp = record.with_name(f".{record.name}.{secrets.token_hex(4)}.tmp")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(entries))
        os.replace(tmp, record)
    except OSError:
        tmp.unlink(missing_ok=True)


def _settled(directory: Path, sums: Mapping[str, str], before: Mapping[str, list[int]], started: int) -> dict:
    """Record entries of the files hashed to ``sums``: those not racily new and not written meanwhile."""
    return {
        rel: {"sha256": sha, "stat": before[rel]}
        for rel, sha in sums.items()
        if before[rel][4] < started - RACY_NS and _signature(directory / rel) == before[rel]
    }


def checksum_files(directory: Path, rels: list[str], record: Path | None) -> dict[str, str]:
    """SHA-256 of each file (relative to ``directory``), recorded as intact in ``record`` if given."""
    started = time.time_ns()
    before = {rel: _signature(directory / rel) for rel in rels}
    sums = dict(zip(rels, sha256_files([directory / rel for rel in rels]), strict=True))
    settled = _settled(directory, sums, before, started) if record is not None else {}
    if record is not None and settled:
        _write_record(record, settled)
    return sums


def verify(directory: Path, listed: Mapping[str, str], record: Path | None) -> list[str]:
    """The files of ``listed`` (relative path -> SHA-256) under ``directory`` that do not match.

    With a ``record``, files whose signature it holds with the same checksum are not read, and the
    files found intact (and not racily new) are recorded there; None hashes every file.
    """
    known = _read_record(record) if record is not None else {}
    started = time.time_ns()
    before = {rel: _signature(directory / rel) for rel in listed}
    todo = [rel for rel, sha in listed.items() if known.get(rel) != {"sha256": sha, "stat": before[rel]}]
    got = dict(zip(todo, sha256_files([directory / rel for rel in todo]), strict=True))
    bad = [rel for rel in todo if got[rel] != listed[rel]]
    if record is not None and not bad:
        entries = _settled(directory, listed, before, started)
        if entries != known:
            _write_record(record, entries)
    return bad
