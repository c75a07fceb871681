"""What a trained version was built with, recorded in its manifest."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata

__all__ = ["library_versions"]


def library_versions(names: Iterable[str]) -> dict[str, str]:
    """Python and the installed versions of ``names`` (absent packages are left out)."""
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
