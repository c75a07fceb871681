"""Churn features from a customer table: label parsing, type inference, cleaning, scoring input.

Real exports are messy, so nothing here assumes a known schema. Each column other than the id
and the label is classified once, at training time, and the result (a ``FeatureSchema``) is
stored with the model so that scoring requests are cleaned exactly the same way:

* numeric: numbers, also when exported as text with blanks (``"1,234.5"``, ``" "``) -> float, NaN
* boolean: two values from yes/no, true/false, y/n, 1/0 -> 1.0 / 0.0
* categorical: low-cardinality text (at most ``max_categories`` distinct values)
* dropped and reported: empty, constant, ID-like (unique per row) and high-cardinality text
  columns (the latter kept as categorical only when asked with ``keep_text``)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InvalidInput

__all__ = ["FeatureSchema", "clean_features", "frame_from_records", "infer_schema", "parse_label"]

_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}
_NUMERIC_SHARE = 0.95  # a text column is numeric when this share of its non-blank values parse


@dataclass(frozen=True)
class FeatureSchema:
    """The features a churn model uses, by kind, and what was left out and why."""

    numeric: tuple[str, ...]
    boolean: tuple[str, ...]
    categorical: tuple[str, ...]
    dropped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        return (*self.numeric, *self.boolean, *self.categorical)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSchema:
        return cls(
            numeric=tuple(d["numeric"]),
            boolean=tuple(d["boolean"]),
            categorical=tuple(d["categorical"]),
            dropped=dict(d.get("dropped", {})),
            notes=dict(d.get("notes", {})),
        )


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower()


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return values.isna() | text.isna() | (text == "")


def _to_number(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("$", "", regex=False)
    return pd.to_numeric(text.mask(text == ""), errors="coerce").astype("float64")


def _to_bool(values: pd.Series) -> pd.Series:
    text = _as_text(values)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[text.isin(_TRUE).fillna(False).to_numpy(bool)] = 1.0
    out[text.isin(_FALSE).fillna(False).to_numpy(bool)] = 0.0
    return out


def parse_label(values: pd.Series, column: str) -> np.ndarray:
    """yes/no, true/false, y/n and 1/0 (any case) -> 1/0; anything else is an error naming it."""
    text = _as_text(values)
    bad = ~(text.isin(_TRUE) | text.isin(_FALSE)).fillna(False).to_numpy(bool)
    if bad.any():
        examples = sorted({str(v) for v in values[bad].head(50)})[:5]
        raise InvalidInput(
            f"label column {column!r} has {int(bad.sum())} value(s) that are not yes/no, true/false or 1/0 "
            f"(e.g. {examples}); fix them or choose the right column with --label-col"
        )
    label = text.isin(_TRUE).to_numpy(bool).astype(np.int64)
    if label.min() == label.max():
        raise InvalidInput(f"label column {column!r} holds one class only; a churn model needs churned and stayed rows")
    return label


def infer_schema(
    frame: pd.DataFrame,
    *,
    exclude: Iterable[str] = (),
    keep_text: Iterable[str] = (),
    max_categories: int = 50,
) -> FeatureSchema:
    """Classify every column not in ``exclude`` (id, label, value, --drop) as a feature kind or drop it."""
    excluded, keep = set(exclude), set(keep_text)
    numeric: list[str] = []
    boolean: list[str] = []
    categorical: list[str] = []
    dropped: dict[str, str] = {}
    notes: dict[str, str] = {}
    n = len(frame)
    for col in frame.columns:
        if col in excluded:
            continue
        values = frame[col]
        blank = _blank(values)
        present = values[~blank]
        distinct = _as_text(present).nunique()
        if present.empty:
            dropped[col] = "empty"
            continue
        if distinct == 1:
            dropped[col] = "constant"
            continue
        text = _as_text(present)
        if distinct == 2 and text.isin(_TRUE | _FALSE).all():
            boolean.append(col)
        elif (parsed := _to_number(present)).notna().mean() >= _NUMERIC_SHARE:
            integral = bool(np.all(np.mod(parsed.dropna(), 1) == 0))
            if integral and distinct == n and n > 20:
                dropped[col] = "ID-like (a distinct integer on every row)"
                continue
            numeric.append(col)
            if blank.any() or parsed.isna().any():
                missing = int(blank.sum() + parsed.isna().sum())
                notes[col] = f"{missing} blank or non-numeric value(s) treated as missing"
        elif distinct > max_categories and col not in keep:
            why = "ID-like (unique per row)" if distinct >= 0.95 * len(present) else "high-cardinality text"
            dropped[col] = f"{why}: {distinct} distinct values; keep it with --keep-text {col}"
        else:
            categorical.append(col)
    if not numeric and not boolean and not categorical:
        raise InvalidInput(
            f"no usable feature columns besides the id and label (dropped: {dropped or 'none'}); "
            "check --id-col, --label-col and --drop"
        )
    return FeatureSchema(tuple(numeric), tuple(boolean), tuple(categorical), dropped, notes)


def clean_features(frame: pd.DataFrame, schema: FeatureSchema) -> pd.DataFrame:
    """The feature columns in model order: numbers and booleans as float (NaN = missing), text as str."""
    out: dict[str, Any] = {}
    for col in schema.numeric:
        out[col] = _to_number(frame[col]) if col in frame else np.nan
    for col in schema.boolean:
        out[col] = _to_bool(frame[col]) if col in frame else np.nan
    for col in schema.categorical:
        if col in frame:
            values = frame[col]
            out[col] = values.astype("string").str.strip().mask(_blank(values)).astype(object)
        else:
            out[col] = None
    cleaned = pd.DataFrame(out, index=frame.index)
    for col in schema.categorical:
        cleaned[col] = cleaned[col].where(cleaned[col].notna(), np.nan)
    return cleaned


def _customer_ids(records: Sequence[dict[str, Any]], id_field: str) -> list[str]:
    ids = []
    for i, record in enumerate(records):
        cid = record.get(id_field)
        if cid is None or isinstance(cid, dict | list | bool) or str(cid).strip() == "":
            raise InvalidInput(f"customers[{i}]: {id_field!r} is missing or not a string/number")
        ids.append(str(cid))
    return ids


def frame_from_records(
    records: Sequence[dict[str, Any]], schema: FeatureSchema, id_field: str = "customer_id"
) -> tuple[list[str], pd.DataFrame, list[str]]:
    """Scoring input -> (customer ids, cleaned features, warnings).

    Unknown fields are ignored and missing features are left missing (the model treats them as
    in training); both are reported. A value of the wrong type raises ``InvalidInput`` naming the
    customer and the field.
    """
    ids = _customer_ids(records, id_field)
    raw = pd.DataFrame.from_records(records)
    warnings: list[str] = []
    unknown = sorted(set(raw.columns) - set(schema.features) - {id_field})
    if unknown:
        warnings.append(f"ignored unknown field(s): {', '.join(map(str, unknown))}")
    for col in schema.features:
        if col not in raw:
            continue
        values = raw[col]
        nested = values.map(lambda v: isinstance(v, dict | list)).to_numpy(bool)
        if col in schema.numeric:
            bad = nested | (~_blank(values).to_numpy(bool) & _to_number(values).isna().to_numpy(bool))
            bad |= values.map(lambda v: isinstance(v, bool)).to_numpy(bool)
            kind = "a number"
        elif col in schema.boolean:
            bad = nested | (~_blank(values).to_numpy(bool) & _to_bool(values).isna().to_numpy(bool))
            kind = "true/false, yes/no or 1/0"
        else:
            bad = nested
            kind = "a string"
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInput(
                f"customer {ids[i]!r}: field {col!r} must be {kind}, got {values.iloc[i]!r}"
                + (f" (and {int(bad.sum()) - 1} more customer(s))" if bad.sum() > 1 else "")
            )
    cleaned = clean_features(raw, schema)
    for col in schema.features:
        missing = cleaned[col].isna().to_numpy(bool)
        if missing.any():
            who = ", ".join(ids[i] for i in np.flatnonzero(missing)[:5]) + (", ..." if missing.sum() > 5 else "")
            warnings.append(
                f"field {col!r} missing for {int(missing.sum())} customer(s) ({who}); "
                "handled as missing values were in training"
            )
    return ids, cleaned, warnings
