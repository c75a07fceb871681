"""KRI configuration: what a valid file gives, and errors that name the KRI and the field."""

import pytest

from models.errors import InvalidInput
from models.kri.config import (
    SOURCES,
    Clear,
    For,
    format_duration,
    load_kri_file,
    parse_duration,
    parse_kri_config,
)
from service.settings import DEFAULT_KRI_CONFIG

VALID = {
    "name": "returns_rate",
    "source": "observed",
    "direction": "above",
    "warning": 0.08,
    "critical": 0.12,
}


def problems(*kris) -> str:
    with pytest.raises(InvalidInput) as err:
        parse_kri_config({"kris": list(kris)})
    return str(err.value)


def test_the_built_in_config_is_valid_and_covers_every_source():
    kris = load_kri_file(DEFAULT_KRI_CONFIG)
    assert {k.source for k in kris} == set(SOURCES)
    assert "returns_rate" in {k.name for k in kris}


def test_a_full_definition_parses():
    (kri,) = parse_kri_config(
        {
            "kris": [
                {
                    **VALID,
                    "description": "returns",
                    "for": "5m",
                    "clear": {"margin": 0.01, "keep_firing_for": "10m"},
                    "labels": {"team": "ops", "tier": 1},
                    "runbook_url": "https://runbooks.example.com/r",
                }
            ]
        }
    )
    assert kri.for_ == For(seconds=300) and kri.clear == Clear(margin=0.01, keep_firing_for=600)
    assert kri.labels == {"team": "ops", "tier": "1"} and kri.thresholds() == {"warning": 0.08, "critical": 0.12}


def test_for_as_a_whole_number_counts_evaluations():
    (kri,) = parse_kri_config({"kris": [{**VALID, "for": 3}]})
    assert kri.for_ == For(evaluations=3)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"direction": "up"}, "kri 'returns_rate' field 'direction': must be 'above' or 'below'"),
        ({"source": "crm"}, "kri 'returns_rate' field 'source': must be one of observed"),
        ({"warning": "high"}, "kri 'returns_rate' field 'warning': must be a finite number"),
        ({"warning": None, "critical": None}, "kri 'returns_rate' field 'warning': set 'warning', 'critical' or both"),
        ({"critical": 0.05}, "kri 'returns_rate' field 'critical': with direction 'above' the critical threshold"),
        ({"for": "5 minutes"}, "kri 'returns_rate' field 'for': '5 minutes' is not a duration"),
        ({"clear": {"margin": -1}}, "kri 'returns_rate' field 'clear'.margin: must be >= 0"),
        ({"clear": {"keep_firing_for": "x"}}, "field 'clear'.keep_firing_for: 'x' is not a duration"),
        ({"clear": {"hysteresis": 1}}, "field 'clear': unknown keys ['hysteresis']"),
        ({"labels": {"severity": "p1"}}, "field 'labels': 'severity' is set by sales-sentinel itself"),
        ({"labels": {"bad-name": "x"}}, "field 'labels': 'bad-name' is not a valid label name"),
        ({"runbook_url": "wiki/page"}, "field 'runbook_url': must be an http(s) URL"),
        ({"threshold": 1}, "kri 'returns_rate' field 'threshold': unknown field"),
    ],
)
def test_errors_name_the_kri_and_the_field(change, expected):
    assert expected in problems({**VALID, **change})


def test_every_problem_is_reported_at_once():
    text = problems({**VALID, "direction": "up", "for": "x"}, {**VALID, "name": "Bad Name"}, VALID, VALID)
    assert "4 problem(s)" in text
    assert "field 'direction'" in text and "field 'for'" in text and "'Bad Name'" in text
    assert "kri 'returns_rate' field 'name': is defined twice" in text


def test_a_document_without_a_kris_list_is_refused():
    with pytest.raises(InvalidInput, match="'kris' list"):
        parse_kri_config({"kri": []})


def test_a_missing_or_broken_file_names_the_file(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        load_kri_file(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("kris: [\n")
    with pytest.raises(InvalidInput, match="bad.yaml is not valid YAML"):
        load_kri_file(tmp_path / "bad.yaml")


def test_durations_round_trip():
    assert parse_duration("90s") == 90 and parse_duration("5m") == 300 and parse_duration("1.5h") == 5400
    assert format_duration(300) == "5m" and format_duration(90) == "90s" and format_duration(86400) == "1d"
    with pytest.raises(ValueError):
        parse_duration("5")
