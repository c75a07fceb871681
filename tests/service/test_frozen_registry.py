"""A registry written by release 0.1.0 still loads and gives the answers it gave then."""

import json
import shutil
from pathlib import Path

import pytest

from tests.service.conftest import client_for

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "registry-0.1.0"
RECORDED = json.loads((FIXTURE / "expected.json").read_text())
# Fields answers gained after the recording: an old registry serves them too, and nothing else may change.
ADDED_SINCE = frozenset({"prophet_weight"})  # GET /v1/series/{series_id}, 2026-12-08


@pytest.fixture(scope="module")
def frozen_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("frozen") / "registry"
    shutil.copytree(FIXTURE / "registry", root)  # serving must not need to write, but never risk the fixture
    with client_for(root) as c:
        yield c


@pytest.mark.parametrize("recorded", RECORDED, ids=[f"{r['method']} {r['url']}" for r in RECORDED])
def test_the_frozen_registry_answers_as_it_did(frozen_client, recorded):
    response = frozen_client.request(recorded["method"], recorded["url"], json=recorded["body"])
    assert response.status_code == recorded["status"], response.text
    assert _close(response.json(), recorded["response"])


def _close(got, want) -> bool:
    """Equal JSON, floats to 1e-9 relative (the same numbers, whatever the platform's last bit)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() - (ADDED_SINCE - want.keys()) == want.keys(), (got, want)
        return all(_close(got[k], want[k]) for k in want)
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        return all(_close(g, w) for g, w in zip(got, want, strict=True))
    if isinstance(want, float) and not isinstance(got, bool):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (got, want)
        return True
    assert got == want
    return True
