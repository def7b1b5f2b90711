"""Score a search space with proxies, durably and in parallel, and correlate the scores with ground truth.

The unit of work is a :class:`WorkItem` = (space, arch, proxy, settings, seed). :func:`run_items` computes the
items that the :class:`~canopy.store.ResultStore` does not hold yet and writes each result in its own
transaction as soon as it arrives, so a run killed at any point (SIGKILL included) and restarted with the same
arguments loses at most the items that were being computed and recomputes nothing that was stored. Items run

* in this process (``workers=0``);
* in ``workers`` worker processes (:class:`concurrent.futures.ProcessPoolExecutor`, ``forkserver`` start on
  Linux, ``spawn`` elsewhere; each worker uses one torch thread and ignores SIGINT, so Ctrl-C stops the parent
  cleanly and keeps what was stored); or
* on a Dask distributed cluster (``scheduler="tcp://host:port"``); the client writes the results.

Results are always written by the calling process: a single writer per run, which keeps the store's
"at most the in-flight items are lost" guarantee simple to reason about.

How a proxy gets its input is decided by its :class:`ProxyAdapter`:

* ``kind="cell"`` -- closed-form scores take the :class:`canopy.spaces.nb201.NB201Cell` (e.g. ``tropical``:
  :func:`canopy.nas.cells.nb201_cell_score`);
* ``kind="model"`` -- the gradient proxies of :mod:`canopy.proxies` take a freshly built NB201 network
  (``build_nb201_network(cell, num_classes)`` after ``torch.manual_seed(seed)``) and the proxy's own seeded
  synthetic Gaussian inputs of the dataset's resolution (32x32, or 16x16 for ImageNet16-120). The number of
  classes, the input shape and the batch size are part of the stored settings.

Extra proxies (tests, plugins) are registered with :func:`register_proxy`; modules listed in the environment
variable ``CANOPY_PROXY_PLUGINS`` (comma-separated import paths or ``.py`` file paths) are imported first in every process, so a
plugin's proxies also exist in worker processes and on Dask workers that share the environment.

Examples
--------
>>> register_proxy("demo_convs", lambda cell: float(cell.num_convs), kind="cell", replace=True)
>>> resolve_proxy("demo_convs").kind
'cell'
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canopy.errors import CanopyError, InvalidArchitectureError, UnknownProxyError
from canopy.store import ResultKey, ResultStore, canonical_json, package_versions

__all__ = [
    "DATASETS",
    "SUBSETS",
    "ProxyAdapter",
    "WorkItem",
    "RunStats",
    "EvaluationResult",
    "register_proxy",
    "resolve_proxy",
    "available_proxies",
    "select_architectures",
    "make_items",
    "compute_item",
    "run_items",
    "evaluate",
    "default_store_path",
]

#: dataset -> (number of classes, input resolution)
DATASETS: dict[str, tuple[int, int]] = {
    "cifar10": (10, 32),
    "cifar100": (100, 32),
    "ImageNet16-120": (120, 16),
}

#: architecture sets of NB201 accepted by ``subset``
SUBSETS = ("all", "fully-effective", "dedup")

_PLUGIN_ENV = "CANOPY_PROXY_PLUGINS"


# ---------------------------------------------------------------------------------------------- proxies
@dataclass(frozen=True)
class ProxyAdapter:
    """How the evaluation feeds one proxy.

    Attributes
    ----------
    name : str
        The proxy name (also the ``proxy`` field of the store key).
    fn : callable
        ``fn(cell, **settings)`` for ``kind="cell"``; ``fn(model, inputs=None, *, seed, **settings)`` for
        ``kind="model"``.
    kind : {"cell", "model"}
    defaults : dict
        Default settings (merged under the user's settings; all of them are part of the stored key).
    dataset_dependent : bool
        Whether the score depends on the dataset (number of classes / resolution). Model proxies always do.
    seeded : bool
        Whether the score depends on the seed (cell proxies are deterministic: their key uses seed 0).
    cell_fn : callable, optional
        A closed-form NB201 fast path ``cell_fn(cell, **settings)`` of a model proxy, giving the same number as
        the proxy on the built network (params, FLOPs, ℵ); used instead of building the network. The store key
        is the same either way.
    registry_defaults : dict
        The :mod:`canopy.proxies` defaults of a library proxy: printed in the protocol, *not* part of the key.
    """

    name: str
    fn: Callable[..., Any]
    kind: str = "model"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    dataset_dependent: bool = True
    seeded: bool = True
    cell_fn: Callable[..., Any] | None = None
    registry_defaults: Mapping[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, ProxyAdapter] = {}
_PLUGINS_LOADED: set[str] = set()


def register_proxy(
    name: str,
    fn: Callable[..., Any],
    *,
    kind: str = "model",
    settings: Mapping[str, Any] | None = None,
    dataset_dependent: bool | None = None,
    seeded: bool | None = None,
    replace: bool = False,
) -> None:
    """Register an evaluation proxy (in addition to :mod:`canopy.proxies`).

    Parameters
    ----------
    name : str
    fn : callable
        See :class:`ProxyAdapter`.
    kind : {"cell", "model"}, default "model"
    settings : mapping, optional
        Default settings.
    dataset_dependent, seeded : bool, optional
        Defaults: True for model proxies, False for cell proxies.
    replace : bool, default False
        Allow replacing an existing registration.

    Raises
    ------
    CanopyError
        A bad ``kind`` or a duplicate name without ``replace``.

    Examples
    --------
    >>> register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
    >>> "demo_one" in available_proxies()
    True
    """
    if kind not in ("cell", "model"):
        raise CanopyError(f"proxy kind must be 'cell' or 'model', got {kind!r}")
    if name in _REGISTRY and not replace:
        raise CanopyError(f"proxy {name!r} is already registered")
    model = kind == "model"
    _REGISTRY[name] = ProxyAdapter(
        name=name,
        fn=fn,
        kind=kind,
        defaults=dict(settings or {}),
        dataset_dependent=model if dataset_dependent is None else bool(dataset_dependent),
        seeded=model if seeded is None else bool(seeded),
    )


def _load_plugins() -> None:
    for module in os.environ.get(_PLUGIN_ENV, "").split(","):
        module = module.strip()
        if module and module not in _PLUGINS_LOADED:
            try:
                if module.endswith(".py"):
                    _import_file(module)
                else:
                    importlib.import_module(module)
            except (ImportError, OSError) as exc:
                raise CanopyError(f"cannot import proxy plugin {module!r} (from ${_PLUGIN_ENV}): {exc}") from None
            _PLUGINS_LOADED.add(module)


def _import_file(path: str) -> None:
    import importlib.util

    name = "canopy_plugin_" + "".join(ch if ch.isalnum() else "_" for ch in Path(path).stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _tropical_cell_score(cell: Any, *, mode: str = "generic") -> float:
    from canopy.nas.cells import nb201_cell_score

    return float(nb201_cell_score(cell, mode))


def _builtin_adapters() -> dict[str, ProxyAdapter]:
    return {
        "tropical": ProxyAdapter(
            "tropical", _tropical_cell_score, "cell", {"mode": "generic"}, dataset_dependent=False, seeded=False
        ),
    }


def _library_proxies() -> dict[str, Any]:
    try:
        proxies = importlib.import_module("canopy.proxies")
    except ImportError:  # pragma: no cover - the proxies package is part of the distribution
        return {}
    return dict(getattr(proxies, "PROXIES", {}) or {})


def _library_spec(name: str) -> Any | None:
    """The :mod:`canopy.proxies` spec of a name or alias, or None."""
    proxies = importlib.import_module("canopy.proxies")
    aliases = getattr(proxies, "ALIASES", {}) or {}
    return _library_proxies().get(aliases.get(name, name))


def _resolution(input_shape: Sequence[int] | None) -> int:
    return int(input_shape[-1]) if input_shape else 32


def _cell_params(cell: Any, *, num_classes: int = 10, counting: str = "every_op", **_: Any) -> float:
    return float(cell.num_params(num_classes=num_classes, counting=counting))


def _cell_flops(cell: Any, *, num_classes: int = 10, counting: str = "every_op",
                input_shape: Sequence[int] | None = None, **_: Any) -> float:
    return float(cell.flops(num_classes=num_classes, counting=counting, resolution=_resolution(input_shape)))


def _cell_aleph(cell: Any, **_: Any) -> float:
    return float(cell.aleph)


#: NB201 closed forms equal to the :mod:`canopy.proxies` value on ``build_nb201_network(cell, num_classes)``
#: (tests/test_evaluate.py checks the equality on sample cells).
_NB201_FAST_PATHS: dict[str, Callable[..., float]] = {
    "params": _cell_params,
    "flops": _cell_flops,
    "aleph": _cell_aleph,
}
_FAST_PATH_SETTINGS = {"params": {"counting"}, "flops": {"counting", "input_shape"}, "aleph": set()}


def available_proxies() -> list[str]:
    """Names accepted by :func:`resolve_proxy` (built-in, registered and :mod:`canopy.proxies`).

    Examples
    --------
    >>> "tropical" in available_proxies()
    True
    """
    _load_plugins()
    return sorted({*_builtin_adapters(), *_REGISTRY, *_library_proxies()})


def _fast_path(name: str, settings: Mapping[str, Any]) -> Callable[..., float] | None:
    """The closed-form NB201 path of a library proxy, if it exists and covers the given settings."""
    fn = _NB201_FAST_PATHS.get(name)
    if fn is None:
        return None
    extra = set(settings) - {"num_classes", "input_shape"} - _FAST_PATH_SETTINGS[name]
    return None if extra else fn


def _spec_adapter(name: str, spec: Any) -> ProxyAdapter:
    """Wrap a :mod:`canopy.proxies` registry entry."""
    fn = spec
    for attr in ("fn", "func", "function"):
        if callable(getattr(spec, attr, None)):
            fn = getattr(spec, attr)
            break
    if not callable(fn):
        raise UnknownProxyError(f"proxy {name!r} in canopy.proxies is not callable")
    # The registry's own defaults are *not* merged into the key: a result is keyed by the settings the user
    # gave (plus the dataset's classes and input shape), so adding a default to a proxy does not orphan
    # stored scores. The proxy's full settings are in its returned payload where it reports them.
    return ProxyAdapter(name=str(getattr(spec, "name", name)), fn=fn, kind="model", defaults={},
                        dataset_dependent=True, seeded=name not in _NB201_FAST_PATHS,
                        cell_fn=_NB201_FAST_PATHS.get(name),
                        registry_defaults=dict(getattr(spec, "defaults", None) or {}))


def resolve_proxy(name: str) -> ProxyAdapter:
    """The :class:`ProxyAdapter` of a proxy name.

    Raises
    ------
    UnknownProxyError
        The name is neither built in, registered, nor in :mod:`canopy.proxies` (the message lists the names).

    Examples
    --------
    >>> resolve_proxy("tropical").defaults
    {'mode': 'generic'}
    >>> resolve_proxy("no_such_proxy")
    Traceback (most recent call last):
    ...
    canopy.errors.UnknownProxyError: unknown proxy 'no_such_proxy'; known: ...
    """
    _load_plugins()
    if name in _REGISTRY:
        return _REGISTRY[name]
    builtin = _builtin_adapters()
    if name in builtin:
        return builtin[name]
    spec = _library_spec(name)
    if spec is not None:
        return _spec_adapter(str(getattr(spec, "name", name)), spec)
    raise UnknownProxyError(f"unknown proxy {name!r}; known: {', '.join(available_proxies())}")


# ---------------------------------------------------------------------------------------------- work items
@dataclass(frozen=True)
class WorkItem:
    """One (space, arch, proxy, settings, seed) to compute; ``settings`` is canonical JSON."""

    space: str
    arch: str
    proxy: str
    settings: str
    seed: int

    @property
    def key(self) -> ResultKey:
        """The store key of this item."""
        return ResultStore.key(self.space, self.arch, self.proxy, json.loads(self.settings), self.seed)


def _item_settings(adapter: ProxyAdapter, dataset: str, user: Mapping[str, Any] | None) -> dict[str, Any]:
    settings = {**adapter.defaults, **dict(user or {})}
    if adapter.dataset_dependent:
        num_classes, resolution = DATASETS[dataset]
        settings.setdefault("num_classes", num_classes)
        settings.setdefault("input_shape", [3, resolution, resolution])
    return settings


def make_items(
    space: str,
    archs: Sequence[str],
    proxies: Sequence[str],
    *,
    dataset: str = "cifar10",
    seed: int = 0,
    proxy_settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[WorkItem]:
    """Work items for every (arch, proxy); cell proxies that ignore the seed are keyed with seed 0.

    Examples
    --------
    >>> register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
    >>> [i.settings for i in make_items("nb201", ["a", "b"], ["demo_one"], seed=3)]
    ['{}', '{}']
    """
    items = []
    for proxy in proxies:
        adapter = resolve_proxy(proxy)
        settings = canonical_json(_item_settings(adapter, dataset, (proxy_settings or {}).get(proxy)))
        item_seed = int(seed) if adapter.seeded else 0
        items.extend(WorkItem(space, arch, adapter.name, settings, item_seed) for arch in archs)
    return items


_IN_WORKER = False


def _set_one_thread() -> None:
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _compute_value(item: WorkItem) -> Any:
    if item.space != "nb201":
        raise CanopyError(f"unsupported search space {item.space!r} (supported: nb201)")
    from canopy.spaces.nb201 import NB201Cell

    adapter = resolve_proxy(item.proxy)
    raw_settings = json.loads(item.settings)
    cell = NB201Cell.from_string(item.arch)
    if adapter.cell_fn is not None and _fast_path(adapter.name, raw_settings) is not None:
        # the closed forms need the evaluation's num_classes / input_shape: pass the settings unfiltered
        return adapter.cell_fn(cell, **raw_settings)
    settings = raw_settings
    accepted = _accepted_settings(adapter.fn)
    if accepted is not None:  # drop only what the evaluation added; a user's typo must reach the proxy and fail
        settings = {k: v for k, v in settings.items() if k in accepted or k not in _ADDED_SETTINGS}
    if adapter.kind == "cell":
        return adapter.fn(cell, **settings)
    import torch

    from canopy.spaces.nb201_torch import build_nb201_network

    if _IN_WORKER:
        _set_one_thread()
    num_classes = int(settings.pop("num_classes", DATASETS["cifar10"][0]))
    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(item.seed)
        model = build_nb201_network(cell, num_classes=num_classes)
    if "input_shape" in settings:
        settings["input_shape"] = tuple(settings["input_shape"])
    return adapter.fn(model, None, seed=item.seed, **settings)


#: settings the evaluation adds to every model proxy's key (the dataset's classes and input shape)
_ADDED_SETTINGS = frozenset({"num_classes", "input_shape"})


def _accepted_settings(fn: Callable[..., Any]) -> set[str] | None:
    """Keyword names ``fn`` accepts, or None when it takes ``**kwargs``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}


