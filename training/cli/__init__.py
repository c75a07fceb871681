"""``sentinel``: the single command line of sales-sentinel.

Exit codes (``training/cli/exit_codes.py``): 0 success, 2 usage error, 3 invalid input (validation
report printed), 4 not found (e.g. no champion), 5 artifact integrity failure, 1 anything
unexpected; ``sentinel retrain`` adds 10 (the gate rejected a challenger) and 11 (another
retrain holds the lock).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from models.errors import InvalidInput, SentinelError
from service.settings import Settings
from training.cli import exit_codes
from training.cli.churn import train_churn_command
from training.cli.forecast import add_driver_args, evaluate_command, train_forecast_command
from training.cli.ops import (
    db_command,
    kri_command,
    registry_command,
    retrain_command,
    sample_command,
    serve_command,
)

__all__ = ["main"]

MODEL_FAMILIES = ("forecast", "churn")


def _settings() -> Settings:
    """This invocation's settings (not cached: each ``main()`` reads the environment afresh)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"SENTINEL_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid environment setting: {problems}") from None


def _registry_arg(p: argparse.ArgumentParser, settings: Settings) -> None:
    p.add_argument(
        "--registry",
        default=str(settings.registry),
        help="registry root (env SENTINEL_REGISTRY, default %(default)s)",
    )


def _dask_arg(p: argparse.ArgumentParser, settings: Settings) -> None:
    p.add_argument(
        "--dask-scheduler",
        metavar="tcp://HOST:PORT",
        default=settings.dask_scheduler or None,
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


def _churn_parser(ch: argparse.ArgumentParser, settings: Settings) -> None:
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
    _registry_arg(ch, settings)


def _build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    settings = settings or Settings()
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
    _dask_arg(fc, settings)
    fc.add_argument(
        "--group-cols", default="", help="comma-separated attribute columns, constant per series (e.g. region,channel)"
    )
    add_driver_args(fc)
    _registry_arg(fc, settings)

    rt = sub.add_parser("retrain", help="the monthly job: fit challengers, gate against champions, promote, report")
    rt.add_argument("--config", required=True, help="retrain.yaml: sources, jobs, promotion policy")
    rt.add_argument("--dry-run", action="store_true", help="run the gate and write the report; promote nothing")
    rt.add_argument("--jobs", type=int, default=-1, help="parallel local processes (default: all cores)")
    _dask_arg(rt, settings)
    rt.add_argument(
        "--registry",
        default=str(settings.registry) if "registry" in settings.model_fields_set else None,
        help="registry root (default: env SENTINEL_REGISTRY, then the config's `registry`, "
        f"then {Settings.model_fields['registry'].default})",
    )
    rt.add_argument(
        "--database-url",
        default=settings.database_url if "database_url" in settings.model_fields_set else None,
        help="the service's database, read for the champion's live figures (default: env SENTINEL_DATABASE_URL, "
        f"then the config's `database_url`, then {Settings.model_fields['database_url'].default})",
    )

    ev = sub.add_parser("evaluate", help="rolling-origin backtest of the forecaster, optionally beside peers")
    ev.add_argument("--data", required=True, help="sales history: CSV (optionally .gz) or Parquet")
    _mapping_args(ev)
    ev.add_argument("--horizon", type=int, required=True, help="periods per origin")
    ev.add_argument("--cutoffs", type=int, default=3, help="rolling origins (default %(default)s)")
    ev.add_argument(
        "--peers",
        action="store_true",
        help="also Prophet (defaults), AutoETS and seasonal naive; with --regressors also Prophet with them "
        "(prophet+regressors) and ours without the drivers",
    )
    ev.add_argument("--complete-only", action="store_true", help="only series observed on every date")
    ev.add_argument("--max-series", type=int, help="evaluate N series, evenly spaced over the sorted ids")
    ev.add_argument("--samples", type=int, default=1000)
    ev.add_argument("--country-holidays", metavar="CC", help="our forecaster adds a country's holidays, e.g. US")
    ev.add_argument("--jobs", type=int, default=-1)
    ev.add_argument("--out", type=Path, help="write evaluation.json and PNG plots here")
    add_driver_args(ev)
    _churn_parser(
        train.add_parser("churn", help="fit a calibrated churn model from customers or transactions"), settings
    )

    serve = sub.add_parser("serve", help="run the HTTP service")
    _registry_arg(serve, settings)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--print-example", action="store_true", help="print a ready-to-paste curl example")

    kri = sub.add_parser("kri", help="check KRI definitions, export Prometheus alerting rules")
    kri_sub = kri.add_subparsers(dest="action", required=True)
    check = kri_sub.add_parser("check", help="validate a KRI config file (errors name the KRI and field)")
    kri_help = "KRI YAML (env SENTINEL_KRI_CONFIG, default: the built-in set)"
    check.add_argument("file", nargs="?", default=settings.kri_config, help=kri_help)
    rules = kri_sub.add_parser("rules", help="write equivalent Prometheus alerting rules")
    rules.add_argument("--config", default=settings.kri_config, help=kri_help)
    rules.add_argument("--out", default="-", help="output file (default: stdout)")
    rules.add_argument(
        "--interval", default="1m", help="rule group evaluation interval; `for: N` evaluations = N x this"
    )

    dbp = sub.add_parser("db", help="database schema")
    db_sub = dbp.add_subparsers(dest="action", required=True)
    up = db_sub.add_parser("upgrade", help="apply the migrations (the service also does at start-up)")
    up.add_argument(
        "--url",
        default=settings.database_url,
        help="database URL (env SENTINEL_DATABASE_URL, default %(default)s)",
    )

    reg = sub.add_parser("registry", help="inspect and switch model versions")
    reg_sub = reg.add_subparsers(dest="action", required=True)
    for name, text in [
        ("list", "versions, champion marked"),
        ("champion", "print the champion version"),
        ("show", "print a version's manifest"),
        ("promote", "make a version the champion"),
        ("rollback", "restore the previous champion"),
        ("prune", "delete old versions (never the champion or its rollback targets)"),
        ("verify", "hash every file of a version (default: all versions) against its manifest"),
    ]:
        p = reg_sub.add_parser(name, help=text)
        if name in {"show", "promote"}:
            p.add_argument("version")
        if name == "verify":
            p.add_argument("version", nargs="?", help="one version (default: every version)")
        if name == "prune":
            p.add_argument("--keep", type=int, required=True, help="newest versions to keep (at least 1)")
        p.add_argument("--model", choices=MODEL_FAMILIES, default="forecast", help="model family (default %(default)s)")
        _registry_arg(p, settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        settings = _settings()
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_codes.for_error(exc)
    args = _build_parser(settings).parse_args(argv)
    from training.logs import configure_logging

    configure_logging(args.verbose)
    handlers = {
        "sample": sample_command,
        "serve": serve_command,
        "registry": registry_command,
        "evaluate": evaluate_command,
        "kri": kri_command,
        "db": db_command,
        "retrain": retrain_command,
    }
    trainers = {"forecast": train_forecast_command, "churn": train_churn_command}
    handler = trainers[args.family] if args.command == "train" else handlers[args.command]
    try:
        return handler(args)
    except SentinelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_codes.for_error(exc)
    except KeyboardInterrupt:
        print("interrupted; nothing was promoted", file=sys.stderr)
        return exit_codes.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
