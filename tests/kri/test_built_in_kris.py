"""The built-in KRI set watches forecast bias on both sides: a drop (forecasts too high) and a
surge (forecasts too low) each raise their own alert, and honest values raise neither."""

from models.kri.config import load_kri_file
from service.settings import DEFAULT_KRI_CONFIG


def breached(bias: float) -> dict[str, str]:
    """The bias KRIs of the built-in set that ``bias`` breaches, with the worst severity."""
    out = {}
    for kri in load_kri_file(DEFAULT_KRI_CONFIG):
        if kri.source != "forecast_bias":
            continue
        hit = [s for s, threshold in kri.thresholds().items() if kri.beyond(bias, threshold)]
        if hit:
            out[kri.name] = "critical" if "critical" in hit else "warning"
    return out


def test_a_drop_and_a_surge_each_raise_their_own_bias_alert():
    assert breached(0.25) == {"forecast_bias": "warning"}  # actuals 20% below the forecast
    assert breached(0.35) == {"forecast_bias": "critical"}
    assert breached(-0.25) == {"forecast_bias_low": "warning"}  # actuals well above it
    assert breached(-0.35) == {"forecast_bias_low": "critical"}


def test_honest_bias_raises_nothing():
    for bias in (-0.15, 0.0, 0.11):  # honest 14-day regional values on the sample (bench/replay.py)
        assert breached(bias) == {}
