"""The planner's web app in a real browser: headless Debian Chromium driven by Playwright.

Each page is loaded from a real `sentinel serve` on the session's small sample model (four stores,
one per region, and a churn model), and what it shows is checked against the JSON API answering
the same question: the probability on the page is the API's, to 0.001. No page may log a console
error or throw. A full-page screenshot of every page goes to ``$SENTINEL_TEST_ARTIFACTS`` (default
``var/test-artifacts/screenshots``), and the series page at laptop size to ``docs/web-series.png``
for the README.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import WEB_WRITE_KEY, wait_until

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips naming what to install (fails under CI=true)
    expect = None

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SENTINEL_TEST_ARTIFACTS") or ROOT / "var" / "test-artifacts" / "screenshots")
README_SCREENSHOT = ROOT / "docs" / "web-series.png"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
# Chromium logs every 4xx/5xx response as a console error; a test that provokes one on purpose allows it.
FAILED_RESOURCE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
FAN_SVG = "[data-testid=fan-chart] .main-svg"
CURVE_SVG = "[data-testid=target-curve] .main-svg"
PROBABILITY = "[data-testid=probability]"
PROBABILITY_SHOWN = "[data-testid=probability][data-value]:not([data-value=''])"


class Web:
    """Opens pages in fresh browser contexts and keeps every console error and page error."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list = []
        self.problems: list[tuple[str, str]] = []  # (page URL, what went wrong)

    def open(self, path: str, viewport: dict[str, int] = LAPTOP):
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and self.problems.append((page.url, self._text(msg))))
        page.on("pageerror", lambda exc: self.problems.append((page.url, f"uncaught: {exc}")))
        page.goto(path)
        return page

    @staticmethod
    def _text(message) -> str:
        """The message, with the resource it is about (Chromium names a failed one only there)."""
        where = message.location.get("url") or ""
        return f"{message.text} [{where}]" if where else message.text

    def errors(self, allow_status: tuple[int, ...] = ()) -> list[tuple[str, str]]:
        """The console and page errors so far, less failed responses with a status in ``allow_status``."""

        def allowed(text: str) -> bool:
            failed = FAILED_RESOURCE.search(text)
            return failed is not None and int(failed[1]) in allow_status

        return [(url, text) for url, text in self.problems if not allowed(text)]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def web(chromium, web_service, request):
    session = Web(chromium, web_service.url)
    yield session
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the browser showed when the test failed
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        for i, page in enumerate(p for context in session.contexts for p in context.pages):
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}-{i}.png"), full_page=True)
    session.close()


@pytest.fixture(scope="module")
def api(web_service):
    with httpx.Client(base_url=web_service.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def horizon(api) -> dict[str, str]:
    """store-01's history end and horizon end, and the named months that lie wholly inside its horizon."""
    (store,) = [s for s in api.get("/v1/series").json()["series"] if s["series_id"] == "store-01"]
    last = dt.date.fromisoformat(store["history_end"])
    end = dt.date.fromisoformat(store["horizon_end"])
    months = []
    month = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)  # the first month after the history
    while (following := dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)) - dt.timedelta(1) <= end:
        months.append(f"{month:%Y-%m}")
        month = following
    assert len(months) >= 2, f"the test model's horizon ({last}..{end}) should hold two full months"
    return {"history_end": str(last), "horizon_end": str(end), "first": months[0], "second": months[1]}


