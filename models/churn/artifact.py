"""Save and load a churn model in a registry version directory, without executing stored code.

Artifacts of one version (all covered by the manifest's checksums)::

    pipeline.skops       the fitted scikit-learn pipeline in skops format (no pickle)
    churn.json           feature schema, reference values, columns, risk bands, the skops types
    population.parquet   the training population's scores: id, probability, value, band, segments

Loading trusts only the object types recorded when *we* saved the pipeline, and only if they
come from scikit-learn, NumPy or SciPy; a file that asks for anything else (say ``os.system``)
is refused before it is loaded. Call ``load_churn`` on a directory that
``Registry.open_version`` has verified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.pipeline import Pipeline

from models.churn.drift import feature_profile, profile_from_population
from models.churn.features import FeatureSchema
from models.churn.model import BANDS, ChurnModel
from models.errors import ArtifactIntegrityError

__all__ = ["load_churn", "save_churn"]

PIPELINE, META, POPULATION = "pipeline.skops", "churn.json", "population.parquet"
_SAFE_PREFIXES = ("sklearn.", "numpy.", "scipy.")
_SAFE_TYPES = {"functools.partial", "builtins.slice"}


def _safe(type_name: str) -> bool:
    return type_name.startswith(_SAFE_PREFIXES) or type_name in _SAFE_TYPES


def save_churn(
    directory: Path,
    pipeline: Pipeline,
    schema: FeatureSchema,
    reference: dict[str, Any],
    population: pd.DataFrame,
    *,
    id_col: str,
    value_col: str | None,
    segment_col: str | None,
    extra: dict[str, Any] | None = None,
    features: pd.DataFrame | None = None,
) -> None:
    """Write the artifacts of a fitted churn model into a staging directory.

    ``features`` (the cleaned training features) adds their binned profile, which feature drift
    compares scored customers with (``models.churn.drift``).
    """
    import skops.io as sio  # ~3 s to import: only when a churn model is saved or loaded

    path = directory / PIPELINE
    sio.dump(pipeline, path)
    types = sorted(sio.get_untrusted_types(file=path))
    unsafe = [t for t in types if not _safe(t)]
    if unsafe:  # a programming error, not user input: never store what we would refuse to load
        raise ValueError(f"the churn pipeline holds types the loader will refuse: {unsafe}")
    meta = {
        "format": 1,
        "schema": schema.to_dict(),
        "reference": reference,
        "id_col": id_col,
        "value_col": value_col,
        "segment_col": segment_col,
        "bands": [list(b) for b in BANDS],
        "skops_types": types,
        **(extra or {}),
    }
    if features is not None:
        meta["profile"] = feature_profile(features, schema)
    (directory / META).write_text(json.dumps(meta, indent=1, default=str))
    population.to_parquet(directory / POPULATION, index=False)


def load_churn(directory: Path, manifest: dict[str, Any]) -> ChurnModel:
    """Load a verified version directory; refuse a pipeline that needs types we did not save."""
    import skops.io as sio

    try:
        meta = json.loads((directory / META).read_text())
        path = directory / PIPELINE
        found = sio.get_untrusted_types(file=path)
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactIntegrityError(f"churn {manifest.get('version')}: unreadable artifact: {exc}") from exc
    expected = {t for t in meta.get("skops_types", []) if _safe(t)}
    unexpected = sorted(set(found) - expected)
    if unexpected:
        raise ArtifactIntegrityError(
            f"churn {manifest.get('version')}: {PIPELINE} asks for object types that this model never saved "
            f"({', '.join(unexpected)}); refusing to load it. Retrain with `sentinel train churn`."
        )
    try:
        pipeline = sio.load(path, trusted=sorted(found))
        population = pd.read_parquet(directory / POPULATION)
    except Exception as exc:  # noqa: BLE001 - any failure to rebuild the objects is an integrity problem
        raise ArtifactIntegrityError(f"churn {manifest.get('version')}: cannot load {PIPELINE}: {exc}") from exc
    schema = FeatureSchema.from_dict(meta["schema"])
    return ChurnModel(
        version=manifest["version"],
        manifest=manifest,
        pipeline=pipeline,
        schema=schema,
        reference=meta["reference"],
        population=population,
        value_col=meta.get("value_col"),
        segment_col=meta.get("segment_col"),
        bands=tuple((str(name), float(floor)) for name, floor in meta.get("bands", BANDS)),
        profile=meta.get("profile") or profile_from_population(population, schema),
    )
