"""Planning with the forecast: named periods, target feasibility, pace to target, goal seek on a
driver, splitting a total target into parts, and the standing of registered targets.
"""

from models._lazy import lazy_exports

_EXPORTS = {
    "Bounds": "solve",
    "CURVE_RANGE": "feasibility",
    "Decomposition": "decomposition",
    "Feasibility": "feasibility",
    "Lever": "lever",
    "Method": "decomposition",
    "Part": "decomposition",
    "Period": "periods",
    "Resolution": "resolution",
    "Solution": "solve",
    "Spread": "feasibility",
    "SpreadCache": "pace",
    "StoredTarget": "targets",
    "TargetFigures": "resolution",
    "TargetRecord": "resolution",
    "VerdictCutoffs": "feasibility",
    "add_sums": "lever",
    "assess": "feasibility",
    "decompose": "decomposition",
    "goal_seek": "solve",
    "levers": "lever",
    "month_ranges": "periods",
    "pace_answer": "pace",
    "pace_fields": "pace",
    "parse_period": "periods",
    "period_totals": "pace",
    "plain_totals": "pace",
    "quarter_ranges": "periods",
    "resolve": "resolution",
    "resolve_period": "pace",
    "spread": "feasibility",
    "subject_ids": "pace",
    "summarise_targets": "resolution",
    "target_curve": "feasibility",
    "target_status": "targets",
    "total_change": "lever",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
