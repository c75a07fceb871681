"""The memory-mapped cumulative paths answer exactly as the in-memory build, and stay checksummed."""

import datetime as dt
import json
import shutil

import numpy as np
import pytest

from models.checksums import sha256_file
from models.errors import ArtifactIntegrityError, OutOfRange
from models.forecast.artifact import load_forecast
from models.forecast.model import ForecastModel
from models.registry import Registry


def _in_memory(mapped: ForecastModel, **arrays) -> ForecastModel:
    return ForecastModel(
        version=mapped.version,
        manifest=mapped.manifest,
        freq=mapped.freq,
        infos=mapped.infos,
        history=[np.diff(h) for h in mapped._history_cum],
        yhat=mapped._yhat,
        **arrays,
    )


def _raw_paths(cum: np.ndarray) -> np.ndarray:
    """(series, samples, steps) paths as a version from before cum_paths.npy stored them in paths.npy.

    Differences of float32 sums are not the drawn float32 values bit for bit, so a model built from
    them is compared with a tolerance of float32 rounding.
    """
    return np.diff(np.asarray(cum, dtype=np.float64), axis=1).transpose(0, 2, 1).astype(np.float32)


@pytest.fixture(scope="module")
def both(trained_registry):
    """The served model with its stored group rows set aside, and the same version built in memory.

    Both sum a group's members; the stored group rows are compared in ``test_stored_group_rows_...``.
    """
    directory, manifest = trained_registry.open_version("forecast", trained_registry.champion("forecast"))
    served = load_forecast(directory, manifest)
    return _in_memory(served, cum=served._cum), _in_memory(served, cum=np.array(served._cum))


def _first_forecast_day(model: ForecastModel, sid: str) -> dt.date:
    return dt.date.fromisoformat(model.info(sid).history_end) + dt.timedelta(days=1)


def test_the_served_model_maps_the_cumulative_file_read_only(both, trained_registry):
    mapped, in_memory = both
    assert isinstance(mapped._cum.base, np.memmap) and not mapped._cum.flags.writeable
    assert not isinstance(in_memory._cum.base, np.memmap)
    assert mapped._cum.dtype == np.float32 and mapped._cum.shape == in_memory._cum.shape
    directory = trained_registry.version_dir("forecast", mapped.version)
    assert not (directory / "paths.npy").exists()  # only the cumulative sums are stored


def test_mapped_and_in_memory_models_answer_alike(both):
    mapped, in_memory = both
    sid = mapped.infos[0].series_id
    start = _first_forecast_day(mapped, sid)
    end = start + dt.timedelta(days=45)
    history_start = dt.date.fromisoformat(mapped.info(sid).history_start)
    for a, b in [(start, end), (start - dt.timedelta(days=30), end), (history_start, start - dt.timedelta(days=1))]:
        got, want = mapped.period_sum(sid, a, b), in_memory.period_sum(sid, a, b)
        assert got.actual == want.actual and np.array_equal(got.totals, want.totals)
    posted = {sid: [((start + dt.timedelta(days=k)).toordinal(), 1000.0 + k) for k in range(5)]}
    group = mapped.members({"region": mapped.infos[0].groups["region"]})
    for series_ids in ([sid], group, mapped.members({})):
        for p in (None, posted):  # with posted actuals: conditioned member by member in both
            got, want = mapped.pace_sum(series_ids, start, end, p), in_memory.pace_sum(series_ids, start, end, p)
            assert (got.actual, got.periods_elapsed, got.periods_remaining) == (
                want.actual,
                want.periods_elapsed,
                want.periods_remaining,
            )
            assert np.array_equal(got.totals, want.totals)
    assert mapped.forecast(sid, 30, 80) == in_memory.forecast(sid, 30, 80)
    got_fan, want_fan = mapped.fan(group, 14, posted), in_memory.fan(group, 14, posted)
    assert np.array_equal(got_fan.mean, want_fan.mean) and np.array_equal(got_fan.p50, want_fan.p50)
    assert all(np.array_equal(got_fan.bands[k][0], want_fan.bands[k][0]) for k in want_fan.bands)


def _copy(trained_registry, tmp_path) -> tuple[Registry, str]:
    root = tmp_path / "registry"
    shutil.copytree(trained_registry.root, root)
    return Registry(root), trained_registry.champion("forecast")


def test_a_changed_byte_in_the_cumulative_paths_is_refused(trained_registry, tmp_path):
    registry, version = _copy(trained_registry, tmp_path)
    path = registry.version_dir("forecast", version) / "cum_paths.npy"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match="cum_paths.npy"):
        registry.open_version("forecast", version)


