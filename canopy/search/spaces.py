"""Search-space adapters: the small interface the search loops need, for each space.

An adapter provides

* ``name`` — the space name used in store keys and trajectories;
* ``sample(rng)`` — a random architecture drawn with a :class:`numpy.random.Generator`;
* ``neighbours(arch)`` — the single-step mutations of ``arch`` in a deterministic order;
* ``key(arch)`` / ``parse(key)`` — a stable string encoding and its inverse;

and, where the space has them, ``ground_truth(dataset, data_dir)`` (an oracle ``arch -> (valid, test)``),
``tropical_score(arch, mode)`` and ``build_model(arch, num_classes)`` (a torch module for model-based proxies).

Adapters: :class:`NB201Space` (NAS-Bench-201 cells), :class:`DartsSpace` (DARTS genotypes),
:class:`MobileNetSpace` (the MobileNetV2-style space under a FLOPs budget, proxy-only),
:class:`PoolSpace` (a finite pool of architectures, e.g. the 500 NAS-Bench-301 archs with surrogate accuracy)
and :class:`BitStrings` (a toy space for examples and tests).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from canopy.errors import CanopyError, InvalidArchitectureError

__all__ = ["BitStrings", "NB201Space", "DartsSpace", "MobileNetSpace", "PoolSpace", "get_space", "SPACE_NAMES"]

SPACE_NAMES = ("nb201", "darts", "mobilenet")


class BitStrings:
    """Toy space: bit tuples of length ``n``; neighbours flip one bit.

    Examples
    --------
    >>> import numpy as np
    >>> s = BitStrings(3)
    >>> s.neighbours((0, 0, 0))
    [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    >>> s.parse(s.key((1, 0, 1)))
    (1, 0, 1)
    >>> len(s.sample(np.random.default_rng(0)))
    3
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self.name = f"bits{self.n}"

    def sample(self, rng: np.random.Generator) -> tuple[int, ...]:
        """A uniformly random bit tuple."""
        return tuple(int(b) for b in rng.integers(0, 2, size=self.n))

    def neighbours(self, arch: tuple[int, ...]) -> list[tuple[int, ...]]:
        """All tuples at Hamming distance one."""
        return [tuple(1 - b if j == i else b for j, b in enumerate(arch)) for i in range(self.n)]

    def key(self, arch: tuple[int, ...]) -> str:
        """``"0101"``-style string."""
        return "".join(str(b) for b in arch)

    def parse(self, key: str) -> tuple[int, ...]:
        """Inverse of :meth:`key`."""
        return tuple(int(c) for c in key)


class NB201Space:
    """NAS-Bench-201 / NATS-Bench TSS cells (15,625); neighbours change one edge's op (24 per cell).

    Sampling is :func:`canopy.spaces.nb201.random_cell`, mutation :meth:`NB201Cell.mutations` (the
    NATS-Bench ``mutate_arch``: one edge, a different op). Keys are arch strings.
    """

    name = "nb201"
    #: proxies with an exact closed form on this space (equal to counting the built model's tensors)
    closed_form_proxies = ("params", "flops")

    def __init__(self) -> None:
        from canopy.spaces import nb201

        self._nb201 = nb201
        self._neigh: dict[Any, list[Any]] = {}
        self._tables: dict[str, Any] = {}

    def sample(self, rng: np.random.Generator) -> Any:
        """A uniformly random cell."""
        return self._nb201.random_cell(rng)

    def neighbours(self, arch: Any) -> list[Any]:
        """The single-edge mutations of ``arch`` (cached)."""
        got = self._neigh.get(arch)
        if got is None:
            got = list(arch.mutations())
            self._neigh[arch] = got
        return got

    def key(self, arch: Any) -> str:
        """The NB201 arch string."""
        return arch.to_string()

    def parse(self, key: str) -> Any:
        """Cell from an arch string."""
        return self._nb201.NB201Cell.from_string(key)

    def table(self, data_dir: Any = None) -> Any:
        """The ground truth (loaded once per source).

        ``data_dir`` is a folder of the CSV tables (:class:`canopy.benchmarks.NB201Table`), or a source string
        ``"nats:PATH"`` / ``"nats"`` for the official NATS-Bench API (:class:`canopy.benchmarks.NATSBenchTable`);
        with ``None``, ``$NATS_BENCH_TSS_PATH`` when set, else the tables
        (:func:`canopy.benchmarks.ground_truth.load_nb201_ground_truth`).
        """
        from canopy.benchmarks.ground_truth import load_nb201_ground_truth

        source = _ground_truth_source(data_dir)
        tab = self._tables.get(str(source or data_dir))
        if tab is None:
            tab = load_nb201_ground_truth(source, None if source and source.startswith("nats") else data_dir).table
            self._tables[str(source or data_dir)] = tab
        return tab

    def ground_truth(self, dataset: str = "cifar10", data_dir: Any = None) -> Callable[[Any], tuple]:
        """Oracle ``cell -> (valid, test)``: 200-epoch seed-mean accuracies from :class:`NB201Table`.

        For ``cifar10`` the validation accuracy is the ``cifar10-valid`` x-valid accuracy and the test accuracy
        the ``cifar10`` (train+valid) test accuracy, as in NATS-Bench's search protocol.
        """
        tab = self.table(data_dir)

        def oracle(cell: Any) -> tuple[float, float]:
            return (
                float(tab.accuracy(cell, dataset=dataset, metric="valid")),
                float(tab.accuracy(cell, dataset=dataset, metric="test")),
            )

        return oracle

    def ground_truth_source(self, dataset: str = "cifar10", data_dir: Any = None) -> str:
        """What :meth:`ground_truth` reads, as stored with search runs: each column's file and content hash.

        A search stored with another source (other files, or none) is not reused.

        Raises
        ------
        DataFileError
            No data folder, or a missing file.
        """
        import hashlib

        from canopy.benchmarks import resolve_data_dir
        from canopy.benchmarks.nb201_table import COLUMNS

        source = _ground_truth_source(data_dir)
        if source is not None and source.startswith("nats"):
            from canopy.benchmarks.ground_truth import load_nb201_ground_truth

            gt_source = load_nb201_ground_truth(source).source
            meta = Path(gt_source[len("nats:"):]) / "meta.pickle.pbz2"
            digest = hashlib.sha256(meta.read_bytes()).hexdigest()[:16] if meta.is_file() else "no-meta"
            return f"nb201-nats {dataset} {gt_source} meta@sha256:{digest}"
        root = resolve_data_dir(data_dir)
        parts = []
        for metric in ("valid", "test"):
            col = COLUMNS.get((dataset, metric, 200))
            if col is None:
                raise CanopyError(f"no NB201 {metric} accuracy for dataset {dataset!r}")
            path = root / col.file
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            except OSError as exc:
                from canopy.errors import DataFileError

                raise DataFileError(f"benchmark data file {path} cannot be read: {exc.strerror or exc}") from None
            parts.append(f"{metric}={col.file}:{col.column}@sha256:{digest}")
        return f"nb201-table {dataset} " + " ".join(parts)

    def closed_form(self, name: str, arch: Any, num_classes: int = 10, counting: str = "every_op") -> float:
        """Closed-form ``"params"`` or ``"flops"`` of ``TinyNetwork(C=16, N=5)`` with this cell.

        The registry's closed forms (:data:`canopy.proxies.registry.CELL_FORMS`: :meth:`NB201Cell.num_params` /
        :meth:`NB201Cell.flops` at 32x32, ``proxies.md`` §1.5); ``counting`` is ``"every_op"`` (the NB201 API
        convention) or ``"effective"``.
        """
        from canopy.proxies.registry import CELL_FORMS

        if name not in self.closed_form_proxies:
            raise CanopyError(f"no closed form for {name!r} on nb201")
        return CELL_FORMS[name][0](arch, num_classes=num_classes, counting=counting)

    def tropical_score(self, arch: Any, mode: str = "generic") -> float:
        """:func:`canopy.nas.cells.nb201_cell_score` of the cell (the registry's ``tropical`` closed form)."""
        from canopy.proxies.registry import CELL_FORMS

        return CELL_FORMS["tropical"][0](arch, mode=mode)

    def build_model(self, arch: Any, num_classes: int = 10) -> Any:
        """The xautodl-faithful ``TinyNetwork(C=16, N=5)`` for model-based proxies."""
        from canopy.spaces.nb201_torch import build_nb201_network

        return build_nb201_network(arch, num_classes=num_classes)


class DartsSpace:
    """DARTS genotypes (normal + reduction cell, 8 ``(op, input)`` pairs each).

    Sampling is :func:`canopy.spaces.darts.random_genotype`; neighbours are the genotype's single-pair
    mutations (one op or one input changed). Keys are the NASLib compact encoding. There is no trained ground
    truth for this space here; see :class:`PoolSpace` for the 500 NAS-Bench-301 surrogate-labelled archs.
    """

    name = "darts"

    def __init__(self) -> None:
        from canopy.spaces import darts

        self._darts = darts

    def sample(self, rng: np.random.Generator) -> Any:
        """A random valid genotype."""
        return self._darts.random_genotype(rng)

    def neighbours(self, arch: Any) -> list[Any]:
        """Single-pair mutations of the genotype."""
        muts = getattr(arch, "mutations", None)
        if callable(muts):
            return list(muts())
        return list(self._darts.mutations(arch))

    def key(self, arch: Any) -> str:
        """The NASLib compact encoding as a string."""
        return str(arch.to_compact())

    def parse(self, key: str) -> Any:
        """Genotype from :meth:`key`'s string."""
        import ast

        return self._darts.Genotype.from_compact(ast.literal_eval(key))

    def tropical_score(self, arch: Any, mode: str = "generic") -> float:
        """:func:`canopy.nas.cells.darts_cell_score` of the genotype."""
        from canopy.nas.cells import darts_cell_score

        return float(darts_cell_score(arch, mode))

    def build_model(self, arch: Any, num_classes: int = 10) -> Any:
        """A small DARTS network (``C=16, layers=8``) for model-based proxies."""
        from canopy.spaces.darts_torch import build_darts_network

        return build_darts_network(arch, num_classes=num_classes)


class MobileNetSpace:
    """The MobileNetV2-style space of :mod:`canopy.spaces.mobilenet` under a FLOPs budget (proxy-only).

    No ground truth: ImageNet training is impossible here, so ``ground_truth`` raises and trajectories log
    ``None`` accuracies.

    Parameters
    ----------
    budget_mflops : float
        Every sampled architecture and every neighbour has at most this many MFLOPs (multiply-adds).
    resolution : int
        Input resolution used for the FLOPs count.
    """

    def __init__(self, budget_mflops: float = 450.0, resolution: int = 224) -> None:
        from canopy.spaces import mobilenet

        self._mb = mobilenet
        self.budget_mflops = float(budget_mflops)
        self.resolution = int(resolution)
        self.name = "mobilenet"

    #: exact closed forms (equal to counting the built torch module)
    closed_form_proxies = ("params", "flops")

    def closed_form(self, name: str, arch: Any, num_classes: int = 1000) -> float:
        """Closed-form ``"params"`` or ``"flops"`` (at this space's resolution)."""
        if name == "params":
            return float(self._mb.num_params(arch, num_classes=num_classes))
        if name == "flops":
            return float(self._mb.flops(arch, resolution=self.resolution, num_classes=num_classes))
        raise CanopyError(f"no closed form for {name!r} on mobilenet")

    def sample(self, rng: np.random.Generator) -> Any:
        """A random architecture within the budget."""
        return self._mb.sample_within_budget(rng, self.budget_mflops, resolution=self.resolution)

    def neighbours(self, arch: Any) -> list[Any]:
        """Single-field mutations that stay within the budget."""
        return [
            a
            for a in self._mb.mutations(arch)
            if self._mb.flops(a, resolution=self.resolution) <= self.budget_mflops * 1e6
        ]

    def key(self, arch: Any) -> str:
        """Compact string encoding."""
        return arch.to_string()

    def parse(self, key: str) -> Any:
        """Inverse of :meth:`key`."""
        return self._mb.MBArch.from_string(key)

    def ground_truth(self, dataset: str = "imagenet", data_dir: Any = None) -> Callable[[Any], tuple]:
        """No ground truth exists for this space; always raises."""
        raise CanopyError("the MobileNetV2-style space is proxy-only: no ImageNet accuracies exist here")

    def build_model(self, arch: Any, num_classes: int = 1000) -> Any:
        """A torch module of the architecture."""
        return self._mb.build_torch(arch, num_classes=num_classes)


class PoolSpace:
    """A finite pool of architectures with known labels; neighbours are the pool members nearest in encoding.

    This is what can honestly be searched when only a sample of a space is labelled (e.g. the 500
    NAS-Bench-301 archs with surrogate accuracy): sampling draws a pool member uniformly, and mutation moves
    to one of the pool members at the smallest positive ``distance`` from the parent.

    Parameters
    ----------
    name : str
        Space name for keys and trajectories.
    archs : sequence
        The pool (hashable architectures).
    key : callable
        ``arch -> str``.
    distance : callable
        ``(a, b) -> int``; e.g. the number of differing genotype pairs.
    labels : mapping, optional
        ``key -> (valid, test)`` ground truth (either may be None), served by :meth:`ground_truth`.

    Examples
    --------
    >>> import numpy as np
    >>> pool = PoolSpace("toy", [(0, 0), (0, 1), (1, 1)], key=str,
    ...                  distance=lambda a, b: sum(x != y for x, y in zip(a, b)))
    >>> pool.neighbours((0, 0))
    [(0, 1)]
    >>> pool.sample(np.random.default_rng(0)) in pool.archs
    True
    """

    def __init__(
        self,
        name: str,
        archs: Sequence[Hashable],
        *,
        key: Callable[[Any], str],
        distance: Callable[[Any, Any], int],
        labels: dict[str, tuple[float | None, float | None]] | None = None,
    ) -> None:
        if not archs:
            raise InvalidArchitectureError("a pool space needs at least one architecture")
        self.name = name
        self.archs = list(archs)
        self._key = key
        self._by_key = {key(a): a for a in self.archs}
        self._distance = distance
        self._neigh: dict[Any, list[Any]] = {}
        self.labels = dict(labels or {})

    def sample(self, rng: np.random.Generator) -> Any:
        """A uniformly random pool member."""
        return self.archs[int(rng.integers(len(self.archs)))]

    def neighbours(self, arch: Any) -> list[Any]:
        """Pool members at the smallest positive distance from ``arch`` (pool order)."""
        got = self._neigh.get(arch)
        if got is None:
            dists = [(self._distance(arch, b), i) for i, b in enumerate(self.archs)]
            positive = [d for d, _ in dists if d > 0]
            if not positive:
                got = []
            else:
                dmin = min(positive)
                got = [self.archs[i] for d, i in dists if d == dmin]
            self._neigh[arch] = got
        return got

    def key(self, arch: Any) -> str:
        """The pool's key function."""
        return self._key(arch)

    def parse(self, key: str) -> Any:
        """The pool member with that key."""
        try:
            return self._by_key[key]
        except KeyError:
            raise InvalidArchitectureError(f"{key!r} is not in the pool {self.name!r}") from None

    def ground_truth(self, dataset: str = "", data_dir: Any = None) -> Callable[[Any], tuple]:
        """Oracle from ``labels``."""
        if not self.labels:
            raise CanopyError(f"pool {self.name!r} has no labels")

        def oracle(arch: Any) -> tuple[float | None, float | None]:
            return self.labels.get(self._key(arch), (None, None))

        return oracle

    def ground_truth_source(self, dataset: str = "", data_dir: Any = None) -> str:
        """The labels' identity, as stored with search runs (hash of their canonical JSON)."""
        from canopy.store import settings_hash

        return f"pool {self.name} labels {settings_hash({k: list(v) for k, v in self.labels.items()})}"


def get_space(name: str, **options: Any) -> Any:
    """The adapter for a space name: ``"nb201"``, ``"darts"`` or ``"mobilenet"``.

    Parameters
    ----------
    name : str
    **options
        Passed to the adapter (e.g. ``budget_mflops`` for ``"mobilenet"``).

    Raises
    ------
    canopy.errors.CanopyError
        On an unknown name.

    Examples
    --------
    >>> get_space("bits")
    Traceback (most recent call last):
    ...
    canopy.errors.CanopyError: unknown search space 'bits'; choose one of nb201, darts, mobilenet
    """
    if name == "nb201":
        return NB201Space(**options)
    if name == "darts":
        return DartsSpace(**options)
    if name == "mobilenet":
        return MobileNetSpace(**options)
    raise CanopyError(f"unknown search space {name!r}; choose one of {', '.join(SPACE_NAMES)}")


def _ground_truth_source(data_dir: Any) -> str | None:
    """``data_dir`` as a NATS source string (``"nats[:PATH]"``, or ``$NATS_BENCH_TSS_PATH`` when ``None``), else
    ``None`` (a folder of the CSV tables)."""
    import os

    from canopy.benchmarks.ground_truth import NATS_ENV_VAR

    if isinstance(data_dir, str) and (data_dir == "nats" or data_dir.startswith("nats:")):
        return data_dir
    if data_dir is None and os.environ.get(NATS_ENV_VAR):
        return "nats"
    return None
