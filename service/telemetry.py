"""Prometheus metrics: request counts and latency per route template, model facts.

Labels stay bounded: the route label is the route *template* (``/v1/forecast/{series_id}``),
never a raw path, and unmatched paths share one label value.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.churn.model import ChurnModel
from models.forecast.model import ForecastModel

__all__ = ["AccountabilityGauges", "Metrics", "MetricsMiddleware"]

disable_created_metrics()  # the *_created series double the exposition and nobody alerts on them
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The service's metrics in their own registry, so each app (and test) has a fresh set."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "sentinel_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "sentinel_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.model_info = Gauge(
            "sentinel_model_info",
            "The model version being served (value is always 1)",
            ["model", "version"],
            registry=r,
        )
        self.trained_at = Gauge(
            "sentinel_model_trained_timestamp_seconds",
            "When the served model was trained (Unix time)",
            ["model"],
            registry=r,
        )
        self.series = Gauge("sentinel_forecast_series", "Series the served forecast model covers", registry=r)
        self.reload_failures = Counter(
            "sentinel_model_reload_failures",
            "Champion loads that failed (the old model kept serving)",
            ["model"],
            registry=r,
        )
        self.last_retrain_success = Gauge(
            "sentinel_last_retrain_success_timestamp_seconds",
            "When `sentinel retrain` last finished successfully (Unix time; 0 if never)",
            registry=r,
        )

        self.kri_value = Gauge(
            "sentinel_kri_value",
            "Latest value of each KRI (the worst across its label sets)",
            ["kri"],
            registry=r,
        )
        self.kri_threshold = Gauge(
            "sentinel_kri_threshold", "Configured KRI thresholds", ["kri", "severity"], registry=r
        )
        self.kri_alert_state = Gauge(
            "sentinel_kri_alert_state",
            "Worst alert state of each KRI: 0 ok, 1 pending, 2 firing warning, 3 firing critical",
            ["kri"],
            registry=r,
        )
        self.kri_leader = Gauge(
            "sentinel_kri_leader",
            "1 while this process holds the KRI lease (evaluates KRIs, delivers alerts), else 0",
            registry=r,
        )
        self.alert_deliveries = Counter(
            "sentinel_alert_deliveries",
            "Alert delivery attempts by receiver kind and outcome",
            ["receiver", "outcome"],
            registry=r,
        )
        self.revenue_at_risk = Gauge(
            "sentinel_churn_revenue_at_risk",
            "Sum of churn probability x monthly value over the population scored at training (currency units)",
            registry=r,
        )
        self.churn_mean = Gauge(
            "sentinel_churn_mean_probability_ratio",
            "Mean churn probability of the population scored at training",
            registry=r,
        )
        self.churn_customers = Gauge(
            "sentinel_churn_customers",
            "Customers of the population scored at training, by risk band",
            ["risk_band"],
            registry=r,
        )
        self.churn_auc = Gauge(
            "sentinel_churn_realised_auc",
            "ROC AUC of the churn scores resolved by posted outcomes (NaN until both outcomes occur)",
            registry=r,
        )
        self.churn_auc.set(float("nan"))
        self.accountability = AccountabilityGauges()
        r.register(self.accountability)
        self._versions: dict[str, str] = {}

    def _model_loaded(self, family: str, version: str, trained_at: float) -> None:
        old = self._versions.get(family)
        if old is not None and old != version:
            self.model_info.remove(family, old)
        self._versions[family] = version
        self.model_info.labels(family, version).set(1)
        self.trained_at.labels(family).set(trained_at)

    def forecast_loaded(self, model: ForecastModel) -> None:
        self._model_loaded("forecast", model.version, model.trained_at.timestamp())
        self.series.set(len(model.infos))

    def churn_loaded(self, model: ChurnModel, summary: dict[str, Any]) -> None:
        self._model_loaded("churn", model.version, model.trained_at.timestamp())
        self.revenue_at_risk.set(summary["revenue_at_risk"] or 0.0)
        self.churn_mean.set(summary["mean_probability"])
        for band, count in summary["risk_bands"].items():
            self.churn_customers.labels(band).set(count)

    def churn_realised(self, figures: dict[str, Any]) -> None:
        """From ``service.db.churn_store.ChurnStore.figures`` (every outcome kept)."""
        auc = figures.get("roc_auc")
        self.churn_auc.set(float("nan") if auc is None else float(auc))

    def retrain_status(self, status: dict[str, Any] | None) -> None:
        """Set from the registry's retrain status file at scrape time (the job runs elsewhere)."""
        self.last_retrain_success.set(float(status.get("finished_timestamp", 0.0)) if status else 0.0)


class AccountabilityGauges:
    """How honest the served forecast model has been (``service.accountability``): the share of
    scored actuals inside its 50/80/95% bands, its bias Σ(yhat − y) / Σ|y| and the Brier score of
    the probabilities it gave for resolved targets. Each is absent while there is nothing to score."""

    def __init__(self) -> None:
        self._forecast: Any = None
        self._targets: Any = None

    def update(self, forecast: Any, targets: Any) -> None:
        """``models.forecast.monitoring.ForecastFigures`` and ``models.planning.resolution.TargetFigures``."""
        self._forecast, self._targets = forecast, targets

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        forecast, targets = self._forecast, self._targets
        coverage = GaugeMetricFamily(
            "sentinel_forecast_coverage_ratio", "Share of scored actuals inside the served model's central band",
            labels=["level"],
        )  # fmt: skip
        if forecast is not None:
            for level, value in forecast.coverage.items():
                if value is not None:
                    coverage.add_metric([str(level)], value)
        yield coverage
        if forecast is not None and forecast.bias is not None:
            yield GaugeMetricFamily(
                "sentinel_forecast_bias_ratio", "Served model's bias on scored actuals: sum(yhat - y) / sum(|y|)",
                value=forecast.bias,
            )  # fmt: skip
        if targets is not None and targets.brier is not None:
            yield GaugeMetricFamily(
                "sentinel_target_brier_score", "Brier score of the probabilities given for resolved targets",
                value=targets.brier,
            )  # fmt: skip


class MetricsMiddleware:
    """Pure ASGI middleware (no per-request task or body buffering) that times every request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # (method, template, status) -> its counter and histogram children: labels() takes a
        # lock and builds a key on every call, measurable on a ~300 us request.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            key = (scope["method"], template, status)
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (
                    self.metrics.requests.labels(key[0], template, str(status)),
                    self.metrics.latency.labels(key[0], template),
                )
            children[0].inc()
            children[1].observe(time.perf_counter() - started)