def test_a_version_without_the_cumulative_file_builds_it_in_memory(trained_registry, tmp_path, both):
    registry, version = _copy(trained_registry, tmp_path)
    directory = registry.version_dir("forecast", version)
    np.save(directory / "paths.npy", _raw_paths(np.load(directory / "cum_paths.npy")))
    manifest = json.loads((directory / "manifest.json").read_text())
    # as a version from before the file existed: raw paths, no cumulative or group rows
    for name in ("cum_paths.npy", "group_paths.npy", "group_paths.json"):
        (directory / name).unlink()
        del manifest["files"][name]
    manifest["files"]["paths.npy"] = sha256_file(directory / "paths.npy")
    (directory / "manifest.json").write_text(json.dumps(manifest))
    old = load_forecast(*registry.open_version("forecast", version))
    assert not isinstance(old._cum.base, np.memmap) and old._group_paths is None
    scale = np.abs(both[0]._cum).max(axis=1, keepdims=True)
    np.testing.assert_allclose(old._cum / scale, both[0]._cum / scale, atol=1e-6)
    sid = old.infos[0].series_id
    got, want = old.forecast(sid, 30, 80), both[0].forecast(sid, 30, 80)
    for k in ("lower", "upper"):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-4)


def test_stored_group_rows_answer_the_total_and_groups_as_the_member_sum(trained_registry, both):
    directory, manifest = trained_registry.open_version("forecast", trained_registry.champion("forecast"))
    served, summed = load_forecast(directory, manifest), both[1]
    groups = served._group_paths
    assert groups is not None and isinstance(groups.cum.base, np.memmap)
    sid = served.infos[0].series_id
    start = _first_forecast_day(served, sid)
    history_start = dt.date.fromisoformat(served.info(sid).history_start)
    keys = [{}] + [{col: value} for col, values in served.groups().items() for value in values]
    for key in keys:
        members = served.members(key)
        assert groups.row(members) is not None, key
        for a, b in [
            (start, start + dt.timedelta(days=89)),
            (start - dt.timedelta(days=20), start + dt.timedelta(days=9)),
        ]:
            got, want = served.pace_sum(members, a, b), summed.pace_sum(members, a, b)
            assert (got.periods_elapsed, got.periods_remaining) == (want.periods_elapsed, want.periods_remaining)
            assert got.actual == pytest.approx(want.actual, rel=1e-12)
            # float32 rows: the sum is rounded once instead of per member, ~1e-7 of the total
            np.testing.assert_allclose(got.totals, want.totals, rtol=2e-6)
        with pytest.raises(OutOfRange):
            served.pace_sum(members, history_start - dt.timedelta(days=1), start)
    posted = {sid: [(start.toordinal(), 1.0)]}
    got, want = (
        served.pace_sum(served.members({}), start, start + dt.timedelta(days=30), posted),
        summed.pace_sum(summed.members({}), start, start + dt.timedelta(days=30), posted),
    )
    assert np.array_equal(got.totals, want.totals)  # posted actuals: conditioned member by member


def test_a_stored_group_draws_the_fan_of_its_members_sum(trained_registry, both):
    directory, manifest = trained_registry.open_version("forecast", trained_registry.champion("forecast"))
    served, summed = load_forecast(directory, manifest), both[1]
    members = served.members({})
    got, want = served.fan(members, 30), summed.fan(members, 30)
    assert got.days == want.days and got.history_days == want.history_days
    np.testing.assert_allclose(got.history, want.history, rtol=1e-12)
    # One float32 cumulative row: each day is exact to ~1e-7 of the group's horizon total
    tolerance = 1e-6 * float(want.mean.sum())
    np.testing.assert_allclose(got.mean, want.mean, rtol=0, atol=tolerance)
    for level, (lo, hi) in want.bands.items():
        np.testing.assert_allclose(got.bands[level][0], lo, rtol=0, atol=tolerance)
        np.testing.assert_allclose(got.bands[level][1], hi, rtol=0, atol=tolerance)
    day = dt.date.fromordinal(got.days[0])
    posted = {members[0]: [(day.toordinal(), 5.0)]}  # posted actuals: shown per member, as before
    got, want = served.fan(members, 30, posted), summed.fan(members, 30, posted)
    assert got.actual_series == want.actual_series == [1] and np.array_equal(got.mean, want.mean)


def test_rows_written_by_position_read_back_as_a_plain_npy(tmp_path):
    """NpyRows (training's writer: no memory map) writes a file np.load reads, rows in any order."""
    from models.forecast.artifact import NpyRows

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(5, 3, 7)).astype(np.float32)
    out = NpyRows(tmp_path / "a.npy", rows.shape, mode="w")
    for i in (3, 0, 4, 1, 2):
        out.write(i, rows[i])
    out.close()
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), rows)
    back = NpyRows(tmp_path / "a.npy")
    assert back.shape == rows.shape
    np.testing.assert_array_equal(back.read(4, np.empty((3, 7), dtype=np.float32)), rows[4])
    back.close()
    np.save(tmp_path / "b.npy", rows.astype(np.float64))
    with pytest.raises(ValueError, match="float64"):
        NpyRows(tmp_path / "b.npy")
