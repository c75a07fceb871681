"""The plan: the drivers' values over the horizon, from the sales file's trailing rows and a future file.

``models.forecast.drivers`` validates a history with its drivers; this module reads driver values
(numbers or 0/1, true/false, yes/no) and assembles the plan on each series' horizon grid, filled by
``--regressor-fill`` policies, naming the first uncovered date of every series it cannot cover.
A trained version serves its plan as :class:`Drivers`, with the terms that shift its forecast
exactly under a changed plan (``models.forecast.scenario``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Frequency
from models.forecast.validation import ValidationReport, name_list

if TYPE_CHECKING:
    from models.forecast.drivers import DriverSpec
    from models.forecast.model import SeriesInfo

__all__ = ["OPEN", "Drivers", "cover_horizon", "driver_column", "name_rows", "parse_flag_values", "plan_table"]

OPEN = "is_open"  # the open indicator's column in validated frames and plans (1 open, 0 closed)
_TRUE, _FALSE = {"true", "yes", "y", "t"}, {"false", "no", "n", "f"}
_EMPTY = {"", "nan", "na", "null", "none"}
Values = dict[str, tuple[pd.Series, pd.Series, pd.Series]]  # column -> parse_flag_values


def parse_flag_values(col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(float values, empty mask, not-a-number mask) of a numeric or boolean column."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float), pd.Series(False, index=col.index), pd.Series(False, index=col.index)
    if pd.api.types.is_numeric_dtype(col):
        values = col.astype(float)
        return values, values.isna(), pd.Series(False, index=col.index) | ~np.isfinite(values.fillna(0.0))
    text = col.astype("string").str.strip().str.lower()
    empty = text.isna() | text.isin(_EMPTY)
    values = pd.to_numeric(text.mask(empty | text.isin(_TRUE | _FALSE)), errors="coerce").astype(float)
    values = values.mask(text.isin(_TRUE), 1.0).mask(text.isin(_FALSE), 0.0)
    bad = (values.isna() | ~np.isfinite(values.fillna(0.0))) & ~empty
    return values, empty.fillna(True).astype(bool), bad.astype(bool)


def name_rows(ids: pd.Series, ds: pd.Series, mask: pd.Series) -> str:
    """Series @ date of the masked rows, with their data-row numbers (counted from 1)."""
    shown = [
        f"{s} @ {d:%Y-%m-%d}" if pd.notna(d) else f"{s} (row {i + 1})"
        for i, s, d in zip(ids.index[mask], ids[mask], ds[mask], strict=True)
    ]
    rows = [str(i + 1) for i in ids.index[mask]]
    return f"{name_list(shown)} (rows {', '.join(rows[:5])}{' ...' if len(rows) > 5 else ''})"


def driver_column(col: str, spec: DriverSpec) -> str:
    """The column a driver has in validated frames and plans: its own name, ``is_open`` for --open-col."""
    return OPEN if col == spec.open_col else col


def plan_table(
    ids: pd.Series,
    ds: pd.Series,
    plan_rows: pd.Series,
    values: Values,
    mapping: ColumnMapping,
    future: pd.DataFrame | None,
    spec: DriverSpec,
    frame: pd.DataFrame,
    report: ValidationReport,
) -> pd.DataFrame:
    """Planned values from the sales file's trailing rows and the future file (NaN where unusable)."""
    same = pd.DataFrame({SERIES_ID: ids[plan_rows].astype(object), DS: ds[plan_rows]})
    for c, (v, _, _) in values.items():
        same[driver_column(c, spec)] = v[plan_rows]
    parts = [same]
    if future is not None:
        parts.append(_future_table(future.reset_index(drop=True), mapping, spec, frame, report))
    plan = pd.concat(parts, ignore_index=True)
    dup = plan.duplicated([SERIES_ID, DS], keep=False)
    if dup.any():
        pairs = plan.loc[dup, [SERIES_ID, DS]].drop_duplicates()
        twice = [f"{s} @ {d:%Y-%m-%d}" for s, d in pairs.itertuples(index=False)]
        report.add(
            "duplicate_plan_rows",
            f"the plan gives some (series, date) twice: {name_list(twice)}; give each future period once "
            "(in the sales file or in --future, not both).",
        )
        plan = plan.drop_duplicates([SERIES_ID, DS])
    return plan


def _future_table(
    future: pd.DataFrame, mapping: ColumnMapping, spec: DriverSpec, frame: pd.DataFrame, report: ValidationReport
) -> pd.DataFrame:
    need = [*mapping.id_cols, mapping.date_col]
    missing = [c for c in need + list(spec.columns) if c not in future]
    if missing:
        report.add(
            "future_missing_columns",
            f"the --future file lacks column(s) {name_list(missing)}; it needs the sales file's id and date "
            f"columns and every driver column ({name_list(list(spec.columns))}).",
        )
        return pd.DataFrame(columns=[SERIES_ID, DS])
    ids = mapping.series_ids(future).astype("string").str.strip()
    ds = pd.to_datetime(future[mapping.date_col].astype("string").str.strip(), errors="coerce")
    bad_dates = ds.isna()
    if bad_dates.any():
        where = name_rows(ids, ds, bad_dates)
        report.add("future_unparseable_dates", f"the --future file has dates that cannot be read at {where}.")
    if mapping.value_col in future:
        _, empty, _ = parse_flag_values(future[mapping.value_col])
        if (~empty).any():
            report.add(
                "future_values",
                f"the --future file carries a {mapping.value_col!r} value at {name_rows(ids, ds, ~empty)}: it "
                "holds the "
                "plan only. Move observed sales into the sales file, or empty those values.",
            )
    last = frame.groupby(SERIES_ID)[DS].max()
    early = ds.notna() & (ds <= ids.map(last))
    if early.any():
        report.add(
            "plan_in_history",
            f"the --future file has rows inside the history at {name_rows(ids, ds, early)}; the plan starts after "
            "each series' last observed period.",
        )
    keep = ~bad_dates & ~early
    table = pd.DataFrame({SERIES_ID: ids[keep].astype(object), DS: ds[keep]})
    for c in spec.columns:
        v, _, bad = parse_flag_values(future[c])
        if bad.any():
            report.add(
                "non_numeric_regressors",
                f"driver column {c!r} of the --future file is not a number at {name_rows(ids, ds, bad)}.",
            )
        table[driver_column(c, spec)] = v[keep]
    return table


