"""Serving-memory benchmark: loading a forecast version the old way (paths.npy read whole, cumulative
sums built in memory through a float64 temporary) beside the new one (cum_paths.npy and
group_paths.npy memory-mapped), on the same version in the same run.

Versions no longer store paths.npy, so the old way reads one that the benchmark writes first (the
differences of cum_paths.npy) into a legacy view of the version under ``--work``.

    python bench/memory.py --registry DIR               # the registry's forecast champion
    python bench/memory.py --train-sample 30 --work DIR # sample company, 4 regions x 30 stores, trained first

Each load runs in a fresh process, so its peak RSS (VmHWM) and private memory (RssAnon, from
/proc/self/status) are its own; the process then loads the version a second time while holding
the first, as a hot reload does, and reports its memory with both held. Checksum verification
(``Registry.open_version``) is timed apart from building the model, with the old serial 1 MiB-chunk
loop beside the current hashing, warm (files in the page cache) and, when run as root, cold (page
cache dropped first). Latency is of
``pace_answer`` (what /v1/feasibility computes, without HTTP) for one series, one group (region)
and the total, over quarter-length periods, median and p99 of repeated calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from models.checksums import sha256_files
from models.forecast.artifact import load_forecast
from models.planning.feasibility import VerdictCutoffs
from models.planning.pace import pace_answer, subject_ids
from models.registry import Registry

NEW_FILES = ("cum_paths.npy", "group_paths.npy", "group_paths.json")


def _status() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024  # MiB
    return fields


def _latency(model, ids: list[str], n: int) -> tuple[float, float]:
    info = model.info(ids[0])
    first = dt.date.fromisoformat(info.history_end) + dt.timedelta(days=1)
    last = dt.date.fromisoformat(info.horizon_end) - dt.timedelta(days=91)
    rng = random.Random(0)
    cutoffs = VerdictCutoffs()
    times = []
    for _ in range(n):
        start = first + dt.timedelta(days=rng.randint(-30, (last - first).days))
        t = time.perf_counter()
        pace_answer(model, ids, start, start + dt.timedelta(days=90), 1e6, cutoffs, {})
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), float(np.percentile(times, 99))


def _legacy_view(directory: Path, work: Path) -> Path:
    """``work``/legacy: the version's files (linked) without the new ones, with a paths.npy as before them."""
    legacy = work / "legacy" / directory.name
    if not (legacy / "paths.npy").is_file():
        legacy.mkdir(parents=True, exist_ok=True)
        for path in directory.iterdir():
            if path.name not in NEW_FILES and not (legacy / path.name).exists():
                (legacy / path.name).symlink_to(path.resolve())
        cum = np.load(directory / "cum_paths.npy", mmap_mode="r")
        out = np.lib.format.open_memmap(
            legacy / "paths.tmp.npy", mode="w+", dtype=np.float32, shape=(cum.shape[0], cum.shape[2], cum.shape[1] - 1)
        )
        for i in range(cum.shape[0]):
            out[i] = np.diff(np.asarray(cum[i], dtype=np.float64), axis=0).T
        out.flush()
        del out
        (legacy / "paths.tmp.npy").rename(legacy / "paths.npy")
    return legacy


def _child(root: str, mode: str, calls: int, work: Path) -> None:
    registry = Registry(root)
    version = registry.champion("forecast")
    directory, manifest = registry.open_version("forecast", version)
    if mode == "old":  # as the previous release loads it: the new files unlisted, so never used
        manifest = {**manifest, "files": {k: v for k, v in manifest["files"].items() if k not in NEW_FILES}}
        directory = _legacy_view(directory, work)
    started = time.perf_counter()
    model = load_forecast(directory, manifest)
    load_s = time.perf_counter() - started
    after_load = _status()
    region = next(iter(model.groups().get("region", {"": 0})))
    subjects = {
        "series": [model.infos[0].series_id],
        "group": subject_ids(model, None, {"region": region}) if region else [],
        "total": subject_ids(model, None, {}),
    }
    latency = {name: _latency(model, ids, calls) for name, ids in subjects.items() if ids}
    after_queries = _status()
    # A hot reload as ModelStore does it: the new model is loaded while the old one still serves.
    incoming = load_forecast(directory, manifest)
    _latency(incoming, subjects["total"], 10)
    during_reload = _status()
    del incoming
    result = {"load_s": load_s, "after_load": after_load, "after_queries": after_queries, "reload": during_reload}
    print(json.dumps({**result, "latency": latency}))


