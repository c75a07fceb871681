"""Which series belong to which group: the attribute counts and each group's member list, per model.

Resolving a group to its members is on the path of every group and total request, so each answer
is computed once per served model and kept (the keys are the groups asked for, a handful in
practice; ``MEMBER_CACHE_SIZE`` bounds a client that asks for many).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Protocol

from models.errors import NotFound

__all__ = ["MEMBER_CACHE_SIZE", "Membership"]

MEMBER_CACHE_SIZE = 4096


class _Grouped(Protocol):  # what is read of a SeriesInfo
    @property
    def series_id(self) -> str: ...
    @property
    def groups(self) -> dict[str, str]: ...


class Membership:
    """The group columns of a model's series and the members of any group of them."""

    def __init__(self, infos: Sequence[_Grouped]) -> None:
        self._infos = infos
        counts: dict[str, dict[str, int]] = {}
        for info in infos:
            for col, value in info.groups.items():
                counts.setdefault(col, {}).setdefault(value, 0)
                counts[col][value] += 1
        self.counts = {col: dict(sorted(values.items())) for col, values in sorted(counts.items())}
        self._members: dict[tuple[tuple[str, str], ...], tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def members(self, group: Mapping[str, str]) -> list[str]:
        """Series whose attributes match every key of ``group`` (all series for ``{}``), in model order.

        Raises ``NotFound`` naming an unknown column or value, or a combination no series has.
        """
        key = tuple(sorted(group.items()))
        found = self._members.get(key)
        if found is None:
            found = self._resolve(dict(key))
            with self._lock:
                if len(self._members) >= MEMBER_CACHE_SIZE:
                    del self._members[next(iter(self._members))]
                self._members[key] = found
        return list(found)

    def _resolve(self, group: Mapping[str, str]) -> tuple[str, ...]:
        for col, value in group.items():
            if col not in self.counts:
                cols = ", ".join(self.counts) or "none (train with --group-cols)"
                raise NotFound(f"unknown group column {col!r}; this model's group columns: {cols}")
            if value not in self.counts[col]:
                raise NotFound(f"unknown {col} {value!r}; available: {', '.join(self.counts[col])}")
        found = tuple(i.series_id for i in self._infos if all(i.groups.get(c) == v for c, v in group.items()))
        if not found:
            raise NotFound(f"no series matches group {dict(group)!r}; see GET /v1/groups")
        return found