def _to_storable(value: Any) -> Any:
    """Proxy outputs as JSON-able values (numpy/torch scalars -> float; objects with ``score`` -> payload)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _to_storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_storable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        with contextlib.suppress(Exception):
            return _to_storable(value.item())
    if hasattr(value, "_asdict"):
        return _to_storable(value._asdict())
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _to_storable(dataclasses.asdict(value))
    with contextlib.suppress(TypeError, ValueError):
        return float(value)
    raise CanopyError(f"proxy returned a value that cannot be stored: {type(value).__name__}")


def compute_item(item: WorkItem) -> tuple[WorkItem, Any, float, str | None]:
    """Compute one item; return ``(item, value, seconds, error)`` (``error`` is a one-line message or None).

    Never raises for a failure of the proxy itself, so one bad architecture does not stop a long run.

    Examples
    --------
    >>> register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
    >>> item = make_items("nb201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"], ["demo_one"])[0]
    >>> out = compute_item(item)
    >>> out[1], out[3]
    (1.0, None)
    """
    start = time.perf_counter()
    try:
        value = _to_storable(_compute_value(item))
    except Exception as exc:  # reported per item, the run goes on
        message = str(exc).splitlines()[0] if str(exc) else ""
        return item, None, time.perf_counter() - start, f"{type(exc).__name__}: {message}"
    return item, value, time.perf_counter() - start, None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    with contextlib.suppress(OSError, IndexError):  # a killed parent not yet reaped is a zombie
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _watch_parent(parent: int, ppid: int) -> None:  # pragma: no cover - runs in worker processes
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(0)


def _worker_init(parent: int, env: Mapping[str, str]) -> None:  # pragma: no cover - runs in workers
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    # Orphaned workers (parent killed with SIGKILL) exit instead of computing results nobody stores.
    # (with forkserver, our own parent is the fork server, so the evaluating process is watched by pid)
    threading.Thread(target=_watch_parent, args=(parent, os.getppid()), daemon=True).start()
    _load_plugins()


# ---------------------------------------------------------------------------------------------- running
@dataclass
class RunStats:
    """What :func:`run_items` did: items requested, already stored, computed, failed, and seconds."""

    requested: int = 0
    cached: int = 0
    computed: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As a plain dict (errors truncated to the first 10)."""
        return {
            "requested": self.requested, "cached": self.cached, "computed": self.computed,
            "failed": self.failed, "seconds": round(self.seconds, 3), "errors": self.errors[:10],
        }


