"""The layout keeps its promises: a pure core, package faces that name their modules' API, small modules."""

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = sorted(
    info.name
    for info in pkgutil.walk_packages([str(ROOT / "models")], "models.")
    if not info.name.rsplit(".", 1)[-1].startswith("_")
)
HTTP_AND_DB = ("fastapi", "starlette", "sqlalchemy", "httpx", "uvicorn", "alembic")


def test_importing_the_core_loads_no_web_or_database_library():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in {HTTP_AND_DB!r} if m in sys.modules)))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "", f"models.* imported {loaded.stdout.strip()}"


def _declared_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__":
            return [element.value for element in node.value.elts]  # type: ignore[attr-defined]
    return []


@pytest.mark.parametrize("package", ["models.forecast", "models.planning", "models.churn", "models.kri"])
def test_each_domain_face_exports_exactly_its_modules_public_names(package):
    face = importlib.import_module(package)
    folder = ROOT / package.replace(".", "/")
    public = {
        name: path.stem
        for path in sorted(folder.glob("*.py"))
        if not path.stem.startswith("_")
        for name in _declared_all(path)
    }
    assert dict(face._EXPORTS) == public, f"update {package}'s _EXPORTS to its modules' __all__"
    for name in face.__all__:
        assert getattr(face, name) is getattr(importlib.import_module(f"{package}.{public[name]}"), name)


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for top in ("models", "service", "training")
        for path in (ROOT / top).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert not long, f"split these modules by concept: {long}"


def test_importing_the_service_package_builds_nothing():
    code = "import sys, service; print('service.app' in sys.modules, 'fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_sentinel_db_upgrade_loads_neither_the_web_app_nor_the_models(tmp_path):
    code = (
        "import sys\nfrom training.cli import main\n"
        f"assert main(['db', 'upgrade', '--url', 'sqlite:///{tmp_path / 'x.db'}']) == 0\n"
        "print('loaded:' + ','.join(m for m in ('fastapi', 'sklearn', 'prophet') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "loaded:", out.stdout
