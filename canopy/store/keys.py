"""What identifies a stored result: canonical settings JSON and its hash, the key, the record, the versions.

Examples
--------
>>> canonical_json({"b": 1, "a": [1, 2]})
'{"a":[1,2],"b":1}'
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from canopy.errors import StoreError

__all__ = ["canonical_json", "settings_hash", "package_versions", "ResultKey", "Result"]


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` as canonical JSON: sorted keys, no whitespace, tuples as lists.

    Parameters
    ----------
    obj : JSON-serialisable object

    Returns
    -------
    str

    Raises
    ------
    StoreError
        If ``obj`` is not JSON-serialisable.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": (2, 3)})
    '{"a":[2,3],"b":1}'
    """
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"value is not JSON-serialisable: {exc}") from None


def settings_hash(settings: Mapping[str, Any] | None) -> str:
    """Key of a settings mapping: the first 16 hex digits of the SHA-256 of its canonical JSON.

    Parameters
    ----------
    settings : mapping or None
        Proxy settings; ``None`` is the empty mapping.

    Returns
    -------
    str

    Examples
    --------
    >>> settings_hash({"a": 1, "b": 2}) == settings_hash({"b": 2, "a": 1})
    True
    >>> settings_hash(None) == settings_hash({})
    True
    """
    text = canonical_json(dict(settings or {}))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def package_versions() -> dict[str, str]:
    """Versions of the packages that can change a score: python, canopy, numpy, torch, scipy, networkx.

    The one version list of :mod:`canopy` (stored with every result and printed in every protocol). Read once
    per process from the installed distributions' metadata (so this never imports torch); a fresh dict each
    call.

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> "python" in package_versions() and "canopy" in package_versions()
    True
    """
    return dict(_package_versions())


@functools.lru_cache(maxsize=1)
def _package_versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    import canopy

    out = {"python": platform.python_version(), "canopy": canopy.__version__}
    for name in ("numpy", "torch", "scipy", "networkx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


class ResultKey(NamedTuple):
    """Key of one stored result (see the module docstring). Build it with :meth:`ResultStore.key`."""

    space: str
    arch: str
    proxy: str
    settings_hash: str
    seed: int


@dataclass(frozen=True)
class Result:
    """One stored result: its key, decoded value, settings and provenance."""

    key: ResultKey
    value: Any
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    versions: dict[str, str] = field(default_factory=dict)
    created_at: str = ""

    @property
    def score(self) -> float | None:
        """The value as a float when it is a number (NaN included), else ``None``."""
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            return None
        return float(self.value)