def _progress(total: int, enabled: bool, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, disable=not enabled, desc=desc, unit="item", dynamic_ncols=True,
                mininterval=0.5)


def run_items(
    items: Iterable[WorkItem],
    store: ResultStore,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    max_in_flight: int | None = None,
) -> RunStats:
    """Compute the items missing from ``store`` and store each result as it arrives.

    Parameters
    ----------
    items : iterable of WorkItem
    store : ResultStore
    workers : int, optional
        Worker processes; ``0`` computes in this process; default ``min(4, os.cpu_count())``, or this
        process when every item is closed-form (cell proxies, NB201 params/FLOPs/ℵ). Ignored with
        ``scheduler``.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``"tcp://127.0.0.1:8786"``).
    progress : bool, default True
        Show a tqdm progress bar on standard error.
    max_in_flight : int, optional
        Items submitted but not finished (default ``2 * workers``; 64 with Dask).

    Returns
    -------
    RunStats

    Raises
    ------
    CanopyError
        Every attempted item failed (the message gives the first error).
    KeyboardInterrupt
        After cancelling pending work; everything finished before is stored.
    """
    items = list(dict.fromkeys(items))
    stats = RunStats(requested=len(items))
    by_key = {item.key: item for item in items}
    todo = [by_key[k] for k in store.missing(by_key)]
    stats.cached = len(items) - len(todo)
    start = time.perf_counter()
    if todo:
        bar = _progress(len(todo), progress, "evaluate")
        try:
            if scheduler:
                _run_dask(todo, store, stats, bar, scheduler, max_in_flight or 64)
            elif workers == 0 or (workers is None and all(_is_cheap(item) for item in todo)):
                for item in todo:
                    _record(store, stats, bar, *compute_item(item))
            else:
                n = workers if workers is not None else min(4, os.cpu_count() or 1)
                _run_pool(todo, store, stats, bar, max(1, n), max_in_flight or 2 * max(1, n))
        finally:
            bar.close()
    stats.seconds = time.perf_counter() - start
    if stats.failed and not stats.computed:
        raise CanopyError(f"all {stats.failed} computed items failed; first error: {stats.errors[0]}")
    return stats


