"""The ``retrain.yaml`` of ``sentinel retrain``: data sources, jobs and the promotion policy.

Every mistake is reported as ``InvalidInput`` naming the file and the field (``jobs.forecast.horizon``),
before any data is read or anything is fitted.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from models.errors import InvalidInput
from models.forecast.contracts import ColumnMapping
from models.forecast.drivers import DriverSpec
from models.forecast.fit import SeasonalityMode
from models.forecast.validation import ValidationRules
from training.retrain.drivers_config import DRIVER_KEYS, parse_drivers

__all__ = ["ChurnJob", "ForceChallenger", "ForecastJob", "Policy", "RetrainConfig", "Source", "load_retrain_config"]

JOB_FAMILIES = ("forecast", "churn")


@dataclass(frozen=True)
class Source:
    """A path or glob; matching files are read with the same column mapping and concatenated."""

    name: str
    path: str
    mapping: ColumnMapping
    rules: ValidationRules

    def files(self) -> list[Path]:
        matches = sorted(glob.glob(self.path)) if glob.has_magic(self.path) else [self.path]
        if not matches:
            raise InvalidInput(f"sources.{self.name}.path: no file matches {self.path!r}")
        return [Path(m) for m in matches]


@dataclass(frozen=True)
class ForecastJob:
    source: str
    horizon: int | None = None
    samples: int = 1000
    folds: int | None = None
    country_holidays: str | None = None
    seasonality_mode: SeasonalityMode = "auto"
    ensemble: bool = True
    drivers: DriverSpec = field(default_factory=DriverSpec)  # regressors, open_col, regressor_fill
    future: str | None = None  # the plan's path or glob (absolute), read with the source's mapping

    def future_files(self) -> list[Path]:
        """The files of ``future`` (none without it); InvalidInput when its glob matches nothing."""
        if self.future is None:
            return []
        matches = sorted(glob.glob(self.future)) if glob.has_magic(self.future) else [self.future]
        if not matches:
            raise InvalidInput(f"jobs.forecast.future: no file matches {self.future!r}")
        return [Path(m) for m in matches]


@dataclass(frozen=True)
class ChurnJob:
    """``jobs.churn``: the customer table's source and columns, as ``sentinel train churn`` takes them."""

    source: str
    id_col: str = "customer_id"
    label_col: str = "churned"
    value_col: str | None = None
    segment_col: str | None = None
    time_budget: float = 30.0  # seconds for the hyperparameter search


@dataclass(frozen=True)
class ForceChallenger:
    """``policy.force_challenger_when``: the champion's live figures (``training.retrain.live``)
    that make it stale, so a challenger passing the data checks replaces it even when it is not
    better on the gate's fold. Each condition is optional; the forecast ones count once the
    champion has ``min_periods`` scored actuals, the target one once ``min_resolved`` targets."""

    coverage_below: dict[int, float] = field(default_factory=dict)  # level (50/80/95) -> live coverage floor
    bias_above: float | None = None  # live bias above this (> 0): forecasts too high
    bias_below: float | None = None  # live bias below this (< 0): forecasts too low
    target_brier_above: float | None = None  # Brier score of the probabilities given for resolved targets
    min_periods: int = 28
    min_resolved: int = 10


@dataclass(frozen=True)
class Policy:
    """When a challenger replaces the champion (see ``training.retrain.gate``)."""

    tolerance: float = 0.05  # challenger median MASE <= champion's x (1 + tolerance)
    auc_tolerance: float = 0.01  # churn: challenger AUC >= champion's - auc_tolerance
    max_level_shift_share: float = 0.2  # more series than this shifting level at once: a broken extract
    force_challenger_when: ForceChallenger | None = None


@dataclass(frozen=True)
class RetrainConfig:
    path: Path
    sources: dict[str, Source]
    forecast: ForecastJob | None
    churn: ChurnJob | None
    policy: Policy = field(default_factory=Policy)
    registry: str | None = None
    dask_scheduler: str | None = None
    database_url: str | None = None  # the service's database, for the champion's live figures


