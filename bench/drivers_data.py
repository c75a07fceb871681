"""Prepare two real sales files with known-in-advance drivers for ``sentinel evaluate --regressors`` (issue 13).

Writes ``dunnhumby.csv`` and ``walmart_store_dept.csv`` into ``--out``, long sales files that
``sentinel evaluate`` reads as they are, then prints the commands that evaluate them. Decisions:

* Every row and series is kept; ``--complete-only`` (and ``--max-series``) select at evaluation time.
* Id columns stay as they are (STORE_NUM, UPC / Store, Dept); ``--id-col a,b`` joins them.
* dunnhumby PRICE NA (23 rows) or 0 (1 row) -> that series' latest earlier recorded price, else BASE_PRICE.
* dunnhumby keeps only the columns evaluated: date, ids, UNITS and the four drivers.
* walmart MarkDown1..5 NA -> 0: no markdown recorded (all NA before 2011-11-11).
* walmart IsHoliday as 0/1, from features.csv (it agrees with train.csv's on every row).

The shared data is read from $SENTINEL_SHARED_DATA, else ../shared/data beside the repository.

    python bench/drivers_data.py [--out var/drivers-data]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MARKDOWNS = [f"MarkDown{i}" for i in range(1, 6)]
DUNNHUMBY_DRIVERS = ["PRICE", "FEATURE", "DISPLAY", "TPR_ONLY"]


def shared_data() -> Path:
    """The shared data folder: $SENTINEL_SHARED_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("SENTINEL_SHARED_DATA", ROOT.parent / "shared" / "data"))


def fill_price(rows: pd.DataFrame) -> pd.Series:
    """PRICE with NA or 0 replaced by the series' previous week's price, or BASE_PRICE when there is none.

    ``rows`` holds STORE_NUM, UPC, WEEK_END_DATE, PRICE and BASE_PRICE; the result keeps its index.
    """
    ordered = rows.sort_values(["STORE_NUM", "UPC", "WEEK_END_DATE"])
    price = ordered["PRICE"].where(ordered["PRICE"] > 0)
    previous = price.groupby([ordered["STORE_NUM"], ordered["UPC"]]).ffill()
    return previous.fillna(ordered["BASE_PRICE"]).reindex(rows.index)


def dunnhumby(folder: Path) -> pd.DataFrame:
    """Breakfast at the Frat: weekly UNITS by store x UPC with price and the three promotion flags."""
    rows = pd.read_csv(folder / "transactions.csv.gz")
    rows["PRICE"] = fill_price(rows)
    columns = ["WEEK_END_DATE", "STORE_NUM", "UPC", "UNITS", *DUNNHUMBY_DRIVERS]
    return rows[columns].sort_values(["STORE_NUM", "UPC", "WEEK_END_DATE"], ignore_index=True)


def walmart(folder: Path) -> pd.DataFrame:
    """Walmart store x department weekly sales joined with the store-week markdowns and holiday flag."""
    sales = pd.read_csv(folder / "train.csv.gz").drop(columns="IsHoliday")
    features = pd.read_csv(folder / "features.csv", usecols=["Store", "Date", *MARKDOWNS, "IsHoliday"])
    features[MARKDOWNS] = features[MARKDOWNS].fillna(0.0)
    features["IsHoliday"] = features["IsHoliday"].astype(int)
    joined = sales.merge(features, on=["Store", "Date"], how="left", validate="many_to_one")
    if joined["IsHoliday"].isna().any():
        raise SystemExit("features.csv lacks some (Store, Date) of train.csv.gz")
    return joined


def commands(out: Path) -> list[str]:
    """The ``sentinel evaluate`` commands for the two prepared files."""
    shown = out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out
    evals = Path("var/drivers-eval")
    return [
        f".venv/bin/sentinel evaluate --data {shown}/walmart_store_dept.csv --id-col Store,Dept --date-col Date"
        " --value-col Weekly_Sales --complete-only --max-series 300 --allow-negative --country-holidays US"
        f" --horizon 13 --cutoffs 2 --regressors {','.join([*MARKDOWNS, 'IsHoliday'])} --peers --jobs 1"
        f" --out {evals}/walmart_store_dept",
        f".venv/bin/sentinel evaluate --data {shown}/dunnhumby.csv --id-col STORE_NUM,UPC --date-col WEEK_END_DATE"
        f" --value-col UNITS --complete-only --horizon 13 --cutoffs 2 --regressors {','.join(DUNNHUMBY_DRIVERS)}"
        f" --peers --jobs 1 --out {evals}/dunnhumby",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "drivers-data")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    shared = shared_data()
    for name, frame in [
        ("dunnhumby", dunnhumby(shared / "dunnhumby_breakfast_frat")),
        ("walmart_store_dept", walmart(shared / "walmart_store_dept")),
    ]:
        path = args.out / f"{name}.csv"
        frame.to_csv(path, index=False)
        print(f"wrote {path}: {len(frame)} rows")
    print("\nfrom the repository root:")
    for command in commands(args.out):
        print(command)


if __name__ == "__main__":
    main()
