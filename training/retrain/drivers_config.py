"""The driver keys of ``jobs.forecast`` in ``retrain.yaml``: ``regressors``, ``open_col``,
``regressor_fill`` and ``future``, the flags of ``sentinel train forecast`` as config fields.

``training.retrain.config`` reads the whole file and hands this module the job's fields; a
mistake is reported as ``InvalidInput`` naming the field (``jobs.forecast.regressor_fill``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import InvalidInput
from models.forecast.drivers import DriverSpec, parse_fill

if TYPE_CHECKING:  # config imports this module at run time; the reader's type is all this one needs
    from training.retrain.config import _Fields

__all__ = ["DRIVER_KEYS", "parse_drivers"]

DRIVER_KEYS = frozenset({"regressors", "future", "open_col", "regressor_fill"})


def parse_drivers(f: _Fields, base: Path) -> tuple[DriverSpec, str | None]:
    """``regressors`` (a list or a comma string), ``open_col``, ``regressor_fill`` and ``future``
    (made absolute against ``base``, the config's directory) of the job that ``f`` reads."""
    where = f.where
    raw = f.get("regressors", (list, str), [])
    items = raw.split(",") if isinstance(raw, str) else raw
    if not all(isinstance(c, str) for c in items):
        raise InvalidInput(f"{where}.regressors: must be column names, e.g. [promo, price], got {raw!r}")
    regressors = tuple(c.strip() for c in items if c.strip())
    fill_map = f.get("regressor_fill", dict, {})
    try:
        fill = parse_fill(",".join(f"{k}={v}" for k, v in fill_map.items()))
    except InvalidInput as exc:
        raise InvalidInput(f'{where}.regressor_fill: {exc}; e.g. {{promo: "0", price: last}}') from exc
    spec = DriverSpec(regressors=regressors, open_col=f.get("open_col", str), fill=fill)
    try:
        spec.check()  # training's own check of a spec that contradicts itself
    except InvalidInput as exc:
        raise InvalidInput(f"{where}.regressors: {exc}") from exc
    future = f.get("future", str)
    if future is not None and not spec.active:
        raise InvalidInput(f"{where}.future: holds a plan of drivers: name them with {where}.regressors (or open_col)")
    if future is not None and not Path(future).is_absolute():
        future = str(base / future)
    return spec, future
