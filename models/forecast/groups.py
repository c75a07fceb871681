"""Group attributes of series (``--group-cols``): region, format and the like, one value per series.

Groups are read from the raw export beside the sales columns, before validation reshapes it,
and are stored per series in the version (``series.json``) so that group feasibility and the
joint draws (a group's members drawn together) need nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from models.errors import InvalidInput
from models.forecast.contracts import SERIES_ID, ColumnMapping
from models.forecast.validation import name_list

__all__ = ["series_groups"]


def series_groups(raw: pd.DataFrame, mapping: ColumnMapping, columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each series' value of every group column (``--group-cols``), which must be constant per series.

    Raises ``InvalidInput`` naming a missing column, or the series whose value changes (or is blank).
    """
    columns = [c.strip() for c in columns if c.strip()]
    if not columns:
        return {}
    missing = [c for c in columns if c not in raw]
    if missing:
        found = name_list(list(raw.columns))
        raise InvalidInput(f"group column(s) {name_list(missing)} not found; the file has {found}")
    ids = mapping.series_ids(raw).astype("string").str.strip()
    frame = raw[columns].astype("string").apply(lambda c: c.str.strip())
    frame[SERIES_ID] = ids
    frame = frame[ids.notna() & (ids != "")]
    counts = frame.groupby(SERIES_ID)[columns].nunique(dropna=False)
    blanks = frame[columns].isna() | (frame[columns] == "")
    problems = []
    for col in columns:
        changing = counts.index[counts[col] > 1].tolist()
        if changing:
            problems.append(f"{col!r} changes within series {name_list([str(s) for s in changing])}")
        blank = sorted(set(frame.loc[blanks[col], SERIES_ID].astype(str)))
        if blank:
            problems.append(f"{col!r} is blank for series {name_list(blank)}")
    if problems:
        raise InvalidInput(
            "group columns must hold one value per series: " + "; ".join(problems) + ". Fix the data or "
            "drop the column from --group-cols."
        )
    first = frame.groupby(SERIES_ID)[columns].first()
    return {str(sid): {c: str(v) for c, v in row.items()} for sid, row in first.iterrows()}
