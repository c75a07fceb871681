"""Exit codes of ``sentinel``, in one place.

An error exits with the code its class carries in the tree of ``models/errors.py`` (3 invalid
input, 4 not found, 5 artifact integrity, 11 retrain locked, 1 any other); argparse exits 2 on
a usage error. ``sentinel retrain`` also exits with its run's outcome: 10 when the gate rejected
a challenger (the champion keeps serving), 3 or 1 when a job met invalid input or crashed.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.errors import InvalidInput, SentinelError

__all__ = ["INTERRUPTED", "OK", "REJECTED", "USAGE", "for_error", "for_retrain"]

OK, USAGE, REJECTED, INTERRUPTED = 0, 2, 10, 130


def for_error(exc: SentinelError) -> int:
    return exc.exit_code


def for_retrain(statuses: Iterable[str]) -> int:
    """A retrain run's code from its jobs' statuses: a crash outranks invalid input, which outranks a rejection."""
    seen = set(statuses)
    if "failed" in seen:
        return SentinelError.exit_code
    if "invalid-input" in seen:
        return InvalidInput.exit_code
    return REJECTED if "rejected" in seen else OK
