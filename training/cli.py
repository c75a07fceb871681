"""``sentinel``: the single command line of sales-sentinel.

Exit codes: 0 success, 2 usage error, 3 invalid input (validation report printed),
4 not found (e.g. no champion), 5 artifact integrity failure, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from models.contracts import ColumnMapping
from models.errors import ArtifactIntegrityError, InvalidInput, NotFound, SentinelError
from models.registry import Registry
from models.validation import ValidationRules

__all__ = ["main"]

DEFAULT_REGISTRY = "var/registry"
EXIT_CODES = ((InvalidInput, 3), (NotFound, 4), (ArtifactIntegrityError, 5), (SentinelError, 1))


def _registry_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry",
        default=os.environ.get("SENTINEL_REGISTRY", DEFAULT_REGISTRY),
        help="registry root (env SENTINEL_REGISTRY, default %(default)s)",
    )


def _mapping_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("column mapping and validation")
    g.add_argument("--id-col", default="series_id", help="series id column (default %(default)s)")
    g.add_argument("--date-col", default="ds", help="date column (default %(default)s)")
    g.add_argument("--value-col", default="y", help="sales value column (default %(default)s)")
    g.add_argument("--date-format", help="strftime layout of the dates, e.g. %%d-%%m-%%Y")
    g.add_argument("--aggregate", choices=["sum"], help="sum rows that share (series, period)")
    g.add_argument("--freq", help="D, W, W-MON..W-SUN, MS or ME (inferred when omitted)")
    g.add_argument("--allow-negative", action="store_true", help="accept negative sales (returns)")
    g.add_argument("--fill-gaps", choices=["zero", "interpolate"], help="fill missing periods")
    g.add_argument("--min-length", type=int, help="fewest observations to fit a series")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sentinel", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="show debug and Stan logs")
    sub = parser.add_subparsers(dest="command", required=True)

    sample = sub.add_parser("sample", help="write the built-in sample company (sales.csv, customers.csv)")
    sample.add_argument("--out", required=True, type=Path)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--stores-per-region", type=int, default=6, help="4 regions x this (default 6)")
    sample.add_argument("--customers", type=int, default=5000)

    train = sub.add_parser("train", help="train a model family").add_subparsers(dest="family", required=True)
    fc = train.add_parser("forecast", help="fit one Prophet model per series")
    fc.add_argument("--data", required=True, help="sales history: CSV (optionally .gz) or Parquet")
    _mapping_args(fc)
    fc.add_argument("--horizon", type=int, help="periods ahead (default: a year at the data's frequency)")
    fc.add_argument("--samples", type=int, default=1000, help="sample paths per series (default %(default)s)")
    fc.add_argument("--country-holidays", metavar="CC", help="add a country's holidays, e.g. US, DE")
    fc.add_argument(
        "--seasonality-mode",
        choices=["auto", "additive", "multiplicative"],
        default="auto",
        help="auto: multiplicative for positive series (default)",
    )
    fc.add_argument("--no-ensemble", action="store_true", help="Prophet alone (no per-series Prophet+AutoETS choice)")
    fc.add_argument("--folds", type=int, help="rolling origins per series for backtest and calibration")
    fc.add_argument("--no-promote", action="store_true", help="store the version without making it champion")
    fc.add_argument("--jobs", type=int, default=-1, help="parallel processes (default: all cores)")
    fc.add_argument("--json", action="store_true", help="print the summary as JSON")
    fc.add_argument(
        "--group-cols", default="", help="comma-separated attribute columns, constant per series (e.g. region,channel)"
    )
    _registry_arg(fc)

    ev = sub.add_parser("evaluate", help="rolling-origin backtest of the forecaster, optionally beside peers")
    ev.add_argument("--data", required=True, help="sales history: CSV (optionally .gz) or Parquet")
    _mapping_args(ev)
    ev.add_argument("--horizon", type=int, required=True, help="periods per origin")
    ev.add_argument("--cutoffs", type=int, default=3, help="rolling origins (default %(default)s)")
    ev.add_argument("--peers", action="store_true", help="also Prophet (defaults), AutoETS and seasonal naive")
    ev.add_argument("--complete-only", action="store_true", help="only series observed on every date")
    ev.add_argument("--max-series", type=int, help="evaluate N series, evenly spaced over the sorted ids")
    ev.add_argument("--samples", type=int, default=1000)
    ev.add_argument("--jobs", type=int, default=-1)
    ev.add_argument("--out", type=Path, help="write evaluation.json and PNG plots here")

    serve = sub.add_parser("serve", help="run the HTTP service")
    _registry_arg(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--print-example", action="store_true", help="print a ready-to-paste curl example")

    kri = sub.add_parser("kri", help="check KRI definitions, export Prometheus alerting rules")
    kri_sub = kri.add_subparsers(dest="action", required=True)
    check = kri_sub.add_parser("check", help="validate a KRI config file (errors name the KRI and field)")
    check.add_argument("file", nargs="?", help="KRI YAML (default: $SENTINEL_KRI_CONFIG or the built-in set)")
    rules = kri_sub.add_parser("rules", help="write equivalent Prometheus alerting rules")
    rules.add_argument("--config", help="KRI YAML (default: $SENTINEL_KRI_CONFIG or the built-in set)")
    rules.add_argument("--out", default="-", help="output file (default: stdout)")
    rules.add_argument(
        "--interval", default="1m", help="rule group evaluation interval; `for: N` evaluations = N x this"
    )

    dbp = sub.add_parser("db", help="database schema")
    db_sub = dbp.add_subparsers(dest="action", required=True)
    up = db_sub.add_parser("upgrade", help="apply the migrations (the service also does at start-up)")
    up.add_argument("--url", help="database URL (default: $SENTINEL_DATABASE_URL or sqlite:///var/sentinel.db)")

    reg = sub.add_parser("registry", help="inspect and switch model versions")
    reg_sub = reg.add_subparsers(dest="action", required=True)
    for name, text in [
        ("list", "versions, champion marked"),
        ("champion", "print the champion version"),
        ("show", "print a version's manifest"),
        ("promote", "make a version the champion"),
        ("rollback", "restore the previous champion"),
    ]:
        p = reg_sub.add_parser(name, help=text)
        if name in {"show", "promote"}:
            p.add_argument("version")
        p.add_argument("--model", default="forecast", help="model family (default %(default)s)")
        _registry_arg(p)
    return parser


def _cmd_sample(args: argparse.Namespace) -> int:
    from training.sample import write_sample

    paths = write_sample(args.out, args.seed, args.stores_per_region, args.customers)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    return 0


def _cmd_train_forecast(args: argparse.Namespace) -> int:
    from training.forecast_job import summary_dict, train_forecast
    from training.load import read_table

    mapping = ColumnMapping(args.id_col, args.date_col, args.value_col)
    rules = ValidationRules(
        freq=args.freq,
        date_format=args.date_format,
        aggregate=args.aggregate,
        allow_negative=args.allow_negative,
        fill_gaps=args.fill_gaps,
        min_length=args.min_length,
    )
    summary = train_forecast(
        read_table(args.data, mapping),
        Registry(args.registry),
        mapping=mapping,
        rules=rules,
        horizon=args.horizon,
        n_samples=args.samples,
        country_holidays=args.country_holidays,
        seasonality_mode=args.seasonality_mode,
        ensemble=not args.no_ensemble,
        calibration_folds=args.folds,
        promote=not args.no_promote,
        n_jobs=args.jobs,
        progress=sys.stderr.isatty() and not args.json,
        verbose=args.verbose,
        source=str(args.data),
        group_cols=tuple(c.strip() for c in args.group_cols.split(",") if c.strip()),
    )
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
    for scale, lib in s.calibration.items():
        print(f"  calibration: {lib['paths']} {scale} error paths from {s.config.calibration_folds} rolling origins")
    for w in s.warnings:
        print(f"  warning:  {w}")
    print(f"  registry: {Path(args.registry) / 'forecast' / s.version}")
    return 0


def _select_series(raw, mapping: ColumnMapping, complete_only: bool, max_series: int | None):  # noqa: ANN001, ANN202
    ids = raw[mapping.id_col].astype("string")
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


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from models.forecaster import ForecastConfig
    from models.validation import validate_sales
    from training.evaluate import evaluate, render_table
    from training.fitting import default_folds
    from training.load import read_table

    mapping = ColumnMapping(args.id_col, args.date_col, args.value_col)
    rules = ValidationRules(
        freq=args.freq,
        date_format=args.date_format,
        aggregate=args.aggregate,
        allow_negative=args.allow_negative,
        fill_gaps=args.fill_gaps,
        min_length=args.min_length,
    )
    raw = _select_series(read_table(args.data, mapping), mapping, args.complete_only, args.max_series)
    history = validate_sales(raw, mapping, rules)
    n_series = len(history.series_ids)
    config = ForecastConfig(
        horizon=args.horizon,
        n_samples=args.samples,
        nonnegative=not args.allow_negative,
        calibration_folds=default_folds(n_series),
    )
    result = evaluate(
        history,
        args.horizon,
        args.cutoffs,
        peers=args.peers,
        config=config,
        n_jobs=args.jobs,
        progress=sys.stderr.isatty(),
    )
    meta = result.meta
    print(
        f"{args.data}: {meta['series']} series, {meta['freq']}, horizon {meta['horizon']}, origins {meta['origins']}"
        f" ({meta['series_origins_scored']} series x origins scored, {meta['series_origins_skipped']} too short)"
    )
    print(render_table(result))
    if args.out:
        from training.plots import write_plots

        args.out.mkdir(parents=True, exist_ok=True)
        payload = {
            "data": str(args.data),
            "meta": meta,
            "table": result.table,
            "reliability": result.reliability,
            "coverage_by_step": result.coverage_by_step,
        }
        (args.out / "evaluation.json").write_text(json.dumps(payload, indent=2))
        for path in [args.out / "evaluation.json", *write_plots(result, args.out, Path(args.data).name)]:
            print(f"wrote {path}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from service.server import serve

    return serve(args.registry, args.host, args.port, args.workers, args.print_example, args.verbose)


def _kri_path(path: str | None) -> Path:
    import importlib.util

    # Located without importing `service` (whose package face builds the whole app: seconds).
    spec = importlib.util.find_spec("service")
    assert spec is not None and spec.submodule_search_locations
    default = Path(next(iter(spec.submodule_search_locations))) / "kri_default.yaml"
    return Path(path or os.environ.get("SENTINEL_KRI_CONFIG") or default)


def _cmd_kri(args: argparse.Namespace) -> int:
    import yaml

    from models.kri import load_kri_file, parse_duration
    from models.kri_rules import alerting_rules

    if args.action == "check":
        path = _kri_path(args.file)
        kris = load_kri_file(path)
        print(f"{path}: {len(kris)} KRI(s) valid: {', '.join(k.name for k in kris)}")
        return 0
    try:
        interval = parse_duration(args.interval)
    except ValueError as exc:
        raise InvalidInput(f"--interval: {exc}") from None
    text = yaml.safe_dump(alerting_rules(load_kri_file(_kri_path(args.config)), interval), sort_keys=False, width=1000)
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def _cmd_db(args: argparse.Namespace) -> int:
    from service import db

    url = args.url or os.environ.get("SENTINEL_DATABASE_URL") or "sqlite:///var/sentinel.db"
    engine = db.connect(url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    print(f"database schema is up to date ({engine.url.render_as_string(hide_password=True)})")
    return 0


def _cmd_registry(args: argparse.Namespace) -> int:
    registry = Registry(args.registry)
    if args.action == "champion":
        print(registry.champion(args.model))
    elif args.action == "list":
        try:
            champion = registry.champion(args.model)
        except NotFound:
            champion = None
        for version in registry.versions(args.model):
            print(("* " if version == champion else "  ") + version)
    elif args.action == "show":
        print(json.dumps(registry.manifest(args.model, args.version), indent=2))
    elif args.action == "promote":
        registry.promote(args.model, args.version)
        print(f"{args.model} champion is now {args.version}")
    elif args.action == "rollback":
        print(f"{args.model} champion rolled back to {registry.rollback(args.model)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    from training.logs import configure_logging

    configure_logging(args.verbose)
    handlers = {
        "sample": _cmd_sample,
        "serve": _cmd_serve,
        "registry": _cmd_registry,
        "evaluate": _cmd_evaluate,
        "kri": _cmd_kri,
        "db": _cmd_db,
    }
    handler = _cmd_train_forecast if args.command == "train" else handlers[args.command]
    try:
        return handler(args)
    except SentinelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))
    except KeyboardInterrupt:
        print("interrupted; nothing was promoted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