def _old_sha256(path: Path) -> str:  # the previous release's loop
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_times(directory: Path) -> dict[str, float]:
    files = [p for p in sorted(directory.rglob("*")) if p.is_file() and p.name != "manifest.json"]
    out = {}
    cold = os.geteuid() == 0
    for name, run in [
        ("serial 1 MiB loop", lambda: [_old_sha256(p) for p in files]),
        ("file_digest, threads", lambda: sha256_files(files)),
    ]:
        for state in ("warm", "cold") if cold else ("warm",):
            best = []
            for _ in range(3):
                if state == "cold":
                    os.system("sync; echo 1 > /proc/sys/vm/drop_caches")
                else:
                    run()
                t = time.perf_counter()
                run()
                best.append(time.perf_counter() - t)
            out[f"{name} ({state})"] = statistics.median(best)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", help="registry root with a forecast champion")
    parser.add_argument("--train-sample", type=int, metavar="N", help="train the sample with N stores per region")
    parser.add_argument("--work", type=Path, default=Path("var/bench-memory"), help="where --train-sample writes")
    parser.add_argument("--calls", type=int, default=300, help="feasibility calls per subject")
    parser.add_argument("--child", choices=["old", "new"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.registry, args.child, args.calls, args.work)
        return
    sentinel = str(Path(sys.executable).with_name("sentinel"))
    root = args.registry
    if args.train_sample:
        root = str(args.work / "registry")
        data = args.work / "sample"
        subprocess.run(
            [sentinel, "sample", "--out", str(data), "--stores-per-region", str(args.train_sample)], check=True
        )
        subprocess.run(
            [sentinel, "train", "forecast", "--data", str(data / "sales.csv"), "--group-cols", "region",
             "--country-holidays", "US", "--registry", root],
            check=True,
        )  # fmt: skip
    if not root:
        sys.exit("give --registry DIR or --train-sample N")
    registry = Registry(root)
    directory = registry.version_dir("forecast", registry.champion("forecast"))
    cum = np.load(directory / "cum_paths.npy", mmap_mode="r")
    sizes = {p.name: p.stat().st_size / 2**20 for p in directory.glob("*.npy")}
    print(f"version {directory.name}: {cum.shape[0]} series x {cum.shape[2]} paths x {cum.shape[1] - 1} steps")
    print("  files MiB: " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(sizes.items())))
    print("checksum verification of every file (median of 3)")
    for name, seconds in _hash_times(directory).items():
        print(f"  {name:32s} {seconds:6.2f} s")
    runs = {}
    _legacy_view(directory, args.work)
    for mode in ("old", "new", "old", "new"):  # interleaved; the second of each is reported
        cmd = [sys.executable, __file__, "--registry", root, "--child", mode, "--calls", str(args.calls)]
        cmd += ["--work", str(args.work)]
        runs[mode] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print("model load (after verification), fresh process each")
    head = ("load s", "peak RSS", "RSS", "RssAnon", "RssFile")
    print(f"  {'':5s} " + " ".join(f"{h:>8s}" for h in head) + "   MiB, right after load")
    for mode, r in runs.items():
        m = r["after_load"]
        cells = [f"{r['load_s']:8.2f}"] + [f"{m[k]:8,.0f}" for k in ("VmHWM", "VmRSS", "RssAnon", "RssFile")]
        print(f"  {mode:5s} " + " ".join(cells))
    for when in ("after_queries", "reload"):
        label = {"after_queries": "after the latency runs", "reload": "two models held (hot reload)"}[when]
        cells = [
            f"{mode} RssAnon {r[when]['RssAnon']:,.0f} RssFile {r[when]['RssFile']:,.0f}" for mode, r in runs.items()
        ]
        print(f"  {label}: " + "; ".join(cells))
    print(f"feasibility (pace_answer, quarter periods, {args.calls} calls): median / p99 ms")
    for subject in runs["new"]["latency"]:
        old, new = runs["old"]["latency"][subject], runs["new"]["latency"][subject]
        print(f"  {subject:7s} old {old[0]:7.3f} / {old[1]:7.3f}   new {new[0]:7.3f} / {new[1]:7.3f}")


if __name__ == "__main__":
    main()
