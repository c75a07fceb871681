"""Drivers: regressors the planner knows in advance (promotions, prices) and open/closed periods.

``--regressors promo,price`` names numeric or boolean (``0/1``, ``true/false``, ``yes/no``) columns
of the sales file. Their **plan**, the values over the horizon, comes from rows after a series'
last observed period whose value column is empty (long format, in the same file) and/or from a
future file with the same id, date and regressor columns. ``--open-col`` names an availability
indicator: 0 means closed, sales known to be 0 (forecast as exactly 0, left out of the fit and of
the calibration errors). ``--regressor-fill promo=0,price=last`` fills what the plan leaves open.

Without any driver flag nothing here runs: a row with an empty value is an error wherever it is,
exactly as before (``validate_sales``'s ``missing_values``). ``validate_drivers`` reports every
problem of the history and of the plan at once, naming series and dates, before anything is fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.errors import InvalidInput, ValidationFailed
from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Frequency, Y, infer_frequency
from models.forecast.plan import OPEN, cover_horizon, driver_column, name_rows, parse_flag_values, plan_table
from models.forecast.validation import (
    Problem,
    SalesHistory,
    ValidationReport,
    ValidationRules,
    name_list,
    validate_sales,
)

__all__ = ["DriverHistory", "DriverSpec", "parse_fill", "validate_drivers"]


def parse_fill(text: str | None) -> dict[str, str]:
    """``promo=0,price=last`` -> ``{"promo": "0", "price": "last"}``; InvalidInput naming a bad part."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in (text or "").split(",") if p.strip()):
        name, sep, policy = part.partition("=")
        policy = policy.strip().lower()
        if not sep or not name.strip() or not (policy == "last" or _is_number(policy)):
            raise InvalidInput(
                f"--regressor-fill {part!r} is not COLUMN=POLICY: give a number or `last`, e.g. promo=0,price=last"
            )
        out[name.strip()] = policy
    return out


def _is_number(text: str) -> bool:
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False


@dataclass(frozen=True)
class DriverSpec:
    """Which driver columns training reads, and how a plan's missing values are filled."""

    regressors: tuple[str, ...] = ()
    open_col: str | None = None
    fill: Mapping[str, str] = field(default_factory=dict)  # column -> a number (as text) or "last"

    @property
    def active(self) -> bool:
        return bool(self.regressors or self.open_col)

    @property
    def columns(self) -> tuple[str, ...]:
        """The raw columns the plan must cover: the regressors, then the open indicator."""
        return self.regressors + ((self.open_col,) if self.open_col else ())

    def check(self) -> None:
        """InvalidInput for a spec that contradicts itself (before the data is read)."""
        dupes = sorted({c for c in self.regressors if self.regressors.count(c) > 1})
        if dupes:
            raise InvalidInput(f"--regressors names {name_list(dupes)} twice; name each column once")
        if self.open_col and self.open_col in self.regressors:
            raise InvalidInput(f"{self.open_col!r} is both --open-col and a regressor; it can be one of them")
        unknown = sorted(set(self.fill) - set(self.columns))
        if unknown:
            raise InvalidInput(
                f"--regressor-fill names {name_list(unknown)}, which are not --regressors or --open-col "
                f"({name_list(list(self.columns)) or 'none given'})"
            )


@dataclass
class DriverHistory:
    """A validated history whose ``frame`` also holds the regressor and ``is_open`` columns, and
    the plan: per fitted series exactly ``horizon`` rows (``series_id``, ``ds``, the same columns)."""

    history: SalesHistory
    plan: pd.DataFrame
    regressors: tuple[str, ...]
    has_open: bool


