"""Which NB201 architectures an evaluation scores: a subset of the official table, a seeded sample, a file.

Examples
--------
>>> canonical_archs(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|']
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from canopy.errors import CanopyError, InvalidArchitectureError

__all__ = ["SUBSETS", "select_architectures", "read_arch_file", "canonical_archs"]

#: architecture sets of NB201 accepted by ``subset``
SUBSETS = ("all", "fully-effective", "dedup")


def select_architectures(
    table: Any,
    *,
    subset: str = "all",
    sample: int | None = None,
    seed: int = 0,
) -> list[str]:
    """NB201 arch strings of a subset (official index order), optionally a seeded uniform sample of it.

    Parameters
    ----------
    table : canopy.benchmarks.NB201Table
        Gives the official index order.
    subset : {"all", "fully-effective", "dedup"}
        All 15,625 cells; the 9,445 without edges cut off by ``none``; or one cell per NB201 isomorphism class
        (6,466, the first in official index order). Selected by :func:`canopy.metrics.select_architectures`.
    sample : int, optional
        Draw this many without replacement with ``numpy.random.default_rng(seed)``; returned in official
        index order.
    seed : int, default 0

    Returns
    -------
    list of str

    Raises
    ------
    CanopyError
        Unknown subset, or a sample larger than the subset.
    """
    from canopy.metrics import select_architectures as _select

    if subset not in SUBSETS:
        raise CanopyError(f"unknown subset {subset!r}; choose one of {', '.join(SUBSETS)}")
    cells = list(table.cells())
    arch_set = {"dedup": "canonical"}.get(subset, subset)
    if sample is not None:
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
            raise CanopyError(f"--sample must be a positive integer, got {sample!r}")
        size = len(_select(cells, arch_set)[0])
        if sample > size:
            raise CanopyError(f"--sample {sample} is larger than the {subset!r} subset ({size} cells)")
    indices, _ = _select(cells, arch_set, sample=sample, seed=seed)
    return [cells[i].to_string() for i in indices]


def read_arch_file(path: str | os.PathLike[str]) -> list[str]:
    """Arch strings from a text file, one per line (blank lines and ``#`` comments ignored), canonicalised.

    Raises
    ------
    DataFileError
        The file cannot be read.
    InvalidArchitectureError
        A line is not a valid NB201 arch string (the message gives the line number).
    """
    from canopy.errors import DataFileError
    from canopy.spaces.nb201 import NB201Cell

    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read architecture file {path}: {exc}") from None
    out = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            out.append(NB201Cell.from_string(text).to_string())
        except (InvalidArchitectureError, ValueError) as exc:
            raise InvalidArchitectureError(f"{path}:{number}: {exc}") from None
    if not out:
        raise InvalidArchitectureError(f"architecture file {path} holds no architecture")
    return out


def canonical_archs(archs: Iterable[str]) -> list[str]:
    """Parse and re-serialise NB201 arch strings (raises InvalidArchitectureError naming a bad one)."""
    from canopy.spaces.nb201 import NB201Cell

    return [NB201Cell.from_string(a).to_string() for a in archs]
