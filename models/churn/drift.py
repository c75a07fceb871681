"""Feature drift of scored customers against the training population: population stability index.

Training records a binned *profile* of each feature (``feature_profile``): numeric features by
the training deciles (ties merged, so a feature that is mostly zero has fewer bins), boolean and
categorical ones by value (the 20 most frequent categories, the rest as "other"), each with a
bin for missing values. The customers scored in a window are binned the same way, and per
feature

    PSI = sum over bins of (scored share - training share) * ln(scored share / training share)

with both shares floored at 1e-4 so an empty bin counts as rare, not impossible. The usual
reading: below 0.1 stable, 0.1 to 0.25 moderate drift, above 0.25 significant drift.

A model saved before profiles existed has none; ``profile_from_population`` rebuilds the part it
can from the training population's stored segment columns (low-cardinality categorical and
boolean features), and numeric features then have no drift figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from models.churn.features import FeatureSchema

__all__ = ["drift_level", "feature_drift", "feature_profile", "population_stability", "profile_from_population"]

_FLOOR = 1e-4
_MAX_CATEGORIES = 20


def _kinds(schema: FeatureSchema) -> dict[str, str]:
    return {
        **dict.fromkeys(schema.numeric, "numeric"),
        **dict.fromkeys(schema.boolean, "boolean"),
        **dict.fromkeys(schema.categorical, "categorical"),
    }


def _numbers(values: pd.Series) -> np.ndarray:
    """Float values (NaN = missing), also from text and nullable dtypes."""
    numbers = pd.to_numeric(values, errors="coerce")
    return np.asarray(pd.Series(numbers).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan))


def _labels(values: pd.Series, kind: str) -> pd.Series:
    """Category labels of a boolean or categorical column (missing -> NA)."""
    if kind == "boolean":
        numbers = _numbers(values)
        flags = pd.Series(np.where(numbers == 1, "true", "false"), index=values.index, dtype="string")
        return flags.mask(np.isnan(numbers))
    return values.astype("string")


def _counts(values: pd.Series, spec: Mapping[str, Any]) -> np.ndarray:
    """Counts per bin of ``spec``: value bins first, the missing-value bin last."""
    if spec["kind"] == "numeric":
        numbers = _numbers(values)
        present = numbers[~np.isnan(numbers)]
        edges = np.asarray(spec["edges"], dtype=np.float64)
        binned = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
        return np.append(binned, len(numbers) - len(present)).astype(np.float64)
    labels = _labels(values, spec["kind"])
    categories = list(spec["categories"])
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories) + 2)  # the categories, "other", missing
    for label, count in labels.value_counts(dropna=False).items():
        if pd.isna(label):
            counts[-1] += count
        else:
            counts[index.get(str(label), len(categories))] += count
    return counts


def feature_profile(features: pd.DataFrame, schema: FeatureSchema, bins: int = 10) -> dict[str, dict[str, Any]]:
    """Per feature of ``schema`` present in ``features`` (cleaned): its bins and training shares."""
    profile: dict[str, dict[str, Any]] = {}
    for col, kind in _kinds(schema).items():
        if col not in features:
            continue
        values = features[col]
        spec: dict[str, Any] = {"kind": kind}
        if kind == "numeric":
            numbers = _numbers(values)
            present = numbers[~np.isnan(numbers)]
            qs = np.quantile(present, np.arange(1, bins) / bins) if len(present) else np.array([])
            spec["edges"] = [float(v) for v in np.unique(qs)]
        else:
            labels = _labels(values, kind).dropna()
            spec["categories"] = [str(c) for c in labels.value_counts().index[:_MAX_CATEGORIES]]
        counts = _counts(values, spec)
        spec["shares"] = [float(c) for c in counts / max(counts.sum(), 1.0)]
        profile[col] = spec
    return profile


def profile_from_population(population: pd.DataFrame, schema: FeatureSchema) -> dict[str, dict[str, Any]]:
    """The profile a model without one can still give: its population's ``segment:<feature>`` columns."""
    columns = {c.removeprefix("segment:"): population[c] for c in population.columns if c.startswith("segment:")}
    frame = pd.DataFrame({c: v for c, v in columns.items() if c in schema.boolean or c in schema.categorical})
    return feature_profile(frame, schema)


def population_stability(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two share vectors over the same bins (each floored at 1e-4)."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), _FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), _FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_level(psi: float) -> str:
    return "stable" if psi < 0.1 else "moderate" if psi < 0.25 else "significant"


def feature_drift(profile: Mapping[str, Mapping[str, Any]], features: pd.DataFrame) -> list[dict[str, Any]]:
    """PSI of each profiled feature between training and ``features`` (the scored customers),
    largest first."""
    rows = []
    for col, spec in profile.items():
        if col not in features or len(features) == 0:
            continue
        counts = _counts(features[col], spec)
        psi = population_stability(np.asarray(spec["shares"]), counts / counts.sum())
        rows.append({"feature": col, "kind": spec["kind"], "psi": round(psi, 6), "level": drift_level(psi)})
    return sorted(rows, key=lambda r: (-r["psi"], r["feature"]))
