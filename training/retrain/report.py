"""The report of one ``sentinel retrain`` run: what each job did, as report.json, summary.txt and report.html."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JobResult", "render_summary", "write_report"]


@dataclass
class JobResult:
    """What one job of the run did and why: the gate fills it in, the report renders it."""

    model: str
    status: str  # promoted | rejected | nothing-to-do | would-promote (dry run) | invalid-input | failed
    reasons: list[str] = field(default_factory=list)
    version: str | None = None
    champion_before: str | None = None
    gate: dict[str, Any] = field(default_factory=dict)
    per_series: list[dict[str, Any]] = field(default_factory=list)
    data_changes: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    live: dict[str, Any] = field(default_factory=dict)  # the champion's live figures (training.retrain.live)


def render_summary(meta: dict[str, Any], results: list[JobResult]) -> str:
    """The human-readable summary: one block per job, what happened and why."""
    lines = [
        f"retrain run {meta['run_id']}: exit {meta['exit_code']} in {meta['seconds']:.1f} s"
        + (" (dry run: nothing promoted)" if meta["dry_run"] else ""),
        f"  config: {meta['config']}; training on {meta['scheduler']}",
    ]
    for r in results:
        lines.append(f"{r.model}: {r.status.upper()}" + (f" {r.version}" if r.version else ""))
        if r.champion_before:
            lines.append(f"  champion before: {r.champion_before}")
        lines += _live_lines(r.live)
        lines += [f"  reason: {reason}" for reason in r.reasons]
        g = r.gate
        if g and "challenger_roc_auc" in g:
            champion_auc = "none" if g["champion_roc_auc"] is None else f"{g['champion_roc_auc']:.4f}"
            lines.append(
                f"  gate: holdout ROC AUC challenger {g['challenger_roc_auc']:.4f}, champion {champion_auc} "
                f"(tolerance {g['auc_tolerance']})"
            )
        elif g:
            lines.append(
                f"  gate: {g['series_scored']} series over {g['fold_periods']} periods "
                f"{g['fold_start']}..{g['fold_end']}: "
                f"median MASE champion {g['champion_median_mase']:.3f}, challenger {g['challenger_median_mase']:.3f}; "
                f"{g['series_worse']} series worse beyond tolerance; level shifts in {g['level_shift_share']:.0%}"
            )
        d = r.data_changes
        if d:
            lines.append(
                f"  data: {len(d.get('new_series', []))} new series, {len(d.get('vanished_series', []))} vanished, "
                f"{len(d.get('restated_series', []))} with restated history, "
                f"{len(d.get('level_shift_series', []))} with a level shift, "
                f"{len(d.get('lagging_series', []))} without the fold's new periods (not scored)"
            )
        if r.timings:
            lines.append("  timings: " + ", ".join(f"{k} {v:.1f}" for k, v in r.timings.items()))
    return "\n".join(lines) + "\n"


def _live_lines(live: dict[str, Any]) -> list[str]:
    """The champion's live figures since its promotion (what GET /v1/monitoring answers for its version)."""
    if not live:
        return []
    if live["status"] != "scored":
        lines = [f"  live: {live['detail']}"]
    else:
        f, t = live["forecast"], live["targets"]
        figure = lambda value, spec: "n/a" if value is None else format(value, spec)  # noqa: E731
        coverage = ", ".join(f"{level}% {figure(f['coverage'][level], '.3f')}" for level in ("50", "80", "95"))
        lines = [
            f"  live since promotion ({live['model_version']}, {live['database']}): {f['periods_scored']} actuals "
            f"of {f['series']} series scored: coverage {coverage}; bias {figure(f['bias'], '+.3f')}; "
            f"MASE {figure(f['mase'], '.3f')}; targets resolved {t['resolved']}, "
            f"hit rate {figure(t['hit_rate'], '.2f')}, Brier {figure(t['brier'], '.3f')}"
        ]
    if live.get("verdict"):
        lines.append(f"  live: {live['verdict']}")
    return lines


def _html(meta: dict[str, Any], results: list[JobResult], summary: str) -> str:
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>retrain {html.escape(meta['run_id'])}</title>",
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}"
        ".worse{background:#fdd}.shift{color:#a00}</style>",
        f"<h1>Retrain run {html.escape(meta['run_id'])}</h1><pre>{html.escape(summary)}</pre>",
    ]
    for r in results:
        if not r.per_series:
            continue
        parts.append(f"<h2>{r.model}: accuracy per series, champion vs challenger (MASE, lower is better)</h2>")
        parts.append("<table><tr><th>series</th><th>champion</th><th>challenger</th><th>actual / forecast</th></tr>")
        for row in sorted(r.per_series, key=lambda x: x["challenger_mase"] - x["champion_mase"], reverse=True):
            cls = " class='worse'" if row["worse"] else ""
            ratio = f"{row['actual_over_forecast']:.0%}"
            if row["level_shift"]:
                ratio = f"<span class='shift'>{ratio} level shift</span>"
            parts.append(
                f"<tr{cls}><td>{html.escape(str(row['series_id']))}</td><td>{row['champion_mase']:.3f}</td>"
                f"<td>{row['challenger_mase']:.3f}</td><td>{ratio}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts) + "\n"


def write_report(directory: Path, meta: dict[str, Any], results: list[JobResult]) -> None:
    """Write the three files into the run's (still hidden) directory."""
    summary = render_summary(meta, results)
    payload = {**meta, "jobs": [asdict(r) for r in results]}
    (directory / "report.json").write_text(json.dumps(payload, indent=2, default=str))
    (directory / "summary.txt").write_text(summary)
    (directory / "report.html").write_text(_html(meta, results, summary))
