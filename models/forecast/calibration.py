"""Calibrated predictive distributions from backtest error paths, pooled across series.

Every series contributes its rolling-origin fold errors, standardised by its own typical
seasonal change (``SeriesFit.errors``). Pooled, they form a library of whole error *paths*.
A series' sample paths are its point forecast with library paths re-scaled to it:

    multiplicative:  y_h = yhat_h * exp(k_s d_s z_h) / m_h    additive:  y_h = yhat_h + k_s d_s z_h - m_h

* **Location.** m_h places the paths so that the point forecast lies half-way between their
  mean and their median at each step (on the log scale for multiplicative series: the geometric
  mean of the two placements). The library's own location is the forecaster's bias over the
  handful of fold windows, mostly the shocks those shared dates had; it does not carry into the
  next window, so it is not carried. (Measured with ``sentinel evaluate``: carrying it forward
  made target probabilities 0.03-0.07 too high per origin.) Neither pure placement fits every
  data set. Mean placement made noisy store x department series pessimistic (ECE 0.037).
  Median placement made store groups optimistic, because a total of many series sits near the
  sum of their means (ECE 0.039), and aus_retail less sharp. Half-way met the bars on all four.
* **Spread.** Older folds were fitted on less history than the final model and miss by more
  (measured: the pooled error spread grows fold by fold back in time, and the final model's
  errors were smaller still). So each fold's errors are re-scaled half-way (geometrically) toward
  the spread of the most recent fold, the one closest to the final model: the older folds give
  shapes, dates and dependence, and only part of their extra width. Half-way, not all the way,
  because the latest fold is one window, and a calm one narrowed every band (measured, against
  the full re-scaling: 80% coverage 0.77 -> 0.79 on the sample, 0.78 -> 0.80 on walmart_store_dept,
  0.80 -> 0.81 on aus_retail, with ECE 0.052 -> 0.045, 0.026 -> 0.023, 0.018 -> 0.016; Walmart
  stores 0.79 -> 0.82, ECE 0.026 -> 0.027). Then k_s is the series' own fold-error spread
  relative to the pool's, shrunk strongly toward 1 (``SPREAD_SHRINK``): series differ in how
  predictable they are for their seasonal swing, and a few folds tell a little about it. Pool
  rows are divided by k_s, so the library holds errors of a common spread.

Sampling whole paths keeps the errors' dependence over time (a bad month is usually followed by
another), which period sums need; the marginal at each horizon step is the empirical
distribution of step-h errors, which is what calibrates interval coverage and target
probabilities per horizon step (an empirical, conformal-style calibration). Multiplicative and
additive series pool separately, since their errors are on different scales.

**Joint draws across series.** Stores move together (a regional shock, a holiday the model
misjudged), so a group total needs sample j of every series to be one shared scenario. Draw j
picks one rolling-origin fold position k_j and one random permutation pi_j of the pool's source
series; series s then takes the fold-k_j error path of source series pi_j(s). Folds are aligned in
time (fold k of every series starts at the same origin when the histories end together), so the
series of one draw all carry errors of the *same dates*, and what moved together in the folds
moves together in the samples; each series' marginal is still the pooled library (pi_j(s) is
uniform over sources and k_j over folds). A group's total is then the sum of its members' period
totals at the same sample index. Summing independently drawn paths instead would cancel the
common shocks and understate a group's risk.

**Blocks.** Dates are not the only thing series share: the departments of one store share that
store's shocks (a road closed, a competitor opened), which a date-aligned but otherwise random
source does not carry. With group attributes (``--group-cols``), series with the same attribute
values form a *block*, and pi_j permutes whole blocks: the members of target block G all take
their errors from the members of one source block pi_j(G) (shuffled within it; a larger target
block wraps round a smaller source block). A store's total then spreads the way store totals
did in the folds. Without attributes every series is its own block: the permutation above.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.forecast.fit import SeriesFit

__all__ = ["ErrorLibrary", "JointDraws", "calibrate", "relative_spreads", "to_recent_fold_spread"]

MIN_PATHS_PER_STEP = 30  # below this the probabilities are coarse: reported, not hidden
WINSOR_TAIL = 0.005  # pooled errors beyond each step's 0.5% / 99.5% quantiles are clipped to them
SPREAD_SHRINK = 0.25  # k_s = (own spread / pool spread) ** 0.25; 0.5 and 1 were worse on aus_retail
SPREAD_RATIO_BOUNDS = (0.25, 4.0)  # own / pool spread ratios beyond these are taken as these
FOLD_SPREAD_POWER = 0.5  # an older fold is divided by (its spread / the latest fold's) ** 0.5; 1 was too narrow


@dataclass
class ErrorLibrary:
    """Standardised error paths (n_paths, horizon); NaN where a fold had no actuals yet.

    ``lower``/``upper``: the per-step bounds the paths were winsorised to (``pooled``), or None.
    """

    paths: np.ndarray
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    @classmethod
    def pooled(cls, rows: Sequence[np.ndarray], tail: float = WINSOR_TAIL) -> ErrorLibrary:
        """The rows stacked, each step's errors clipped to its [tail, 1 - tail] quantiles (NaN kept).

        One series' wild fold (a department that closed for a week, a data error) should widen the
        pooled tails, not put a sample path orders of magnitude off every other series' forecast:
        those paths decide the mean of a period total. Quantiles within the tails are unchanged.
        """
        paths = np.vstack(rows)
        lower, upper = np.full(paths.shape[1], -np.inf), np.full(paths.shape[1], np.inf)
        for h in np.flatnonzero(np.isfinite(paths).any(axis=0)):
            lower[h], upper[h] = np.nanquantile(paths[:, h], [tail, 1 - tail])
        library = cls(paths, lower, upper)
        library.paths = library.clip(paths)
        return library

    def clip(self, z: np.ndarray) -> np.ndarray:
        """``z`` (..., horizon) within this library's per-step bounds (NaN stays NaN)."""
        return z if self.lower is None or self.upper is None else np.clip(z, self.lower, self.upper)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` whole paths; a step a path never observed is drawn from that step's observed errors."""
        return self.fill_holes(self.paths[rng.integers(0, len(self.paths), n)], rng)

    def fill_holes(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Replace NaN steps of ``z`` (n, horizon), in place, by draws from that step's observed errors."""
        holes = np.isnan(z)
        if holes.any():
            for h in np.flatnonzero(holes.any(axis=0)):
                seen = self.paths[:, h][~np.isnan(self.paths[:, h])]
                pool = seen if seen.size else self._nearest_observed(int(h))
                z[holes[:, h], h] = rng.choice(pool, int(holes[:, h].sum()))
        return z

    def _nearest_observed(self, h: int) -> np.ndarray:
        for step in range(h - 1, -1, -1):
            seen = self.paths[:, step][~np.isnan(self.paths[:, step])]
            if seen.size:
                return seen
        return np.zeros(1)

    def diagnostics(self) -> dict[str, object]:
        observed = (~np.isnan(self.paths)).sum(axis=0)
        steps = sorted({0, len(observed) // 4, len(observed) // 2, len(observed) - 1})
        quantiles = {
            f"step_{h + 1}": [round(float(q), 4) for q in np.nanquantile(self.paths[:, h], [0.1, 0.5, 0.9])]
            for h in steps
            if observed[h]
        }
        return {
            "paths": int(len(self.paths)),
            "min_paths_per_step": int(observed.min()) if observed.size else 0,
            "coarse": bool(observed.min() < MIN_PATHS_PER_STEP) if observed.size else True,
            "standardised_error_quantiles_10_50_90": quantiles,
        }


def _step_medians(errors: np.ndarray) -> np.ndarray:
    """Each step's median of (n, horizon) errors; NaN where a step has no observed error."""
    medians = np.full(errors.shape[1], np.nan)
    seen = np.isfinite(errors).any(axis=0)
    medians[seen] = np.nanmedian(errors[:, seen], axis=0)
    return medians


def _spread(errors: np.ndarray) -> float:
    """Median absolute deviation of (n, horizon) errors from each step's median (NaN if none)."""
    if not np.isfinite(errors).any():
        return float("nan")
    return float(np.nanmedian(np.abs(errors - _step_medians(errors))))


def to_recent_fold_spread(rows: Sequence[np.ndarray], power: float = FOLD_SPREAD_POWER) -> list[np.ndarray]:
    """``rows`` (a series' fold errors, most recent fold first) with every fold index re-scaled
    toward the pooled spread of fold 0: divided by (its spread / fold 0's) ** ``power`` (1: all the
    way). A fold index without a usable spread is kept as it is."""
    folds = max(len(r) for r in rows)
    spreads = [_spread(np.vstack([r[k] for r in rows if len(r) > k])) for k in range(folds)]
    factors = np.array([(s / spreads[0]) ** power if spreads[0] > 0 and s > 0 else 1.0 for s in spreads])
    return [r / factors[: len(r), None] for r in rows]


def relative_spreads(rows: Sequence[np.ndarray], shrink: float = SPREAD_SHRINK) -> np.ndarray:
    """k_s per row (a series' fold errors): its spread over the pool's, shrunk toward 1.

    Spread is the median absolute deviation from each step's pooled median, so one wild fold
    does not decide it; a series or pool without any spread gets 1.
    """
    pool = np.vstack(rows)
    reference = _spread(pool)
    if not reference > 0:
        return np.ones(len(rows))
    centre = _step_medians(pool)
    spreads = np.ones(len(rows))
    for i, row in enumerate(rows):
        own = np.abs(row - centre)
        if np.isfinite(own).any() and np.nanmedian(own) > 0:
            spreads[i] = np.clip(np.nanmedian(own) / reference, *SPREAD_RATIO_BOUNDS) ** shrink
    return spreads


def _paths_for(fit: SeriesFit, z: np.ndarray, spread: float, nonnegative: bool) -> np.ndarray:
    """Sample paths around ``fit.yhat``, placed half-way between mean and median at every step.

    (See the module docstring: multiplicative paths by the geometric mean of the two placements.)
    """
    deviation = spread * fit.error_scale * z
    if fit.multiplicative:
        # Bounded exponent: a path may be 10^6 times its forecast, never infinite.
        ratio = np.exp(np.clip(deviation, -14.0, 14.0))
        paths = fit.yhat[None, :] * ratio / np.sqrt(ratio.mean(axis=0) * np.median(ratio, axis=0))
    else:
        paths = fit.yhat[None, :] + deviation - (deviation.mean(axis=0) + np.median(deviation, axis=0)) / 2
    if fit.closed is not None and fit.closed.any():  # planned closures sell a known 0 on every path
        paths[:, fit.closed[: paths.shape[1]]] = 0.0
    return np.clip(paths, 0.0, None) if nonnegative else paths


def _fold_cube(rows: Sequence[np.ndarray]) -> np.ndarray:
    """(n_sources, max_folds, horizon) error paths, NaN where a series has fewer folds."""
    cube = np.full((len(rows), max(len(r) for r in rows), rows[0].shape[1]), np.nan)
    for s, row in enumerate(rows):
        cube[s, : len(row)] = row
    return cube


@dataclass
class JointDraws:
    """The shared scenario of every sample index: fold position k_j and source assignment pi_j.

    ``for_target(t)`` gives target series t its (n_samples, horizon) standardised errors: sample j
    uses the fold-k_j error path of source series ``sources[j, t]`` (see the module docstring), so
    dates line up across series within a draw. Built per target to keep memory at one series.
    """

    cube: np.ndarray  # (n_sources, max_folds, horizon), NaN where a source has fewer folds
    folds: np.ndarray  # (n_samples,) k_j
    sources: np.ndarray  # (n_samples, n_targets) pi_j(t)

    @classmethod
    def draw(
        cls,
        rows: Sequence[np.ndarray],
        sources: Sequence[SeriesFit],
        targets: Sequence[SeriesFit],
        library: ErrorLibrary,
        n_samples: int,
        rng: np.random.Generator,
        block_of: Mapping[str, Hashable] | None = None,
    ) -> JointDraws:
        """Draws over ``rows`` (``sources``' fold errors as pooled in ``library``), winsorised as it is.

        ``block_of`` maps a series id to its block (its group attribute values); a series it
        omits is a block of its own.
        """
        cube = library.clip(_fold_cube(rows))
        folds = rng.integers(0, cube.shape[1], n_samples)
        return cls(cube, folds, _assign_sources(sources, targets, n_samples, rng, block_of or {}))

    def for_target(self, t: int) -> np.ndarray:
        return self.cube[self.sources[:, t], self.folds]


def _blocks(fits: Sequence[SeriesFit], block_of: Mapping[str, Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """Per fit: its block's index (in order of first appearance) and its rank within the block."""
    index: dict[Hashable, int] = {}
    members: list[int] = []
    block, rank = np.empty(len(fits), dtype=np.int64), np.empty(len(fits), dtype=np.int64)
    for i, fit in enumerate(fits):
        b = index.setdefault(block_of.get(fit.series_id, ("series", fit.series_id)), len(index))
        if b == len(members):
            members.append(0)
        block[i], rank[i] = b, members[b]
        members[b] += 1
    return block, rank


def _assign_sources(
    sources: Sequence[SeriesFit],
    targets: Sequence[SeriesFit],
    n_samples: int,
    rng: np.random.Generator,
    block_of: Mapping[str, Hashable],
) -> np.ndarray:
    """(n_samples, n_targets) source index per draw: whole target blocks onto whole source blocks."""
    source_block, _ = _blocks(sources, block_of)
    n_blocks = int(source_block.max()) + 1
    size = np.bincount(source_block, minlength=n_blocks)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    # Per draw: the sources sorted by block and shuffled within it (block index + a uniform in [0, 1)).
    shuffled = np.argsort(source_block[None, :] + rng.random((n_samples, len(sources))), axis=1)
    block_perm = np.argsort(rng.random((n_samples, n_blocks)), axis=1)  # target block g -> source block
    target_block, target_rank = _blocks(targets, block_of)
    chosen = block_perm[:, target_block % n_blocks]  # (n_samples, n_targets)
    column = first[chosen] + target_rank[None, :] % size[chosen]
    return np.take_along_axis(shuffled, column, axis=1)


def calibrate(
    fits: Sequence[SeriesFit],
    n_samples: int,
    nonnegative: bool,
    seed: int = 0,
    groups: Mapping[str, Mapping[str, str]] | None = None,
    sink: Callable[[int, np.ndarray], None] | None = None,
) -> dict[str, object]:
    """Fill every fit's ``paths`` from the pooled libraries (jointly across series); return diagnostics.

    ``groups`` (series id -> group attribute values, as ``--group-cols`` gives them) makes series
    with equal values one block of the joint draws: a group's members share their shocks. With a
    ``sink``, each series' (n_samples, horizon) float32 paths go to ``sink(position in fits, paths)``
    as they are drawn instead (e.g. into a memory-mapped file) and ``paths`` stays None, so all
    series' paths are never in memory at once. The draws are the same either way.
    """
    position = {id(f): i for i, f in enumerate(fits)}

    def emit(fit: SeriesFit, paths: np.ndarray) -> None:
        if sink is None:
            fit.paths = paths
        else:
            sink(position[id(fit)], paths)

    rng = np.random.default_rng(seed)
    pools = {}  # scale -> (sources, their rows, their spreads, library)
    for multiplicative in (True, False):
        sources = [f for f in fits if f.multiplicative == multiplicative and len(f.errors)]
        if sources:
            recent = to_recent_fold_spread([f.errors for f in sources])
            spreads = relative_spreads(recent)
            rows = [r / k for r, k in zip(recent, spreads, strict=True)]
            pools[multiplicative] = (sources, rows, spreads, ErrorLibrary.pooled(rows))
    if not pools:  # no fold anywhere (histories too short): no spread to learn from
        for fit in fits:
            emit(fit, np.repeat(fit.yhat[None, :], n_samples, axis=0).astype(np.float32))
        return {}
    block_of = {sid: tuple(sorted(values.items())) for sid, values in (groups or {}).items() if values}
    fallback = next(iter(pools))
    # One shared fold position / source assignment per pool: draw j is one scenario for all its series.
    for scale, (sources, rows, spreads, library) in pools.items():
        targets = [f for f in fits if (f.multiplicative if f.multiplicative in pools else fallback) == scale]
        own = {id(f): (row, k) for f, row, k in zip(sources, rows, spreads, strict=True)}
        draws = JointDraws.draw(rows, sources, targets, library, n_samples, rng, block_of)
        for t, fit in enumerate(targets):
            row, spread = own.get(id(fit), (None, 1.0))
            z = library.fill_holes(draws.for_target(t), rng)
            emit(fit, _paths_for(fit, z, spread, nonnegative).astype(np.float32))
            if row is not None:
                _score_fold(fit, row[0], library)
                fit.backtest["relative_spread"] = round(float(spread), 3)  # k_s, shown per series
    return {
        ("multiplicative" if scale else "additive"): {
            **library.diagnostics(),
            "relative_spread_min_median_max": [round(float(q), 3) for q in np.quantile(spreads, [0, 0.5, 1])],
        }
        for scale, (_, _, spreads, library) in pools.items()
    }


def _score_fold(fit: SeriesFit, z: np.ndarray, library: ErrorLibrary) -> None:
    """Coverage of the latest fold's errors ``z`` by the pooled bands (in-sample: the fold is in the pool)."""
    z = library.clip(z)
    seen = ~np.isnan(z)
    for level in (0.80, 0.95):
        lo, hi = np.nanquantile(library.paths[:, seen], [(1 - level) / 2, (1 + level) / 2], axis=0)
        fit.backtest[f"coverage_{round(level * 100)}"] = float(np.mean((z[seen] >= lo) & (z[seen] <= hi)))
