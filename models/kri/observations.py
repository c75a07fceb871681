"""Observed KRI values pushed by other systems, and the checks a batch must pass to be stored."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.errors import InvalidInput
from models.kri.config import LABEL_NAME, RESERVED_LABELS, KriDefinition

__all__ = ["MAX_FUTURE", "Observation", "check_observations"]

MAX_FUTURE = dt.timedelta(minutes=5)  # clock skew allowance for pushers


@dataclass(frozen=True)
class Observation:
    kri: str
    value: float
    ts: dt.datetime
    labels: Mapping[str, str]


def check_observations(
    items: Sequence[Observation], kris: Mapping[str, KriDefinition], now: dt.datetime
) -> list[Observation]:
    """The batch with timestamps in UTC, or InvalidInput naming every rejected item (none is stored)."""
    problems: list[str] = []
    clean: list[Observation] = []
    for i, item in enumerate(items):
        at = f"observations[{i}] (kri {item.kri!r})"
        kri = kris.get(item.kri)
        if kri is None:
            problems.append(f"{at}: unknown KRI; configured: {', '.join(sorted(kris)) or 'none'}")
        elif not kri.observed:
            problems.append(
                f"{at}: KRI has source {kri.source!r}: the service computes it, so it takes no observations"
            )
        if not math.isfinite(item.value):
            problems.append(f"{at}: value must be a finite number, got {item.value!r}")
        ts = item.ts if item.ts.tzinfo else item.ts.replace(tzinfo=dt.UTC)
        ts = ts.astimezone(dt.UTC)
        if ts > now + MAX_FUTURE:
            problems.append(f"{at}: ts {ts.isoformat()} is in the future (now {now.isoformat(timespec='seconds')})")
        for key in item.labels:
            if not LABEL_NAME.match(key) or key in RESERVED_LABELS:
                problems.append(f"{at}: label {key!r} is not allowed (reserved, or not [a-zA-Z_][a-zA-Z0-9_]*)")
        clean.append(Observation(item.kri, float(item.value), ts, dict(item.labels)))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s), nothing was stored: " + "; ".join(problems))
    return clean
