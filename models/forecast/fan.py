"""Fan-chart data for one series or a sum of series: recent history, posted actuals, and per-date
mean, median and central bands of the joint sample paths.

A sum's forecast at a date is the sum over its members *at each sample index* (sample j is one
joint scenario across series), so its bands carry the members' common shocks; adding the
members' own quantiles would not give the quantiles of the sum.

Members may end their history on different dates. The forecast then starts at the earliest
horizon start and ends at the earliest horizon end, and at each of its dates a member still in
its history adds its recorded value to every sample: every forecast point is the subject's whole
total, as feasibility counts it, and the chart never shows a sum with members missing. History is
the dates before that start, summed per date. The paths are not conditioned on posted actuals
here; those are returned beside them, summed per date.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FAN_LEVELS", "Fan", "fan_chart"]

FAN_LEVELS = (50, 80, 95)  # central bands, in percent


@dataclass(frozen=True)
class Fan:
    """Dates are proleptic ordinals; ``bands`` maps a level (percent) to per-date (lower, upper)."""

    history_days: list[int]
    history: np.ndarray  # (k,) summed recorded values
    actual_days: list[int]
    actuals: np.ndarray  # (m,) summed posted actuals
    actual_series: list[int]  # how many members posted each of those dates
    days: list[int]
    mean: np.ndarray  # (h,) per forecast date
    p50: np.ndarray
    bands: dict[int, tuple[np.ndarray, np.ndarray]]


def fan_chart(
    timelines: Sequence[Sequence[int]],
    history_cums: Sequence[np.ndarray],
    cums: Sequence[np.ndarray],
    posted: Sequence[Sequence[tuple[int, float]]],
    history_periods: int,
    levels: Sequence[int] = FAN_LEVELS,
) -> Fan:
    """The fan of the members' sum; item ``k`` of each sequence describes member ``k``.

    ``timelines`` are a member's period dates (history then horizon, as ordinals),
    ``history_cums`` its history's cumulative sums with a leading 0 (n_hist + 1,),
    ``cums`` its paths' cumulative sums (horizon + 1, n_samples) and ``posted`` its posted
    actuals [(ordinal, y)]. ``history_periods`` caps the history returned.
    """
    n_hist = [len(c) - 1 for c in history_cums]
    first = min(t[h] for t, h in zip(timelines, n_hist, strict=True))  # earliest horizon start
    last = min(t[-1] for t in timelines)  # earliest horizon end: every member is covered up to it
    n_samples = int(cums[0].shape[1])

    history_parts: list[tuple[Sequence[int], np.ndarray]] = []
    recorded_parts: list[tuple[Sequence[int], np.ndarray]] = []
    blocks: dict[tuple[int, int], tuple[Sequence[int], np.ndarray]] = {}  # (first day, steps) -> days, cum sum
    for timeline, hist_cum, cum, h in zip(timelines, history_cums, cums, n_hist, strict=True):
        cut = bisect.bisect_left(timeline, first)  # history before the forecast window
        lo = max(0, cut - history_periods)
        if cut > lo:
            history_parts.append((timeline[lo:cut], np.diff(hist_cum[lo : cut + 1])))
        end = bisect.bisect_right(timeline, last)
        if min(end, h) > cut:  # still recorded inside the forecast window: a constant in every sample
            recorded_parts.append((timeline[cut : min(end, h)], np.diff(hist_cum[cut : min(end, h) + 1])))
        fa, fb = max(cut, h) - h, max(end, h) - h
        if fb > fa:
            # Members on the same dates are summed as cumulative rows first: one difference per
            # block instead of one per member.
            key = (timeline[h + fa], fb - fa)
            if key in blocks:
                acc = blocks[key][1]
                acc += cum[fa : fb + 1]
            else:
                blocks[key] = (timeline[h + fa : h + fb], cum[fa : fb + 1].astype(np.float64))

    history_days, history = _sum_by_day(history_parts)
    drop = max(0, len(history_days) - history_periods)  # at most history_periods dates, whatever the grids
    history_days, history = history_days[drop:], history[drop:]
    forecast_days = sorted({d for days, _ in [*blocks.values(), *recorded_parts] for d in days})
    if len(blocks) == 1 and not recorded_parts:  # the common case: every member on the same dates
        samples = np.diff(next(iter(blocks.values()))[1], axis=0)
    else:
        samples = np.zeros((len(forecast_days), n_samples))
        for days, acc in blocks.values():
            samples[np.searchsorted(forecast_days, days)] += np.diff(acc, axis=0)
    if recorded_parts:
        recorded_days, recorded = _sum_by_day(recorded_parts)
        samples[np.searchsorted(forecast_days, recorded_days)] += recorded[:, None]
    mean, p50, bands = _summary(samples, levels)

    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for timeline, rows, h in zip(timelines, posted, n_hist, strict=True):
        for day, y in rows:
            if h == 0 or day > timeline[h - 1]:  # after this member's training history
                sums[day] = sums.get(day, 0.0) + y
                counts[day] = counts.get(day, 0) + 1
    actual_days = sorted(sums)
    return Fan(
        history_days=history_days,
        history=history,
        actual_days=actual_days,
        actuals=np.array([sums[d] for d in actual_days], dtype=np.float64),
        actual_series=[counts[d] for d in actual_days],
        days=forecast_days,
        mean=mean,
        p50=p50,
        bands=bands,
    )


def _sum_by_day(parts: Sequence[tuple[Sequence[int], np.ndarray]]) -> tuple[list[int], np.ndarray]:
    """Values of several members on (possibly different) dates, summed per date, dates ascending."""
    days = sorted({d for ds, _ in parts for d in ds})
    out = np.zeros(len(days))
    for ds, values in parts:
        out[np.searchsorted(days, ds)] += values
    return days, out


def _summary(
    samples: np.ndarray, levels: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Per-row mean, median and central ``levels`` bands: numpy's linear quantiles off one sort.

    Sorts ``samples`` in place.
    """
    if samples.shape[0] == 0:
        empty = np.zeros(0)
        return empty, empty, {level: (empty, empty) for level in levels}
    mean = samples.mean(axis=1)
    ordered = samples
    ordered.sort(axis=1)  # in place (the samples are ours); one sort serves every quantile

    def quantile(q: float) -> np.ndarray:
        pos = (ordered.shape[1] - 1) * q
        lo = int(pos)
        hi = min(lo + 1, ordered.shape[1] - 1)
        return ordered[:, lo] + (ordered[:, hi] - ordered[:, lo]) * (pos - lo)

    bands = {}
    for level in levels:
        alpha = (1 - level / 100) / 2
        bands[level] = (quantile(alpha), quantile(1 - alpha))
    return mean, quantile(0.5), bands