def _is_cheap(item: WorkItem) -> bool:
    """Closed-form items (cell proxies, NB201 fast paths): cheaper to compute here than to ship to a worker."""
    try:
        adapter = resolve_proxy(item.proxy)
    except CanopyError:
        return False
    return adapter.kind == "cell" or (
        adapter.cell_fn is not None and _fast_path(adapter.name, json.loads(item.settings)) is not None
    )


def _record(store: ResultStore, stats: RunStats, bar: Any, item: WorkItem, value: Any, seconds: float,
            error: str | None) -> None:
    if error is None:
        store.put(item.key, value, settings=json.loads(item.settings), seconds=seconds, versions=_VERSIONS())
        stats.computed += 1
    else:
        stats.failed += 1
        stats.errors.append(f"{item.proxy} on {item.arch}: {error}")
    bar.update(1)


def _VERSIONS() -> dict[str, str]:  # noqa: N802 - tiny cached helper
    global _VERSIONS_CACHE
    if _VERSIONS_CACHE is None:
        _VERSIONS_CACHE = package_versions()
    return _VERSIONS_CACHE


_VERSIONS_CACHE: dict[str, str] | None = None


def _run_pool(todo: list[WorkItem], store: ResultStore, stats: RunStats, bar: Any, workers: int,
              in_flight: int) -> None:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    env = {k: v for k, v in os.environ.items() if k == _PLUGIN_ENV or k.startswith("CANOPY_")}
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=mp.get_context(method), initializer=_worker_init,
        initargs=(os.getpid(), env),
    )
    pending: set[Any] = set()
    queue = iter(todo)
    try:
        for item in queue:
            pending.add(executor.submit(compute_item, item))
            if len(pending) >= in_flight:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                _record(store, stats, bar, *fut.result())
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(executor.submit(compute_item, nxt))
    except BaseException:
        for fut in pending:
            fut.cancel()
        # No public API stops running tasks: terminate the workers, then let the executor notice and join its
        # management thread (shutdown(wait=False) would leave an atexit hook writing to a closed pipe).
        for proc in list((getattr(executor, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        with contextlib.suppress(Exception):
            executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _run_dask(todo: list[WorkItem], store: ResultStore, stats: RunStats, bar: Any, address: str,
              in_flight: int) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise CanopyError("--scheduler needs dask distributed: pip install 'canopy-nas[dist]'") from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CanopyError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    queue = iter(todo)
    try:
        first = [client.submit(compute_item, item, pure=False) for item, _ in zip(queue, range(in_flight))]
        completed = as_completed(first, loop=client.loop)
        for fut in completed:
            _record(store, stats, bar, *fut.result())
            fut.release()
            nxt = next(queue, None)
            if nxt is not None:
                completed.add(client.submit(compute_item, nxt, pure=False))
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------- architectures
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


# ---------------------------------------------------------------------------------------------- evaluation
def default_store_path() -> Path:
    """``$CANOPY_STORE`` or ``./canopy-results.sqlite``.

    Examples
    --------
    >>> default_store_path().suffix
    '.sqlite'
    """
    return Path(os.environ.get("CANOPY_STORE", "canopy-results.sqlite"))


@dataclass
class EvaluationResult:
    """Scores, ground truth and correlations of one evaluation.

    Attributes
    ----------
    space, dataset, subset : str
    archs : list of str
        Evaluated architectures (canonical strings, official index order when sampled from the table).
    accuracies : list of float
        Ground truth per arch (seed-mean 200-epoch test accuracy, percent).
    scores : dict
        proxy -> list of float (NaN where the proxy failed or returned a non-number).
    correlations : dict
        proxy -> dict with ``tau``, ``rho``, ``ndcg`` (each ``{"value", "ci_low", "ci_high"}``), ``n`` and
        ``protocol`` (a dict).
    stats : RunStats
    """

    space: str
    dataset: str
    subset: str
    archs: list[str]
    accuracies: list[float]
    scores: dict[str, list[float]]
    correlations: dict[str, dict[str, Any]]
    stats: RunStats
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 0
    store_path: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (correlations with protocols and run statistics; no per-arch scores)."""
        return {
            "space": self.space, "dataset": self.dataset, "subset": self.subset, "n_archs": len(self.archs),
            "seed": self.seed, "store": self.store_path, "settings": self.settings,
            "correlations": self.correlations, "run": self.stats.to_dict(),
        }

    def to_frame(self) -> Any:
        """Per-arch scores and accuracy as a pandas DataFrame (columns: arch, accuracy, one per proxy)."""
        import pandas as pd

        return pd.DataFrame({"arch": self.archs, "accuracy": self.accuracies, **self.scores})

    def table(self) -> str:
        """A plain-text table of τ, ρ and nDCG (with CIs) per proxy, followed by each protocol."""
        head = f"{'proxy':<16}{'n':>6}  {'Kendall tau':<24}{'Spearman rho':<24}{'nDCG@k':<24}"
        lines = [head, "-" * len(head)]

        def cell(m: Mapping[str, Any]) -> str:
            v, lo, hi = m.get("value"), m.get("ci_low"), m.get("ci_high")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return "n/a"
            if lo is None or hi is None:
                return f"{v:.3f}"
            return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"

        for proxy, c in self.correlations.items():
            lines.append(f"{proxy:<16}{c['n']:>6}  {cell(c['tau']):<24}{cell(c['rho']):<24}{cell(c['ndcg']):<24}")
        for proxy, c in self.correlations.items():
            lines.append("")
            lines.append(f"[{proxy}] " + _describe_protocol(c["protocol"]))
        return "\n".join(lines)


def _describe_protocol(protocol: Mapping[str, Any]) -> str:
    from canopy.metrics import Protocol

    fields = set(Protocol.__dataclass_fields__)
    return Protocol(**{k: v for k, v in protocol.items() if k in fields}).describe()


def evaluate(
    *,
    space: str = "nb201",
    proxies: Sequence[str],
    dataset: str = "cifar10",
    sample: int | None = None,
    seed: int = 0,
    sample_seed: int | None = None,
    subset: str = "all",
    archs: Sequence[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    store: ResultStore | str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    proxy_settings: Mapping[str, Mapping[str, Any]] | None = None,
    n_boot: int = 1000,
    ndcg_k: int = 1000,
    progress: bool = True,
) -> EvaluationResult:
    """Score architectures with proxies through the durable store and correlate with ground truth.

    Parameters
    ----------
    space : {"nb201"}
    proxies : sequence of str
        Proxy names (:func:`available_proxies`).
    dataset : {"cifar10", "cifar100", "ImageNet16-120"}
        Ground truth: NATS seed-mean 200-epoch test accuracy (CIFAR-10 ori-test; x-test otherwise); also
        sets the classes and resolution of the scored networks.
    sample : int, optional
        Score a seeded uniform sample of the subset instead of all of it.
    seed : int, default 0
        Proxy seed (network initialisation and synthetic inputs).
    sample_seed : int, optional
        Seed of the sample (default ``seed``).
    subset : {"all", "fully-effective", "dedup"}
    archs : sequence of str, optional
        Explicit architectures (overrides ``subset``/``sample``).
    data_dir : path, optional
        Benchmark data folder (default ``$CANOPY_DATA_DIR``).
    store : ResultStore or path, optional
        Default :func:`default_store_path`.
    workers, scheduler, progress
        See :func:`run_items`.
    proxy_settings : mapping, optional
        proxy -> settings overriding the defaults (all part of the stored key).
    n_boot : int, default 1000
        Bootstrap resamples for the confidence intervals (0: none).
    ndcg_k : int, default 1000

    Returns
    -------
    EvaluationResult

    Raises
    ------
    CanopyError
        Unknown space, dataset, subset or proxy; malformed architectures; missing or corrupt data files;
        an incompatible store. Raised before anything is computed.
    """
    from canopy.benchmarks import NB201Table, resolve_data_dir

    if space != "nb201":
        raise CanopyError(f"unsupported search space {space!r} (supported: nb201)")
    if dataset not in DATASETS:
        raise CanopyError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    proxies = list(dict.fromkeys(p.strip() for p in proxies if p.strip()))
    if not proxies:
        raise UnknownProxyError("no proxy given")
    adapters = [resolve_proxy(p) for p in proxies]  # unknown names fail here, before any work
    unknown_settings = set(proxy_settings or {}) - set(proxies)
    if unknown_settings:
        raise UnknownProxyError(f"settings given for proxies not evaluated: {', '.join(sorted(unknown_settings))}")
    table = NB201Table.load(resolve_data_dir(data_dir))
    if archs is not None:
        arch_list = list(dict.fromkeys(canonical_archs(archs)))
        subset_name = "explicit"
    else:
        arch_list = select_architectures(
            table, subset=subset, sample=sample, seed=seed if sample_seed is None else sample_seed
        )
        subset_name = subset
    from canopy.spaces.nb201 import NB201Cell

    accuracies = [float(table.accuracy(NB201Cell.from_string(a), dataset=dataset, metric="test", epochs=200))
                  for a in arch_list]
    own_store = not isinstance(store, ResultStore)
    st = store if isinstance(store, ResultStore) else ResultStore(store or default_store_path())
    try:
        items = make_items(space, arch_list, proxies, dataset=dataset, seed=seed, proxy_settings=proxy_settings)
        stats = run_items(items, st, workers=workers, scheduler=scheduler, progress=progress)
        scores: dict[str, list[float]] = {}
        settings: dict[str, dict[str, Any]] = {}
        n = len(arch_list)
        for adapter, start in zip(adapters, range(0, len(items), n)):
            chunk = items[start : start + n]
            # the protocol shows every setting in force: registry defaults under the stored (keyed) settings
            settings[adapter.name] = {**_jsonable(adapter.registry_defaults), **json.loads(chunk[0].settings)}
            results = [st.get(item.key) for item in chunk]
            scores[adapter.name] = [_as_float(r) for r in results]
            single = _population_single(adapter.name, results)
            if single is not None:
                scores[f"{adapter.name}_single"] = single
                settings[f"{adapter.name}_single"] = {**settings[adapter.name], "population": "dense rank of (aleph, "
                                                      f"{adapter.name}) over the evaluated set"}
    finally:
        if own_store:
            st.close()
    correlations = {
        name: correlate_scores(
            accuracies, values, proxy=name, dataset=dataset, subset=subset_name, settings=settings[name],
            seed=seed, n_boot=n_boot, ndcg_k=ndcg_k,
        )
        for name, values in scores.items()
    }
    return EvaluationResult(
        space=space, dataset=dataset, subset=subset_name, archs=arch_list, accuracies=accuracies,
        scores=scores, correlations=correlations, stats=stats, settings=settings, seed=seed,
        store_path=str(st.path),
    )


def _jsonable(settings: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(canonical_json(dict(settings)))


def _population_single(name: str, results: Sequence[Any]) -> list[float] | None:
    """VKDNW_single (dense rank of (ℵ, score), log) when every payload carries ``aleph`` and ``score``."""
    if not results or not all(r is not None and isinstance(r.value, Mapping) and "aleph" in r.value
                              and "score" in r.value for r in results):
        return None
    from canopy.proxies.vkdnw import vkdnw_single

    pairs = [(float(r.value["aleph"]), _as_float(r)) for r in results]
    return [float(v) for v in vkdnw_single(pairs, log=True)]


def _as_float(result: Any) -> float:
    if result is None:
        return math.nan
    value = result.value
    if isinstance(value, Mapping):
        value = value.get("score", math.nan)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def correlate_scores(
    accuracies: Sequence[float],
    scores: Sequence[float],
    *,
    proxy: str,
    dataset: str,
    subset: str,
    settings: Mapping[str, Any] | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    ndcg_k: int = 1000,
) -> dict[str, Any]:
    """τ, ρ and nDCG@k with bootstrap CIs and the :class:`canopy.metrics.Protocol`, as a plain dict.

    Computed by :func:`canopy.metrics.correlate`. Non-finite scores rank last (they are replaced by a value
    below every finite score, the ``rank_last`` policy of :mod:`canopy.proxies`); the protocol's notes say how
    many there were.

    Returns
    -------
    dict
        ``{"n", "tau", "rho", "ndcg", "protocol"}``; each metric is ``{"value", "ci_low", "ci_high"}``
        (CIs None when ``n_boot`` is 0); ``protocol`` is :meth:`canopy.metrics.Protocol.to_dict`.

    Examples
    --------
    >>> out = correlate_scores([90.0, 91.0, 93.0, 92.0], [1.0, 2.0, 4.0, float("nan")], proxy="toy",
    ...                        dataset="cifar10", subset="toy", n_boot=0)
    >>> out["n"], round(out["tau"]["value"], 3), out["protocol"]["notes"]
    (4, 0.333, '1 non-finite score(s) ranked last')
    """
    import numpy as np

    from canopy import metrics

    settings = dict(settings or {})
    sc = np.asarray(scores, dtype=float)
    acc = np.asarray(accuracies, dtype=float)
    bad = ~np.isfinite(sc)
    k = max(1, min(int(ndcg_k), len(sc)))
    try:
        from canopy.benchmarks.nb201_table import NB201Table

        ground_truth = NB201Table.describe(dataset, "test", 200)
    except CanopyError:  # pragma: no cover - dataset validated by the caller
        ground_truth = f"{dataset} test accuracy, 200 epochs"
    protocol = metrics.Protocol(
        ground_truth=ground_truth,
        architecture_set=f"NAS-Bench-201 {subset} ({len(sc)} architectures)",
        proxy=proxy,
        counting=settings.get("counting"),
        proxy_settings=settings,
        seed=seed,
        ndcg_k=k,
        notes=f"{int(bad.sum())} non-finite score(s) ranked last" if bad.any() else "",
    )
    if bad.all() or len(sc) < 2:
        nan = {"value": math.nan, "ci_low": None, "ci_high": None}
        return {"n": len(sc), "tau": nan, "rho": dict(nan), "ndcg": dict(nan), "protocol": protocol.to_dict()}
    if bad.any():
        finite = sc[~bad]
        sc = np.where(bad, finite.min() - 1.0 - abs(finite.min()), sc)
    res = metrics.correlate(sc, acc, protocol, n_boot=n_boot if len(sc) > 2 else 0, seed=seed)
    out: dict[str, Any] = {"n": res.n}
    for short, name, value in (("tau", "kendall_tau", res.kendall_tau), ("rho", "spearman_rho", res.spearman_rho),
                               ("ndcg", "ndcg", res.ndcg)):
        ci = res.ci.get(name)
        out[short] = {"value": float(value), "ci_low": None if ci is None else float(ci.low),
                      "ci_high": None if ci is None else float(ci.high)}
    out["protocol"] = protocol.to_dict()
    return out
