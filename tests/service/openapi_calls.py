"""The real requests the OpenAPI contract tests send: every operation's successes (``CALLS``), in
order, and errors with the status each must answer (``ERRORS``), and ``send`` to send one.

tests/service/test_openapi_contract.py checks their answers against the document;
tests/service/test_contract_rules.py replays ``CALLS`` under other keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.service.kri_fixtures import READ, WRITE
from training.jobs.sample import make_customers

ADMIN = {"X-API-Key": "a-key"}


@dataclass(frozen=True)
class Call:
    """One real request: ``route`` is the OpenAPI path template, ``params`` fill it in."""

    name: str
    method: str
    route: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    until: Callable[[httpx.Response], bool] | None = None  # poll until the background loops caught up
    content: bytes | None = None  # a raw body instead of ``json``
    status: int | None = None  # for ERRORS: the status the call must answer


def _customers() -> list[dict[str, Any]]:
    batch = make_customers(seed=11, n=60).drop(columns=["churned"]).to_dict("records")
    batch[0]["favourite_colour"] = "teal"  # a warning in the body
    del batch[1]["tenure_months"]  # imputed, with another warning
    return batch


JAN = {"period": "2027-01"}
PROMO = {"promo": [{"start": "2027-01-05", "end": "2027-01-18", "value": 1}]}
TODAY = dt.datetime.now(dt.UTC).date().isoformat()  # churn outcomes: on or after the scores they resolve
SEEN = list(enumerate(_customers()))  # the customers "churn score" scores
# In order: later calls see what earlier ones stored (actuals, targets, observations).
CALLS = [
    Call("healthz", "GET", "/healthz"),
    Call("readyz", "GET", "/readyz"),
    Call("series", "GET", "/v1/series"),
    Call("series detail", "GET", "/v1/series/{series_id}", params={"series_id": "store-02"}),
    Call("groups", "GET", "/v1/groups"),
    Call("forecast", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-01"}),
    Call(
        "forecast, cached bands",
        "GET",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-01"},
        query={"horizon": 7, "level": 80},
    ),
    Call("feasibility series", "POST", "/v1/feasibility", json={"series_id": "store-01", **JAN, "target": 4e5}),
    Call(
        "feasibility dates",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-03", "start": "2026-10-01", "end": "2026-11-30", "target": 9e5},
    ),
    Call("feasibility group", "POST", "/v1/feasibility", json={"group": {"region": "North"}, **JAN, "target": 4e5}),
    Call("feasibility total", "POST", "/v1/feasibility", json={"total": True, **JAN, "target": 1.8e6}),
    Call(
        "actuals",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": f"2026-11-{d:02d}", "y": 12000.5} for d in (1, 2, 3)]},
        headers=WRITE,
    ),
    Call(
        "feasibility with actuals",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-04", "period": "2026-11", "target": 4e5},
    ),
    Call("curve series", "POST", "/v1/feasibility/curve", json={"series_id": "store-01", **JAN}),
    Call(
        "curve group with actuals",
        "POST",
        "/v1/feasibility/curve",
        json={"group": {"store_format": "street"}, "period": "2026-11", "points": 5},
    ),
    Call("fan series with actuals", "POST", "/v1/fan", json={"series_id": "store-04", "history_periods": 10}),
    Call("fan total", "POST", "/v1/fan", json={"total": True}),
    Call(
        "decompose by series",
        "POST",
        "/v1/targets/decompose",
        json={"target": 2e6, **JAN, "group": {}, "by": "series"},
    ),
    Call(
        "decompose by month",
        "POST",
        "/v1/targets/decompose",
        json={
            "target": 5e6,
            "start": "2026-11-01",
            "end": "2027-02-28",
            "series_ids": ["store-01", "store-04"],
            "by": "month",
            "method": "equal_probability",
        },
    ),
    Call(
        "decompose by quarter",
        "POST",
        "/v1/targets/decompose",
        json={
            "target": 5e6,
            "start": "2026-11-01",
            "end": "2027-02-28",
            "group": {"store_format": "street"},
            "by": "quarter",
        },
    ),
    Call(
        "feasibility under a scenario",
        "POST",
        "/v1/feasibility",
        json={"group": {"region": "North"}, **JAN, "target": 4e5, "scenario": PROMO},
    ),
    Call(
        "goal seek on a driver",
        "POST",
        "/v1/feasibility/solve",
        json={"series_id": "store-01", **JAN, "target": 4.5e5, "regressor": "promo", "probability": 0.6},
    ),
    Call(
        "forecast under a scenario",
        "POST",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-02"},
        json={"scenario": PROMO, "horizon": 90},
    ),
    Call(
        "decompose under a scenario",
        "POST",
        "/v1/targets/decompose",
        json={"target": 2e6, **JAN, "group": {}, "by": "month", "scenario": PROMO},
    ),
    Call("plan", "GET", "/v1/plan/{series_id}", params={"series_id": "store-03"}),
    Call(
        "replace planned values",
        "PUT",
        "/v1/plan",
        json={
            "changes": [
                {"series_id": "store-03", "regressor": "promo", "start": "2027-01-10", "end": "2027-01-12", "value": 1}
            ]
        },
        headers=WRITE,
    ),
    Call("plan with overrides", "GET", "/v1/plan/{series_id}", params={"series_id": "store-03"}),
    Call(
        "feasibility with a replaced plan",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-03", **JAN, "target": 4e5},
    ),
    Call("forecast with a replaced plan", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-03"}),
    Call(
        "register series target",
        "POST",
        "/v1/targets",
        json={"name": "s1-jan", "series_id": "store-01", **JAN, "amount": 4e5, "owner": "ana"},
        headers=WRITE,
    ),
    Call(
        "register group target",
        "POST",
        "/v1/targets",
        json={"name": "north-nov", "group": {"region": "North"}, "period": "2026-11", "amount": 1.0},
        headers=WRITE,
    ),
    Call("targets", "GET", "/v1/targets"),
    Call("delete target", "DELETE", "/v1/targets/{name}", params={"name": "north-nov"}, headers=WRITE),
    Call("monitoring", "GET", "/v1/monitoring"),
    Call("monitoring of a group", "GET", "/v1/monitoring", query={"group": "region:South", "since": "2026-11-01"}),
    Call("churn score", "POST", "/v1/churn/score", json={"customers": _customers()}),
    Call("churn summary", "GET", "/v1/churn/summary"),
    Call(
        "churn outcomes",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": c["customer_id"], "churned": i % 3 == 0, "as_of": TODAY} for i, c in SEEN]},
        headers=WRITE,
    ),
    Call("monitoring with churn outcomes", "GET", "/v1/monitoring"),
    Call("models", "GET", "/v1/models"),
    Call(
        "kri observations",
        "POST",
        "/v1/kri/observations",
        json={
            "observations": [
                {"kri": "returns_rate", "value": 0.2, "ts": "2026-11-22T09:00:00Z", "labels": {"region": "west"}}
            ]
        },
        headers=WRITE,
    ),
    Call("alerts", "GET", "/v1/alerts", until=lambda r: r.status_code == 200 and bool(r.json())),
    Call(
        "kris",
        "GET",
        "/v1/kri",
        until=lambda r: (
            r.status_code == 200 and all(k["no_data_reason"] != "not evaluated yet" for k in r.json()["kris"])
        ),
    ),
    Call("one kri", "GET", "/v1/kri", query={"name": "returns_rate"}),
    Call("metrics", "GET", "/metrics"),
    Call("reload", "POST", "/admin/reload", headers=ADMIN),
]

NOT_UTF8 = b'{"series_id": "\xff"}'
# Sent after CALLS, so what they stored (target s1-jan) is there.
ERRORS = [
    Call(
        "feasibility, unknown series",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-99", **JAN, "target": 1.0},
        status=404,
    ),
    Call(
        "feasibility, two subjects",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", "total": True, **JAN, "target": 1.0},
        status=422,
    ),
    Call(
        "feasibility, outside the horizon",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", "period": "2030-01", "target": 1.0},
        status=422,
    ),
    Call("feasibility, not UTF-8", "POST", "/v1/feasibility", content=NOT_UTF8, status=422),
    Call(
        "curve, unknown group value",
        "POST",
        "/v1/feasibility/curve",
        json={"group": {"region": "Mars"}, **JAN},
        status=404,
    ),
    Call("curve, not UTF-8", "POST", "/v1/feasibility/curve", content=NOT_UTF8, status=422),
    Call("fan, unknown series", "POST", "/v1/fan", json={"series_id": "store-99"}, status=404),
    Call("fan, a count as text", "POST", "/v1/fan", json={"series_id": "store-01", "history_periods": "5"}, status=422),
    Call("forecast, unknown series", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "forecast, beyond the trained horizon",
        "GET",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-01"},
        query={"horizon": 500},
        status=422,
    ),
    Call("series detail, unknown", "GET", "/v1/series/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "actuals, no key",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": "2026-11-05", "y": 1.0}]},
        status=401,
    ),
    Call(
        "actuals, a read key",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": "2026-11-05", "y": 1.0}]},
        headers=READ,
        status=403,
    ),
    Call(
        "actuals, unknown series",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-99", "ds": "2026-11-05", "y": 1.0}]},
        headers=WRITE,
        status=422,
    ),
    Call("actuals, not UTF-8", "POST", "/v1/actuals", content=NOT_UTF8, headers=WRITE, status=422),
    Call(
        "decompose, unknown series",
        "POST",
        "/v1/targets/decompose",
        json={"target": 1.0, **JAN, "series_ids": ["store-99"]},
        status=404,
    ),
    Call("decompose, no scope", "POST", "/v1/targets/decompose", json={"target": 1.0, **JAN}, status=422),
    Call(
        "feasibility, a scenario of an unknown regressor",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", **JAN, "target": 1.0, "scenario": {"price": PROMO["promo"]}},
        status=422,
    ),
    Call(
        "goal seek, a regressor the model lacks",
        "POST",
        "/v1/feasibility/solve",
        json={"series_id": "store-01", **JAN, "target": 1.0, "regressor": "price", "probability": 0.7},
        status=422,
    ),
    Call("plan, unknown series", "GET", "/v1/plan/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "plan, a 0/1 regressor given 0.5",
        "PUT",
        "/v1/plan",
        json={
            "changes": [
                {
                    "series_id": "store-01",
                    "regressor": "promo",
                    "start": "2027-01-10",
                    "end": "2027-01-10",
                    "value": 0.5,
                }
            ]
        },
        headers=WRITE,
        status=422,
    ),
    Call(
        "register, a name taken",
        "POST",
        "/v1/targets",
        json={"name": "s1-jan", "series_id": "store-01", **JAN, "amount": 1.0},
        headers=WRITE,
        status=422,
    ),
    Call(
        "register, unknown group",
        "POST",
        "/v1/targets",
        json={"name": "mars", "group": {"region": "Mars"}, **JAN, "amount": 1.0},
        headers=WRITE,
        status=404,
    ),
    Call("delete, unknown target", "DELETE", "/v1/targets/{name}", params={"name": "nope"}, headers=WRITE, status=404),
    Call("delete, no key", "DELETE", "/v1/targets/{name}", params={"name": "s1-jan"}, status=401),
    Call(
        "churn score, no customer_id", "POST", "/v1/churn/score", json={"customers": [{"region": "North"}]}, status=422
    ),
    Call("monitoring, a group without its column", "GET", "/v1/monitoring", query={"group": "North"}, status=422),
    Call("monitoring, unknown series", "GET", "/v1/monitoring", query={"series_id": "store-99"}, status=404),
    Call(
        "churn outcomes, never scored",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": "nobody", "churned": True, "as_of": TODAY}]},
        headers=WRITE,
        status=422,
    ),
    Call(
        "churn outcomes, no key",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": "C00001", "churned": True, "as_of": TODAY}]},
        status=401,
    ),
    Call("kri, unknown", "GET", "/v1/kri", query={"name": "nope"}, status=404),
    Call(
        "observations, unknown kri",
        "POST",
        "/v1/kri/observations",
        json={"observations": [{"kri": "nope", "value": 1.0, "ts": "2026-11-22T09:00:00Z"}]},
        headers=WRITE,
        status=422,
    ),
    Call(
        "observations, a read key",
        "POST",
        "/v1/kri/observations",
        json={"observations": [{"kri": "returns_rate", "value": 1.0, "ts": "2026-11-22T09:00:00Z"}]},
        headers=READ,
        status=403,
    ),
    Call("reload, a write key", "POST", "/admin/reload", headers=WRITE, status=403),
    Call("reload, unknown key", "POST", "/admin/reload", headers={"X-API-Key": "guess"}, status=401),
]


def send(client: TestClient, call: Call) -> httpx.Response:
    """``call`` sent to ``client``: its route filled in, its JSON (or raw) body and headers."""
    path = call.route.format(**call.params)
    if call.content is not None:
        headers = {"Content-Type": "application/json", **call.headers}
        return client.request(call.method, path, params=call.query, content=call.content, headers=headers)
    return client.request(call.method, path, params=call.query, json=call.json, headers=call.headers)
