"""Web app benchmark: the series page's load-to-chart time and the bytes it transfers.

    python bench/web.py                        # `sentinel serve` on var/registry (what `make run` trains)
    python bench/web.py --train-sample         # trains a small sample model into a temp dir first
    python bench/web.py --registry DIR --runs 20

The page is ``/app/series/<series>?period=<P>&target=<T>``: P is the first fiscal quarter wholly
inside the horizon (else the first month), T a round amount near the expected total, so the page
draws the fan chart, asks for the probability and draws the target curve, as a deep link does.

Load-to-chart is the time from navigation start (``performance.timeOrigin``) until the fan chart's
Plotly svg exists *and* the probability is shown, recorded in the page by a MutationObserver that
an init script installs before any page script runs. *Cold* loads use a fresh browser context
(empty cache); *warm* loads reload in the same context (Plotly's bundle is cached for a day).
Bytes are the encoded response bodies of a cold load (what crossed the wire), with and without
the Plotly bundle, beside their decoded size; compression is reported as seen in the
``Content-Encoding`` headers. The browser is Debian's ``chromium`` driven by Playwright, as in
the tests (tests/e2e/test_web.py). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from serve import _wait_ready

from service.settings import Settings

SENTINEL = str(Path(sys.executable).with_name("sentinel"))
# As in tests/e2e/conftest.py: headless Chromium must not reach for the network or a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLOTLY = "/app/vendor/plotly.min.js"
# Records performance.now() (ms since navigation start) once the fan chart and the probability are both there.
READY_PROBE = """
(() => {
  const ready = () => document.querySelector("[data-testid=fan-chart] .main-svg")
    && (document.querySelector("[data-testid=probability]")?.dataset.value || "") !== "";
  const observer = new MutationObserver(() => {
    if (window.__chartReadyMs !== undefined || !ready()) return;
    window.__chartReadyMs = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
})();
"""


def _get(base: str, path: str) -> dict:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as r:
        return json.loads(r.read())


def _post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train_sample(root: Path) -> Path:
    """A small sample model (4 stores, 120 days ahead, 300 paths) trained by the CLI, as the tests' is."""
    data, registry = root / "data", root / "registry"
    steps = [
        ["sample", "--out", str(data), "--stores-per-region", "1"],
        ["train", "forecast", "--data", str(data / "sales.csv"), "--country-holidays", "US",
         "--group-cols", "region,store_format", "--horizon", "120", "--samples", "300", "--folds", "2",
         "--registry", str(registry)],
    ]  # fmt: skip
    for args in steps:
        print(f"$ sentinel {' '.join(args)}", file=sys.stderr)
        done = subprocess.run([SENTINEL, *args], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"sentinel {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return registry


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _first_period(history_end: dt.date, horizon_end: dt.date) -> str:
    """The first quarter after the history that lies wholly inside the horizon, else the first month."""
    first = _month_after(history_end)
    quarter = first
    while (quarter.month - 1) % 3:
        quarter = _month_after(quarter)
    if _month_after(_month_after(_month_after(quarter))) - dt.timedelta(1) <= horizon_end:
        return f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}"
    if _month_after(first) - dt.timedelta(1) <= horizon_end:
        return f"{first:%Y-%m}"
    sys.exit(f"the horizon ({history_end}..{horizon_end}) holds no full month")


def _page_url(base: str, series_id: str) -> tuple[str, dict]:
    """The deep link the bench loads, and the API's answer to the same request."""
    infos = {s["series_id"]: s for s in _get(base, "/v1/series")["series"]}
    if series_id not in infos:
        sys.exit(f"series {series_id!r} is not in the served model (it has {', '.join(sorted(infos)[:5])}, ...)")
    info = infos[series_id]
    period = _first_period(dt.date.fromisoformat(info["history_end"]), dt.date.fromisoformat(info["horizon_end"]))
    expected = _post(base, "/v1/feasibility", {"series_id": series_id, "period": period, "target": 1.0})["expected"]
    target = round(expected * 1.02, -3)
    answer = _post(base, "/v1/feasibility", {"series_id": series_id, "period": period, "target": target})
    return f"{base}/app/series/{series_id}?period={period}&target={target:.0f}", answer


# Milestones of the same load (ms since navigation start), to tell where the time goes.
MILESTONES = """
(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fan = performance.getEntriesByType("resource").find((r) => r.name.endsWith("/v1/fan"));
  return { scripts: nav.domContentLoadedEventEnd, fan: fan ? fan.responseEnd : null, chart: window.__chartReadyMs };
})()
"""


def _load(context, url: str, reload: bool = False) -> tuple[dict[str, float], list[dict]]:
    """(milestones in ms: ``scripts`` = DOMContentLoaded, i.e. Plotly and the page's scripts have run,
    ``fan`` = the fan data has arrived, ``chart`` = load-to-chart; one row per response: url,
    encoded and decoded body bytes, content-encoding)."""
    page = context.pages[0] if reload and context.pages else context.new_page()
    responses: list = []
    page.on("requestfinished", lambda request: responses.append(request))
    if reload:
        page.reload()
    else:
        page.goto(url)
    page.wait_for_function("window.__chartReadyMs !== undefined", timeout=60_000)
    milestones = page.evaluate(MILESTONES)
    page.wait_for_load_state("networkidle")  # the target curve's request too, for the byte count
    rows = []
    for request in responses:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        try:
            decoded = len(response.body())
        except Exception:  # noqa: BLE001 - a redirect or a cached response has no body to read
            decoded = 0
        rows.append(
            {
                "url": request.url,
                "status": response.status,
                "encoded": sizes["responseBodySize"],
                "decoded": decoded,
                "encoding": response.headers.get("content-encoding"),
            }
        )
    return milestones, rows


def _summary(ms: list[float]) -> str:
    return f"median {statistics.median(ms):6.0f} ms   p90 {float(np.percentile(ms, 90)):6.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", default=str(Settings().registry), help="env SENTINEL_REGISTRY")
    parser.add_argument("--train-sample", action="store_true", help="train a small sample model into a temp dir")
    parser.add_argument("--series", default="store-01")
    parser.add_argument("--runs", type=int, default=10, help="cold and warm loads each")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright not installed: pip install -e '.[dev]' (make test does)")
    if not Path(args.chromium).exists():
        sys.exit(f"{args.chromium} not found: install the Debian package 'chromium' (make test-deps does, as root)")

    with tempfile.TemporaryDirectory(prefix="sentinel-bench-web-") as tmp:
        registry = _train_sample(Path(tmp)) if args.train_sample else Path(args.registry)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "SENTINEL_DATABASE_URL": f"sqlite:///{Path(tmp) / 'sentinel.db'}",  # never the user's var/sentinel.db
            "SENTINEL_RELOAD_INTERVAL_SECONDS": "0",
            "SENTINEL_FISCAL_YEAR_START_MONTH": "1",  # so "YYYY-Qn" is the calendar quarter the bench picked
        }
        proc = subprocess.Popen(
            [SENTINEL, "serve", "--registry", str(registry), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            _wait_ready(base, proc, attempts=450)
            url, answer = _page_url(base, args.series)
            series_count = len(_get(base, "/v1/series")["series"])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
                try:
                    warmup = browser.new_context(viewport={"width": 1280, "height": 900})
                    warmup.add_init_script(READY_PROBE)
                    _load(warmup, url)  # the server's first requests (imports, caches) are not the page's
                    warmup.close()
                    cold, warm, cold_rows = [], [], []
                    for _ in range(args.runs):
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        context.add_init_script(READY_PROBE)
                        milestones, rows = _load(context, url)
                        cold.append(milestones)
                        cold_rows = rows
                        milestones, _ = _load(context, url, reload=True)
                        warm.append(milestones)
                        context.close()
                    version = browser.version
                finally:
                    browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    total = sum(r["encoded"] for r in cold_rows)
    decoded = sum(r["decoded"] for r in cold_rows)
    plotly = [r for r in cold_rows if r["url"].split("?")[0].endswith(PLOTLY)]
    plotly_bytes = sum(r["encoded"] for r in plotly)
    encodings = sorted({r["encoding"] for r in cold_rows if r["encoding"]})
    packed = [r["url"].rsplit("/", 1)[-1] for r in cold_rows if r["encoding"]]
    plain = [r for r in cold_rows if not r["encoding"]]
    compressed = (f"{', '.join(encodings)} on {', '.join(packed)}; " if packed else "") + (
        f"none on the other {len(plain)} ({sum(r['encoded'] for r in plain):,} bytes)" if plain else "every response"
    )
    path = url.split(str(port), 1)[1]
    print(f"web app: {path}")
    print(f"  machine    {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Chromium {version} headless")
    source = "a small trained sample (--train-sample)" if args.train_sample else registry
    print(f"  model      {answer['model_version']} ({series_count} series) from {source}")
    print(f"  answer     probability {answer['probability']} (expected {answer['expected']:,.0f})")
    print("load to chart (navigation start -> fan chart svg and probability shown)")
    for name, loads, how in (("cold", cold, "fresh context, empty cache"), ("warm", warm, "reload, Plotly cached")):
        print(f"  {name}       {_summary([m['chart'] for m in loads])}   {how}, n={len(loads)}")
        print(f"    scripts run (DOMContentLoaded)  {_summary([m['scripts'] for m in loads])}")
        print(f"    fan data received              {_summary([m['fan'] for m in loads if m['fan'] is not None])}")
    print(f"bytes of a cold load ({len(cold_rows)} responses)")
    print(f"  all        {total:>12,} transferred   {decoded:>12,} decoded")
    print(f"  Plotly     {plotly_bytes:>12,} transferred   ({PLOTLY})")
    print(f"  the rest   {total - plotly_bytes:>12,} transferred   (page, app css/js, API answers)")
    print(f"  compression  {compressed}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        figures = {
            "page": path,
            "cold": cold,  # per load, ms since navigation start: scripts run, fan data received, chart shown
            "warm": warm,
            "bytes": {"total": total, "decoded": decoded, "plotly": plotly_bytes, "rest": total - plotly_bytes},
            "content_encoding": encodings,
            "responses": cold_rows,
        }
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
