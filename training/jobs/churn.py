"""The churn training job: check -> infer types -> search -> holdout vs baseline -> refit -> registry.

The holdout (stratified, 20% by default) scores the boosted model and the logistic baseline,
both fitted on the rest; the stored model is then refitted on every row with the chosen
hyperparameters, and scores the whole table once to give the population summary (revenue at
risk) that ``GET /v1/churn/summary`` serves.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from models.churn.artifact import save_churn
from models.churn.features import FeatureSchema, clean_features, infer_schema, parse_label
from models.churn.model import population_summary, risk_band
from models.churn.pipeline import build_baseline, classification_metrics, fit_churn, neutral_reference, search
from models.churn.transactions import TransactionColumns, transaction_features
from models.errors import InvalidInput
from models.registry import Registry
from training.provenance import library_versions

__all__ = ["ChurnSummary", "train_churn", "train_churn_transactions"]

log = logging.getLogger(__name__)
MODEL = "churn"
_MIN_PER_CLASS = 20


@dataclass
class ChurnSummary:
    version: str
    promoted: bool
    rows: int
    schema: FeatureSchema
    params: dict[str, Any]
    candidates: int
    holdout: dict[str, Any]
    population: dict[str, Any]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["schema"] = self.schema.to_dict()
        out["seconds"] = round(self.seconds, 2)
        return out


def _require(frame: pd.DataFrame, column: str | None, flag: str) -> None:
    if column is not None and column not in frame.columns:
        raise InvalidInput(f"no column {column!r} (for {flag}); the table has: {', '.join(map(str, frame.columns))}")


def _population(
    frame: pd.DataFrame,
    x: pd.DataFrame,
    p: np.ndarray,
    schema: FeatureSchema,
    id_col: str,
    value_col: str | None,
    segment_col: str | None,
) -> pd.DataFrame:
    pop = pd.DataFrame({"customer_id": frame[id_col].astype(str).to_numpy(), "probability": p})
    if value_col is not None:
        pop["value"] = pd.to_numeric(frame[value_col], errors="coerce").fillna(0.0).to_numpy()
    pop["band"] = [risk_band(float(v)) for v in p]
    segments = [c for c in (*schema.categorical, *schema.boolean) if x[c].nunique() <= 50]
    for col in segments:
        pop[f"segment:{col}"] = x[col].astype("string").to_numpy()
    if segment_col is not None and segment_col not in segments:
        pop[f"segment:{segment_col}"] = frame[segment_col].astype("string").to_numpy()
    return pop


def train_churn(
    frame: pd.DataFrame,
    registry: Registry,
    *,
    id_col: str = "customer_id",
    label_col: str = "churned",
    value_col: str | None = None,
    drop: Sequence[str] = (),
    keep_text: Sequence[str] = (),
    segment_col: str | None = None,
    budget_seconds: float = 30.0,
    holdout: float = 0.2,
    promote: bool = True,
    random_state: int = 0,
    threads: int = 1,
    source: str | None = None,
    extra: dict[str, Any] | None = None,
) -> ChurnSummary:
    """Train, evaluate and store a churn model from a customer table (one row per customer)."""
    started = time.perf_counter()
    for column, flag in [
        (id_col, "--id-col"),
        (label_col, "--label-col"),
        (value_col, "--value-col"),
        (segment_col, "--segment-col"),
    ]:
        _require(frame, column, flag)
    for column in [*drop, *keep_text]:
        _require(frame, column, "--drop/--keep-text")
    y = parse_label(frame[label_col], label_col)
    if min(int(y.sum()), int(len(y) - y.sum())) < _MIN_PER_CLASS:
        raise InvalidInput(
            f"need at least {_MIN_PER_CLASS} churned and {_MIN_PER_CLASS} retained customers to "
            f"train and evaluate; {label_col!r} has {int(y.sum())} churned of {len(y)}"
        )
    warnings: list[str] = []
    if frame[id_col].duplicated().any():
        warnings.append(f"{int(frame[id_col].duplicated().sum())} duplicate ids in {id_col!r}; each row is scored")
    if value_col is not None and (bad := pd.to_numeric(frame[value_col], errors="coerce").isna()).any():
        warnings.append(f"{int(bad.sum())} non-numeric values in {value_col!r} count as 0 revenue")
    schema = infer_schema(frame, exclude=[id_col, label_col, *drop], keep_text=keep_text)
    warnings += [f"dropped column {c!r}: {why}" for c, why in schema.dropped.items()]
    warnings += [f"column {c!r}: {note}" for c, note in schema.notes.items()]
    x = clean_features(frame, schema)
    log.info(
        "churn table: %d rows, %d features (%d numeric, %d boolean, %d categorical), churn rate %.3f",
        len(x),
        len(schema.features),
        len(schema.numeric),
        len(schema.boolean),
        len(schema.categorical),
        y.mean(),
    )
    with threadpool_limits(limits=threads):  # OpenMP oversubscription on shared cores costs 10x
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=holdout, stratify=y, random_state=random_state)
        found = search(x_tr, y_tr, schema, budget_seconds=budget_seconds, random_state=random_state)
        model = classification_metrics(y_te, fit_churn(x_tr, y_tr, schema, found.params).predict_proba(x_te)[:, 1])
        baseline = classification_metrics(y_te, build_baseline(schema).fit(x_tr, y_tr).predict_proba(x_te)[:, 1])
        final = fit_churn(x, y, schema, found.params, random_state=random_state)
        p = final.predict_proba(x)[:, 1]
        reference = neutral_reference(final, x, schema, random_state=random_state)
    delta = {k: round(model[k] - baseline[k], 4) for k in ("roc_auc", "pr_auc", "brier")}
    beats = delta["roc_auc"] > 0 and delta["brier"] < 0
    if not beats:
        warnings.append(
            f"the boosted model does not beat the logistic baseline on the holdout "
            f"(ROC AUC {delta['roc_auc']:+.4f}, Brier {delta['brier']:+.4f})"
        )
    holdout_metrics = {
        "fraction": holdout,
        "rows": len(y_te),
        "model": model,
        "baseline": baseline,
        "delta": delta,
        "beats_baseline": beats,
    }
    pop = _population(frame, x, p, schema, id_col, value_col, segment_col)
    population = population_summary(pop)
    fingerprint = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    with registry.stage(MODEL) as staged:
        save_churn(
            staged.path,
            final,
            schema,
            reference,
            pop,
            id_col=id_col,
            value_col=value_col,
            segment_col=segment_col,
            extra=extra,
            features=x,  # binned per feature: the reference for drift (PSI) of the customers scored later
        )
        staged.manifest.update(
            {
                "family": "churn",
                "params": found.params,
                "search": {
                    "candidates": found.candidates,
                    "cv_roc_auc": found.cv_roc_auc,
                    "seconds": found.seconds,
                    "budget_seconds": budget_seconds,
                },
                "schema": schema.to_dict(),
                "metrics": {"holdout": holdout_metrics, "population": population},
                "data": {
                    "source": source,
                    "rows": len(frame),
                    "id_col": id_col,
                    "label_col": label_col,
                    "value_col": value_col,
                    "segment_col": segment_col,
                    "churn_rate": float(y.mean()),
                    "fingerprint_sha256": hashlib.sha256(fingerprint.tobytes()).hexdigest(),
                    **(extra or {}),
                },
                "warnings": warnings,
                "libraries": library_versions(["scikit-learn", "skops", "pandas", "numpy", "scipy", "sales-sentinel"]),
            }
        )
    if promote:
        registry.promote(MODEL, staged.version)
    return ChurnSummary(
        staged.version,
        promote,
        len(frame),
        schema,
        found.params,
        found.candidates,
        holdout_metrics,
        population,
        time.perf_counter() - started,
        warnings,
        dict(extra or {}),
    )


def train_churn_transactions(
    log_frame: pd.DataFrame,
    registry: Registry,
    *,
    cols: TransactionColumns = TransactionColumns(),
    inactive_days: int = 90,
    as_of: str | None = None,
    **kwargs: Any,
) -> ChurnSummary:
    """Build per-customer features and labels at a cutoff from a transaction log, then train."""
    table, cutoff = transaction_features(log_frame, cols, inactive_days=inactive_days, as_of=as_of)
    log.info("transaction log: %d rows -> %d customers at cutoff %s", len(log_frame), len(table), cutoff.date())
    extra = {
        "input": "transactions",
        "as_of": f"{cutoff:%Y-%m-%d}",
        "inactive_days": inactive_days,
        "transactions": len(log_frame),
    }
    return train_churn(
        table, registry, id_col="customer_id", label_col="churned", value_col="monthly_value", extra=extra, **kwargs
    )
