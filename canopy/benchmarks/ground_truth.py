"""Which NAS-Bench-201 ground truth a run uses: the official NATS-Bench API or the shared CSV tables.

A ground-truth *source* is a short string, recorded with every result that depends on it:

* ``"nats:PATH"`` — the official ``nats_bench`` topology API over the benchmark at ``PATH`` (the
  ``NATS-tss-v1_0-3ffb9-simple`` folder, opened with ``fast_mode=True``; :class:`~canopy.benchmarks.NATSBenchTable`);
  ``"nats"`` alone takes ``PATH`` from ``$NATS_BENCH_TSS_PATH`` (the seed README's workflow);
* ``"tables:DIR"`` — the published CSV tables in a folder laid out like ``shared/data``
  (:class:`~canopy.benchmarks.NB201Table`); ``"tables"`` alone resolves the folder as
  :func:`~canopy.benchmarks.resolve_data_dir` does (``$CANOPY_DATA_DIR`` and the usual places).

With no source given: ``$NATS_BENCH_TSS_PATH`` when it is set, else the tables. Both adapters answer the same
queries (``accuracy(cell, dataset, metric, epochs)``, ``cells()``, ``describe(...)``) with the same
seed-mean definitions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from canopy.errors import DataFileError

__all__ = ["GroundTruth", "load_nb201_ground_truth", "NATS_ENV_VAR"]

NATS_ENV_VAR = "NATS_BENCH_TSS_PATH"


class GroundTruth(NamedTuple):
    """A loaded ground truth and the source string that names it (recorded with results)."""

    table: Any
    source: str


def load_nb201_ground_truth(source: str | None = None, data_dir: str | os.PathLike[str] | None = None
                            ) -> GroundTruth:
    """Open the NB201 ground truth named by ``source`` (module docstring).

    Parameters
    ----------
    source : str, optional
        ``"nats:PATH"``, ``"nats"``, ``"tables:DIR"`` or ``"tables"``; default: ``$NATS_BENCH_TSS_PATH`` if set,
        else the tables.
    data_dir : path, optional
        The tables' folder when ``source`` is ``"tables"`` or omitted (as :func:`resolve_data_dir`).

    Returns
    -------
    GroundTruth
        ``(table, source)`` with ``source`` in its resolved form (absolute path).

    Raises
    ------
    canopy.errors.DataFileError
        An unknown source, a missing path, or ``nats_bench`` not installed (one line naming the problem).

    Examples
    --------
    >>> load_nb201_ground_truth("csv:/tmp")
    Traceback (most recent call last):
    ...
    canopy.errors.DataFileError: unknown ground-truth source 'csv:/tmp'; use 'nats:PATH', 'nats', 'tables:DIR' or 'tables'
    """
    from canopy.benchmarks import NATSBenchTable, NB201Table, resolve_data_dir

    if source is None:
        source = "nats" if os.environ.get(NATS_ENV_VAR) else "tables"
    if not isinstance(source, str):
        raise DataFileError(f"a ground-truth source is a string such as 'nats:PATH', got {type(source).__name__}")
    kind, _, arg = source.partition(":")
    if kind == "nats":
        path = arg or os.environ.get(NATS_ENV_VAR, "")
        if not path:
            raise DataFileError(f"ground truth 'nats' needs a path: 'nats:PATH' or ${NATS_ENV_VAR}")
        table = NATSBenchTable.load(path)
        return GroundTruth(table, f"nats:{Path(path).resolve()}")
    if kind == "tables":
        folder = resolve_data_dir(arg or data_dir)
        return GroundTruth(NB201Table.load(folder), f"tables:{Path(folder).resolve()}")
    raise DataFileError(
        f"unknown ground-truth source {source!r}; use 'nats:PATH', 'nats', 'tables:DIR' or 'tables'"
    )
