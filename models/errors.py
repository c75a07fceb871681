"""The exception tree of sales-sentinel.

Domain code raises these with messages that name the column, key or series and the fix. Each
class carries its ``code`` (the ``error`` field of an HTTP error body), the HTTP status the
service answers with and the exit code of the ``sentinel`` CLI; only ``service/http_errors.py``
maps them to responses and only ``training/cli`` maps them to exit codes, both reading these.

    class                       code                http  exit
    SentinelError               sentinel_error       500     1   root: every error raised on purpose
    ├── InvalidInput            invalid_input        422     3   bad data or request: the caller can fix it
    │   ├── ValidationFailed    validation_failed    422     3   a sales history failed validation (full report)
    │   └── OutOfRange          out_of_range         422     3   a period outside history + forecast horizon
    ├── NotFound                not_found            404     4   unknown series, version or model
    │   └── NoChampion          no_champion          404     4   the registry has no champion for a model yet
    ├── ArtifactIntegrityError  artifact_integrity   503     5   an artifact's bytes differ from its manifest
    ├── RegistryError           registry_error       503     1   the registry cannot do what was asked
    ├── NotReady                not_ready            503     1   the model a request needs is not loaded yet
    ├── Unauthorized            unauthorized         401     1   no API key, or an unknown one
    ├── Forbidden               forbidden            403     1   an API key whose role is too low
    └── RetrainLocked           locked               409    11   another ``sentinel retrain`` holds the lock

``sentinel`` also exits 2 on a usage error (argparse), 10 when ``retrain`` rejected a challenger,
130 when interrupted; those are outcomes, not errors, and live in ``training/cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from models.forecast.validation import ValidationReport

__all__ = [
    "ArtifactIntegrityError",
    "Forbidden",
    "InvalidInput",
    "NoChampion",
    "NotFound",
    "NotReady",
    "OutOfRange",
    "RegistryError",
    "RetrainLocked",
    "SentinelError",
    "Unauthorized",
    "ValidationFailed",
]


class SentinelError(Exception):
    """Root of every error sales-sentinel raises on purpose."""

    code: ClassVar[str] = "sentinel_error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1


class InvalidInput(SentinelError):
    """The input is wrong; the message says what and how to fix it."""

    code = "invalid_input"
    http_status = 422
    exit_code = 3


class ValidationFailed(InvalidInput):
    """A sales history failed validation; ``report`` lists every problem found."""

    code = "validation_failed"

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.render())


class OutOfRange(InvalidInput):
    """A requested period lies outside what the model knows (history + horizon)."""

    code = "out_of_range"


class NotFound(SentinelError):
    """An unknown series, model or version."""

    code = "not_found"
    http_status = 404
    exit_code = 4


class NoChampion(NotFound):
    """The registry holds no champion for the requested model."""

    code = "no_champion"


class ArtifactIntegrityError(SentinelError):
    """An artifact's bytes differ from the checksums in its manifest: refuse to load it."""

    code = "artifact_integrity"
    http_status = 503  # the service keeps serving what it had; this version is not loadable
    exit_code = 5


class RegistryError(SentinelError):
    """The registry cannot carry out the operation (no previous champion, an unreadable pointer)."""

    code = "registry_error"
    http_status = 503  # the registry's state, not the request, is what must be fixed


class NotReady(SentinelError):
    """The model a request needs is not loaded yet."""

    code = "not_ready"
    http_status = 503


class Unauthorized(SentinelError):
    """No API key was sent, or one that is not configured."""

    code = "unauthorized"
    http_status = 401


class Forbidden(SentinelError):
    """The API key's role is below what the endpoint needs."""

    code = "forbidden"
    http_status = 403


class RetrainLocked(SentinelError):
    """Another ``sentinel retrain`` holds the registry's retrain lock; this run did nothing."""

    code = "locked"
    http_status = 409
    exit_code = 11
