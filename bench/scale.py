"""Scale benchmark: train and serve the sample company at N stores per region (4 x N daily series,
1,000 paths, 365 days by default), and report training wall time and peak memory, service ready
time and private memory (RssAnon), feasibility latency at 16 clients for one series, one region
and the total, and the service's memory and answers while a new champion is hot-reloaded.

    python bench/scale.py                                  # 750 stores per region: 3,000 series
    python bench/scale.py --stores-per-region 10 --samples 200 --seconds 3   # a quick smoke run
    python bench/scale.py --registry DIR                   # serve an existing trained registry

Training runs `sentinel sample` then `sentinel train forecast --group-cols region,store_format`
(default paths, horizon and `--jobs`), its process tree's RSS polled every 0.2 s with psutil: the
peak of the tree's sum (shared pages of forked workers counted once per process, so an upper
bound) beside the largest single process, and the driver's peak RssAnon (private) and RssFile
(pages of the memory-mapped paths files it writes). Its figures are kept in `<work>/train.json`
and shown again when a later run serves that registry with `--registry`.

The service (`sentinel serve`, one worker, on a free port, champion polling every second) is timed
from process start until GET /readyz answers 200 (with `--cold`, after dropping the page cache, so
verification reads from the disk; the output says how many files the registry's verification
record held, see ``models.checksums``); RssAnon is read from /proc/<pid>/status (summed
over the server's process tree). Latency uses bench/serve.py's keep-alive asyncio client, the
scenarios interleaved over rounds, each figure the median over rounds. The hot reload copies the
champion's version directory to a new version (fresh files, same bytes) and runs `sentinel
registry promote` on it while a light load (2 clients, every scenario) keeps running; RssAnon is
sampled every 50 ms until the new version is live and for a few seconds after, and every answer
that is not a 200 (or a failed connection) is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
from serve import _http, _run

from models.registry import MANIFEST, Registry

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
MIB = 2**20


def _tree(pid: int) -> list[psutil.Process]:
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _train(args: argparse.Namespace, registry: Path) -> dict:
    data = args.work / "sample"
    started = time.perf_counter()
    subprocess.run(
        [SENTINEL, "sample", "--out", str(data), "--stores-per-region", str(args.stores_per_region)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    sample_s = time.perf_counter() - started
    cmd = [SENTINEL, "train", "forecast", "--data", str(data / "sales.csv"), "--group-cols", "region,store_format"]
    cmd += ["--registry", str(registry)]
    if args.samples:
        cmd += ["--samples", str(args.samples)]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    log = (args.work / "train.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    peak_sum = peak_one = peak_anon = peak_file = 0
    most = 0
    while proc.poll() is None:
        rss = []
        for p in _tree(proc.pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                rss.append(p.memory_info().rss)
        peak_sum, peak_one, most = max(peak_sum, sum(rss)), max([peak_one, *rss]), max(most, len(rss))
        status = _status(proc.pid)
        peak_anon, peak_file = max(peak_anon, status.get("RssAnon", 0)), max(peak_file, status.get("RssFile", 0))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    log.close()
    if proc.returncode:
        sys.exit(f"training failed ({proc.returncode}); see {args.work / 'train.log'}")
    version = Registry(registry).champion("forecast")
    size = sum(p.stat().st_size for p in Registry(registry).version_dir("forecast", version).iterdir())
    result = {
        "series": 4 * args.stores_per_region,
        "samples": args.samples or 1000,
        "jobs": args.jobs or os.cpu_count(),
        "sample_s": sample_s,
        "train_s": wall,
        "peak_tree_rss_mib": peak_sum / MIB,
        "peak_process_rss_mib": peak_one / MIB,
        "peak_driver_rss_anon_mib": peak_anon / MIB,
        "peak_driver_rss_file_mib": peak_file / MIB,
        "processes": most,
        "version_mib": size / MIB,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (args.work / "train.json").write_text(json.dumps(result, indent=2))
    return result


def _status(pid: int) -> dict[str, int]:
    """Memory fields of /proc/<pid>/status, in bytes ({} once the process is gone)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[name] = int(value.split()[0]) * 1024
    return out


def _rss_anon(pid: int) -> float:
    """Private memory (RssAnon) of a process and its children, MiB."""
    return sum(_status(p.pid).get("RssAnon", 0) for p in _tree(pid)) / MIB


