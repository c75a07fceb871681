"""Backtest of pace-to-target and group probabilities: are they calibrated, and sharper with actuals?

At each rolling origin the forecaster is trained (same code as ``sentinel train forecast``) on the
history before it; the period is the next ``--period`` periods. Targets are set the way planners
set them: last year's same-period sum x 0.85 ... 1.15 (as ``sentinel evaluate`` does).

* ``--mode pace``: for each series and each elapsed share (0, 25, 50, 75% of the period), the
  true actuals of the elapsed part are posted and P(period total >= target) is read off
  ``ForecastModel.pace_sum`` (recorded part + conditioned remaining paths).
* ``--mode groups``: series are grouped (walmart_store_dept: by store; aus_retail: by state)
  and trained with those groups; each group's and the total's probability is read off the joint
  paths (sum per sample index) and, for comparison, off the same fits calibrated without groups
  (errors of the same dates, from any series) and off the naive sum of independently shuffled
  per-series paths.

Prints Brier score and ECE (10 bins) per row; ``--json`` writes them to a file.

    python bench/pace.py --data walmart_store_sales --period 13 --origins 3
    python bench/pace.py --data walmart_store_dept --mode groups --stores 10 --depts 12 --period 13
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.forecast import scores as M  # noqa: E402
from models.forecast.artifact import load_forecast, save_forecast  # noqa: E402
from models.forecast.calibration import calibrate  # noqa: E402
from models.forecast.contracts import DS, SERIES_ID, ColumnMapping, Frequency, Y  # noqa: E402
from models.forecast.fit import ForecastConfig, SeriesFit  # noqa: E402
from models.forecast.model import ForecastModel  # noqa: E402
from models.forecast.validation import ValidationRules, validate_sales  # noqa: E402
from training.jobs.fitting import fit_all  # noqa: E402
from training.logs import quiet_third_party  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
MULTIPLIERS = (0.85, 0.90, 0.95, 1.00, 1.05, 1.10, 1.15)


def load(name: str, stores: int, depts: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """(contract frame, series -> group value)."""
    if name == "walmart_store_sales":
        raw = pd.read_csv(DATA / name / "Walmart.csv", dtype=str)
        mapping, rules = ColumnMapping("Store", "Date", "Weekly_Sales"), ValidationRules(date_format="%d-%m-%Y")
        groups: dict[str, str] = {}
    elif name == "aus_retail":
        raw = pd.read_csv(DATA / name / "aus_retail.csv.gz", dtype=str)
        mapping, rules = ColumnMapping("Series ID", "Month", "Turnover"), ValidationRules()
        groups = dict(zip(raw["Series ID"], raw["State"], strict=False))
    elif name == "walmart_store_dept":
        raw = pd.read_csv(DATA / name / "train.csv.gz")
        raw = raw[raw["Store"] <= stores]
        complete = raw.groupby(["Store", "Dept"])["Date"].transform("nunique") == raw["Date"].nunique()
        raw = raw[complete & (raw["Weekly_Sales"] > 0)]
        full = raw.groupby(["Store", "Dept"])["Date"].transform("nunique") == raw["Date"].nunique()
        raw = raw[full]
        top = raw.groupby("Dept")["Weekly_Sales"].sum().nlargest(depts).index
        raw = raw[raw["Dept"].isin(top)].copy()
        raw["series_id"] = raw["Store"].astype(str).str.zfill(2) + "-" + raw["Dept"].astype(str).str.zfill(2)
        groups = {s: s.split("-")[0] for s in raw["series_id"]}
        raw = raw.rename(columns={"Date": "ds", "Weekly_Sales": "y"})[["series_id", "ds", "y"]].astype(str)
        mapping, rules = ColumnMapping(), ValidationRules()
    else:
        raise SystemExit(f"unknown data set {name!r}")
    return validate_sales(raw, mapping, rules).frame, groups


def fit_models(
    train: pd.DataFrame, freq_alias: str, args: argparse.Namespace, groups: dict[str, dict[str, str]]
) -> dict[str, ForecastModel]:
    """The trained model, and in groups mode the same fits calibrated without blocks ("dates only")."""
    freq = Frequency(freq_alias)
    config = ForecastConfig(
        horizon=args.period,
        n_samples=args.samples,
        calibration_folds=args.folds,
        country_holidays=args.country_holidays,
    )
    fits, _ = fit_all(train, freq, config, n_jobs=args.jobs, groups=groups)
    models = {"joint": _as_model(fits, train, freq, groups)}
    if args.mode == "groups":
        calibrate(fits, config.n_samples, config.nonnegative, config.seed)  # no groups: dates only
        models["joint_dates_only"] = _as_model(fits, train, freq, groups)
    return models


def _as_model(
    fits: list[SeriesFit], train: pd.DataFrame, freq: Frequency, groups: dict[str, dict[str, str]]
) -> ForecastModel:
    with tempfile.TemporaryDirectory() as tmp:
        save_forecast(Path(tmp), fits, train, freq, groups)
        manifest = {"version": "bench", "freq": freq.alias, "created_at": "2000-01-01T00:00:00Z"}
        return load_forecast(Path(tmp), manifest)


def score(rows: list[tuple[float, float]]) -> dict[str, float]:
    p, o = (np.array(x) for x in zip(*rows, strict=True))
    return {"n": len(p), "brier": M.brier(p, o), "ece": M.ece(p, o), "base_rate": float(o.mean())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="walmart_store_sales")
    ap.add_argument("--mode", choices=["pace", "groups"], default="pace")
    ap.add_argument("--period", type=int, default=13, help="periods per target period")
    ap.add_argument("--origins", type=int, default=3)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--stores", type=int, default=10, help="walmart_store_dept: first N stores")
    ap.add_argument("--depts", type=int, default=10, help="walmart_store_dept: top N departments")
    ap.add_argument("--max-series", type=int, help="evaluate N series evenly spaced over the ids")
    ap.add_argument("--jobs", type=int, default=-1)
    ap.add_argument("--country-holidays", metavar="CC", help="as `sentinel train forecast --country-holidays`")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    quiet_third_party()

    frame, groups = load(args.data, args.stores, args.depts)
    if args.max_series:
        ids = sorted(frame[SERIES_ID].unique())
        keep = [ids[round(i)] for i in np.linspace(0, len(ids) - 1, min(args.max_series, len(ids)))]
        frame = frame[frame[SERIES_ID].isin(keep)]
    dates = np.sort(frame[DS].unique())
    from models.forecast.contracts import infer_frequency

    freq = infer_frequency([pd.Series(dates)])
    assert freq is not None
    h = args.period
    season = freq.season_length * math.ceil(h / freq.season_length)
    fractions = (0.0, 0.25, 0.5, 0.75)
    pace: dict[float, list[tuple[float, float]]] = {f: [] for f in fractions}
    kinds = ("joint", "joint_dates_only", "naive_independent")
    scored: dict[str, dict[str, list[tuple[float, float]]]] = {lv: {k: [] for k in kinds} for lv in ("groups", "total")}
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    for o in range(args.origins, 0, -1):
        cut = dates[len(dates) - o * h]
        train = frame[frame[DS] < cut]
        test = frame[(frame[DS] >= cut) & (frame[DS] < cut + (dates[1] - dates[0]) * h)]
        models = fit_models(train, freq.alias, args, {sid: {"group": g} for sid, g in groups.items()})
        model = models["joint"]
        start, end = pd.Timestamp(cut).date(), (pd.Timestamp(test[DS].max())).date()
        actual = {sid: g.sort_values(DS) for sid, g in test.groupby(SERIES_ID)}
        fitted = {info.series_id for info in model.infos}
        base = {
            sid: float(g[Y].to_numpy()[-season : -season + h].sum()) for sid, g in train.groupby(SERIES_ID)
        }  # last year's same period
        if args.mode == "pace":
            for sid, g in actual.items():
                if sid not in fitted or len(g) < h:
                    continue
                outcome_total = float(g[Y].sum())
                for f in fractions:
                    k = round(f * h)
                    posted = {
                        sid: [(d.toordinal(), float(y)) for d, y in zip(g[DS].iloc[:k], g[Y].iloc[:k], strict=True)]
                    }
                    totals = model.pace_sum([sid], start, end, posted).totals
                    for m in MULTIPLIERS:
                        target = base[sid] * m
                        pace[f].append((float(np.mean(totals >= target)), float(outcome_total >= target)))
        else:
            members: dict[str, list[str]] = {}
            for sid in actual:
                if sid in fitted:
                    members.setdefault(groups[sid], []).append(sid)
            sets = [(ids, False) for ids in members.values()] + [([s for v in members.values() for s in v], True)]
            for ids, is_total in sets:
                sums = {kind: models[kind].pace_sum(ids, start, end).totals for kind in kinds[:2]}
                shuffled = [rng.permutation(model.period_sum(s, start, end).totals) for s in ids]
                sums["naive_independent"] = np.sum(shuffled, axis=0)
                outcome_total = sum(float(actual[s][Y].sum()) for s in ids)
                group_base = sum(base[s] for s in ids)
                into = scored["total" if is_total else "groups"]
                for m in MULTIPLIERS:
                    target = group_base * m
                    for kind, t in sums.items():
                        into[kind].append((float(np.mean(t >= target)), float(outcome_total >= target)))
        print(f"origin {cut}: done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    out: dict[str, object] = {"data": args.data, "mode": args.mode, "period": h, "origins": args.origins}
    if args.mode == "pace":
        by_elapsed = {f"{round(f * 100)}% ({round(f * h)}/{h})": score(rows) for f, rows in pace.items()}
        out["pace"] = by_elapsed
        print(f"{'elapsed':>14} {'n':>6} {'brier':>7} {'ece':>7}")
        for key, s in by_elapsed.items():
            print(f"{key:>14} {s['n']:>6} {s['brier']:>7.3f} {s['ece']:>7.3f}")
    else:
        print(f"{'':>30} {'n':>6} {'brier':>7} {'ece':>7}")
        for level, by_kind in scored.items():
            table = {kind: score(r) for kind, r in by_kind.items()}
            out[level] = table
            for kind, s in table.items():
                print(f"{level + ' ' + kind:>30} {s['n']:>6} {s['brier']:>7.3f} {s['ece']:>7.3f}")
    out["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
