import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.registry import Registry
from service.app import create_app
from service.settings import Settings


def client_for(registry_root, database: Path | None = None, **settings) -> TestClient:
    """A client of the app on ``registry_root``, no champion polling; its SQLite file is ``database``
    (default: beside the registry), and ``settings`` override the rest (e.g. ``api_keys``)."""
    database = database or Path(registry_root).parent / "sentinel.db"
    return TestClient(
        create_app(
            Settings(
                registry=registry_root, reload_interval_seconds=0, database_url=f"sqlite:///{database}", **settings
            )
        )
    )


@pytest.fixture(scope="module")
def client(trained_registry):
    with client_for(trained_registry.root) as c:
        yield c


@pytest.fixture
def registry_copy(trained_registry, tmp_path) -> Registry:
    """A private copy of the trained registry that a test may damage."""
    shutil.copytree(trained_registry.root, tmp_path / "registry")
    return Registry(tmp_path / "registry")
