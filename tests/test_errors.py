"""The error tree: complete in its docstring, and every known error has a non-500 status and its exit code."""

import inspect

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from models import errors
from service.http_errors import install_error_handlers
from training.cli import main

KNOWN = [
    cls  # ValidationFailed needs a report: the training and API tests cover it
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.SentinelError) and cls not in (errors.SentinelError, errors.ValidationFailed)
]


def test_the_docstring_draws_every_class_with_its_code_status_and_exit_code():
    for cls in KNOWN:
        row = next((line for line in errors.__doc__.splitlines() if f" {cls.__name__} " in line), None)
        assert row is not None, f"{cls.__name__} is missing from the tree in models/errors.py"
        assert f" {cls.code} " in row and f" {cls.http_status} " in row and f" {cls.exit_code} " in row, row


@pytest.mark.parametrize("cls", KNOWN, ids=lambda c: c.__name__)
def test_a_known_error_answers_with_its_own_status_never_500(cls):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise cls("what went wrong and how to fix it")

    response = TestClient(app).get("/boom")
    assert response.status_code == cls.http_status != 500
    assert response.json() == {"error": cls.code, "detail": "what went wrong and how to fix it"}


def test_the_cli_exits_with_the_code_of_the_error_class(tmp_path, capsys):
    assert main(["registry", "champion", "--registry", str(tmp_path)]) == errors.NoChampion.exit_code == 4
    assert "error:" in capsys.readouterr().err
    assert main(["kri", "check", str(tmp_path / "missing.yaml")]) == errors.InvalidInput.exit_code == 3