def feasibility(api, **body) -> dict:
    response = api.post("/v1/feasibility", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def near_expected(api, **subject) -> float:
    """A round target a little above the expected total: a probability well inside (0, 1)."""
    expected = feasibility(api, **subject, target=1.0)["expected"]
    return float(round(expected * 1.02, -3))


def shown_probability(page) -> float:
    page.locator(FAN_SVG).first.wait_for()
    page.locator(PROBABILITY_SHOWN).wait_for()
    return float(page.locator(PROBABILITY).get_attribute("data-value"))


def probability_once(page, value: float) -> float:
    """The probability shown once it is ``value`` (to 0.001), else the one shown when waiting times out."""
    script = "([s, p]) => { const v = document.querySelector(s)?.dataset.value; return v && Math.abs(v - p) < 1e-3; }"
    with contextlib.suppress(Exception):  # Playwright's TimeoutError: the caller's assertion says what is shown
        page.wait_for_function(script, arg=[PROBABILITY, value], timeout=TIMEOUT_MS)
    return float(page.locator(PROBABILITY).get_attribute("data-value") or "nan")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_root_redirects_to_the_overview_with_targets_alerts_and_models(web, api, horizon):
    target = {"name": "web-overview", "series_id": "store-01", "period": horizon["first"], "amount": 400_000.0}
    registered = api.post("/v1/targets", json=target, headers={"X-API-Key": WEB_WRITE_KEY})
    assert registered.status_code in (200, 201), registered.text
    standing = {t["name"]: t for t in api.get("/v1/targets").json()["targets"]}["web-overview"]
    forecast_version = api.get("/v1/series").json()["series"][0]["model_version"]
    churn_version = api.get("/v1/churn/summary").json()["model_version"]

    page = web.open("/")
    assert urlsplit(page.url).path == "/app/"
    targets = page.locator("[data-testid=targets]")
    expect(targets).not_to_contain_text("Loading")
    row = targets.locator("tbody tr", has_text="web-overview")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(standing["verdict"])
    expect(page.locator("[data-testid=alerts]")).to_contain_text("returns_rate")
    models = page.locator("[data-testid=models]")
    expect(models).to_contain_text(forecast_version)
    expect(models).to_contain_text(churn_version)
    screenshot(page, "overview")
    assert web.errors() == []


def test_a_deep_link_shows_the_fan_chart_and_the_apis_probability(web, api, horizon):
    target = near_expected(api, series_id="store-01", period=horizon["first"])
    expected = feasibility(api, series_id="store-01", period=horizon["first"], target=target)

    page = web.open(f"/app/series/store-01?period={horizon['first']}&target={target:.0f}")
    assert shown_probability(page) == pytest.approx(expected["probability"], abs=0.001)
    assert page.locator("#period").input_value() == horizon["first"]
    assert float(page.locator("#target").input_value().replace(",", "")) == target  # shown with separators
    page.locator(CURVE_SVG).first.wait_for()
    screenshot(page, "series")
    if os.environ.get("SENTINEL_REFRESH_DOCS"):  # opt-in: the picture names a model version that changes every run
        page.screenshot(path=str(README_SCREENSHOT), full_page=True)  # the README's picture, at laptop width
    assert web.errors() == []


def test_picking_a_period_and_typing_a_target_answers_and_deep_links(web, api, horizon):
    period = horizon["second"]
    target = near_expected(api, series_id="store-01", period=period)
    expected = feasibility(api, series_id="store-01", period=period, target=target)

    page = web.open("/app/series/store-01")
    page.locator(FAN_SVG).first.wait_for()
    page.select_option("#period", period)
    page.fill("#target", f"{target:,.0f}")  # as a planner types it, with thousands separators
    page.locator("#target-form button[type=submit]").click()
    assert shown_probability(page) == pytest.approx(expected["probability"], abs=0.001)
    query = parse_qs(urlsplit(page.url).query)
    assert query["period"] == [period] and float(query["target"][0]) == target
    page.locator(CURVE_SVG).first.wait_for()
    assert page.locator("[data-testid=target-curve]").is_visible()
    screenshot(page, "series-picked")

    page.reload()  # the deep link alone restores the answer
    assert shown_probability(page) == pytest.approx(expected["probability"], abs=0.001)
    assert web.errors() == []


def test_the_target_form_answers_from_the_keyboard(web, api, horizon):
    period = horizon["first"]
    target = near_expected(api, series_id="store-01", period=period)
    lower = float(round(target * 0.9, -3))
    expected = feasibility(api, series_id="store-01", period=period, target=lower)

    page = web.open(f"/app/series/store-01?period={period}&target={target:.0f}")
    shown_probability(page)
    page.focus("#target")
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{lower:,.0f}")
    page.keyboard.press("Enter")
    assert probability_once(page, expected["probability"]) == pytest.approx(expected["probability"], abs=0.001)
    assert float(parse_qs(urlsplit(page.url).query)["target"][0]) == lower
    assert web.errors() == []


def test_an_unknown_series_shows_the_apis_error_not_a_blank_page(web, api, horizon):
    answer = api.post("/v1/feasibility", json={"series_id": "nope", "period": horizon["first"], "target": 1.0})
    assert answer.status_code == 404
    page = web.open(f"/app/series/nope?period={horizon['first']}&target=1000")
    error = page.locator("[data-testid=error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(answer.json()["detail"])
    screenshot(page, "series-unknown")
    assert web.errors(allow_status=(404,)) == []


def test_a_period_outside_the_horizon_shows_the_apis_out_of_range_detail(web, api, horizon):
    period = str(dt.date.fromisoformat(horizon["horizon_end"]).year + 3)
    answer = api.post("/v1/feasibility", json={"series_id": "store-01", "period": period, "target": 1e6})
    assert answer.status_code == 422 and answer.json()["error"] == "out_of_range"
    page = web.open(f"/app/series/store-01?period={period}&target=1000000")
    error = page.locator("[data-testid=error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(answer.json()["detail"])
    page.locator(FAN_SVG).first.wait_for()  # the series' fan chart still shows: only the answer cannot be given
    screenshot(page, "series-out-of-range")
    assert web.errors(allow_status=(422,)) == []


@pytest.mark.parametrize(
    ("query", "subject", "name"),
    [("region=North", {"group": {"region": "North"}}, "group-north"), ("total=1", {"total": True}, "group-total")],
)
def test_a_group_and_the_total_show_the_apis_joint_probability(web, api, horizon, query, subject, name):
    target = near_expected(api, **subject, period=horizon["first"])
    expected = feasibility(api, **subject, period=horizon["first"], target=target)

    page = web.open(f"/app/group?{query}&period={horizon['first']}&target={target:.0f}")
    assert shown_probability(page) == pytest.approx(expected["probability"], abs=0.001)
    assert expected["series_count"] == (4 if subject.get("total") else 1)
    screenshot(page, name)
    assert web.errors() == []


def test_decompose_splits_a_target_and_registers_the_parts_with_a_key(web, api, horizon):
    period = horizon["first"]
    total = near_expected(api, total=True, period=period)
    body = {"target": total, "period": period, "group": {}, "by": "series", "method": "proportional"}
    split = api.post("/v1/targets/decompose", json=body)
    assert split.status_code == 200, split.text
    expected = split.json()

    page = web.open("/app/decompose")
    expect(page.locator("#scope optgroup").first).to_be_attached()  # the page has read the groups: ready
    page.fill("#target", f"{total:,.0f}")
    page.fill("#period", period)
    page.select_option("#by", "series")
    page.select_option("#method", "proportional")
    page.locator("#decompose-form button[type=submit]").click()
    page.locator(PROBABILITY_SHOWN).wait_for()
    rows = page.locator("[data-testid=parts] tbody tr")
    for part in expected["parts"]:  # a row per part (the table may add a total row)
        row = rows.filter(has=page.get_by_role("rowheader", name=part["name"], exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"{part['target']:,.0f}")
        part_probability = float(row.locator("[data-value]").get_attribute("data-value"))
        assert part_probability == pytest.approx(part["probability"], abs=0.001)
    shown = float(page.locator(PROBABILITY).get_attribute("data-value"))
    assert shown == pytest.approx(expected["total"]["probability"], abs=0.001)
    screenshot(page, "decompose")

    page.fill("#prefix", "web-split")
    page.locator("#register-form button[type=submit]").click()
    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible()  # no key yet: the write asks for one
    page.fill("#key-input", WEB_WRITE_KEY)
    page.locator("#key-form button[type=submit]").click()
    expect(dialog).to_be_hidden()

    def registered() -> set[str]:
        return {t["name"] for t in api.get("/v1/targets").json()["targets"] if t["name"].startswith("web-split")}

    wait_until(lambda: len(registered()) == len(expected["parts"]), timeout=10, what="the parts as targets")
    expect(page.locator("#register-status")).not_to_be_empty()
    # The key is kept for the tab only: in sessionStorage, never in the URL or a cookie.
    assert WEB_WRITE_KEY in page.evaluate("Object.values(sessionStorage)")
    assert WEB_WRITE_KEY not in page.url and WEB_WRITE_KEY not in page.evaluate("document.cookie")
    screenshot(page, "decompose-registered")
    assert web.errors(allow_status=(401,)) == []  # the unauthenticated first attempt


def test_the_churn_page_shows_revenue_at_risk_by_segment(web, api):
    summary = api.get("/v1/churn/summary").json()
    page = web.open("/app/churn")
    expect(page.locator("[data-testid=churn-facts]")).not_to_contain_text("Loading")
    expect(page.locator("[data-testid=segments] tbody tr")).to_have_count(len(summary["by_segment"]))
    page.locator("[data-testid=bands-chart] .main-svg").first.wait_for()
    screenshot(page, "churn")
    assert web.errors() == []


def test_the_kri_page_shows_every_kri_and_its_state(web, api):
    kris = api.get("/v1/kri").json()["kris"]
    page = web.open("/app/kri")
    table = page.locator("[data-testid=kris]")
    expect(table).not_to_contain_text("Loading")
    for kri in kris:
        expect(table).to_contain_text(kri["name"])
    screenshot(page, "kri")
    assert web.errors() == []


def test_a_narrow_window_shows_the_series_page_without_sideways_scrolling(web, api, horizon):
    target = near_expected(api, series_id="store-01", period=horizon["first"])
    page = web.open(f"/app/series/store-01?period={horizon['first']}&target={target:.0f}", viewport=PHONE)
    shown_probability(page)
    page.locator(CURVE_SVG).first.wait_for()
    widths = page.evaluate(
        "({page: document.documentElement.scrollWidth, body: document.body.scrollWidth, window: window.innerWidth})"
    )
    assert widths["page"] <= widths["window"] and widths["body"] <= widths["window"], widths
    screenshot(page, "series-narrow")
    assert web.errors() == []


def _share(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _signed(x) -> str:
    return "–" if x is None else f"{'+' if x >= 0 else ''}{100 * x:.1f}%"


def test_the_monitoring_page_shows_the_apis_figures(web, api):
    # Two weeks of store-04's actuals, alternately 20% below and 10% above its forecast: scored
    # against its bands (store-04 only, so the other tests' store-01 periods keep no actuals).
    points = api.get("/v1/forecast/store-04").json()["points"][:14]
    rows = [{"series_id": "store-04", "ds": p["ds"], "y": round(p["yhat"] * (1.1 if i % 2 else 0.8), 2)}
            for i, p in enumerate(points)]  # fmt: skip
    stored = api.post("/v1/actuals", json={"actuals": rows}, headers={"X-API-Key": WEB_WRITE_KEY})
    assert stored.status_code == 200, stored.text
    answer = api.get("/v1/monitoring").json()
    f = answer["forecast"]
    assert f["periods_scored"] == 14
    page = web.open("/app/monitoring")
    expect(page.locator("[data-testid=monitoring-facts]")).not_to_contain_text("Loading")
    pairs = "els => els.map(e => [e.querySelector('dt').textContent, e.querySelector('dd').textContent])"
    facts = dict(page.eval_on_selector_all("[data-testid=monitoring-facts] div", pairs))
    assert facts["Model"] == answer["model_version"]
    assert facts["Actuals scored"] == f"{f['periods_scored']} periods, {f['series']} series"
    for level in ("50", "80", "95"):
        assert facts[f"Inside the {level}% band"] == _share(f["coverage"][level])
    assert facts["Bias (forecast vs actual)"] == _signed(f["bias"])
    assert facts["MASE"] == f"{f['mase']:.3f}"
    rows = page.locator("[data-testid=monitoring-groups] tbody tr")
    groups = [(col, value, g) for col, values in answer["groups"].items() for value, g in values.items()]
    expect(rows).to_have_count(len(groups))
    cells = rows.evaluate_all("trs => trs.map(tr => [...tr.children].map(c => c.textContent))")
    for (col, value, g), shown in zip(groups, cells, strict=True):
        coverage = [_share(g["forecast"]["coverage"][level]) for level in ("50", "80", "95")]
        assert shown[:6] == [f"{col}={value}", str(g["forecast"]["periods_scored"]), *coverage,
                             _signed(g["forecast"]["bias"])]  # fmt: skip
    page.locator("[data-testid=pit-chart] .main-svg").first.wait_for()
    screenshot(page, "monitoring")
    assert web.errors() == []


PAGES = ["/", "/app/", "/app/series/store-01", "/app/group?region=North", "/app/group?total=1", "/app/decompose",
         "/app/churn", "/app/kri", "/app/monitoring"]  # fmt: skip


def test_no_page_logs_a_console_error_or_throws(web, horizon):
    for path in PAGES:
        page = web.open(path)
        page.wait_for_load_state("networkidle")
    page = web.open(f"/app/series/store-01?period={horizon['first']}&target=500000")
    page.locator(CURVE_SVG).first.wait_for()
    assert web.errors() == []
