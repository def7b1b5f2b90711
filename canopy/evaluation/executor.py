"""Run work items durably: in this process, in a process pool, or on a Dask cluster.

:func:`run_items` computes the items that the :class:`~canopy.store.ResultStore` does not hold yet (each by
:func:`canopy.scoring.compute_item`) and writes each result in its own transaction as soon as it arrives, so a
run killed at any point (SIGKILL included) and restarted with the same arguments loses at most the items that
were being computed and recomputes nothing that was stored. Items run

* in this process (``workers=0``);
* in ``workers`` worker processes of a :class:`loky.ProcessPoolExecutor` (fresh interpreters; one BLAS/OpenMP
  thread each; SIGINT ignored, so Ctrl-C stops the parent, which kills the workers through loky's public
  ``shutdown(kill_workers=True)`` and keeps what was stored; a worker whose parent dies -- its parent pid
  changes -- exits instead of computing results nobody stores); or
* on a Dask distributed cluster (``scheduler="tcp://host:port"``).

Each item travels with its resolved :class:`~canopy.proxies.registry.ProxySpec` (pickled by value where it
has to be), so a proxy registered at run time in the parent is computed in workers too. Results are always
written by the calling process: one writer per run.

Examples
--------
>>> import tempfile, os
>>> from canopy.proxies.registry import register_proxy
>>> from canopy.scoring import make_items
>>> from canopy.store import ResultStore
>>> _ = register_proxy("demo_one", lambda cell: 1.0, kind="cell", replace=True)
>>> items = make_items("nb201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"], ["demo_one"])
>>> with tempfile.TemporaryDirectory() as d, ResultStore(os.path.join(d, "s.sqlite")) as st:
...     run_items(items, st, workers=0, progress=False).computed
1
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from canopy.errors import CanopyError
from canopy.proxies.registry import ProxySpec, get_proxy
from canopy.scoring import WorkItem, compute_item
from canopy.store import ResultStore, package_versions

__all__ = ["RunStats", "run_items", "is_cheap"]


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
        """As a plain dict (errors truncated to the first 10).

        Examples
        --------
        >>> RunStats(requested=2, computed=2).to_dict()["computed"]
        2
        """
        return {
            "requested": self.requested, "cached": self.cached, "computed": self.computed,
            "failed": self.failed, "seconds": round(self.seconds, 3), "errors": self.errors[:10],
        }


def is_cheap(item: WorkItem, spec: ProxySpec | None = None) -> bool:
    """Closed-form items (cell proxies, NB201 closed forms): cheaper to compute here than to ship to a worker.

    Examples
    --------
    >>> from canopy.scoring import make_items
    >>> [is_cheap(i) for i in make_items("nb201", ["a"], ["params", "synflow"])]
    [True, False]
    """
    try:
        spec = spec or get_proxy(item.proxy)
    except CanopyError:
        return False
    return spec.kind == "cell" or spec.cell_form_for(json.loads(item.settings)) is not None


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
        process when every item is closed-form (cell proxies, NB201 params/FLOPs/ℵ/tropical). Ignored with
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
    specs = {name: get_proxy(name) for name in {item.proxy for item in todo}}
    start = time.perf_counter()
    if todo:
        bar = _progress(len(todo), progress, "evaluate")
        record = _Recorder(store, stats, bar)
        try:
            if scheduler:
                _run_dask(todo, specs, record, scheduler, max_in_flight or 64)
            elif workers == 0 or (workers is None and all(is_cheap(i, specs[i.proxy]) for i in todo)):
                for item in todo:
                    record(*compute_item(item, specs[item.proxy]))
            else:
                n = max(1, workers if workers is not None else min(4, os.cpu_count() or 1))
                _run_pool(todo, specs, record, n, max_in_flight or 2 * n)
        finally:
            bar.close()
    stats.seconds = time.perf_counter() - start
    if stats.failed and not stats.computed:
        raise CanopyError(f"all {stats.failed} computed items failed; first error: {stats.errors[0]}")
    return stats


class _Recorder:
    """Writes one finished item to the store (the single writer) and counts it."""

    def __init__(self, store: ResultStore, stats: RunStats, bar: Any) -> None:
        self.store, self.stats, self.bar = store, stats, bar
        self.versions = package_versions()

    def __call__(self, item: WorkItem, value: Any, seconds: float, error: str | None) -> None:
        if error is None:
            self.store.put(item.key, value, settings=json.loads(item.settings), seconds=seconds,
                           versions=self.versions)
            self.stats.computed += 1
        else:
            self.stats.failed += 1
            self.stats.errors.append(f"{item.proxy} on {item.arch}: {error}")
        self.bar.update(1)


# ---------------------------------------------------------------------------------------------- process pool
def _watch_parent(ppid: int) -> None:  # pragma: no cover - runs in worker processes
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:  # the parent died (SIGKILL included): this worker was re-parented
            os._exit(0)


def _worker_init() -> None:  # pragma: no cover - runs in worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()


def _worker_env() -> dict[str, str]:
    """One math-library thread per worker, unless the user chose otherwise."""
    return {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k not in os.environ}


def _run_pool(todo: list[WorkItem], specs: Mapping[str, ProxySpec], record: _Recorder, workers: int,
              in_flight: int) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    from loky import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, env=_worker_env())
    pending: set[Any] = set()
    queue = iter(todo)
    try:
        for item in queue:
            pending.add(executor.submit(compute_item, item, specs[item.proxy]))
            if len(pending) >= in_flight:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                record(*fut.result())
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(executor.submit(compute_item, nxt, specs[nxt.proxy]))
    except BaseException:
        for fut in pending:
            fut.cancel()
        executor.shutdown(wait=True, kill_workers=True)  # stops running tasks too
        raise
    executor.shutdown(wait=True)


def _run_dask(todo: list[WorkItem], specs: Mapping[str, ProxySpec], record: _Recorder, address: str,
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
        first = [client.submit(compute_item, item, specs[item.proxy], pure=False)
                 for item, _ in zip(queue, range(in_flight))]
        completed = as_completed(first, loop=client.loop)
        for fut in completed:
            record(*fut.result())
            fut.release()
            nxt = next(queue, None)
            if nxt is not None:
                completed.add(client.submit(compute_item, nxt, specs[nxt.proxy], pure=False))
    finally:
        client.close()
