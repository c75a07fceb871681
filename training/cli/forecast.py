"""``sentinel train forecast`` and ``sentinel evaluate``: flags in, job out, summary printed."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from models.forecast.contracts import ColumnMapping
from models.forecast.drivers import DriverSpec, parse_fill
from models.forecast.validation import ValidationRules
from models.registry import Registry

__all__ = ["add_driver_args", "evaluate_command", "train_forecast_command"]


def add_driver_args(p: argparse.ArgumentParser) -> None:
    """The driver flags of ``sentinel train forecast`` and ``sentinel evaluate``."""
    g = p.add_argument_group("drivers (known-in-advance regressors and closed periods)")
    g.add_argument(
        "--regressors",
        default="",
        metavar="COLS",
        help="comma-separated numeric or 0/1, true/false, yes/no columns of the sales file, e.g. promo,price",
    )
    g.add_argument(
        "--future",
        type=Path,
        metavar="PATH",
        help="the plan: id, date and driver columns for the periods after the history (CSV or Parquet); "
        "rows after a series' history with an empty value in the sales file count too",
    )
    g.add_argument("--open-col", metavar="COL", help="1 open / 0 closed: closed periods sell 0 and are not fitted")
    g.add_argument(
        "--regressor-fill",
        default="",
        metavar="COL=POLICY,...",
        help="fill what the plan leaves open: a number or `last`, e.g. promo=0,price=last",
    )


def _driver_spec(args: argparse.Namespace) -> DriverSpec:
    regressors = tuple(c.strip() for c in args.regressors.split(",") if c.strip())
    return DriverSpec(regressors=regressors, open_col=args.open_col or None, fill=parse_fill(args.regressor_fill))


def _future_table(args: argparse.Namespace, mapping: ColumnMapping):  # noqa: ANN202 - a DataFrame or None
    from training.load import read_table

    if args.future is None:
        return None
    if not (args.regressors or args.open_col):
        from models.errors import InvalidInput

        raise InvalidInput("--future holds a plan of drivers: name them with --regressors (or --open-col)")
    return read_table(args.future, mapping)


def _mapping_and_rules(args: argparse.Namespace) -> tuple[ColumnMapping, ValidationRules]:
    """The column mapping and validation rules given by the flags of ``_mapping_args``."""
    mapping = ColumnMapping(args.id_col, args.date_col, args.value_col)
    rules = ValidationRules(
        freq=args.freq,
        date_format=args.date_format,
        aggregate=args.aggregate,
        allow_negative=args.allow_negative,
        fill_gaps=args.fill_gaps,
        min_length=args.min_length,
    )
    return mapping, rules


def train_forecast_command(args: argparse.Namespace) -> int:
    from training.jobs.forecast import TrainOptions, summary_dict, train_forecast
    from training.load import read_table

    mapping, rules = _mapping_and_rules(args)
    options = TrainOptions(
        mapping=mapping,
        rules=rules,
        horizon=args.horizon,
        n_samples=args.samples,
        country_holidays=args.country_holidays,
        seasonality_mode=args.seasonality_mode,
        ensemble=not args.no_ensemble,
        calibration_folds=args.folds,
        group_cols=tuple(c.strip() for c in args.group_cols.split(",") if c.strip()),
        promote=not args.no_promote,
        n_jobs=args.jobs,
        progress=sys.stderr.isatty() and not args.json,
        verbose=args.verbose,
        source=str(args.data),
        scheduler=args.dask_scheduler,
        drivers=_driver_spec(args),
    )
    registry = Registry(args.registry)
    future = _future_table(args, mapping)
    summary = train_forecast(read_table(args.data, mapping), registry, options, future)
    if args.json:
        print(json.dumps(summary_dict(summary), indent=2))
        return 0
    s, bt = summary, summary.metrics
    per = s.seconds / max(len(s.fitted), 1)
    print(f"trained forecast model {s.version}" + (" (promoted to champion)" if s.promoted else " (not promoted)"))
    print(f"  data:     {args.data}: {s.n_rows} rows, {s.freq.kind} ({s.freq.alias})")
    print(f"  fitted:   {len(s.fitted)} series in {s.seconds:.1f} s ({per:.2f} s/series incl. backtest)")
    if s.skipped:
        print(f"  skipped:  {len(s.skipped)} series too short: {', '.join(s.skipped[:10])}")
    print(f"  horizon:  {s.config.horizon} periods, {s.config.n_samples} calibrated sample paths per series")
    if bt:
        print(
            f"  backtest: latest rolling origin, {bt['horizon']} periods: median MASE {bt['median_mase']:.3f}, "
            f"median sMAPE {bt['median_smape']:.3f}; Prophet+AutoETS chosen for {bt['share_prophet_ets']:.0%} of series"
        )
    if s.anchor.get("weight"):
        print(
            f"  anchor:   every forecast pulled {s.anchor['weight']:.0%} toward its {s.anchor['kind']!r} naive anchor "
            "(one weight, chosen on all series' folds)"
        )
    if "share_drivers_left_out" in bt:
        print(
            f"  drivers:  left out of {bt['share_drivers_left_out']:.0%} of series, whose folds forecast better without"
        )
    for scale, lib in s.calibration.items():
        print(
            f"  calibration: {lib['paths']} {scale} error paths pooled from {len(s.fitted)} series "
            f"(up to {s.config.calibration_folds} rolling origins each, as the history allows)"
        )
    for name, coef in (s.drivers or {}).get("median_coef", {}).items():
        print(f"  driver:   {name}: median fitted coefficient {coef:+.4g} per unit (per series: GET /v1/series/ID)")
    for w in s.warnings:
        print(f"  warning:  {w}")
    print(f"  registry: {registry.version_dir('forecast', s.version)}")
    return 0


def _select_series(raw, mapping: ColumnMapping, complete_only: bool, max_series: int | None):  # noqa: ANN001, ANN202
    ids = mapping.series_ids(raw).astype("string")
    if complete_only:
        dates = raw.groupby(ids)[mapping.date_col].nunique()
        ids_kept = set(dates.index[dates == dates.max()])
        raw, ids = raw[ids.isin(ids_kept)], ids[ids.isin(ids_kept)]
    if max_series:
        unique = sorted(ids.unique())
        step = max(1, len(unique) / max_series)
        chosen = {unique[int(i * step)] for i in range(min(max_series, len(unique)))}
        raw = raw[ids.isin(chosen)]
    return raw


def evaluate_command(args: argparse.Namespace) -> int:
    from models.forecast.fit import ForecastConfig, check_country_holidays
    from training.jobs.evaluate import evaluate, render_table
    from training.jobs.forecast import TrainOptions
    from training.load import read_table

    mapping, rules = _mapping_and_rules(args)
    check_country_holidays(args.country_holidays)
    raw = _select_series(read_table(args.data, mapping), mapping, args.complete_only, args.max_series)
    spec = _driver_spec(args)
    future = _future_table(args, mapping)
    # Training's own validation: the folds' plans are the drivers' recorded values, so a plan is only
    # required (and checked over --horizon, as training would) when --future gives one.
    horizon = args.horizon if future is not None else 0
    history, _ = TrainOptions(mapping=mapping, rules=rules, horizon=horizon, drivers=spec).validate(raw, future)
    config = ForecastConfig.for_history(
        history,
        horizon=args.horizon,
        n_samples=args.samples,
        country_holidays=args.country_holidays,
        nonnegative=not args.allow_negative,
        regressors=spec.regressors,
    )
    started = time.perf_counter()
    result = evaluate(
        history,
        args.horizon,
        args.cutoffs,
        peers=args.peers,
        config=config,
        n_jobs=args.jobs,
        progress=sys.stderr.isatty(),
    )
    result.meta["seconds"] = round(time.perf_counter() - started, 1)
    if spec.active:
        result.meta["drivers"] = {"regressors": list(spec.regressors), "open_col": spec.open_col}
    meta = result.meta
    print(
        f"{args.data}: {meta['series']} series, {meta['freq']}, horizon {meta['horizon']}, origins {meta['origins']}"
        f" ({meta['series_origins_scored']} series x origins scored, {meta['series_origins_skipped']} too short)"
    )
    print(render_table(result))
    if spec.active:
        checked = (
            f"; the --future plan was validated as training validates it ({args.future})" if future is not None else ""
        )
        print(f"drivers: each origin forecast with their recorded values over its window{checked}")
    if meta.get("anchor"):
        chosen = ", ".join(f"{a['kind']} {a['weight']:.1f}" if a["weight"] else "none" for a in meta["anchor"])
        print(f"naive anchor per origin (kind and weight, chosen on our folds): {chosen}")
    print(f"wall time: {meta['seconds']:.1f} s")
    if args.out:
        from training.jobs.plots import write_plots

        args.out.mkdir(parents=True, exist_ok=True)
        payload = {
            "data": str(args.data),
            "meta": meta,
            "table": result.table,
            "reliability": result.reliability,
            "coverage_by_step": result.coverage_by_step,
            "by_origin": result.by_origin,
        }
        (args.out / "evaluation.json").write_text(json.dumps(payload, indent=2))
        for path in [args.out / "evaluation.json", *write_plots(result, args.out, Path(args.data).name)]:
            print(f"wrote {path}")
    return 0
