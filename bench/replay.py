"""Replay bench for forecast accountability (issue 16): train on the sample without its last days,
post those days as actuals day by day through the HTTP API, and show that the live
``GET /v1/monitoring`` figures equal an offline computation from the same model and actuals; then
replay the same days with one region's sales 30% lower and count the periods before its
``forecast_coverage`` / ``forecast_bias`` KRI fires.

    python bench/replay.py                         # 24 stores, 60 days held out (about 2 minutes on 2 cores)
    python bench/replay.py --stores-per-region 1   # 4 stores, quicker

The service runs with the built-in KRI set (``service/kri/default.yaml``), so the lead time is the
one a deployment with the defaults would see.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
from serve import _wait_ready

from models.forecast.artifact import load_forecast
from models.forecast.scores import brier, ece, seasonal_naive_scale
from models.registry import Registry

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
KEY = {"X-API-Key": "replay-write"}
ACCOUNTABILITY_KRIS = ("forecast_coverage", "forecast_bias")


def _http(method: str, url: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **KEY}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            raw = r.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {url} answered {e.code}: {e.read().decode()}")


def _run(*args: str) -> None:
    done = subprocess.run([SENTINEL, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"sentinel {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


class Server:
    """`sentinel serve` on the bench's registry with a database of its own."""

    def __init__(self, root: Path, registry: Path, name: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.db = root / f"{name}.db"
        env = {
            "SENTINEL_DATABASE_URL": f"sqlite:///{self.db}",
            "SENTINEL_API_KEYS": "replay-write:write",
            "SENTINEL_KRI_EVAL_INTERVAL_SECONDS": "1",
            "SENTINEL_RELOAD_INTERVAL_SECONDS": "0",
        }
        import os

        self.log = (root / f"{name}.log").open("w")
        self.proc = subprocess.Popen(
            [SENTINEL, "serve", "--registry", str(registry), "--port", str(port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=root,
        )
        _wait_ready(self.url, self.proc)

    def evaluated_after(self, moment: str) -> dict[str, dict]:
        """The accountability KRIs once an evaluation after ``moment`` (UTC ISO) has run."""
        for _ in range(600):
            kris = {k["name"]: k for k in _http("GET", f"{self.url}/v1/kri")["kris"]}  # type: ignore[index]
            chosen = {name: kris[name] for name in ACCOUNTABILITY_KRIS}
            after = dt.datetime.fromisoformat(moment)
            if all(k["no_data_reason"] or (k["values"] and min(_at(v["ts"]) for v in k["values"]) > after)
                   for k in chosen.values()):  # fmt: skip
                return chosen
            time.sleep(0.05)
        sys.exit("no KRI evaluation after the post within 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _post_day(server: Server, day: pd.DataFrame, factor: dict[str, float]) -> str:
    rows = [{"series_id": r.series_id, "ds": r.ds, "y": round(float(r.y) * factor.get(r.region, 1.0), 2)}
            for r in day.itertuples()]  # fmt: skip
    moment = dt.datetime.now(dt.UTC).isoformat()
    _http("POST", f"{server.url}/v1/actuals", {"actuals": rows})
    return moment


def _offline(model, held_out: pd.DataFrame, train: pd.DataFrame) -> dict:  # noqa: ANN001
    """The monitoring figures computed here, from the model's arrays and the actuals posted."""
    inside = {level: [] for level in (50, 80, 95)}
    pits, scaled, ys, yhats = [], [], [], []
    for sid, rows in held_out.groupby("series_id"):
        scale = seasonal_naive_scale(train[train["series_id"] == sid]["y"].to_numpy(), model.freq.season_length)
        bands = {level: model.forecast(sid, None, level) for level in inside}  # what GET /v1/forecast answers
        for r in rows.itertuples():
            step = model.forecast_step(sid, dt.date.fromisoformat(r.ds))
            yhat, samples = model.step_forecast(sid, step)
            for level, b in bands.items():
                inside[level].append(b["lower"][step] <= r.y <= b["upper"][step])
            pits.append(float(np.mean(samples < r.y) + 0.5 * np.mean(samples == r.y)))
            scaled.append(abs(yhat - r.y) / scale)
            ys.append(r.y)
            yhats.append(yhat)
    bins = np.bincount(np.minimum((np.array(pits) * 10).astype(int), 9), minlength=10) / len(pits)
    return {
        "periods_scored": len(ys),
        "coverage": {str(level): float(np.mean(flags)) for level, flags in inside.items()},
        "pit_histogram": bins.tolist(),
        "bias": (sum(yhats) - sum(ys)) / sum(abs(y) for y in ys),
        "mase": float(np.mean(scaled)),
    }


def _offline_targets(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        hit = dict(conn.execute("SELECT target_name, hit FROM target_outcomes").fetchall())
        given = conn.execute("SELECT target_name, probability FROM target_forecasts").fetchall()
    p = np.array([prob for name, prob in given if name in hit])
    o = np.array([float(hit[name]) for name, _ in given if name in hit])
    return {"resolved": len(hit), "forecasts": int(p.size), "brier": brier(p, o), "ece": ece(p, o)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores-per-region", type=int, default=6)
    parser.add_argument("--hold-out", type=int, default=60, help="days held back from training and replayed")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--region", default="North", help="the region whose sales drop")
    parser.add_argument("--drop", type=float, default=0.3)
    parser.add_argument("--drop-from", type=int, default=31, help="the replayed day (1-based) the drop starts")
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one)")
    args = parser.parse_args()

    root = args.work or Path(tempfile.mkdtemp(prefix="sentinel-replay-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _run("sample", "--out", str(root / "data"), "--stores-per-region", str(args.stores_per_region),
         "--customers", "500")  # fmt: skip
    sales = pd.read_csv(root / "data" / "sales.csv")
    days = sorted(sales["ds"].unique())
    cut = days[-args.hold_out]
    train, held_out = sales[sales["ds"] < cut], sales[sales["ds"] >= cut]
    train.to_csv(root / "train.csv", index=False)
    registry = root / "registry"
    _run("train", "forecast", "--data", str(root / "train.csv"), "--group-cols", "region,store_format",
         "--country-holidays", "US", "--samples", str(args.samples), "--registry", str(registry))  # fmt: skip
    reg = Registry(registry)
    model = load_forecast(*reg.open_version("forecast", reg.champion("forecast")))
    print(f"replay: {held_out['series_id'].nunique()} stores, trained to {days[-args.hold_out - 1]}, "
          f"{args.hold_out} days replayed ({held_out['ds'].min()}..{held_out['ds'].max()}), model {model.version}, "
          f"{model.n_samples} paths; set-up {time.perf_counter() - started:.0f} s")  # fmt: skip

    # 1. The honest replay: live figures against the offline computation.
    server = Server(root, registry, "honest")
    try:
        months = sorted({d[:7] for d in held_out["ds"] if d[:7] > cut[:7]})
        for sid in sorted(held_out["series_id"].unique()):
            for month in months:
                body = {"series_id": sid, "period": month, "target": 1.0}
                expected = _http("POST", f"{server.url}/v1/feasibility", body)["expected"]  # type: ignore[index]
                for k, factor in enumerate((0.9, 0.95, 1.0, 1.05, 1.1)):
                    target = {"name": f"{sid}-{month}-{k}", "series_id": sid, "period": month,
                              "amount": round(expected * factor, 2)}  # fmt: skip
                    _http("POST", f"{server.url}/v1/targets", target)
        false_alarms: set[str] = set()
        extremes: dict[tuple[str, str], tuple[float, float]] = {}
        for _, day in held_out.groupby("ds", sort=True):
            states = server.evaluated_after(_post_day(server, day, {}))
            for name, kri in states.items():
                false_alarms |= {f"{name} {v['labels']}" for v in kri["values"] if v["state"] == "firing"}
                for v in kri["values"]:
                    low, high = extremes.get((name, str(v["labels"])), (v["value"], v["value"]))
                    extremes[(name, str(v["labels"]))] = (min(low, v["value"]), max(high, v["value"]))
        n_targets = len(months) * held_out["series_id"].nunique() * 5
        for _ in range(600):
            live = _http("GET", f"{server.url}/v1/monitoring")
            if live["targets"]["resolved"] == n_targets:  # type: ignore[index]
                break
            time.sleep(0.05)
        offline = _offline(model, held_out, train)
        offline_targets = _offline_targets(server.db)
    finally:
        server.stop()
    f, t = live["forecast"], live["targets"]  # type: ignore[index]
    print(f"\nhonest replay: {f['periods_scored']} actuals scored ({offline['periods_scored']} offline)")
    print(f"{'figure':<22}{'live':>12}{'offline':>12}")
    for level in ("50", "80", "95"):
        print(f"{'coverage ' + level + '%':<22}{f['coverage'][level]:>12.4f}{offline['coverage'][level]:>12.4f}")
    print(f"{'bias':<22}{f['bias']:>12.4f}{offline['bias']:>12.4f}")
    print(f"{'MASE':<22}{f['mase']:>12.4f}{offline['mase']:>12.4f}")
    print(f"{'PIT histogram':<22}  live    {' '.join(f'{x:.3f}' for x in f['pit_histogram'])}")
    print(f"{'':<22}  offline {' '.join(f'{x:.3f}' for x in offline['pit_histogram'])}")
    print(f"{'targets resolved':<22}{t['resolved']:>12}{offline_targets['resolved']:>12}")
    print(f"{'probabilities scored':<22}{t['forecasts']:>12}{offline_targets['forecasts']:>12}")
    print(f"{'target Brier':<22}{t['brier']:>12.4f}{offline_targets['brier']:>12.4f}")
    print(f"{'target ECE':<22}{t['ece']:>12.4f}{offline_targets['ece']:>12.4f}  (hit rate {t['hit_rate']:.2f})")
    same = (
        f["periods_scored"] == offline["periods_scored"]
        and f["coverage"] == offline["coverage"]
        and np.allclose(f["pit_histogram"], offline["pit_histogram"], rtol=0, atol=1e-12)
        and np.isclose(f["bias"], offline["bias"], rtol=1e-9)
        and np.isclose(f["mase"], offline["mase"], rtol=1e-9)
        and t["resolved"] == offline_targets["resolved"]
        and np.isclose(t["brier"], offline_targets["brier"], rtol=1e-12)
        and np.isclose(t["ece"], offline_targets["ece"], rtol=1e-12)
    )
    print(f"live == offline: {'yes' if same else 'NO'} (coverage exactly; the rest to 1e-9)")
    print(f"accountability KRIs firing during the honest replay: {sorted(false_alarms) or 'none'}")
    for name in ACCOUNTABILITY_KRIS:
        ranges = [(labels, lo, hi) for (kri, labels), (lo, hi) in sorted(extremes.items()) if kri == name]
        print(f"  {name} while honest: " + ", ".join(f"{labels} {lo:.2f}..{hi:.2f}" for labels, lo, hi in ranges))

    # 2. The same days with one region 30% lower from day --drop-from: how soon does it fire?
    server = Server(root, registry, "drop")
    fired: dict[str, int] = {}
    others: set[str] = set()
    try:
        for n, (_, day) in enumerate(held_out.groupby("ds", sort=True), start=1):
            factor = {args.region: 1 - args.drop} if n >= args.drop_from else {}
            states = server.evaluated_after(_post_day(server, day, factor))
            for name, kri in states.items():
                for v in kri["values"]:
                    if v["state"] != "firing":
                        continue
                    if v["labels"].get("region") == args.region and n >= args.drop_from:
                        fired.setdefault(name, n - args.drop_from + 1)
                    elif v["labels"].get("region") == args.region:
                        others.add(f"{name} {v['labels']} (before the drop)")
                    else:
                        others.add(f"{name} {v['labels']}")
    finally:
        server.stop()
    print(f"\n{args.drop:.0%} drop for region {args.region} from replayed day {args.drop_from}:")
    for name in ACCOUNTABILITY_KRIS:
        when = fired.get(name)
        print(f"  {name:<18} " + (f"fired on the drop's day {when}" if when else "did not fire"))
    print(f"  other label sets firing meanwhile: {sorted(others) or 'none'}")


if __name__ == "__main__":
    main()
