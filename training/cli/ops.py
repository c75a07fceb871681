"""Operating commands: ``sample``, ``serve``, ``retrain``, ``registry``, ``kri`` and ``db``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.errors import InvalidInput, NotFound
from models.registry import Registry
from service.settings import Settings

__all__ = [
    "db_command",
    "kri_command",
    "registry_command",
    "retrain_command",
    "sample_command",
    "serve_command",
]


def sample_command(args: argparse.Namespace) -> int:
    from training.jobs.sample import write_sample

    paths = write_sample(args.out, args.seed, args.stores_per_region, args.customers)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    return 0


def retrain_command(args: argparse.Namespace) -> int:
    from training.retrain.config import load_retrain_config
    from training.retrain.run import run_retrain

    config = load_retrain_config(args.config)
    registry = Registry(args.registry or config.registry or Settings().registry)
    code, report, _ = run_retrain(  # RetrainLocked exits 11 through main(), like every error
        config,
        registry,
        dry_run=args.dry_run,
        n_jobs=args.jobs,
        scheduler=args.dask_scheduler or config.dask_scheduler,
        database_url=args.database_url or config.database_url or Settings().database_url,
    )
    print((report / "summary.txt").read_text(), end="")
    print(f"report: {report / 'report.html'}")
    return code


def serve_command(args: argparse.Namespace) -> int:
    from service.server import serve

    return serve(args.registry, args.host, args.port, args.workers, args.print_example, args.verbose)


def kri_command(args: argparse.Namespace) -> int:
    import yaml

    from models.kri.config import load_kri_file, parse_duration
    from models.kri.prometheus_rules import alerting_rules

    if args.action == "check":
        path = Path(args.file)
        kris = load_kri_file(path)
        print(f"{path}: {len(kris)} KRI(s) valid: {', '.join(k.name for k in kris)}")
        return 0
    try:
        interval = parse_duration(args.interval)
    except ValueError as exc:
        raise InvalidInput(f"--interval: {exc}") from None
    text = yaml.safe_dump(alerting_rules(load_kri_file(Path(args.config)), interval), sort_keys=False, width=1000)
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def db_command(args: argparse.Namespace) -> int:
    from service.db import engine as db

    engine = db.connect(args.url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    print(f"database schema is up to date ({engine.url.render_as_string(hide_password=True)})")
    return 0


def registry_command(args: argparse.Namespace) -> int:
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
    elif args.action == "verify":  # every file hashed, whatever the record of intact files says
        versions = [args.version] if args.version else registry.versions(args.model)
        for version in versions:
            directory, manifest = registry.open_version(args.model, version, full=True)
            print(f"{args.model} {version}: {len(manifest.get('files', {}))} files match their SHA-256")
    elif args.action == "prune":
        removed = registry.prune(args.model, args.keep)
        for version in removed:
            print(f"removed {args.model} {version}")
        print(f"{len(removed)} {args.model} version(s) removed, {len(registry.versions(args.model))} kept")
    return 0