def validate_drivers(
    raw: pd.DataFrame,
    mapping: ColumnMapping,
    rules: ValidationRules,
    spec: DriverSpec,
    horizon: int | None,
    future: pd.DataFrame | None = None,
) -> DriverHistory:
    """Validate the history and its drivers together; raise ``ValidationFailed`` listing every problem.

    ``horizon`` (None: a year at the history's frequency) is what the plan must cover, per series,
    from the period after its last observed one (0: no plan is needed, as in a backtest).
    """
    raw = raw.reset_index(drop=True)
    report = ValidationReport(n_rows=len(raw))
    located = set(mapping.id_cols) <= set(raw) and mapping.date_col in raw and mapping.value_col in raw
    missing = [c for c in spec.columns if c not in raw]
    if missing:
        report.add(
            "missing_regressors",
            f"driver column(s) {name_list(missing)} not found in the sales file; it has "
            f"{name_list(list(raw.columns))}. Add them, or name the right columns with --regressors / --open-col.",
        )
    if not located:  # validate_sales names the missing id, date or value columns
        ids = ds = pd.Series(pd.NA, index=raw.index)
        plan_rows = pd.Series(False, index=raw.index)
    else:
        ids = mapping.series_ids(raw).astype("string").str.strip()
        text = raw[mapping.date_col].astype("string").str.strip()
        ds = pd.to_datetime(text, format=rules.date_format, errors="coerce")
        _, empty, _ = parse_flag_values(raw[mapping.value_col])
        last = ds[~empty].groupby(ids[~empty]).max()
        plan_rows = (empty & ds.notna() & ids.notna() & (ds > ids.map(last))).astype(bool)
    try:
        history: SalesHistory | None = validate_sales(raw[~plan_rows], mapping, rules, keep_row_numbers=True)
        found = history.report if history else report
    except ValidationFailed as exc:
        history, found = None, exc.report
    report.skipped_series = found.skipped_series
    named = [_name_empty_values(p, raw, ids, ds, mapping, plan_rows) if located else p for p in found.problems]
    report.problems = named + report.problems
    values = {c: parse_flag_values(raw[c]) for c in spec.columns if c in raw}
    if located:
        for c, (v, empty, bad) in values.items():
            for mask, code, what in (
                (empty & ~plan_rows, "missing_regressor_values", "is empty"),
                (bad & ~plan_rows, "non_numeric_regressors", "is not a number (nor true/false, yes/no)"),
            ):
                if mask.any():
                    report.add(
                        code,
                        f"driver column {c!r} {what} in the history at {name_rows(ids, ds, mask)}; the history "
                        "needs every driver value (numbers, or 0/1, true/false, yes/no).",
                    )
            odd = v.notna() & ~v.isin([0.0, 1.0])
            if c == spec.open_col and odd.any():
                report.add(
                    "open_not_binary",
                    f"--open-col {c!r} must be 1 (open) or 0 (closed), not as at {name_rows(ids, ds, odd)}.",
                )
    freq = history.freq if history is not None else _fallback_frequency(ids, ds, plan_rows, located, rules)
    if history is not None and report.ok:
        frame = _attach(history, ids, ds, plan_rows, values, spec, rules.aggregate == "sum", report)
    else:  # the plan is still checked against what the history rows say, so every problem shows at once
        keep = ~plan_rows & ids.notna() & ds.notna() if located else pd.Series(False, index=raw.index)
        frame = pd.DataFrame({SERIES_ID: ids[keep].astype(object), DS: ds[keep]})
        for c, (v, _, _) in values.items():
            frame[driver_column(c, spec)] = v[keep]
        frame = frame.sort_values([SERIES_ID, DS], kind="stable")
    plan = pd.DataFrame(columns=[SERIES_ID, DS])
    if freq is not None and len(frame):
        h = freq.default_horizon if horizon is None else horizon
        planned = plan_table(ids, ds, plan_rows, values, mapping, future, spec, frame, report)
        plan = cover_horizon(frame, planned, freq, h, spec, tuple(values), report)
    if spec.open_col in values and history is not None and report.ok:
        sold = (frame[OPEN] == 0) & (frame[Y] != 0)
        if sold.any():
            where = [f"{s} @ {d:%Y-%m-%d}" for s, d in frame.loc[sold, [SERIES_ID, DS]].itertuples(index=False)]
            report.add(
                "closed_with_sales",
                f"--open-col {spec.open_col!r} is 0 (closed) where sales are not 0: {name_list(where)}; "
                "a closed period sells nothing: fix the value or the open flag.",
            )
    if history is None or not report.ok:
        raise ValidationFailed(report)
    history.frame, history.report = frame, report
    return DriverHistory(history, plan, spec.regressors, spec.open_col is not None)


def _fallback_frequency(
    ids: pd.Series, ds: pd.Series, plan_rows: pd.Series, located: bool, rules: ValidationRules
) -> Frequency | None:
    """The history's frequency as far as its rows tell when validation failed (None if they do not)."""
    if not located:
        return None
    try:
        if rules.freq:
            return Frequency.parse(rules.freq, anchor_hint=ds.dropna())
    except InvalidInput:
        return None
    rows = ~plan_rows & ids.notna() & ds.notna()
    return infer_frequency([g.drop_duplicates().sort_values() for _, g in ds[rows].groupby(ids[rows])])


def _name_empty_values(
    p: Problem, raw: pd.DataFrame, ids: pd.Series, ds: pd.Series, mapping: ColumnMapping, plan_rows: pd.Series
) -> Problem:
    """validate_sales' ``missing_values`` (rows only), restated with series, dates and the plan rule."""
    if p.code != "missing_values":
        return p
    _, empty, _ = parse_flag_values(raw[mapping.value_col])
    mask = empty & ~plan_rows
    if not mask.any():
        return p
    return Problem(
        p.code,
        f"column {mapping.value_col!r} is empty in rows that are not after their series' history: "
        f"{name_rows(ids, ds, mask)}. With drivers only rows after a series' last observed period may leave it "
        "empty (they are the plan); fill these (0 if nothing was sold) or drop them.",
    )


def _attach(
    history: SalesHistory,
    ids: pd.Series,
    ds: pd.Series,
    plan_rows: pd.Series,
    values: dict[str, tuple[pd.Series, pd.Series, pd.Series]],
    spec: DriverSpec,
    aggregate: bool,
    report: ValidationReport,
) -> pd.DataFrame:
    """The validated frame with the driver columns joined on (series, period)."""
    keep = ~plan_rows
    table = pd.DataFrame({SERIES_ID: ids[keep].astype(object), DS: ds[keep]})
    if aggregate:
        table[DS] = history.freq.label(table[DS])  # --aggregate sum: drivers averaged over each period
    for c, (v, _, _) in values.items():
        table[driver_column(c, spec)] = v[keep]
    table = table.groupby([SERIES_ID, DS], as_index=False, sort=False).mean()
    frame = history.frame.merge(table, on=[SERIES_ID, DS], how="left")
    cols = [driver_column(c, spec) for c in values]
    gaps = frame[cols].isna().any(axis=1)
    if gaps.any():  # periods --fill-gaps inserted: the fill policy, else the last value before
        for c in values:
            col, policy = driver_column(c, spec), spec.fill.get(c, "last")
            filled = frame.groupby(SERIES_ID, sort=False)[col].ffill()
            frame[col] = frame[col].fillna(float(policy)) if policy != "last" else filled
        report.add(
            "regressor_gaps_filled",
            f"{int(gaps.sum())} periods inserted by --fill-gaps got their driver values from --regressor-fill "
            "(or the last value before them).",
            "warning",
        )
    return frame