def _get(base: str, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except OSError:
        return 0, {}


def _scenarios(base: str, host: str) -> dict[str, list[bytes]]:
    series = _get(base, "/v1/series")[1]["series"]
    rng = random.Random(0)
    first = dt.date.fromisoformat(series[0]["history_end"]) + dt.timedelta(days=1)
    last = dt.date.fromisoformat(series[0]["horizon_end"]) - dt.timedelta(days=91)
    region = sorted({s["groups"]["region"] for s in series if s["groups"].get("region")})[0]
    members = sum(1 for s in series if s["groups"].get("region") == region)
    subjects = [  # name, subject, members (the target scales with them)
        ("series (1)", lambda: {"series_id": rng.choice(series)["series_id"]}, 1),
        (f"region ({members})", lambda: {"group": {"region": region}}, members),
        (f"total ({len(series)})", lambda: {"group": {}}, len(series)),
    ]
    out = {}
    for name, subject, count in subjects:
        bodies = []
        for _ in range(200):  # quarter-length periods inside the horizon, some straddling history
            start = first + dt.timedelta(days=rng.randint(-30, (last - first).days))
            end = start + dt.timedelta(days=90)
            body = {**subject(), "start": str(start), "end": str(end), "target": 1_500_000 * count}
            bodies.append(_http("POST", host, "/v1/feasibility", body))
        out[name] = bodies
    return out


def _copy_version(registry: Registry) -> str:
    """A new version with the champion's bytes in fresh files, as a retrain would write."""
    source = registry.version_dir("forecast", registry.champion("forecast"))
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}Z-scale{random.randrange(16**3):03x}"
    staging = source.parent / f".staging-{version}"
    shutil.copytree(source, staging)
    manifest = json.loads((staging / MANIFEST).read_text())
    manifest.update(version=version, created_at=dt.datetime.now(dt.UTC).isoformat())
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
    os.rename(staging, source.parent / version)
    return version


def _light_load(host: str, port: int, requests: list[bytes], clients: int, stop: threading.Event, out: dict) -> None:
    async def client(cycle: itertools.cycle) -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                out["failed"] += 1
                await asyncio.sleep(0.05)
                continue
            try:
                while not stop.is_set():
                    writer.write(next(cycle))
                    status = await asyncio.wait_for(reader.readline(), 10)
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.partition(b":")
                        if name.lower() == b"content-length":
                            length = int(value)
                    await reader.readexactly(length)
                    out["answered"] += 1
                    if b" 200 " not in status:
                        out["non_200"] += 1
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                out["failed"] += 1
            finally:
                writer.close()

    async def main() -> None:
        await asyncio.gather(*(client(itertools.cycle(random.sample(requests, len(requests)))) for _ in range(clients)))

    asyncio.run(main())


def _recorded(root: Path) -> str:
    """How many of the champion's files the registry's verification record vouches for."""
    registry = Registry(root)
    version = registry.champion("forecast")
    listed = registry.manifest("forecast", version)["files"]
    record = root / "forecast" / ".verified" / f"{version}.json"
    entries = json.loads(record.read_text()) if record.is_file() else {}
    return f"{sum(rel in entries for rel in listed)} of {len(listed)} files"


