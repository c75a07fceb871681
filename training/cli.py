"""``sentinel``: the single command line of sales-sentinel.

Exit codes: 0 success, 2 usage error, 3 invalid input (validation report printed),
4 not found (e.g. no champion), 5 artifact integrity failure, 1 anything unexpected.
``sentinel retrain`` adds 10 (a challenger was rejected by the gate) and 11 (another retrain
holds the lock); see training/retrain.py.
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
MODEL_FAMILIES = ("forecast", "churn")
EXIT_CODES = ((InvalidInput, 3), (NotFound, 4), (ArtifactIntegrityError, 5), (SentinelError, 1))


def _registry_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry",
        default=os.environ.get("SENTINEL_REGISTRY", DEFAULT_REGISTRY),
        help="registry root (env SENTINEL_REGISTRY, default %(default)s)",
    )


def _dask_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dask-scheduler",
        metavar="tcp://HOST:PORT",
        default=os.environ.get("SENTINEL_DASK_SCHEDULER") or None,
        help="fit series on this Dask cluster (env SENTINEL_DASK_SCHEDULER; default: local processes)",
    )


def _mapping_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("column mapping and validation")
    g.add_argument(
        "--id-col", default="series_id", help="series id column, or several joined by commas (default %(default)s)"
    )
    g.add_argument("--date-col", default="ds", help="date column (default %(default)s)")
    g.add_argument("--value-col", default="y", help="sales value column (default %(default)s)")
    g.add_argument("--date-format", help="strftime layout of the dates, e.g. %%d-%%m-%%Y")
    g.add_argument("--aggregate", choices=["sum"], help="sum rows that share (series, period)")
    g.add_argument("--freq", help="D, W, W-MON..W-SUN, MS or ME (inferred when omitted)")
    g.add_argument("--allow-negative", action="store_true", help="accept negative sales (returns)")
    g.add_argument("--fill-gaps", choices=["zero", "interpolate"], help="fill missing periods")
    g.add_argument("--min-length", type=int, help="fewest observations to fit a series")


def _columns(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _churn_parser(ch: argparse.ArgumentParser) -> None:
    source = ch.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="customer table, one row per customer: CSV (optionally .gz) or Parquet")
    source.add_argument("--transactions", help="transaction log: one row per purchase (customer, date, amount)")
    table = ch.add_argument_group("customer table (--data)")
    table.add_argument("--id-col", default="customer_id", help="customer id column (default %(default)s)")
    table.add_argument("--label-col", default="churned", help="yes/no, true/false or 1/0 (default %(default)s)")
    table.add_argument("--value-col", help="monthly revenue per customer, for revenue at risk")
    table.add_argument("--drop", type=_columns, default=[], metavar="COLS", help="comma-separated columns to ignore")
    table.add_argument("--keep-text", type=_columns, default=[], metavar="COLS", help="high-cardinality text to keep")
    table.add_argument("--segment-col", help="column to break revenue at risk down by, e.g. region")
    tx = ch.add_argument_group("transaction log (--transactions)")
    tx.add_argument("--customer-col", default="customer_id", help="default %(default)s")
    tx.add_argument("--date-col", default="date", help="default %(default)s")
    tx.add_argument("--amount-col", default="amount", help="default %(default)s")
    tx.add_argument("--inactive-days", type=int, default=90, help="churned = no purchase for N days after the cutoff")
    tx.add_argument("--as-of", help="cutoff date (default: the log's last date minus --inactive-days)")
    fit = ch.add_argument_group("fitting")
    fit.add_argument("--time-budget", type=float, default=30.0, help="seconds for the hyperparameter search")
    fit.add_argument("--holdout", type=float, default=0.2, help="stratified holdout share (default %(default)s)")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--threads", type=int, default=1, help="OpenMP threads per fit (default %(default)s)")
    fit.add_argument("--no-promote", action="store_true", help="store the version without making it champion")
    fit.add_argument("--json", action="store_true", help="print the summary as JSON")
    _registry_arg(ch)


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
    _dask_arg(fc)
    fc.add_argument(
        "--group-cols", default="", help="comma-separated attribute columns, constant per series (e.g. region,channel)"
    )
    _registry_arg(fc)

    rt = sub.add_parser("retrain", help="the monthly job: fit challengers, gate against champions, promote, report")
    rt.add_argument("--config", required=True, help="retrain.yaml: sources, jobs, promotion policy")
    rt.add_argument("--dry-run", action="store_true", help="run the gate and write the report; promote nothing")
    rt.add_argument("--jobs", type=int, default=-1, help="parallel local processes (default: all cores)")
    _dask_arg(rt)
    rt.add_argument(
        "--registry",
        default=os.environ.get("SENTINEL_REGISTRY"),
        help="registry root (default: env SENTINEL_REGISTRY, then the config's `registry`, then var/registry)",
    )

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
    _churn_parser(train.add_parser("churn", help="fit a calibrated churn model from customers or transactions"))

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
        ("prune", "delete old versions (never the champion or its rollback targets)"),
    ]:
        p = reg_sub.add_parser(name, help=text)
        if name in {"show", "promote"}:
            p.add_argument("version")
        if name == "prune":
            p.add_argument("--keep", type=int, required=True, help="newest versions to keep (at least 1)")
        p.add_argument("--model", choices=MODEL_FAMILIES, default="forecast", help="model family (default %(default)s)")
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

    mapping, rules = _mapping_and_rules(args)
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
        scheduler=args.dask_scheduler,
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
        print(
            f"  calibration: {lib['paths']} {scale} error paths pooled from {len(s.fitted)} series "
            f"(up to {s.config.calibration_folds} rolling origins each, as the history allows)"
        )
    for w in s.warnings:
        print(f"  warning:  {w}")
    print(f"  registry: {Path(args.registry) / 'forecast' / s.version}")
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


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from models.forecaster import ForecastConfig
    from models.validation import validate_sales
    from training.evaluate import evaluate, render_table
    from training.fitting import default_folds
    from training.load import read_table

    mapping, rules = _mapping_and_rules(args)
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


def _cmd_train_churn(args: argparse.Namespace) -> int:
    from models.churn_transactions import TransactionColumns
    from training.churn_job import train_churn, train_churn_transactions
    from training.load import read_table

    if not 0 < args.holdout < 0.5:
        raise InvalidInput(f"--holdout must be between 0 and 0.5, got {args.holdout}")
    common = {
        "budget_seconds": args.time_budget,
        "holdout": args.holdout,
        "promote": not args.no_promote,
        "random_state": args.seed,
        "threads": args.threads,
    }
    registry = Registry(args.registry)
    if args.transactions:
        cols = TransactionColumns(args.customer_col, args.date_col, args.amount_col)
        s = train_churn_transactions(
            read_table(args.transactions),
            registry,
            cols=cols,
            inactive_days=args.inactive_days,
            as_of=args.as_of,
            source=str(args.transactions),
            **common,
        )
    else:
        s = train_churn(
            read_table(args.data),
            registry,
            id_col=args.id_col,
            label_col=args.label_col,
            value_col=args.value_col,
            drop=args.drop,
            keep_text=args.keep_text,
            segment_col=args.segment_col,
            source=str(args.data),
            **common,
        )
    if args.json:
        print(json.dumps(s.to_dict(), indent=2, default=str))
        return 0
    m, b, pop = s.holdout["model"], s.holdout["baseline"], s.population
    print(f"trained churn model {s.version}" + (" (promoted to champion)" if s.promoted else " (not promoted)"))
    where = (
        f"customers from {s.extra['transactions']} transactions at cutoff {s.extra['as_of']} "
        f"(churned: no purchase in the next {s.extra['inactive_days']} days)"
        if s.extra.get("as_of")
        else "customers"
    )
    print(f"  data:      {args.transactions or args.data}: {s.rows} {where}, churn rate {m['base_rate']:.3f}")
    sch = s.schema
    print(
        f"  features:  {len(sch.features)} ({len(sch.numeric)} numeric, {len(sch.boolean)} boolean, "
        f"{len(sch.categorical)} categorical); dropped: {', '.join(sch.dropped) or 'none'}"
    )
    print(f"  search:    {s.candidates} candidates in {args.time_budget:g} s budget: {s.params}")
    print(f"  holdout:   {s.holdout['rows']} customers ({s.holdout['fraction']:.0%} stratified)")
    for name, r in (("model", m), ("baseline", b)):
        print(
            f"  {name + ':':<10} ROC AUC {r['roc_auc']:.4f}  PR AUC {r['pr_auc']:.4f}  Brier {r['brier']:.4f}"
            + ("  (gradient boosting, calibrated)" if name == "model" else "  (logistic regression)")
        )
    curve = ", ".join(f"{c['predicted']:.2f}->{c['observed']:.2f}" for c in m["calibration"])
    print(f"  calibration: holdout deciles, mean predicted->observed churn: {curve}")
    risk = "unknown (no --value-col)" if pop["revenue_at_risk"] is None else f"{pop['revenue_at_risk']:,.2f}"
    print(f"  population: {pop['customers']} customers, mean churn probability {pop['mean_probability']:.3f}")
    print(f"             revenue at risk {risk}; risk bands {pop['risk_bands']}")
    for w in s.warnings:
        print(f"  warning:   {w}")
    print(f"  registry:  {Path(args.registry) / 'churn' / s.version}  ({s.seconds:.1f} s)")
    return 0


def _cmd_retrain(args: argparse.Namespace) -> int:
    from training.retrain import RetrainLocked, run_retrain
    from training.retrain_config import load_retrain_config

    config = load_retrain_config(args.config)
    registry = Registry(args.registry or config.registry or DEFAULT_REGISTRY)
    try:
        code, report, _ = run_retrain(
            config,
            registry,
            dry_run=args.dry_run,
            n_jobs=args.jobs,
            scheduler=args.dask_scheduler or config.dask_scheduler,
        )
    except RetrainLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 11
    print((report / "summary.txt").read_text(), end="")
    print(f"report: {report / 'report.html'}")
    return code


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
    elif args.action == "prune":
        removed = registry.prune(args.model, args.keep)
        for version in removed:
            print(f"removed {args.model} {version}")
        print(f"{len(removed)} {args.model} version(s) removed, {len(registry.versions(args.model))} kept")
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
        "retrain": _cmd_retrain,
    }
    trainers = {"forecast": _cmd_train_forecast, "churn": _cmd_train_churn}
    handler = trainers[args.family] if args.command == "train" else handlers[args.command]
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
