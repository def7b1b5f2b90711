"""Adapter over the official ``nats_bench`` API (NATS-Bench topology space = NB201), in our vocabulary.

Same interface as :class:`~canopy.benchmarks.nb201_table.NB201Table`. Every query is translated to
``api.get_more_info(index, <api dataset>, hp=<'200' or '12'>, is_random=False)`` — the seed mean, never
the API defaults (``hp='12'``, ``is_random=True``) — with this mapping:

=====================  ==================  ===================
(dataset, metric)      API dataset         key
=====================  ==================  ===================
(cifar10, test)        ``cifar10``         ``test-accuracy``   (trained on train+valid, ori-test)
(cifar10, valid)       ``cifar10-valid``   ``valid-accuracy``  (trained on 25k, x-valid)
(cifar100, test)       ``cifar100``        ``test-accuracy``   (x-test)
(cifar100, valid)      ``cifar100``        ``valid-accuracy``  (x-valid)
(ImageNet16-120, any)  ``ImageNet16-120``  as cifar100
=====================  ==================  ===================

The benchmark file is found through ``NATS_BENCH_TSS_PATH`` (or the ``path`` argument) and needs
``pip install nats_bench``.

Examples
--------
>>> class FakeAPI:  # the interface NATSBenchTable uses
...     def __len__(self): return 1
...     def arch(self, i): return '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
...     def query_index_by_arch(self, s): return 0
...     def get_more_info(self, i, ds, iepoch=None, hp='12', is_random=True):
...         assert hp == '200' and is_random is False
...         return {'test-accuracy': 10.0}
>>> NATSBenchTable(FakeAPI()).accuracy(0)
10.0
"""

from __future__ import annotations

import os

import numpy as np

from canopy.benchmarks import check_query
from canopy.errors import DataFileError, InvalidArchitectureError
from canopy.spaces.nb201 import NB201Cell

__all__ = ["NATSBenchTable", "ENV_VAR"]

ENV_VAR = "NATS_BENCH_TSS_PATH"

_API_QUERY = {
    ("cifar10", "test"): ("cifar10", "test-accuracy"),
    ("cifar10", "valid"): ("cifar10-valid", "valid-accuracy"),
    ("cifar100", "test"): ("cifar100", "test-accuracy"),
    ("cifar100", "valid"): ("cifar100", "valid-accuracy"),
    ("ImageNet16-120", "test"): ("ImageNet16-120", "test-accuracy"),
    ("ImageNet16-120", "valid"): ("ImageNet16-120", "valid-accuracy"),
}


class NATSBenchTable:
    """Ground truth from a live ``nats_bench`` topology API object.

    Parameters
    ----------
    api : object
        What ``nats_bench.create(path, 'tss', fast_mode=True, verbose=False)`` returns (or any object
        with ``__len__``, ``arch(i)``, ``query_index_by_arch(s)`` and ``get_more_info``).
    """

    def __init__(self, api):
        self.api = api
        self._cells: list[NB201Cell] | None = None
        self._cache: dict[tuple[str, str, int], np.ndarray] = {}

    @classmethod
    def load(cls, path=None) -> NATSBenchTable:
        """Open the official benchmark (``path`` or ``$NATS_BENCH_TSS_PATH``).

        Raises
        ------
        DataFileError
            If no path is given, the path does not exist, or ``nats_bench`` is not installed.
        """
        path = path if path is not None else os.environ.get(ENV_VAR)
        if not path:
            raise DataFileError(
                f"no NATS-Bench file: pass path=... or set {ENV_VAR} to the NATS-tss-v1_0-3ffb9-simple folder"
            )
        if not os.path.exists(path):
            raise DataFileError(f"NATS-Bench file {path} does not exist")
        try:
            import nats_bench
        except ImportError:
            raise DataFileError(
                "the official NATS-Bench API is not installed: pip install nats_bench "
                "(or use NB201Table with the shared CSV tables)"
            ) from None
        if not os.path.isdir(path):
            raise DataFileError(
                f"NATS-Bench path {path} is not a folder: pass the NATS-tss-v1_0-3ffb9-simple folder (fast mode)"
            )
        try:
            api = nats_bench.create(str(path), "tss", fast_mode=True, verbose=False)
        except Exception as exc:  # noqa: BLE001 - the official API raises anything; one clear line instead
            raise DataFileError(
                f"NATS-Bench folder {path} could not be opened by nats_bench ({type(exc).__name__}: {exc})"
            ) from None
        return cls(api)

    def __len__(self) -> int:
        return len(self.api)

    def cells(self) -> list[NB201Cell]:
        """All cells in official index order."""
        if self._cells is None:
            self._cells = [NB201Cell.from_string(str(self.api.arch(i))) for i in range(len(self.api))]
        return list(self._cells)

    def index_of(self, cell) -> int:
        """Official index of a cell (NB201Cell or arch string)."""
        if isinstance(cell, str):
            cell = NB201Cell.from_string(cell)
        if not isinstance(cell, NB201Cell):
            raise InvalidArchitectureError(f"expected an NB201Cell or arch string, got {type(cell).__name__}")
        idx = int(self.api.query_index_by_arch(cell.to_string()))
        if idx < 0:
            raise InvalidArchitectureError(f"architecture {cell.to_string()!r} is not in this NATS-Bench file")
        return idx

    def _resolve_index(self, cell_or_index) -> int:
        if isinstance(cell_or_index, (int, np.integer)) and not isinstance(cell_or_index, bool):
            i = int(cell_or_index)
            if not 0 <= i < len(self):
                raise IndexError(f"NB201 index must be in 0..{len(self) - 1}, got {i}")
            return i
        return self.index_of(cell_or_index)

    def accuracy(self, cell_or_index, dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> float:
        """Seed-mean accuracy (percent); see the module docstring for the API call made."""
        check_query(dataset, metric, epochs)
        api_dataset, key = _API_QUERY[(dataset, metric)]
        info = self.api.get_more_info(
            self._resolve_index(cell_or_index), api_dataset, iepoch=None, hp=str(epochs), is_random=False
        )
        if key not in info:
            raise DataFileError(f"NATS-Bench returned no {key!r} for {api_dataset} (keys: {sorted(info)})")
        return float(info[key])

    def accuracies(self, dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> np.ndarray:
        """The whole column in official index order (queried once, then cached)."""
        check_query(dataset, metric, epochs)
        key = (dataset, metric, epochs)
        if key not in self._cache:
            self._cache[key] = np.array([self.accuracy(i, dataset, metric, epochs) for i in range(len(self))])
        return self._cache[key].copy()

    @staticmethod
    def describe(dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> str:
        """One-line definition of the query."""
        check_query(dataset, metric, epochs)
        api_dataset, key = _API_QUERY[(dataset, metric)]
        tag = " [LOW FIDELITY]" if epochs != 200 else ""
        return (f"{dataset}/{metric}/{epochs}ep{tag}: nats_bench get_more_info(i, {api_dataset!r}, "
                f"hp='{epochs}', is_random=False)[{key!r}] (seed mean)")
