"""Sales forecasts: the data contract and its validation, the per-series fit, the calibrated joint
sample paths, the served model and its artifact, accuracy scores and the reference peers.
"""

from models._lazy import lazy_exports

_EXPORTS = {
    "ColumnMapping": "contracts",
    "DS": "contracts",
    "ErrorLibrary": "calibration",
    "ForecastConfig": "fit",
    "ForecastModel": "model",
    "Frequency": "contracts",
    "JointDraws": "calibration",
    "PaceSum": "model",
    "PeerForecast": "peers",
    "PeriodSum": "model",
    "Problem": "validation",
    "SERIES_ID": "contracts",
    "SalesHistory": "validation",
    "SeriesFit": "fit",
    "SeriesInfo": "model",
    "ValidationReport": "validation",
    "ValidationRules": "validation",
    "Y": "contracts",
    "auto_ets": "peers",
    "brier": "scores",
    "brier_skill": "scores",
    "calibrate": "calibration",
    "check_country_holidays": "fit",
    "coverage": "scores",
    "crps_normal": "scores",
    "crps_samples": "scores",
    "ece": "scores",
    "fit_series": "fit",
    "fold_min_history": "fit",
    "load_forecast": "model",
    "make_prophet": "fit",
    "mase": "scores",
    "name_list": "validation",
    "period_holidays": "fit",
    "prophet_default": "peers",
    "relative_spreads": "calibration",
    "reliability": "scores",
    "save_forecast": "model",
    "seasonal_naive": "peers",
    "seasonal_naive_scale": "scores",
    "series_groups": "validation",
    "smape": "scores",
    "to_recent_fold_spread": "calibration",
    "validate_sales": "validation",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