class _Fields:
    """Typed access to one mapping of the YAML, with errors that name the dotted field."""

    def __init__(self, where: str, data: object, known: set[str]) -> None:
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}: must be a mapping, got {type(data).__name__}")
        unknown = set(data) - known
        if unknown:
            raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown field (known: {', '.join(sorted(known))})")
        self.where, self.data = where, data

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *, required: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise InvalidInput(f"{self.where}.{key}: required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise InvalidInput(f"{self.where}.{key}: must be a number, got {value!r}")
        if not isinstance(value, kind):
            name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise InvalidInput(f"{self.where}.{key}: must be {name}, got {value!r}")
        return value

    def positive(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.get(key, kind, default)
        if value is not None and value <= 0:
            raise InvalidInput(f"{self.where}.{key}: must be positive, got {value!r}")
        return value


_SOURCE_FIELDS = {
    "path", "id_col", "date_col", "value_col", "date_format", "aggregate", "freq",
    "allow_negative", "fill_gaps", "min_length",
}  # fmt: skip


def _source(name: str, data: object, base: Path) -> Source:
    f = _Fields(f"sources.{name}", data, _SOURCE_FIELDS)
    path = f.get("path", str, required=True)
    if not Path(path).is_absolute():
        path = str(base / path)  # relative to the config file, so cron's working directory does not matter
    mapping = ColumnMapping(
        f.get("id_col", str, "series_id"), f.get("date_col", str, "ds"), f.get("value_col", str, "y")
    )
    fill = f.get("fill_gaps", str)
    if fill not in (None, "zero", "interpolate"):
        raise InvalidInput(f"sources.{name}.fill_gaps: must be zero or interpolate, got {fill!r}")
    rules = ValidationRules(
        freq=f.get("freq", str),
        date_format=f.get("date_format", str),
        aggregate=f.get("aggregate", str),
        allow_negative=f.get("allow_negative", bool, False),
        fill_gaps=fill,
        min_length=f.positive("min_length", int),
    )
    return Source(name, path, mapping, rules)


def _forecast_job(data: object, sources: dict[str, Source], base: Path = Path(".")) -> ForecastJob:
    known = {"source", "horizon", "samples", "folds", "country_holidays", "seasonality_mode", "ensemble"}
    known |= DRIVER_KEYS
    f = _Fields("jobs.forecast", data, known)
    source = f.get("source", str, required=True)
    if source not in sources:
        raise InvalidInput(f"jobs.forecast.source: no source named {source!r} (sources: {', '.join(sources)})")
    mode = f.get("seasonality_mode", str, "auto")
    if mode not in ("auto", "additive", "multiplicative"):
        raise InvalidInput(f"jobs.forecast.seasonality_mode: must be auto, additive or multiplicative, got {mode!r}")
    job = ForecastJob(
        source=source,
        horizon=f.positive("horizon", int),
        samples=f.positive("samples", int, 1000),
        folds=f.positive("folds", int),
        country_holidays=f.get("country_holidays", str),
        seasonality_mode=mode,
        ensemble=f.get("ensemble", bool, True),
    )
    drivers, future = parse_drivers(f, base)  # read last, as before: the first mistake named stays the same
    return replace(job, drivers=drivers, future=future)


def _churn_job(data: object, sources: dict[str, Source]) -> ChurnJob:
    known = {"source", "id_col", "label_col", "value_col", "segment_col", "time_budget"}
    f = _Fields("jobs.churn", data, known)
    source = f.get("source", str, required=True)
    if source not in sources:
        raise InvalidInput(f"jobs.churn.source: no source named {source!r} (sources: {', '.join(sources)})")
    return ChurnJob(
        source=source,
        id_col=f.get("id_col", str, "customer_id"),
        label_col=f.get("label_col", str, "churned"),
        value_col=f.get("value_col", str),
        segment_col=f.get("segment_col", str),
        time_budget=float(f.positive("time_budget", (int, float), 30.0)),
    )


_FORCE_CONDITIONS = ("coverage_50_below", "coverage_80_below", "coverage_95_below", "bias_above", "bias_below",
                     "target_brier_above")  # fmt: skip


def _force_challenger(data: object) -> ForceChallenger:
    where = "policy.force_challenger_when"
    f = _Fields(where, data, {*_FORCE_CONDITIONS, "min_periods", "min_resolved"})
    if not any(f.data.get(name) is not None for name in _FORCE_CONDITIONS):
        raise InvalidInput(f"{where}: name at least one condition ({', '.join(_FORCE_CONDITIONS)})")
    coverage = {}
    for level in (50, 80, 95):
        value = f.get(f"coverage_{level}_below", (int, float))
        if value is not None and not 0 < value <= 1:
            raise InvalidInput(f"{where}.coverage_{level}_below: must be a share within 0..1, e.g. 0.7, got {value!r}")
        if value is not None:
            coverage[level] = float(value)
    above, below = f.get("bias_above", (int, float)), f.get("bias_below", (int, float))
    if above is not None and above <= 0:
        raise InvalidInput(f"{where}.bias_above: must be positive (forecasts too high by this share), got {above!r}")
    if below is not None and below >= 0:
        raise InvalidInput(
            f"{where}.bias_below: must be negative (forecasts too low by this share, e.g. -0.2), got {below!r}"
        )
    brier = f.get("target_brier_above", (int, float))
    if brier is not None and not 0 <= brier < 1:
        raise InvalidInput(f"{where}.target_brier_above: must be within 0..1 (0.25 is a coin's), got {brier!r}")
    return ForceChallenger(
        coverage_below=coverage,
        bias_above=None if above is None else float(above),
        bias_below=None if below is None else float(below),
        target_brier_above=None if brier is None else float(brier),
        min_periods=f.positive("min_periods", int, 28),
        min_resolved=f.positive("min_resolved", int, 10),
    )


def load_retrain_config(path: str | Path) -> RetrainConfig:
    """Parse and check ``retrain.yaml``; InvalidInput names the field at fault."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text())
    except OSError as exc:
        raise InvalidInput(f"cannot read retrain config {str(p)!r}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{p}: not valid YAML: {exc}") from exc
    top = _Fields(str(p), data, {"registry", "sources", "jobs", "policy", "dask_scheduler", "database_url"})
    raw_sources = top.get("sources", dict, required=True)
    sources = {name: _source(str(name), spec, p.parent) for name, spec in raw_sources.items()}
    jobs = _Fields("jobs", top.get("jobs", dict, required=True), set(JOB_FAMILIES))
    if not jobs.data:
        raise InvalidInput(f"jobs: name at least one of {', '.join(JOB_FAMILIES)}")
    forecast = (
        _forecast_job(jobs.data["forecast"], sources, p.parent) if jobs.data.get("forecast") is not None else None
    )
    churn = _churn_job(jobs.data["churn"], sources) if jobs.data.get("churn") is not None else None
    known = {"tolerance", "auc_tolerance", "max_level_shift_share", "force_challenger_when"}
    pol = _Fields("policy", top.get("policy", dict, {}), known)
    force = pol.get("force_challenger_when", dict)
    policy = Policy(
        tolerance=float(pol.get("tolerance", (int, float), 0.05)),
        auc_tolerance=float(pol.get("auc_tolerance", (int, float), 0.01)),
        max_level_shift_share=float(pol.get("max_level_shift_share", (int, float), 0.2)),
        force_challenger_when=None if force is None else _force_challenger(force),
    )
    if policy.tolerance < 0 or policy.auc_tolerance < 0 or not 0 <= policy.max_level_shift_share <= 1:
        raise InvalidInput("policy: tolerance and auc_tolerance must be >= 0, max_level_shift_share within 0..1")
    return RetrainConfig(
        path=p,
        sources=sources,
        forecast=forecast,
        churn=churn,
        policy=policy,
        registry=top.get("registry", str),
        dask_scheduler=top.get("dask_scheduler", str),
        database_url=top.get("database_url", str),
    )
