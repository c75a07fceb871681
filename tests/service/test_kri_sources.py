"""Model-derived KRI sources: forecast_shortfall against the trained model, with fake actuals."""

import datetime as dt

from models.kri.config import parse_kri_config
from models.planning.feasibility import VerdictCutoffs
from models.registry import Registry
from service.db import engine as db
from service.db.planning_store import PlanningStore
from service.kri.sources import (
    ChurnRevenueAtRisk,
    ForecastShortfall,
    TargetAttainment,
    Unavailable,
    build_providers,
)
from service.model_store import ModelStore
from service.telemetry import Metrics

(SHORTFALL,) = parse_kri_config(
    {
        "kris": [
            {
                "name": "forecast_shortfall",
                "source": "forecast_shortfall",
                "direction": "above",
                "warning": 2,
                "critical": 4,
                "params": {"level": 80},
            }
        ]
    }
)


class FakeActuals:
    """Actual sales per series, as the planning feature's POST /v1/actuals will record them."""

    def __init__(self, rows: dict[str, list[tuple[dt.date, float]]]) -> None:
        self.rows = rows

    def recent(self, series_id, since):
        return [(d, y) for d, y in self.rows.get(series_id, []) if d >= since]

    def available(self):
        return None


class NoActuals:
    """An actuals source with nothing recorded yet."""

    def recent(self, series_id, since):
        return ()

    def available(self):
        return "no actuals recorded: forecast_shortfall needs sales actuals after the training history"


def loaded(registry) -> ModelStore:
    store = ModelStore(registry, Metrics())
    assert store.reload()
    return store


def test_counts_the_latest_periods_in_a_row_below_the_lower_band(trained_registry):
    store = loaded(trained_registry)
    band = store.forecast.forecast("store-01", 10, 80)
    low = [(d, lo * 0.5) for d, lo in zip(band["ds"], band["lower"], strict=True)]
    high = [(d, hi * 1.5) for d, hi in zip(band["ds"], band["upper"], strict=True)]
    actuals = FakeActuals(
        {
            "store-01": high[:5] + low[5:10],  # the last five periods fell short
            "store-02": low[:5] + high[5:6],  # short earlier, fine in the latest period
        }
    )
    readings = dict((labels["series_id"], value) for labels, value in ForecastShortfall(store, actuals).read(SHORTFALL))
    assert readings == {"store-01": 5.0, "store-02": 0.0}  # series without actuals are left out


def test_without_actuals_or_a_model_it_says_why(trained_registry, tmp_path):
    no_model = ModelStore(Registry(tmp_path), Metrics())
    assert ForecastShortfall(no_model, NoActuals()).read(SHORTFALL) == Unavailable("no forecast model loaded")
    result = ForecastShortfall(loaded(trained_registry), NoActuals()).read(SHORTFALL)
    assert isinstance(result, Unavailable) and "no actuals recorded" in result.reason


def test_without_targets_or_a_churn_model_the_sources_report_no_data(tmp_path):
    models = ModelStore(Registry(tmp_path / "registry"), Metrics())
    engine = db.connect(f"sqlite:///{tmp_path / 'sentinel.db'}")
    db.upgrade(engine)
    planning = PlanningStore(engine)
    providers = build_providers(models, planning, TargetAttainment(models, planning, VerdictCutoffs()))
    assert isinstance(providers["target_attainment"].read(SHORTFALL), Unavailable)
    churn = providers["revenue_at_risk_ratio"].read(SHORTFALL)
    assert isinstance(churn, Unavailable) and churn.reason.startswith("no churn model loaded")
    engine.dispose()


def test_revenue_at_risk_ratio_reads_the_served_churn_model(churn_registry):
    store = ModelStore(churn_registry, Metrics())
    store.reload()
    readings = ChurnRevenueAtRisk(store).read(SHORTFALL)
    summary = store.churn.summary()
    total_value = float(store.churn.population["value"].sum())
    overall = dict((tuple(labels.items()), value) for labels, value in readings)[()]
    assert abs(overall - summary["revenue_at_risk"] / total_value) < 1e-6
    assert 0 < overall < 1
    by_segment = {labels["segment"]: value for labels, value in readings if labels}
    assert set(by_segment) == {row["segment"] for row in summary["by_segment"]}  # bounded: one per segment
