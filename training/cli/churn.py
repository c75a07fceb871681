"""``sentinel train churn``: from a customer table or a transaction log, summary printed."""

from __future__ import annotations

import argparse
import json

from models.errors import InvalidInput
from models.registry import Registry

__all__ = ["train_churn_command"]


def train_churn_command(args: argparse.Namespace) -> int:
    from models.churn.transactions import TransactionColumns
    from training.jobs.churn import train_churn, train_churn_transactions
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
    print(f"  registry:  {registry.version_dir('churn', s.version)}  ({s.seconds:.1f} s)")
    return 0
