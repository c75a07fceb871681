"""Precomputed cumulative paths of the total and of each group, so their answers read two rows.

A group's period total at sample j is the sum of its members' totals at sample j (the joint
paths). Training stores that sum for the total and for every single-column group (``{"region":
"North"}``) whose members share one timeline (the same history start and end, hence the same
dates at every step): a group answer without posted actuals is then the difference of two rows,
like a series', instead of a sum over every member. Groups of several columns, groups whose
members' histories end on different dates and any group with posted actuals (which condition
each member's paths) are still summed member by member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

__all__ = ["GroupPaths", "group_members", "sum_member_paths"]


class _Grouped(Protocol):  # what is read of a SeriesInfo
    @property
    def series_id(self) -> str: ...
    @property
    def history_start(self) -> str: ...
    @property
    def history_end(self) -> str: ...
    @property
    def groups(self) -> dict[str, str]: ...


def group_members(infos: Sequence[_Grouped]) -> list[tuple[dict[str, str], list[int]]]:
    """The total (``{}``) and each one-column group whose members share one timeline, with their positions."""
    keys: dict[tuple[str, str] | None, list[int]] = {None: list(range(len(infos)))}
    for i, info in enumerate(infos):
        for col, value in sorted(info.groups.items()):
            keys.setdefault((col, value), []).append(i)
    out = []
    for key, members in keys.items():
        if members and len({(infos[i].history_start, infos[i].history_end) for i in members}) == 1:
            out.append(({} if key is None else {key[0]: key[1]}, members))
    return out


def sum_member_paths(
    series_rows: Iterable[tuple[int, np.ndarray]], members: Sequence[Sequence[int]], shape: tuple[int, ...]
) -> np.ndarray:
    """(n_groups, horizon + 1, n_samples) float32 sums of the members' cumulative paths, in float64.

    ``series_rows`` yields (position, that series' (horizon + 1, n_samples) cumulative paths) once
    per series, in any order: each is added into every group it belongs to, so the paths are read
    in a single pass whatever the number of groups.
    """
    belongs: dict[int, list[int]] = {}
    for row, positions in enumerate(members):
        for i in positions:
            belongs.setdefault(i, []).append(row)
    totals = np.zeros((len(members), *shape), dtype=np.float64)
    for i, cum in series_rows:
        for row in belongs.get(i, ()):
            totals[row] += cum
    return totals.astype(np.float32)


class GroupPaths:
    """The stored group rows of a version: which member list each answers, and its summed history."""

    def __init__(
        self,
        keys: Sequence[Mapping[str, str]],
        cum: np.ndarray,
        infos: Sequence[_Grouped],
        history_cum: Sequence[np.ndarray],
    ) -> None:
        self.cum = cum  # (n_groups, horizon + 1, n_samples) float32
        self.history_cum: list[np.ndarray] = []
        self.first: list[int] = []  # a member's position: its timeline is the group's
        self._rows: dict[tuple[str, ...], int] = {}
        for row, key in enumerate(keys):
            members = [i for i, info in enumerate(infos) if all(info.groups.get(c) == v for c, v in key.items())]
            self._rows[tuple(infos[i].series_id for i in members)] = row
            summed = np.zeros_like(history_cum[members[0]])
            for i in members:
                summed += history_cum[i]
            self.history_cum.append(summed)
            self.first.append(members[0])

    def row(self, series_ids: Sequence[str]) -> int | None:
        """The row holding exactly these members (in artifact order, as ``members`` lists them), if any."""
        return self._rows.get(tuple(series_ids))
