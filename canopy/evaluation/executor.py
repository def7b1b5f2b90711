"""Run work items durably: in this process, in a process pool, or on a Dask cluster.

:func:`run_items` computes the items that the :class:`~canopy.store.ResultStore` does not hold yet (each by
:func:`canopy.scoring.compute_item`) and writes each result in its own transaction as soon as it arrives, so a
run killed at any point (SIGKILL included) and restarted with the same arguments loses at most the items that
were being computed and recomputes nothing that was stored (unless its proxy's implementation version changed:
then it is stale and recomputed). Items are claimed in the store before they are computed, so two runs on one
store share the work instead of repeating it. Items run

* in this process (``workers=0``);
* in ``workers`` worker processes of a :class:`loky.ProcessPoolExecutor` (fresh interpreters; one BLAS/OpenMP
  thread each; SIGINT ignored, so Ctrl-C stops the parent, which kills the workers through loky's public
  ``shutdown(kill_workers=True)`` and keeps what was stored; a worker whose parent dies -- its parent pid
  changes -- exits instead of computing results nobody stores); or
* on a Dask distributed cluster (``scheduler="tcp://host:port"``).

Each item travels with its resolved :class:`~canopy.proxies.registry.ProxySpec` (pickled by value where it
has to be), so a proxy registered at run time in the parent is computed in workers too. Results are always
written by the calling process: one writer per run (and several runs may write one store at once).

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

import contextlib
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
from canopy.store import PROXY_VERSION_FIELD, ClaimOwner, ResultKey, ResultStore, package_versions
from canopy.store.sqlite import renew_claims_at

__all__ = ["RunStats", "run_items", "is_cheap"]


@dataclass
class RunStats:
    """What :func:`run_items` did: items requested, already stored, computed, failed, and seconds.

    ``cached`` counts items stored before this run or by another worker while it ran (``by_others`` of them);
    ``stale`` counts computed items whose stored result came from another proxy version (recomputed).
    """

    requested: int = 0
    cached: int = 0
    computed: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    stale: int = 0
    by_others: int = 0

    def to_dict(self) -> dict[str, Any]:
        """As a plain dict (errors truncated to the first 10).

        Examples
        --------
        >>> RunStats(requested=2, computed=2).to_dict()["computed"]
        2
        """
        return {
            "requested": self.requested, "cached": self.cached, "computed": self.computed,
            "failed": self.failed, "stale": self.stale, "by_others": self.by_others,
            "seconds": round(self.seconds, 3), "errors": self.errors[:10],
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


#: seconds a claim lasts without renewal; the heartbeat renews every third of it
CLAIM_LEASE = 60.0


def run_items(
    items: Iterable[WorkItem],
    store: ResultStore,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    max_in_flight: int | None = None,
    lease: float = CLAIM_LEASE,
    poll: float = 0.25,
) -> RunStats:
    """Compute the items missing from ``store`` and store each result as it arrives.

    Items are claimed in the store before they are computed (:meth:`ResultStore.claim`), so several runs on
    one store -- processes on this machine or others sharing the file -- split the work: each computes what no
    live worker holds and waits for the rest. A claim is renewed by a heartbeat thread every ``lease / 3``
    seconds; the claim of a killed run is taken over at once on the same host (its pid is gone) and after
    ``lease`` seconds elsewhere. A stored result written by another implementation version of its proxy
    (:attr:`ProxySpec.version`) is stale: recomputed, overwritten, and counted in ``RunStats.stale``.

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
    lease : float, default :data:`CLAIM_LEASE`
        Seconds a claim lasts without renewal.
    poll : float, default 0.25
        Seconds between looks at the store while every missing item is held by another live worker.

    Returns
    -------
    RunStats

    Raises
    ------
    CanopyError
        Every attempted item failed (the message gives the first error).
    KeyboardInterrupt
        After cancelling pending work; everything finished before is stored (and this run's claims dropped).
    """
    items = list(dict.fromkeys(items))
    stats = RunStats(requested=len(items))
    by_key = {item.key: item for item in items}
    all_specs = {name: get_proxy(name) for name in {item.proxy for item in items}}
    versions = {name: spec.version for name, spec in all_specs.items()}
    todo_keys = store.missing(by_key, proxy_versions=versions)
    todo = [by_key[k] for k in todo_keys]
    stale = set(store.stale(todo_keys, versions))
    stats.cached = len(items) - len(todo)
    specs = {name: all_specs[name] for name in {item.proxy for item in todo}}
    start = time.perf_counter()
    if todo:
        bar = _progress(len(todo), progress, "evaluate")
        cheap = all(is_cheap(i, specs[i.proxy]) for i in todo)
        in_process = workers == 0 or (workers is None and cheap and not scheduler)
        n = max(1, workers if workers is not None else min(4, os.cpu_count() or 1))
        in_flight = max_in_flight or (64 if scheduler else 2 * n)
        source = _ClaimedItems(store, todo, todo_keys, versions, stats, bar, lease=lease, poll=poll,
                               chunk=0 if in_process else in_flight)
        record = _Recorder(store, stats, bar, versions, stale, source)
        try:
            with source:
                if scheduler:
                    _run_dask(source, specs, record, scheduler, in_flight)
                elif in_process:
                    while (item := source.next(block=True)) is not None:
                        record(*compute_item(item, specs[item.proxy]))
                else:
                    _run_pool(source, specs, record, n, in_flight)
        finally:
            bar.close()
    stats.seconds = time.perf_counter() - start
    if stats.failed and not stats.computed:
        raise CanopyError(f"all {stats.failed} computed items failed; first error: {stats.errors[0]}")
    return stats


#: seconds of work an adaptive claim asks for (see :class:`_ClaimedItems`)
_CHUNK_SECONDS = 0.25


class _ClaimedItems:
    """The items this run may compute now: claimed from the store in chunks, renewed by a heartbeat thread.

    :meth:`next` returns a claimed item, or None. With ``block`` it waits (polling) while every remaining item
    is held by another live worker, and returns None only when nothing is left to do; without it, None also
    means "nothing claimable right now". ``chunk=0`` claims adaptively: about :data:`_CHUNK_SECONDS` of work
    per claim (from the mean seconds per item so far; one item at first, at most 256), so cheap items do not
    pay a transaction each and slow ones are not hoarded away from another worker.
    """

    def __init__(self, store: ResultStore, todo: list[WorkItem], todo_keys: list[ResultKey],
                 versions: Mapping[str, int], stats: RunStats, bar: Any, *, lease: float, poll: float,
                 chunk: int) -> None:
        self.store, self.versions, self.stats, self.bar = store, versions, stats, bar
        self.lease, self.poll, self.chunk = float(lease), float(poll), int(chunk)
        self._seconds, self._n = 0.0, 0
        self._outstanding = 0  # claimed by this run, not yet finished
        self.remaining: dict[ResultKey, WorkItem] = dict(zip(todo_keys, todo))  # not yet claimed nor settled
        self.ready: list[WorkItem] = []
        self.finished: list[ResultKey] = []  # computed or failed by us: claims to drop at the next claim
        self.owner = ClaimOwner.new()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> _ClaimedItems:
        self._beat = threading.Thread(target=self._heartbeat, name="canopy-claims", daemon=True)
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        with contextlib.suppress(CanopyError):
            self.store.release_claims(self.owner)

    def _heartbeat(self) -> None:
        # its own short-lived SQLite connection per beat, never a second ResultStore: that would read the
        # file's header through a plain open()/close(), which drops this process's POSIX locks on the file
        while not self._stop.wait(self.lease / 3):
            with contextlib.suppress(CanopyError):
                renew_claims_at(self.store.path, self.owner, self.lease, timeout=self.store.timeout)

    def done(self, key: ResultKey, seconds: float) -> None:
        """The item of ``key`` was computed (and stored) or failed in ``seconds``: its claim can go."""
        self.finished.append(key)
        self._seconds += max(0.0, seconds)
        self._n += 1

    def _limit(self) -> int:
        if self.chunk > 0:
            return self.chunk
        if not self._n:
            return 1
        per_item = self._seconds / self._n
        return max(1, min(256, int(_CHUNK_SECONDS / per_item) if per_item > 0 else 256))

    def next(self, *, block: bool) -> WorkItem | None:
        while not self.ready:
            if not self.remaining:
                return None
            if self.finished:
                # nothing of ours in flight: drop our claims in one statement, else only the finished ones
                done = None if self._outstanding == len(self.finished) else self.finished
                self.store.release_claims(self.owner, done)
                self._outstanding -= len(self.finished)
                self.finished = []
            claimed, stored = self.store.claim(self.remaining, self.owner, limit=self._limit(), lease=self.lease,
                                               proxy_versions=self.versions)
            for key in stored:  # computed by another worker meanwhile
                del self.remaining[key]
                self.stats.cached += 1
                self.stats.by_others += 1
                self.bar.update(1)
            self.ready.extend(self.remaining.pop(key) for key in claimed)
            self._outstanding += len(claimed)
            if not self.ready:
                if not block or not self.remaining:
                    return None
                time.sleep(self.poll)  # the rest is held by live workers: wait for their results or leases
        return self.ready.pop(0)


class _Recorder:
    """Writes one finished item to the store (the single writer of this run) and counts it."""

    def __init__(self, store: ResultStore, stats: RunStats, bar: Any, versions: Mapping[str, int],
                 stale: set[ResultKey], source: _ClaimedItems) -> None:
        self.store, self.stats, self.bar, self.stale, self.source = store, stats, bar, stale, source
        base = package_versions()
        self.versions = {name: {**base, PROXY_VERSION_FIELD: str(v)} for name, v in versions.items()}

    def __call__(self, item: WorkItem, value: Any, seconds: float, error: str | None) -> None:
        key = item.key
        if error is None:
            self.store.put(key, value, settings=json.loads(item.settings), seconds=seconds,
                           versions=self.versions[item.proxy], overwrite=key in self.stale)
            self.stats.computed += 1
            self.stats.stale += key in self.stale
        else:
            self.stats.failed += 1
            self.stats.errors.append(f"{item.proxy} on {item.arch}: {error}")
        self.source.done(key, seconds)
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


def _run_pool(source: _ClaimedItems, specs: Mapping[str, ProxySpec], record: _Recorder, workers: int,
              in_flight: int) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    from loky import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, env=_worker_env())
    pending: set[Any] = set()

    def fill() -> None:
        while len(pending) < in_flight:
            item = source.next(block=not pending)
            if item is None:
                return
            pending.add(executor.submit(compute_item, item, specs[item.proxy]))

    try:
        fill()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                record(*fut.result())
            fill()
    except BaseException:
        for fut in pending:
            fut.cancel()
        executor.shutdown(wait=True, kill_workers=True)  # stops running tasks too
        raise
    executor.shutdown(wait=True)


def _run_dask(source: _ClaimedItems, specs: Mapping[str, ProxySpec], record: _Recorder, address: str,
              in_flight: int) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise CanopyError("--scheduler needs dask distributed: pip install 'canopy-nas[dist]'") from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CanopyError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    try:
        completed = as_completed([], loop=client.loop)
        running = 0

        def fill() -> None:
            nonlocal running
            while running < in_flight:
                item = source.next(block=running == 0)
                if item is None:
                    return
                completed.add(client.submit(compute_item, item, specs[item.proxy], pure=False))
                running += 1

        fill()
        while running:
            fut = next(completed)
            running -= 1
            record(*fut.result())
            fut.release()
            fill()
    finally:
        client.close()
