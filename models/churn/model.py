"""A trained churn model as served: calibrated probabilities, risk bands, drivers, revenue at risk.

Drivers are per customer and come from the model itself: for each feature, the customer's
probability is recomputed with that one feature set to its neutral reference value (the value
whose partial dependence is closest to the population average, ``models.churn.pipeline.neutral_reference``).
``effect`` = probability − that counterfactual probability, so a positive effect means "this
customer's value of this feature raises their risk compared with a risk-neutral value", and
changing the value to the reference moves the probability by exactly ``effect``. All
counterfactuals of a batch are scored in one vectorised call (up to n customers × F features
rows), in chunks to bound memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController

from models.churn.features import FeatureSchema, clean_features

__all__ = ["BANDS", "ChurnModel", "ChurnScores", "population_summary", "risk_band"]

BANDS: tuple[tuple[str, float], ...] = (("high", 0.5), ("medium", 0.2), ("low", 0.0))
_CHUNK_CELLS = 2_000_000  # bounds a chunk's counterfactual matrix (rows x features) to ~16 MB


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspecting the loaded libraries costs ~10 ms: once per process


def _single_threaded() -> Any:
    """Score on one OpenMP thread: on shared cores, thread oversubscription made a batch 5-10x slower
    (measured), and the service already runs requests in parallel."""
    return _controller().limit(limits=1, user_api="openmp")


def risk_band(p: float, bands: tuple[tuple[str, float], ...] = BANDS) -> str:
    return next(name for name, floor in bands if p >= floor)


def population_summary(pop: pd.DataFrame, bands: tuple[tuple[str, float], ...] = BANDS) -> dict[str, Any]:
    """Customers, mean probability, revenue at risk and customers per band of a scored population.

    ``pop`` is the population table training stores (``probability``, ``band``, and ``value`` when
    trained with ``--value-col``; revenue at risk is None without it). The manifest's population
    metrics, ``GET /v1/churn/summary`` and each of its segments are all this one computation.
    """
    return {
        "customers": len(pop),
        "mean_probability": round(float(pop["probability"].mean()), 4),
        "revenue_at_risk": round(float((pop["probability"] * pop["value"]).sum()), 2) if "value" in pop else None,
        "risk_bands": {name: int((pop["band"] == name).sum()) for name, _ in bands},
    }


@dataclass(frozen=True)
class ChurnScores:
    probability: np.ndarray
    bands: list[str]
    drivers: list[list[dict[str, Any]]]


def _plain(value: Any, boolean: bool) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if boolean:
        return bool(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class ChurnModel:
    """A loaded churn version: ``score`` a cleaned feature frame, ``summary`` the training population."""

    def __init__(
        self,
        version: str,
        manifest: dict[str, Any],
        pipeline: Pipeline,
        schema: FeatureSchema,
        reference: dict[str, Any],
        population: pd.DataFrame,
        *,
        value_col: str | None,
        segment_col: str | None,
        bands: tuple[tuple[str, float], ...] = BANDS,
        profile: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.version = version
        self.manifest = manifest
        self.pipeline = pipeline
        self.schema = schema
        self.reference = reference
        self.population = population
        self.value_col = value_col
        self.segment_col = segment_col
        self.bands = bands
        self.profile = profile or {}  # binned training features, for drift (models.churn.drift)
        self._population_scores: dict[str, float] | None = None
        self._prep = pipeline.named_steps["prep"]
        self._model = pipeline.named_steps["model"]
        ref = clean_features(pd.DataFrame([reference]), schema)
        self._reference_t = np.asarray(self._prep.transform(ref), dtype=np.float64)[0]
        self._summary = lru_cache(maxsize=8)(self._compute_summary)

    @property
    def trained_at(self) -> pd.Timestamp:
        return pd.Timestamp(self.manifest["created_at"])

    def population_scores(self) -> dict[str, float]:
        """Customer id -> the probability training gave it (built once; the last row of a repeated id)."""
        if self._population_scores is None:
            pop = self.population
            ids, probabilities = pop["customer_id"].astype(str), pop["probability"].astype(float)
            self._population_scores = dict(zip(ids, probabilities, strict=True))
        return self._population_scores

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probabilities of cleaned features (``clean_features``)."""
        with _single_threaded():
            return np.asarray(self.pipeline.predict_proba(features)[:, 1], dtype=np.float64)

    def effects(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (n,), effects (n, F)): p − p with feature j at its reference value.

        A customer whose value already equals the reference has effect 0 for that feature
        and needs no counterfactual row, which skips a third to a half of the work.
        """
        with _single_threaded():
            xt = np.asarray(self._prep.transform(features), dtype=np.float64)
            n, f = xt.shape
            probs, effects = np.empty(n), np.zeros((n, f))
            ref = self._reference_t
            step = max(1, _CHUNK_CELLS // (f * f + f))
            for lo in range(0, n, step):
                block = xt[lo : lo + step]
                m = len(block)
                same = (block == ref) | (np.isnan(block) & np.isnan(ref))
                rows, cols = np.nonzero(~same)
                counterfactual = block[rows]
                counterfactual[np.arange(len(rows)), cols] = ref[cols]
                p_all = self._model.predict_proba(np.vstack([block, counterfactual]))[:, 1]
                probs[lo : lo + m] = p_all[:m]
                effects[lo + rows, cols] = p_all[:m][rows] - p_all[m:]
        return probs, effects

    def score(self, features: pd.DataFrame, top: int = 3) -> ChurnScores:
        """Probabilities, risk bands and each customer's ``top`` drivers (largest |effect| first)."""
        probs, effects = self.effects(features)
        names = self.schema.features
        boolean = set(self.schema.boolean)
        order = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :top]
        values = features[list(names)].to_numpy(dtype=object)
        drivers = []
        for i, row in enumerate(order):
            drivers.append(
                [
                    {
                        "feature": names[j],
                        "value": _plain(values[i, j], names[j] in boolean),
                        "effect": round(float(effects[i, j]), 4),
                        "direction": "raises" if effects[i, j] > 0 else "lowers",
                    }
                    for j in row
                    if abs(effects[i, j]) > 1e-9
                ]
            )
        return ChurnScores(probs, [risk_band(float(p), self.bands) for p in probs], drivers)

    def summary(self, segment: str | None = None) -> dict[str, Any]:
        """Revenue at risk of the population scored at training time, overall and by ``segment``."""
        return self._summary(segment or self.segment_col)

    def _compute_summary(self, segment: str | None) -> dict[str, Any]:
        pop = self.population
        overall = population_summary(pop, self.bands)
        out: dict[str, Any] = {
            "model_version": self.version,
            "customers": overall["customers"],
            "mean_probability": overall["mean_probability"],
            "value_column": self.value_col,
            "revenue_at_risk": overall["revenue_at_risk"],
            "risk_bands": overall["risk_bands"],
            "segment_column": None,
            "by_segment": [],
            "warnings": [],
        }
        if "value" not in pop:
            out["warnings"].append("the model was trained without --value-col, so revenue at risk is unknown")
        if segment is None:
            return out
        column = f"segment:{segment}"
        if column not in pop:
            usable = [c.removeprefix("segment:") for c in pop.columns if c.startswith("segment:")]
            out["warnings"].append(f"segment column {segment!r} is not available; choose one of {usable}")
            return out
        out["segment_column"] = segment
        for name, g in pop.groupby(column, dropna=False, sort=True):
            label = None if pd.isna(name) else str(name)
            out["by_segment"].append({"segment": label, **population_summary(g, self.bands)})
        return out