def _serve(args: argparse.Namespace, registry: Path) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "SENTINEL_RELOAD_INTERVAL_SECONDS": "1",
        "SENTINEL_DATABASE_URL": f"sqlite:///{(args.work / 'sentinel.db').resolve()}",
    }
    base, host = f"http://127.0.0.1:{port}", "127.0.0.1"
    out: dict = {"recorded_at_start": _recorded(registry), "cold": False}
    if args.cold:  # the version read from the disk, as on a node that never held it
        out["cold"] = subprocess.run("sync && echo 3 > /proc/sys/vm/drop_caches", shell=True).returncode == 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        [SENTINEL, "serve", "--registry", str(registry), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(args.work / "serve.log").open("w"),
    )
    try:
        peak_start = 0.0
        while (status := _get(base, "/readyz"))[0] != 200:
            if proc.poll() is not None:
                sys.exit(f"server exited before it was ready; see {args.work / 'serve.log'}")
            if time.perf_counter() - started > 600:
                sys.exit("/readyz never answered 200 in 10 min")
            peak_start = max(peak_start, _rss_anon(proc.pid))
            time.sleep(0.05)
        out["ready_s"] = time.perf_counter() - started
        old_version = status[1]["forecast_version"]
        time.sleep(3)
        out["rss_anon_ready_mib"] = _rss_anon(proc.pid)
        out["rss_anon_start_peak_mib"] = max(peak_start, out["rss_anon_ready_mib"])
        scenarios = _scenarios(base, host)
        for requests in scenarios.values():  # warm caches and connections
            asyncio.run(_run(host, port, requests, 4, 1.0))
        rounds: dict[str, list[dict]] = {name: [] for name in scenarios}
        for _ in range(args.rounds):
            for name, requests in scenarios.items():
                rounds[name].append(asyncio.run(_run(host, port, requests, args.clients, args.seconds)))
        out["latency"] = {
            name: {
                **{key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")},
                "errors": sum(r["errors"] for r in runs),
            }
            for name, runs in rounds.items()
        }
        time.sleep(2)
        out["rss_anon_after_load_mib"] = _rss_anon(proc.pid)

        copy_started = time.perf_counter()
        new_version = _copy_version(Registry(registry))
        out["copy_s"] = time.perf_counter() - copy_started
        counts = {"answered": 0, "non_200": 0, "failed": 0}
        stop = threading.Event()
        mixed = [r for requests in scenarios.values() for r in requests]
        load = threading.Thread(target=_light_load, args=(host, port, mixed, 2, stop, counts))
        load.start()
        time.sleep(3)
        before = _rss_anon(proc.pid)
        samples = [before]
        promote = subprocess.Popen(
            [SENTINEL, "registry", "promote", new_version, "--registry", str(registry)],
            stdout=subprocess.DEVNULL,
        )
        reload_started = time.perf_counter()
        live_at = None
        for tick in itertools.count():
            samples.append(_rss_anon(proc.pid))
            if live_at is None and tick % 4 == 0 and _get(base, "/readyz")[1].get("forecast_version") == new_version:
                live_at = time.perf_counter()
            if time.perf_counter() - reload_started > 600:
                break
            if live_at is not None and time.perf_counter() - live_at > 5:
                break
            time.sleep(0.05)
        stop.set()
        load.join()
        if promote.wait() != 0:
            sys.exit("sentinel registry promote failed")
        time.sleep(2)
        out["reload"] = {
            "from": old_version,
            "to": new_version,
            "live_s": (live_at - reload_started) if live_at else None,
            "rss_anon_before_mib": before,
            "rss_anon_peak_mib": max(samples),
            "rss_anon_after_mib": _rss_anon(proc.pid),
            **counts,
        }
        out["server_alive"] = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores-per-region", type=int, default=750, help="4 regions x this many series")
    parser.add_argument("--samples", type=int, help="sample paths per series (default: training's, 1,000)")
    parser.add_argument("--jobs", type=int, help="training processes (default: all cores)")
    parser.add_argument("--work", type=Path, default=Path("var/bench-scale"), help="where data and registry go")
    parser.add_argument("--registry", type=Path, help="serve this trained registry instead of training one")
    parser.add_argument("--train-only", action="store_true", help="train, print its figures and stop")
    parser.add_argument("--seconds", type=float, default=8.0, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before the server starts (root)")
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    if args.registry:
        registry = args.registry
        kept = registry.parent / "train.json"
        train = json.loads(kept.read_text()) if kept.is_file() else None
    else:
        registry = args.work / "registry"
        if registry.exists():
            shutil.rmtree(registry)
        train = _train(args, registry)
    figures: dict = {"train": train}
    if train:
        print(
            f"training: {train['series']:,} daily series x {train['samples']:,} paths, --jobs {train['jobs']}"
            f" ({train['measured_at']})\n"
            f"  sample data {train['sample_s']:.1f} s; train forecast {train['train_s']:.0f} s"
            f" ({train['train_s'] / 60:.1f} min); version {train['version_mib']:,.0f} MiB on disk\n"
            f"  peak RSS: process tree (sum) {train['peak_tree_rss_mib']:,.0f} MiB,"
            f" largest process {train['peak_process_rss_mib']:,.0f} MiB ({train['processes']} processes)"
            + (
                f"\n  driver's peak RssAnon (private) {train['peak_driver_rss_anon_mib']:,.0f} MiB,"
                f" peak RssFile (mapped paths files) {train['peak_driver_rss_file_mib']:,.0f} MiB"
                if "peak_driver_rss_anon_mib" in train
                else ""
            ),
            flush=True,
        )
    if args.train_only:
        return
    serve = _serve(args, registry)
    figures["serve"] = serve
    print(
        f"serving ({'page cache dropped first' if serve['cold'] else 'page cache as found'};"
        f" verification record held {serve['recorded_at_start']} at start)\n"
        f"  ready {serve['ready_s']:.1f} s after start; RssAnon {serve['rss_anon_ready_mib']:,.0f} MiB"
        f" 3 s after ready (peak while starting {serve['rss_anon_start_peak_mib']:,.0f}),"
        f" {serve['rss_anon_after_load_mib']:,.0f} MiB after the latency runs"
    )
    print(f"feasibility, quarter periods, {args.clients} clients, median of {args.rounds} rounds of {args.seconds:g} s")
    print(f"  {'subject (members)':<20}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in serve["latency"].items():
        print(f"  {name:<20}{r['rps']:>8.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors']:>8}")
    r = serve["reload"]
    live = f"{r['live_s']:.1f} s" if r["live_s"] is not None else "never"
    print(
        f"hot reload ({r['to']}, a copy made in {serve['copy_s']:.1f} s, promoted under 2 clients of load):"
        f" live after {live}\n"
        f"  RssAnon before {r['rss_anon_before_mib']:,.0f} MiB, peak {r['rss_anon_peak_mib']:,.0f} MiB,"
        f" after {r['rss_anon_after_mib']:,.0f} MiB\n"
        f"  requests answered {r['answered']:,}, not 200: {r['non_200']}, failed connections: {r['failed']};"
        f" server alive: {serve['server_alive']}"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
