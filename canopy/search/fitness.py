"""Fitness functions for search: a proxy by name, or the validation accuracy; with a durable cache.

Names understood by :func:`make_fitness`:

* ``"valid"`` — the ground-truth **validation** accuracy of the space's benchmark (for NB201: 200-epoch seed
  mean; for CIFAR-10 the ``cifar10-valid`` x-valid accuracy). Test accuracy is never a fitness.
* ``"tropical"`` or ``"tropical:<mode>"`` — the tropical expressivity score of the cell
  (:func:`canopy.nas.cells.nb201_cell_score` / :func:`~canopy.nas.cells.darts_cell_score`), mode
  ``"generic"`` by default.
* ``"params"`` / ``"flops"`` on spaces with a closed form (NB201, the MobileNetV2-style space) — the exact
  closed-form count (settings: ``counting``), no model built;
* any other name in the registry (:func:`canopy.proxies.registry.get_proxy`, aliases and third-party proxies
  included) — scored by :func:`canopy.scoring.score`: on NB201 exactly as ``canopy evaluate`` scores it and
  under the same store keys; elsewhere on the space's torch model (``space.build_model``, initialised under
  ``torch.manual_seed(proxy_seed)``), with synthetic inputs seeded by ``proxy_seed``.
* a named aggregate (:data:`canopy.proxies.aggregate.AGGREGATES`, e.g. ``"realized_agg"``) — its log-rank sum
  with every rank taken against a fixed *reference population* (:class:`ReferenceAggregateFitness`), so that
  the fitness of an architecture does not change while the search runs.
* ``"stored:<proxy>"`` — scores precomputed by ``canopy evaluate`` and read from the
  :class:`~canopy.store.ResultStore` only (an architecture without a stored score is an error).

Proxy evaluations are cached: :class:`CachedFitness` keeps an in-memory dict and, when given a store, reads and
writes the durable :class:`canopy.store.ResultStore` under the key ``(space, arch key, proxy, settings,
proxy_seed)``. The proxy seed is fixed across search seeds so every search seed shares the cache.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from canopy.errors import CanopyError, StoreError
from canopy.proxies.registry import ProxySpec, parse_proxy_name
from canopy.scoring import compute_item, make_items, num_classes, score
from canopy.store import PROXY_VERSION_FIELD

__all__ = ["CachedFitness", "MemoryStore", "ReferenceAggregateFitness", "make_fitness", "TROPICAL_PREFIX"]

TROPICAL_PREFIX = "tropical"


class MemoryStore:
    """An in-memory stand-in with the small part of :class:`canopy.store.ResultStore` the cache uses.

    Examples
    --------
    >>> s = MemoryStore()
    >>> k = s.key("nb201", "a", "p", {"m": 1}, 0)
    >>> s.get(k) is None, s.put(k, 2.5), s.get(k).value
    (True, True, 2.5)
    """

    @dataclass(frozen=True)
    class _Result:
        value: Any

    def __init__(self) -> None:
        self._data: dict[tuple, Any] = {}

    @staticmethod
    def key(space: str, arch: str, proxy: str, settings: Mapping[str, Any] | None = None, seed: int = 0) -> tuple:
        """A hashable key (same arguments as :meth:`canopy.store.ResultStore.key`)."""
        import json

        return (space, arch, proxy, json.dumps(dict(settings or {}), sort_keys=True), int(seed))

    def get(self, key: tuple, default: Any = None, **_: Any) -> Any:
        """The stored result (with ``.value``) or ``default`` (it lives one process: no stale versions)."""
        if key in self._data:
            return self._Result(self._data[key])
        return default

    def put(self, key: tuple, value: Any, **_: Any) -> bool:
        """Store a value; keep an existing one. Returns True when written."""
        if key in self._data:
            return False
        self._data[key] = value
        return True


@dataclass
class CachedFitness:
    """A fitness ``arch -> float`` whose values are cached in memory and (optionally) in a store.

    Parameters
    ----------
    fn : callable
        The uncached fitness.
    space_name, proxy : str
        Parts of the store key.
    key : callable
        ``arch -> str`` (the space's key).
    settings : dict
        Proxy settings (part of the store key).
    seed : int
        Proxy seed (part of the store key).
    store : ResultStore or MemoryStore or None
        Durable cache; None keeps only the in-memory dict.
    store_only : bool
        Never call ``fn``: a miss in the store raises (for precomputed scores).

    Attributes
    ----------
    calls, hits : int
        Uncached evaluations and cache hits (memory or store).

    Examples
    --------
    >>> f = CachedFitness(lambda a: float(len(a)), "toy", "len", key=str)
    >>> f("abc"), f("abc"), (f.calls, f.hits)
    (3.0, 3.0, (1, 1))
    """

    fn: Callable[[Any], float]
    space_name: str
    proxy: str
    key: Callable[[Any], str]
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    store: Any = None
    store_only: bool = False
    calls: int = 0
    hits: int = 0
    _memo: dict[str, float] = field(default_factory=dict, repr=False)
    proxy_version: int | None = None
    _versions: dict[str, str] | None = field(default=None, repr=False)

    def __call__(self, arch: Any) -> float:
        """The (cached) fitness of ``arch``."""
        k = self.key(arch)
        got = self._memo.get(k)
        if got is not None:
            self.hits += 1
            return got
        skey = None
        if self.store is not None:
            skey = self.store.key(self.space_name, k, self.proxy, self.settings, self.seed)
            res = self._stored(skey)
            if res is not None:
                value = float(res.value) if res.value is not None else math.nan
                self._memo[k] = value
                self.hits += 1
                return value
        if self.store_only:
            raise StoreError(
                f"no stored {self.proxy!r} score for {k!r} in space {self.space_name!r} of the current proxy "
                f"version (run `canopy evaluate` first: it recomputes stale scores)"
            )
        t0 = time.perf_counter()
        value = float(self.fn(arch))
        self.calls += 1
        self._memo[k] = value
        if skey is not None:
            if self._versions is None:
                from canopy.store import package_versions

                self._versions = package_versions()
                if self.proxy_version is not None:
                    self._versions[PROXY_VERSION_FIELD] = str(self.proxy_version)
            # with a version, a row still there is stale (else it was read above): replace it
            self.store.put(skey, value, settings=self.settings, seconds=time.perf_counter() - t0,
                           versions=self._versions, overwrite=self.proxy_version is not None)
        return value

    def _stored(self, skey: Any) -> Any:
        if self.proxy_version is None:
            return self.store.get(skey)
        return self.store.get(skey, proxy_version=self.proxy_version)


def make_fitness(
    space: Any,
    name: str,
    *,
    dataset: str = "cifar10",
    data_dir: Any = None,
    proxy_seed: int = 0,
    settings: Mapping[str, Any] | None = None,
    store: Any = None,
) -> Callable[[Any], float]:
    """Resolve a fitness name for a space (see the module docstring for the names).

    Parameters
    ----------
    space : search-space adapter
    name : str
        ``"valid"``, ``"tropical[:mode]"``, a registered proxy name, or ``"stored:<proxy>"``.
    dataset : str
        Benchmark dataset for ``"valid"`` and the number of classes of model-based proxies.
    data_dir : path, optional
        Benchmark data folder (else ``CANOPY_DATA_DIR``).
    proxy_seed : int
        Seed of the proxy's synthetic inputs and initialisation (shared by all search seeds).
    settings : mapping, optional
        Proxy settings.
    store : ResultStore or MemoryStore, optional
        Durable cache of proxy values (default: in-memory only).

    Returns
    -------
    callable
        ``arch -> float``; a :class:`CachedFitness` except for ``"valid"``.

    Raises
    ------
    canopy.errors.UnknownProxyError
        For a name that is neither special nor registered.

    Examples
    --------
    >>> from canopy.search.spaces import BitStrings
    >>> make_fitness(BitStrings(3), "valid")
    Traceback (most recent call last):
    ...
    canopy.errors.CanopyError: space 'bits3' has no ground truth, so 'valid' cannot be a fitness
    """
    settings_d = dict(settings or {})
    if name == "test":
        raise CanopyError("test accuracy is never a search fitness; use 'valid'")
    if name == "valid":
        if not hasattr(space, "ground_truth"):
            raise CanopyError(f"space {space.name!r} has no ground truth, so 'valid' cannot be a fitness")
        oracle = space.ground_truth(dataset, data_dir)
        return lambda arch: float(oracle(arch)[0])
    from canopy.proxies.aggregate import get_aggregate

    aggregate = get_aggregate(name)
    if aggregate is not None:
        return ReferenceAggregateFitness(space, aggregate, dataset=dataset, data_dir=data_dir, proxy_seed=proxy_seed,
                                         settings=settings_d, store=store)
    stored_only = name.startswith("stored:")
    spec, implied = parse_proxy_name(name.split(":", 1)[1] if stored_only else name)  # UnknownProxyError
    if spec.name == TROPICAL_PREFIX and not stored_only:
        mode = implied.get("mode", settings_d.get("mode", "generic"))
        if not hasattr(space, "tropical_score"):
            raise CanopyError(f"space {space.name!r} has no tropical score")
        settings_d["mode"] = mode
        return CachedFitness(
            lambda arch: space.tropical_score(arch, mode),
            space.name,
            TROPICAL_PREFIX,
            key=space.key,
            settings=settings_d,
            seed=0,
            store=store,
            proxy_version=spec.version,
        )
    settings_d = {**settings_d, **implied}
    proxy = spec.name
    classes = 1000 if space.name == "mobilenet" else num_classes(dataset)
    if not stored_only and proxy in getattr(space, "closed_form_proxies", ()):
        cf_settings = {"closed_form": True, "num_classes": classes, **settings_d}
        counting = cf_settings.get("counting")
        extra = {} if counting is None else {"counting": counting}
        return CachedFitness(
            lambda arch: space.closed_form(proxy, arch, num_classes=classes, **extra),
            space.name, proxy, key=space.key, settings=cf_settings, seed=0, store=store, proxy_version=spec.version,
        )
    if stored_only and store is None:
        raise CanopyError(f"fitness {name!r} reads precomputed scores and needs a store (--store)")
    if space.name == "nb201":
        return _evaluate_backed(space, spec, dataset, proxy_seed, settings_d, store, stored_only)

    def proxy_fitness(arch: Any) -> float:
        return as_float_or_nan(score(space, arch, spec, {"num_classes": classes, **settings_d}, proxy_seed))

    return CachedFitness(
        proxy_fitness, space.name, proxy, key=space.key, settings=settings_d, seed=proxy_seed, store=store,
        store_only=stored_only, proxy_version=spec.version,
    )


def as_float_or_nan(value: Any) -> float:
    """A proxy output as a float: numbers as they are, payloads by their ``"score"`` entry, failures NaN."""
    if value is None:
        return math.nan
    if isinstance(value, Mapping):
        return as_float_or_nan(value.get("score"))
    return float(value)


def _evaluate_backed(
    space: Any, spec: ProxySpec, dataset: str, seed: int, settings: dict[str, Any], store: Any, stored_only: bool
) -> CachedFitness:
    """NB201 proxies scored by :func:`canopy.scoring.compute_item`, under the keys ``canopy evaluate`` uses.

    A search therefore reuses every score ``canopy evaluate`` stored, and vice versa. A proxy that fails on an
    architecture gets fitness NaN (it ranks last).
    """
    import json

    proxy = spec.name
    template = make_items("nb201", ["_"], [proxy], dataset=dataset, seed=seed, proxy_settings={proxy: settings})[0]
    item_settings = json.loads(template.settings)

    def fn(cell: Any) -> float:
        item = dataclasses.replace(template, arch=space.key(cell))
        _, value, _, _error = compute_item(item)
        return as_float_or_nan(value)

    return CachedFitness(
        fn, "nb201", proxy, key=space.key, settings=item_settings, seed=template.seed, store=store,
        store_only=stored_only, proxy_version=spec.version,
    )


class ReferenceAggregateFitness:
    r"""A population aggregate as a fixed per-architecture fitness: ranks against a reference population.

    A log-rank sum (:mod:`canopy.proxies.aggregate`) ranks over a population; a search needs a fitness that
    does not move while the population changes.  This one draws ``reference_size`` distinct architectures from
    the space (``numpy.random.default_rng(proxy_seed)``, once, on the first call), scores every component on
    them, and gives an architecture ``a``

    .. math::  \sum_c \log R_c(a), \qquad R_c(a) = \#\{r : s_c(r) < s_c(a)\} + \tfrac12 (\#\{r : s_c(r) = s_c(a)\} + 1),

    the average rank ``a``'s component score would take if inserted into the reference scores (NaN ranks below
    everything: ``R = 1/2``).  Each component is an ordinary cached fitness (same store keys as
    ``canopy evaluate``), so reference and searched architectures are scored once.

    Parameters
    ----------
    space : search-space adapter
    aggregate : canopy.proxies.aggregate.AggregateSpec
        Must combine its components by a plain log-rank sum (``vkdnw_agg``'s dense (aleph, VKDNW) rank is not
        available as a fitness).
    dataset, data_dir, proxy_seed, store
        As for :func:`make_fitness`.
    settings : mapping, optional
        ``reference_size`` (default 200) and per-component settings under the component's name.
    component_fitness : mapping, optional
        Component name -> ``arch -> float`` to use instead of scoring it (e.g. a table of the same proxy's
        scores computed beforehand); the others are resolved by :func:`make_fitness`.

    Examples
    --------
    >>> from canopy.search.spaces import BitStrings
    >>> from canopy.metrics import log_rank_sum
    >>> from canopy.proxies.aggregate import AggregateSpec
    >>> agg = AggregateSpec("demo", ("params",), "log R(params)", lambda s, r: log_rank_sum(s))
    >>> f = ReferenceAggregateFitness(BitStrings(4), agg, settings={"reference_size": 5})
    >>> f.reference_size
    5
    """

    def __init__(self, space: Any, aggregate: Any, *, dataset: str = "cifar10", data_dir: Any = None,
                 proxy_seed: int = 0, settings: Mapping[str, Any] | None = None, store: Any = None,
                 component_fitness: Mapping[str, Callable[[Any], float]] | None = None) -> None:
        settings_d = dict(settings or {})
        if aggregate.name == "vkdnw_agg":
            raise CanopyError("vkdnw_agg ranks (aleph, VKDNW) pairs densely and is not available as a search "
                              "fitness; use its components or realized_agg")
        size = settings_d.pop("reference_size", 200)
        if isinstance(size, bool) or not isinstance(size, int) or not 2 <= size <= 100_000:
            raise CanopyError(f"reference_size must be an integer in [2, 100000], got {size!r}")
        unknown = set(settings_d) - set(aggregate.components)
        if unknown:
            raise CanopyError(f"settings for {aggregate.name} are per component ({', '.join(aggregate.components)}); "
                              f"got {', '.join(sorted(unknown))}")
        self.space, self.aggregate, self.reference_size, self.proxy_seed = space, aggregate, size, proxy_seed
        given = dict(component_fitness or {})
        extra = set(given) - set(aggregate.components)
        if extra:
            raise CanopyError(f"{aggregate.name} has no component {', '.join(sorted(extra))}")
        self.components = {
            c: given[c] if c in given else make_fitness(space, c, dataset=dataset, data_dir=data_dir,
                                                        proxy_seed=proxy_seed, settings=settings_d.get(c), store=store)
            for c in aggregate.components
        }
        self._reference: dict[str, list[float]] | None = None

    def reference_archs(self) -> list[Any]:
        """The reference population (distinct architectures, drawn once from ``proxy_seed``)."""
        import numpy as np

        rng = np.random.default_rng(self.proxy_seed)
        seen: dict[Any, Any] = {}
        tries = 0
        while len(seen) < self.reference_size and tries < 50 * self.reference_size:
            arch = self.space.sample(rng)
            seen.setdefault(self.space.key(arch), arch)
            tries += 1
        return list(seen.values())

    def _ref(self) -> dict[str, list[float]]:
        if self._reference is None:
            archs = self.reference_archs()
            self._reference = {c: sorted(v for v in (f(a) for a in archs) if not math.isnan(v))
                               for c, f in self.components.items()}
        return self._reference

    def __call__(self, arch: Any) -> float:
        import bisect

        ref = self._ref()
        total = 0.0
        for c, f in self.components.items():
            v = f(arch)
            values = ref[c]
            if math.isnan(v):
                rank = 0.5
            else:
                lo, hi = bisect.bisect_left(values, v), bisect.bisect_right(values, v)
                rank = lo + (hi - lo + 1) / 2
            total += math.log(rank)
        return total
