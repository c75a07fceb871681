"""Validate a raw sales export against the contract, reporting every problem at once.

``validate_sales`` runs before any fitting. It never stops at the first problem: it collects
them all into a ``ValidationReport`` (naming rows and series) and raises ``ValidationFailed``
when any is an error. Rows are data rows counted from 1, header excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from models.errors import ValidationFailed
from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Frequency, Y, infer_frequency

__all__ = [
    "Problem",
    "SalesHistory",
    "ValidationReport",
    "ValidationRules",
    "name_list",
    "validate_sales",
]

Severity = Literal["error", "warning"]
_SHOW = 5  # rows or series named per problem before "and N more"
_TZ_SUFFIX = re.compile(r"\d[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Problem:
    """One finding of validation: a stable ``code``, what is wrong and how to fix it."""

    code: str
    message: str
    severity: Severity = "error"


@dataclass
class ValidationReport:
    """Every problem found in one sales history, plus what was skipped."""

    n_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    skipped_series: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, code: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(code, message, severity))

    def render(self) -> str:
        head = (
            f"sales history failed validation: {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s) in {self.n_rows} rows "
            "(rows are data rows counted from 1, header excluded)"
            if not self.ok
            else f"sales history is valid ({self.n_rows} rows, {len(self.warnings)} warning(s))"
        )
        lines = [head] + [f"  {p.severity}: [{p.code}] {p.message}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "n_rows": self.n_rows,
            "problems": [p.__dict__ for p in self.problems],
            "skipped_series": self.skipped_series,
        }


@dataclass(frozen=True)
class ValidationRules:
    """How strict validation is; every relaxation is an explicit choice of the caller."""

    freq: str | None = None
    date_format: str | None = None
    aggregate: Literal["sum"] | None = None
    allow_negative: bool = False
    fill_gaps: Literal["zero", "interpolate"] | None = None
    min_length: int | None = None


@dataclass
class SalesHistory:
    """A validated history: ``frame`` has ``series_id``, ``ds``, ``y`` sorted, one freq."""

    frame: pd.DataFrame
    freq: Frequency
    report: ValidationReport

    @property
    def series_ids(self) -> list[str]:
        return list(self.frame[SERIES_ID].unique())


def _rows(index: pd.Index, values: pd.Series | None = None) -> str:
    """Name up to _SHOW rows (1-based), with their offending values when given."""
    idx = list(index[:_SHOW])
    parts = [f"row {i + 1}" + (f" ({values.loc[i]!r})" if values is not None else "") for i in idx]
    more = len(index) - len(idx)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def name_list(items: list[str]) -> str:
    """Up to five items, quoted, then "and N more": how problems name rows, series and columns."""
    shown = ", ".join(repr(s) for s in items[:_SHOW])
    return shown + (f" and {len(items) - _SHOW} more" if len(items) > _SHOW else "")


def validate_sales(
    raw: pd.DataFrame,
    mapping: ColumnMapping = ColumnMapping(),
    rules: ValidationRules = ValidationRules(),
    *,
    keep_row_numbers: bool = False,
) -> SalesHistory:
    """Check a raw export and return it in contract form, or raise ``ValidationFailed``.

    Checks: missing columns, blank ids, unparseable or timezone-aware dates, non-numeric,
    NaN or infinite values, duplicate (series, ds) rows without ``aggregate``, negative
    values without ``allow_negative``, off-grid dates and gaps (filled only by ``fill_gaps``),
    and series too short to fit (skipped and listed; an error if none remain).
    ``keep_row_numbers``: ``raw`` is a subset of a file whose index holds its data-row numbers
    (from 0), so problems name the file's rows (``models.forecast.drivers`` leaves plan rows out).
    """
    report = ValidationReport(n_rows=len(raw))
    missing = [c for c in (*mapping.id_cols, mapping.date_col, mapping.value_col) if c not in raw]
    if missing:
        flags = {c: "--id-col" for c in mapping.id_cols} | {
            mapping.date_col: "--date-col",
            mapping.value_col: "--value-col",
        }
        report.add(
            "missing_columns",
            f"column(s) {name_list(missing)} not found; the file has {name_list(list(raw.columns))}. "
            f"Name the right columns with {', '.join(flags[c] for c in missing)}.",
        )
        raise ValidationFailed(report)

    raw = raw if keep_row_numbers else raw.reset_index(drop=True)
    ids = _check_ids(mapping.series_ids(raw), mapping, report)
    ds = _parse_dates(raw[mapping.date_col], mapping, rules, report)
    y = _parse_values(raw[mapping.value_col], mapping, report)
    _check_negative(ids, y, mapping, rules, report)  # on every row, even those with a bad date
    good = ids.notna() & ds.notna() & y.notna()
    df = pd.DataFrame({SERIES_ID: ids[good], DS: ds[good], Y: y[good]})

    freq = _resolve_frequency(df, rules, report)
    if freq is not None and rules.aggregate == "sum":
        df[DS] = freq.label(df[DS])
    df = _check_duplicates(df, rules, report)
    if freq is not None:
        df = _check_grid_and_gaps(df, freq, rules, report)
        df = _drop_short(df, freq, rules, report)
    if not report.ok or freq is None:
        raise ValidationFailed(report)
    df = df.sort_values([SERIES_ID, DS], kind="stable").reset_index(drop=True)
    return SalesHistory(frame=df, freq=freq, report=report)


def _check_ids(col: pd.Series, mapping: ColumnMapping, report: ValidationReport) -> pd.Series:
    ids = col.astype("string").str.strip()
    blank = ids.isna() | (ids == "")
    if blank.any():
        report.add(
            "missing_series_id",
            f"id column(s) {mapping.id_col!r} empty in {_rows(ids.index[blank])}; every row needs a series id.",
        )
    return ids.mask(blank).astype(object)


def _parse_dates(col: pd.Series, mapping: ColumnMapping, rules: ValidationRules, report: ValidationReport) -> pd.Series:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        report.add(
            "timezone_aware_dates",
            f"column {mapping.date_col!r} holds timezone-aware timestamps ({col.dtype.tz}); "
            "sales periods are local calendar dates: convert to local dates without a timezone.",
        )
        return col.dt.tz_localize(None).dt.normalize()
    if pd.api.types.is_datetime64_any_dtype(col):
        parsed = col
    else:
        text = col.astype("string").str.strip()
        tz = text.str.contains(_TZ_SUFFIX, na=False)
        if tz.any():
            report.add(
                "timezone_aware_dates",
                f"column {mapping.date_col!r} has timezone offsets in {_rows(text.index[tz], text)}; "
                "sales periods are local calendar dates: export them without a timezone.",
            )
        blank = text.isna() | (text == "")
        if blank.any():
            report.add("missing_dates", f"column {mapping.date_col!r} is empty in {_rows(text.index[blank])}.")
        candidates = text.mask(tz | blank)
        parsed = pd.to_datetime(candidates, format=rules.date_format, errors="coerce")
        bad = parsed.isna() & candidates.notna()
        if bad.any():
            hint = (
                f"they do not match --date-format {rules.date_format!r}"
                if rules.date_format
                else "give their layout with --date-format (e.g. %d-%m-%Y, %m/%d/%Y)"
            )
            if not rules.date_format and pd.to_datetime(candidates[bad], dayfirst=True, errors="coerce").notna().all():
                hint += "; they look day-first, so --date-format %d-%m-%Y (or %d/%m/%Y) is likely"
            report.add(
                "unparseable_dates",
                f"column {mapping.date_col!r} has dates that cannot be read in {_rows(text.index[bad], text)}: {hint}.",
            )
    timed = parsed.notna() & (parsed != parsed.dt.normalize())
    if timed.any():
        report.add(
            "time_of_day",
            f"column {mapping.date_col!r} has times of day in {_rows(parsed.index[timed], parsed.astype(str))}; "
            "give one row per period, or pass --aggregate sum to sum rows into periods.",
        )
    return parsed


def _parse_values(col: pd.Series, mapping: ColumnMapping, report: ValidationReport) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.astype(float)
        missing = values.isna()
    else:
        text = col.astype("string").str.strip()
        missing = text.isna() | text.str.lower().isin(["", "nan", "na", "null", "none"])
        values = pd.to_numeric(text.mask(missing), errors="coerce").astype(float)
        bad = values.isna() & ~missing
        if bad.any():
            report.add(
                "non_numeric_values",
                f"column {mapping.value_col!r} has values that are not numbers in "
                f"{_rows(text.index[bad], text)}; write plain numbers (no currency signs or "
                "thousands separators).",
            )
            values = values.mask(bad)
    if missing.any():
        report.add(
            "missing_values",
            f"column {mapping.value_col!r} is empty or NaN in {_rows(values.index[missing])}; "
            "fill them (0 if nothing was sold) or drop those rows.",
        )
    inf = np.isinf(values)
    if inf.any():
        report.add(
            "infinite_values",
            f"column {mapping.value_col!r} is infinite in {_rows(values.index[inf], values)}.",
        )
        values = values.mask(inf)
    return values


def _resolve_frequency(df: pd.DataFrame, rules: ValidationRules, report: ValidationReport) -> Frequency | None:
    if df.empty:
        report.add("no_rows", "no usable rows remain after the problems above.")
        return None
    if rules.freq:
        try:
            return Frequency.parse(rules.freq, anchor_hint=df[DS])
        except Exception as exc:  # noqa: BLE001 - the message already names the fix
            report.add("unknown_frequency", str(exc))
            return None
    days = df[DS].dt.normalize() if rules.aggregate == "sum" else df[DS]
    per_series = [g.drop_duplicates().sort_values() for _, g in days.groupby(df[SERIES_ID])]
    freq = infer_frequency(per_series)
    if freq is None:
        report.add(
            "unknown_frequency",
            "could not infer one frequency (daily, weekly, or monthly dated on the 1st or last "
            "day) from the dates; pass --freq D, W-FRI, MS or ME.",
        )
    return freq


def _check_duplicates(df: pd.DataFrame, rules: ValidationRules, report: ValidationReport) -> pd.DataFrame:
    key = [SERIES_ID, DS]
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return df
    if rules.aggregate == "sum":
        return df.groupby(key, as_index=False, sort=False)[Y].sum()
    pairs = df.loc[dup, key].drop_duplicates()
    shown = [f"{s} @ {d:%Y-%m-%d}" for s, d in pairs.itertuples(index=False)]
    report.add(
        "duplicate_rows",
        f"{int(dup.sum())} rows share a (series, date) with another row: {name_list(shown)} "
        f"({_rows(df.index[dup])}); pass --aggregate sum to add them up, or remove the duplicates.",
    )
    return df.drop_duplicates(key)


def _check_negative(
    ids: pd.Series, y: pd.Series, mapping: ColumnMapping, rules: ValidationRules, report: ValidationReport
) -> None:
    neg = y < 0
    if neg.any() and not rules.allow_negative:
        series = [str(s) for s in ids[neg].dropna().unique()]
        report.add(
            "negative_values",
            f"column {mapping.value_col!r} is negative in {_rows(y.index[neg], y)} "
            f"(series {name_list(series)}); sales are non-negative: fix them, or pass "
            "--allow-negative if returns are netted into sales.",
        )


def _check_grid_and_gaps(
    df: pd.DataFrame, freq: Frequency, rules: ValidationRules, report: ValidationReport
) -> pd.DataFrame:
    off = ~freq.on_grid(df[DS])
    if off.any():
        report.add(
            "irregular_dates",
            f"{int(off.sum())} dates are not {freq.kind} period labels for {freq.alias} in "
            f"{_rows(df.index[off], df[DS].dt.strftime('%Y-%m-%d'))}; fix them, pass the right --freq, "
            "or pass --aggregate sum to sum rows into periods.",
        )
        return df
    filled, gappy = [], []
    for sid, g in df.groupby(SERIES_ID, sort=False):
        full = (
            freq.range(g[DS].iloc[0], periods=1)
            if len(g) == 1
            else pd.date_range(g[DS].min(), g[DS].max(), freq=freq.alias)
        )
        if len(full) == len(g):
            filled.append(g)
            continue
        missing = full.difference(pd.DatetimeIndex(g[DS]))
        gappy.append(f"{sid} ({len(missing)} missing, first {missing[0]:%Y-%m-%d})")
        if rules.fill_gaps:
            g = g.set_index(DS).reindex(full)
            g[SERIES_ID] = sid
            g[Y] = g[Y].fillna(0.0) if rules.fill_gaps == "zero" else g[Y].interpolate()
            g = g.rename_axis(DS).reset_index()
        filled.append(g)
    if gappy:
        if rules.fill_gaps:
            report.add(
                "gaps_filled",
                f"{len(gappy)} series had missing periods, filled by --fill-gaps {rules.fill_gaps}: "
                f"{name_list(gappy)}.",
                "warning",
            )
        else:
            report.add(
                "gaps",
                f"{len(gappy)} series have missing {freq.kind} periods: {name_list(gappy)}; pass "
                "--fill-gaps zero (no row means nothing sold) or --fill-gaps interpolate.",
            )
    return pd.concat(filled, ignore_index=True)[[SERIES_ID, DS, Y]]


def _drop_short(df: pd.DataFrame, freq: Frequency, rules: ValidationRules, report: ValidationReport) -> pd.DataFrame:
    need = rules.min_length or freq.min_length
    sizes = df.groupby(SERIES_ID, sort=False).size()
    short = list(sizes.index[sizes < need])
    if not short:
        return df
    report.skipped_series = short
    if len(short) == len(sizes):
        report.add(
            "too_short",
            f"every series has fewer than {need} {freq.kind} observations (longest: "
            f"{int(sizes.max())}); nothing can be fitted. Provide more history.",
        )
        return df
    report.add(
        "too_short",
        f"skipped {len(short)} series with fewer than {need} {freq.kind} observations: {name_list(short)}.",
        "warning",
    )
    return df[~df[SERIES_ID].isin(short)]
