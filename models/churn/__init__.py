"""Churn: features from a customer table or a transaction log, the classifier pipeline and its
search, the served model (scores, risk bands, drivers, revenue at risk) and its artifact, and
accountability: outcomes resolving the scores given, realised figures, feature drift.
"""

from models._lazy import lazy_exports

_EXPORTS = {
    "BANDS": "model",
    "ChurnModel": "model",
    "ChurnScores": "model",
    "GivenScore": "outcomes",
    "Outcome": "outcomes",
    "ResolvedOutcome": "outcomes",
    "FeatureSchema": "features",
    "SearchResult": "pipeline",
    "TransactionColumns": "transactions",
    "build_baseline": "pipeline",
    "build_pipeline": "pipeline",
    "classification_metrics": "pipeline",
    "clean_features": "features",
    "drift_level": "drift",
    "feature_drift": "drift",
    "feature_profile": "drift",
    "fit_churn": "pipeline",
    "frame_from_records": "features",
    "infer_schema": "features",
    "load_churn": "artifact",
    "neutral_reference": "pipeline",
    "parse_label": "features",
    "population_stability": "drift",
    "population_summary": "model",
    "profile_from_population": "drift",
    "realised_figures": "outcomes",
    "resolve_outcomes": "outcomes",
    "risk_band": "model",
    "roc_auc": "outcomes",
    "save_churn": "artifact",
    "search": "pipeline",
    "transaction_features": "transactions",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
