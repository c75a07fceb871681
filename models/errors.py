"""The exception tree of sales-sentinel.

Domain code raises these with messages that name the column, key or series and the fix;
only ``service/errors.py`` maps them to HTTP responses and only the CLI maps them to exit codes.

    SentinelError
    ├── InvalidInput            bad data or request: the caller can fix it
    │   ├── ValidationFailed    a sales history failed validation (carries the full report)
    │   └── OutOfRange          a period outside history + forecast horizon
    ├── NotFound                unknown series, version or model
    │   └── NoChampion          the registry has no champion for a model yet
    ├── ArtifactIntegrityError  an artifact's bytes differ from its manifest
    └── RegistryError           the registry cannot do what was asked (e.g. nothing to roll back to)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.forecast.validation import ValidationReport

__all__ = [
    "ArtifactIntegrityError",
    "InvalidInput",
    "NoChampion",
    "NotFound",
    "OutOfRange",
    "RegistryError",
    "SentinelError",
    "ValidationFailed",
]


class SentinelError(Exception):
    """Root of every error sales-sentinel raises on purpose."""

    code = "sentinel_error"


class InvalidInput(SentinelError):
    """The input is wrong; the message says what and how to fix it."""

    code = "invalid_input"


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


class NoChampion(NotFound):
    """The registry holds no champion for the requested model."""

    code = "no_champion"


class ArtifactIntegrityError(SentinelError):
    """An artifact's bytes differ from the checksums in its manifest: refuse to load it."""

    code = "artifact_integrity"


class RegistryError(SentinelError):
    """The registry cannot carry out the operation (for example, no previous champion)."""

    code = "registry_error"
