"""Planning with the forecast: named periods, target feasibility, pace to target, splitting a total
target into parts, and the standing of registered targets.
"""

from models._lazy import lazy_exports

_EXPORTS = {
    "CURVE_RANGE": "feasibility",
    "Decomposition": "decomposition",
    "Feasibility": "feasibility",
    "Method": "decomposition",
    "Part": "decomposition",
    "Period": "periods",
    "Resolution": "resolution",
    "StoredTarget": "targets",
    "TargetFigures": "resolution",
    "TargetRecord": "resolution",
    "VerdictCutoffs": "feasibility",
    "assess": "feasibility",
    "decompose": "decomposition",
    "month_ranges": "periods",
    "pace_answer": "pace",
    "parse_period": "periods",
    "period_totals": "pace",
    "quarter_ranges": "periods",
    "resolve": "resolution",
    "resolve_period": "pace",
    "subject_ids": "pace",
    "summarise_targets": "resolution",
    "target_curve": "feasibility",
    "target_status": "targets",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
