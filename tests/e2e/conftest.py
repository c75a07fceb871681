"""Real processes on loopback: Alertmanager, PostgreSQL, webhook receivers, `sentinel serve`, Chromium.

Every fixture picks free ports, works in a tmp dir and stops what it started. When a binary is
missing the test skips naming the Debian package (`make test` installs them as root); under
CI=true it fails instead, so CI never passes by skipping.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NoReturn

import pytest

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def missing(message: str) -> NoReturn:
    """Skip the test for what is missing, or fail it under CI=true: CI never passes by skipping."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + " -- CI must run this test for real")
    pytest.skip(message)


def need(binary: str, package: str) -> str:
    """The path of ``binary``, or skip (fail under CI=true) naming the package that provides it."""
    path = shutil.which(binary) or next(iter(sorted(glob.glob(binary))), None)
    if path:
        return path
    missing(f"{Path(binary).name} not found: install the Debian package '{package}' (make test does, as root)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: object | None = None, headers: dict | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except OSError as exc:
            last_error = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error})")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def alertmanager(tmp_path):
    """A private Alertmanager (no clustering) on a free loopback port; yields its base URL."""
    binary = need("prometheus-alertmanager", "prometheus-alertmanager")
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text('route: {receiver: "null", group_wait: 1s}\nreceivers: [{name: "null"}]\n')
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(f"{url}/-/ready", timeout=2).status == 200, what="Alertmanager")
        yield url
    finally:
        stop(process)
        log.close()


class WebhookReceiver:
    """A webhook endpoint that can be started late (on a port chosen up front) and keeps what it got."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[tuple[dict, dict]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), json.loads(body) | {"_raw": body.decode()}))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


class Sentinel:
    """`sentinel serve` as a real process (no forecast model needed for KRIs)."""

    def __init__(self, tmp_path: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.args = args  # extra `sentinel serve` options, e.g. ("--workers", "2")
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Sentinel:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = (self.tmp_path / f"sentinel-{port}.log").open("w")
        self.process = subprocess.Popen(
            [SENTINEL, "serve", "--registry", str(self.tmp_path / "registry"), "--port", str(port), *self.args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=self.tmp_path,
            env={**os.environ, **self.env, "SENTINEL_PUBLIC_URL": self.url},
        )
        try:
            # Start-up imports scikit-learn, pandas and alembic: give a loaded machine time.
            wait_until(lambda: http("GET", f"{self.url}/healthz")[0] == 200, timeout=90, what="sentinel serve")
        except BaseException:
            self.stop()  # never leave a half-started server behind a failed test
            raise
        return self

    def push(self, value: float, ts: str, kri: str = "returns_rate") -> tuple[int, object]:
        body = {"observations": [{"kri": kri, "value": value, "ts": ts, "labels": {}}]}
        return http("POST", f"{self.url}/v1/kri/observations", body, {"X-API-Key": "e2e-write"})

    def alerts(self) -> list[dict]:
        return http("GET", f"{self.url}/v1/alerts")[1]  # type: ignore[return-value]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process:
            stop(self.process, sig)
            self.log.close()
            self.process = None


@pytest.fixture
def sentinel(tmp_path):
    """Start `sentinel serve` processes with extra options and environment; all are stopped afterwards."""
    started: list[Sentinel] = []

    def start(*args: str, **env: str) -> Sentinel:
        base = {
            "SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'sentinel.db'}",
            "SENTINEL_API_KEYS": "e2e-write:write",
            "SENTINEL_KRI_EVAL_INTERVAL_SECONDS": "0.5",
            "SENTINEL_DELIVERY_INTERVAL_SECONDS": "0.2",
            "SENTINEL_DELIVERY_BACKOFF_BASE_SECONDS": "0.2",
            "SENTINEL_DELIVERY_BACKOFF_CAP_SECONDS": "1",
            "SENTINEL_RELOAD_INTERVAL_SECONDS": "0",
        }
        server = Sentinel(tmp_path, {**base, **env}, args).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class Postgres:
    """A throwaway PostgreSQL cluster on loopback, run as the `postgres` user (it refuses root)."""

    def __init__(self, root: Path) -> None:
        self.bin = Path(need("/usr/lib/postgresql/*/bin/initdb", "postgresql")).parent
        self.root = root
        self.port = free_port()
        self.data = root / "data"
        self._demote = None
        if os.getuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
            os.chown(root, user.pw_uid, user.pw_gid)

            def demote() -> None:
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)

            self._demote = demote

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, preexec_fn=self._demote, cwd=self.root, timeout=120)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def postgres():
    # Not under pytest's tmp dir: that one is private to root, and postgres runs as another user.
    root = Path(tempfile.mkdtemp(prefix="sentinel-pg-"))
    try:
        server = Postgres(root)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- the web app in a real browser ------------------------------------------------------------------

# Headless Chromium here must not reach for the network (updates, sync, field trials) nor a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEB_WRITE_KEY = "e2e-write"


@pytest.fixture(scope="module")
def chromium():
    """Debian's ``chromium``, headless, driven by Playwright for Python (never a downloaded browser).

    Module-scoped: Playwright's sync API keeps an event loop of its own, so it lives only as long
    as the browser tests do.
    """
    binary = need("chromium", "chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright not installed: pip install -e '.[dev]' (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def web_service(trained_registry, tmp_path_factory):
    """`sentinel serve` on a copy of the session's small forecast registry plus a churn model
    trained by `sentinel train churn` on the sample customers; writes need ``WEB_WRITE_KEY``."""
    root = tmp_path_factory.mktemp("web")
    shutil.copytree(trained_registry.root, root / "registry")
    data = root / "data"

    def run(*args: str) -> None:
        done = subprocess.run([SENTINEL, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"sentinel {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"

    run("sample", "--out", str(data), "--stores-per-region", "1", "--customers", "2000")
    run("train", "churn", "--data", str(data / "customers.csv"), "--value-col", "monthly_value",
        "--segment-col", "region", "--time-budget", "1", "--registry", str(root / "registry"))  # fmt: skip
    env = {
        "SENTINEL_DATABASE_URL": f"sqlite:///{root / 'sentinel.db'}",
        "SENTINEL_API_KEYS": f"{WEB_WRITE_KEY}:write",
        "SENTINEL_RELOAD_INTERVAL_SECONDS": "0",
        "SENTINEL_KRI_EVAL_INTERVAL_SECONDS": "0.5",
    }
    server = Sentinel(root, env).start()
    try:
        wait_until(lambda: http("GET", f"{server.url}/readyz")[0] == 200, timeout=60, what="a ready model")
        # One firing alert, so the overview and the KRI page have one to show.
        assert server.push(0.2, dt.datetime.now(dt.UTC).isoformat())[0] == 200
        wait_until(server.alerts, timeout=15, what="the returns_rate alert")
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
