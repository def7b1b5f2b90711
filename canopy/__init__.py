"""CANOPY: closed-form region bounds, expressivity scores and NAS evaluation built on :mod:`tropical`.

Public names are imported lazily so that ``import canopy`` stays cheap (no torch until needed).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "ArchitectureSpec": "canopy.nas.architecture",
    "tropical_expressivity_score": "canopy.nas.tropical_score",
    "tropical_expressivity_score_darts": "canopy.nas.tropical_score",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'canopy' has no attribute {name!r}")
