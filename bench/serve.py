"""Serving benchmark: throughput and p50/p99 latency of /v1/feasibility and /v1/forecast
beside /healthz on the same server in the same run, at 1 and 16 concurrent clients; with a model
trained with drivers (``--regressors``), /v1/feasibility under a promotion scenario too.

    python bench/serve.py                      # starts `sentinel serve` on the registry's champion
    python bench/serve.py --url http://host:port

Scenarios run in interleaved rounds (healthz, feasibility, forecast, repeat) so that machine
noise hits all of them alike; each figure is the median over rounds. The load generator is a
small keep-alive HTTP/1.1 client on asyncio, so it costs the machine as little as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from service.settings import Settings


async def _client(host: str, port: int, requests: itertools.cycle, deadline: float, lat: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            payload = next(requests)
            started = time.perf_counter()
            writer.write(payload)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            lat.append(time.perf_counter() - started)
            if b" 200 " not in status:
                errors.append(status)
    finally:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], clients: int, seconds: float) -> dict[str, float]:
    lat: list[float] = []
    errors: list[bytes] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _client(host, port, itertools.cycle(random.sample(requests, len(requests))), deadline, lat, errors)
            for _ in range(clients)
        )
    )
    elapsed = time.perf_counter() - started
    ms = np.array(lat) * 1000
    return {
        "rps": len(lat) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": len(errors),
    }


def _http(method: str, host: str, path: str, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + data


def _regressor(base: str, series_id: str) -> str | None:
    """The first regressor the served model was trained with (None without drivers)."""
    try:
        with urllib.request.urlopen(f"{base}/v1/plan/{series_id}", timeout=10) as r:
            return next(iter(json.loads(r.read())["points"][0]["values"]), None)
    except (OSError, StopIteration, KeyError, IndexError):
        return None


def _scenarios(base: str, host: str) -> dict[str, list[bytes]]:
    """Requests per scenario; with a model trained with drivers, feasibility under a scenario too.

    The scenario sets the first regressor to 1 over two weeks inside each future period (a
    promotion), so every answer computes its baseline and the shifted paths.
    """
    with urllib.request.urlopen(f"{base}/v1/series", timeout=10) as r:
        series = json.loads(r.read())["series"]
    regressor = _regressor(base, series[0]["series_id"])
    rng = random.Random(0)
    feas, fc, what_if = [], [], []
    for s in series:
        start = np.datetime64(s["history_end"]) + 1
        end = np.datetime64(s["horizon_end"])
        for _ in range(8):  # quarter-length periods inside the horizon, some straddling history
            a = start + rng.randint(-30, int((end - start).astype(int)) - 91)
            body = {"series_id": s["series_id"], "start": str(a), "end": str(a + 90), "target": 1_500_000}
            feas.append(_http("POST", host, "/v1/feasibility", body))
            if regressor:
                window = max(a, start) + rng.randint(0, 60)
                change = {regressor: [{"start": str(window), "end": str(window + 13), "value": 1}]}
                what_if.append(_http("POST", host, "/v1/feasibility", {**body, "scenario": change}))
        fc.append(_http("GET", host, f"/v1/forecast/{s['series_id']}?horizon=28&level=80"))
    out = {"/healthz": [_http("GET", host, "/healthz")], "/v1/feasibility": feas, "/v1/forecast": fc}
    if what_if:
        out["feasibility+scen."] = what_if
    return out


def _wait_ready(base: str, proc: subprocess.Popen | None, attempts: int = 300) -> None:
    """Poll GET /readyz every 0.2 s until it answers 200; exit naming why it never did."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            sys.exit("server exited before it was ready; is a forecast model trained? (make run trains one)")
        time.sleep(0.2)
    sys.exit(f"{base}/readyz never answered 200")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--registry", default=str(Settings().registry), help="env SENTINEL_REGISTRY")
    parser.add_argument("--seconds", type=float, default=4.0, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    proc = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        sentinel = str(Path(sys.executable).with_name("sentinel"))
        proc = subprocess.Popen(
            [sentinel, "serve", "--registry", args.registry, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        scenarios = _scenarios(base, host)
        for requests in scenarios.values():  # warm caches and connections
            asyncio.run(_run(host, port, requests, 4, 1.0))
        results = []
        for clients in [int(c) for c in args.clients.split(",")]:
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
            for _ in range(args.rounds):
                for name, requests in scenarios.items():
                    rounds[name].append(asyncio.run(_run(host, port, requests, clients, args.seconds)))
            health_rps = statistics.median(r["rps"] for r in rounds["/healthz"])
            for name, runs in rounds.items():
                row = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}
                row.update(
                    endpoint=name, clients=clients, errors=sum(r["errors"] for r in runs), ratio=row["rps"] / health_rps
                )
                results.append(row)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)

    print(f"{'endpoint':<18}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs /healthz':>13}{'errors':>8}")
    for r in results:
        print(
            f"{r['endpoint']:<18}{r['clients']:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['ratio']:>12.0%} {r['errors']:>7}"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