def cover_horizon(
    frame: pd.DataFrame,
    plan: pd.DataFrame,
    freq: Frequency,
    horizon: int,
    spec: DriverSpec,
    columns: tuple[str, ...],
    report: ValidationReport,
) -> pd.DataFrame:
    """The plan on each fitted series' horizon grid, filled by policy; uncovered dates reported."""
    rows: list[pd.DataFrame] = []
    uncovered: dict[str, list[str]] = {c: [] for c in columns}
    by_series = dict(tuple(plan.groupby(SERIES_ID, sort=False))) if len(plan) else {}
    for sid, g in frame.groupby(SERIES_ID, sort=False):
        grid = pd.date_range(g[DS].iloc[-1], periods=horizon + 1, freq=freq.alias)[1:]
        own = by_series.get(sid, pd.DataFrame(columns=plan.columns)).set_index(DS).reindex(grid)
        out = pd.DataFrame({SERIES_ID: sid, DS: grid})
        for c in columns:
            col = driver_column(c, spec)
            planned = own[col].astype(float).to_numpy() if col in own else np.full(len(grid), np.nan)
            policy = spec.fill.get(c)
            if policy is not None:
                value = float(g[col].iloc[-1]) if policy == "last" else float(policy)
                planned = np.where(np.isnan(planned), value, planned)
            holes = np.flatnonzero(np.isnan(planned))
            if holes.size:
                uncovered[c].append(f"{sid} from {grid[holes[0]]:%Y-%m-%d} ({holes.size} of {horizon} periods)")
            out[col] = planned
        rows.append(out)
    for c, where in uncovered.items():
        if where:
            report.add(
                "plan_incomplete",
                f"the plan for {c!r} does not cover the {horizon}-period horizon: {name_list(where)}. Add rows "
                f"after the history with an empty value (or a --future file) for those dates, or pass "
                f"--regressor-fill {c}=0 (or {c}=last).",
            )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[SERIES_ID, DS])


class Drivers:
    """The plan a version was trained with and the per-step terms that shift it exactly."""

    def __init__(
        self,
        regressors: Sequence[str],
        plan: pd.DataFrame,
        terms: np.ndarray,
        infos: Sequence[SeriesInfo],
        nonnegative: bool = True,
    ) -> None:
        """``plan``: plan.parquet; ``terms`` (n_series, 2, horizon): sensitivity and unclipped forecast."""
        self.regressors = tuple(regressors)
        self.terms = terms
        self.nonnegative = nonnegative
        horizon = terms.shape[2]
        by_series = dict(tuple(plan.groupby(SERIES_ID, sort=False)))
        self.plan = []  # per series: (n_regressors, horizon) planned values
        for info in infos:
            rows = by_series[info.series_id].sort_values(DS)
            self.plan.append(np.stack([rows[r].to_numpy(dtype=float)[:horizon] for r in self.regressors]))
        self.coef = np.array(
            [[float(info.effects.get(r, {}).get("coef", 0.0)) for r in self.regressors] for info in infos]
        )
        values = plan[list(self.regressors)].to_numpy(dtype=float)
        # A regressor planned as 0/1 everywhere is a flag (promo, holiday): other values are refused.
        self.binary = frozenset(r for k, r in enumerate(self.regressors) if np.isin(values[:, k], (0.0, 1.0)).all())
        self._dates = [pd.DatetimeIndex(by_series[i.series_id][DS]).sort_values() for i in infos]

    def dates(self, i: int) -> list[dt.date]:
        """The horizon dates of series ``i``, as its plan holds them."""
        return [d.date() for d in self._dates[i]]

    def forecast_under(self, i: int, values: Mapping[str, Mapping[int, float]]) -> np.ndarray:
        """Series ``i``'s combined point forecast over the horizon with ``values`` replacing planned ones."""
        delta = np.zeros(self.terms.shape[2])
        for k, r in enumerate(self.regressors):
            if at := values.get(r):  # {step: value}: distinct steps, so one fancy += per regressor
                steps = np.fromiter(at, dtype=np.intp, count=len(at))
                x = np.fromiter(at.values(), dtype=np.float64, count=len(at))
                delta[steps] += self.coef[i, k] * (x - self.plan[i][k, steps])
        terms = self.terms[i]
        new = terms[1] + terms[0] * delta
        return np.maximum(new, 0.0, out=new) if self.nonnegative else new
