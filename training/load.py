"""Read sales or customer tables from CSV (optionally compressed) or Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from models.errors import InvalidInput
from models.forecast.contracts import ColumnMapping

__all__ = ["read_table"]


def read_table(path: str | Path, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """Read a table; the mapped id, date and value columns are read as text so that
    validation can name every value it cannot parse instead of pandas guessing silently."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"data file {str(p)!r} does not exist; pass an existing CSV or Parquet file with --data")
    as_text = (
        {**dict.fromkeys(mapping.id_cols, "string"), mapping.date_col: "string", mapping.value_col: "string"}
        if mapping
        else None
    )
    try:
        if p.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(p)
        header = pd.read_csv(p, nrows=0).columns
        dtype = {c: t for c, t in (as_text or {}).items() if c in header}
        return pd.read_csv(p, dtype=dtype or None, skipinitialspace=True)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InvalidInput(f"cannot read {str(p)!r} as CSV or Parquet: {exc}") from exc
