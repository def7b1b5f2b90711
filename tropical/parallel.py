"""Exact region counts on several processes: the domain is cut into pieces by first-layer hyperplanes.

Every activation region lies on one side of every first-layer neuron's hyperplane, so the cells of the
arrangement of a few first-layer hyperplanes (the *pieces*) partition the activation regions: each piece is
enumerated on its own process by the serial enumerator of :mod:`tropical.regions` with the piece as its
domain, and the activation counts add up exactly. Linear regions are facet-connected classes of regions with
equal affine maps; inside a piece the serial merger finds them, and across pieces two regions can only be
connected through a *partition hyperplane*. Each piece therefore reports, for every region with a facet on a
partition hyperplane, that facet's side, the region's exact affine-map key, its facets, and its class in the
piece; the parent joins two such regions on opposite sides of one hyperplane with equal maps when their
facets share an ``(n-1)``-dimensional piece, decided by the same exact double-description clip the serial
merger uses (:func:`tropical.polyhedron.facets_overlap`). Nothing is approximate: the three counts equal the
serial ones (tested on random and degenerate networks and domains).

The result does not depend on the number of processes or on the order in which pieces finish.

Examples
--------
>>> from tropical.network import ReLUNetwork
>>> from tropical.regions import count_regions
>>> net = ReLUNetwork.random(2, [5, 5], seed=0, distribution="integer", scale=3)
>>> par = count_regions_parallel(net, workers=2)
>>> ser = count_regions(net)
>>> (par.activation_regions, par.linear_regions, par.distinct_affine_maps) == (
...     ser.activation_regions, ser.linear_regions, ser.distinct_affine_maps)
True
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from typing import Any

from tropical.backend import (
    compiled,
    compiled_module,
    get_backend,
    guided,
    set_backend,
    set_compiled,
    set_guided,
)
from tropical.errors import BudgetExceededError, InvalidArgumentError
from tropical.polyhedron import primitive

__all__ = ["count_regions_parallel", "partition_pieces"]

Vec = tuple[int, ...]


def _check_workers(workers: object) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(f"workers must be a positive int, got {workers!r}")
    return workers


def _hyperplane(w: Sequence[Fraction], b: Fraction) -> Vec:
    """The primitive integer homogenized row of ``w . x + b`` (``>= 0`` is the neuron's active side)."""
    den = lcm(*(x.denominator for x in w), b.denominator)
    return primitive([int(x * den) for x in w] + [int(b * den)])


def partition_pieces(net: Any, domain: Any = None, *, target: int = 8) -> tuple[list[Any], list[Vec]]:
    """Cut the domain by the first few live first-layer hyperplanes into at least ``target`` pieces.

    Parameters
    ----------
    net : tropical.network.ReLUNetwork
    domain : None, Box or Polytope
    target : int
        The number of pieces wanted; hyperplanes are added (in neuron order) until the arrangement has at least
        this many full-dimensional cells in the domain, or every live first-layer neuron is used.

    Returns
    -------
    (pieces, hyperplanes)
        ``pieces``: :class:`~tropical.regions.Polytope` domains (exact, full-dimensional, disjoint interiors,
        covering the domain); ``hyperplanes``: the primitive homogenized rows ``(w, b)`` of the neurons used.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> pieces, planes = partition_pieces(net, target=4)
    >>> len(pieces), planes
    (4, [(1, 0, 0), (0, 1, 0)])
    """
    from tropical.network import ReLUNetwork
    from tropical.regions import Polytope, activation_regions

    if isinstance(target, bool) or not isinstance(target, int) or target < 1:
        raise InvalidArgumentError(f"target must be a positive int, got {target!r}")
    W, b = net.weights[0], net.biases[0]
    live = [k for k in range(len(W)) if any(W[k])]
    chosen: list[int] = []
    regions: list[Any] = []
    for k in live:
        chosen.append(k)
        sub = ReLUNetwork([[W[j] for j in chosen], [[0] * len(chosen)]], [[b[j] for j in chosen], [0]])
        regions = list(activation_regions(sub, domain, max_regions=None))
        if len(regions) >= target:
            break
    if not chosen:
        return [domain], []
    pieces = [Polytope([list(a) for a, _ in r.inequalities], [c for _, c in r.inequalities]) for r in regions]
    return pieces, [_hyperplane(W[k], b[k]) for k in chosen]


def _count_piece(task: tuple[Any, ...]) -> dict[str, Any]:
    """Enumerate one piece (runs in a worker process); see the module docstring for what it reports."""
    import signal

    net, piece, planes, max_regions, deadline, (backend, guided_on, compiled_on) = task
    # the budget is what is left of the call's wall-clock deadline when this piece starts
    budget = None if deadline is None else max(deadline - time.time(), 1e-3)
    set_backend(backend)
    set_guided(guided_on)
    set_compiled(compiled_on)
    # Ctrl-C interrupts the enumeration (which returns its partial counts); an idle worker ignores it
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _enumerate_piece(net, piece, planes, max_regions, budget)
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _enumerate_piece(net: Any, piece: Any, planes: list[Vec], max_regions: int | None,
                     budget: float | None) -> dict[str, Any]:
    from tropical.regions import _Enumerator, _key_bytes, _Merger

    sides: dict[Vec, tuple[Vec, int]] = {}
    for h in planes:
        sides.setdefault(h, (h, 1))
        sides.setdefault(tuple(-c for c in h), (h, -1))
    en = _Enumerator(net, piece, max_regions=max_regions, time_budget=budget, progress=False)
    kernel = compiled_module()
    if kernel is not None and en.widths:
        return _enumerate_piece_compiled(kernel, en, sides)
    merger = _Merger(en.n, keep_edges=False)
    np1 = en.n + 1
    touching: list[tuple[Any, ...]] = []
    stopped = None
    try:
        for raw in en.run():
            merger.release(en.closed)
            _pattern, gens, incs, lines, ineqs, labels, active, mapkey = raw
            key = _key_bytes(mapkey)
            i = merger.add(raw, key)
            on = []
            for bit, h in enumerate(ineqs):
                if active >> bit & 1 and labels[bit][0] == "domain" and h in sides:
                    fb = 1 << bit
                    on.append(sides[h] + ([g[:np1] for g, z in zip(gens, incs) if z & fb],))
            if on:
                every = [h for bit, h in enumerate(ineqs) if active >> bit & 1 and labels[bit][0] != "infinity"]
                touching.append((i, key, on, every, [x[:np1] for x in lines]))
    except KeyboardInterrupt:
        stopped = "interrupted"
    if en.partial:
        stopped = "time_budget"
    uf = merger.finish()
    return {
        "count": merger.count,
        "linear": merger.linear_regions,
        "maps": list(merger.mapids),
        "touching": [(uf.find(t[0]),) + t[1:] for t in touching],
        "stopped": stopped,
    }


def _enumerate_piece_compiled(kernel: Any, en: Any, sides: dict[Vec, tuple[Vec, int]]) -> dict[str, Any]:
    """:func:`_enumerate_piece` in the compiled kernel: the same report, the map keys in the kernel's own exact
    byte encoding (every piece of one call uses the same path, so keys compare across pieces)."""
    from tropical.regions import _STOPPED, _exact_adjacent_rows, _kernel_args

    ineqs = en.poly.ineqs
    touch = [i for i in range(1, len(ineqs)) if ineqs[i] in sides]
    act, lin, _dist, status, _splits, _fallbacks, reports, keys = kernel.count(
        *_kernel_args(en), _exact_adjacent_rows, touch)
    en.count = act
    if status == 3:
        en._check_cap()
    touching = [(root, key, [sides[ineqs[b]] + (tight,) for b, tight in on], every, lines)
                for root, key, on, every, lines in reports]
    return {"count": act, "linear": lin, "maps": keys, "touching": touching, "stopped": _STOPPED[status]}


def _shares_facet(n: int, plus: list[Vec], minus: list[Vec], h: Vec) -> bool:
    """Whether the closed regions ``plus`` (on ``h >= 0``) and ``minus`` share an ``(n-1)``-face in ``h = 0``."""
    from tropical.regions import _exact_adjacent_rows

    neg = tuple(-c for c in h)
    return _exact_adjacent_rows(n, plus, [f == h for f in plus], minus, [f == neg for f in minus])


def count_regions_parallel(net: Any, domain: Any = None, *, workers: int | None = None,
                           max_regions: int | None = 100_000, time_budget: float | None = None,
                           progress: bool = False, pieces_per_worker: int = 8) -> Any:
    """Exact region counts (:func:`tropical.regions.count_regions`) computed on several processes.

    Parameters
    ----------
    net, domain, max_regions, time_budget, progress
        As in :func:`~tropical.regions.count_regions`. ``max_regions`` caps the total; each piece stops at it
        too, so a refused run may have enumerated up to ``workers * max_regions`` regions first.
        ``time_budget`` is wall-clock seconds for the whole call.
    workers : int, optional
        Processes (default: ``os.cpu_count()``). ``1`` runs the serial enumerator in this process.
    pieces_per_worker : int
        The domain is cut into at least ``workers * pieces_per_worker`` pieces where the first layer allows
        (more pieces balance the load better; each costs a little set-up).

    Returns
    -------
    RegionCounts
        The same three counts as the serial enumerator, ``partial``/``stopped`` as there (``"interrupted"``
        after Ctrl-C: the pieces finished or interrupted so far are counted).

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> from tropical.regions import Box
    >>> net = ReLUNetwork.random(3, [6, 6], seed=1, distribution="integer", scale=3)
    >>> count_regions_parallel(net, Box(-2, 2), workers=2).activation_regions == count_regions_parallel(
    ...     net, Box(-2, 2), workers=1).activation_regions
    True
    """
    import concurrent.futures as cf
    import multiprocessing as mp
    import signal

    from tropical.regions import RegionCounts, _Enumerator, _facet_relation, count_regions

    workers = _check_workers(os.cpu_count() or 1 if workers is None else workers)
    if isinstance(pieces_per_worker, bool) or not isinstance(pieces_per_worker, int) or pieces_per_worker < 1:
        raise InvalidArgumentError(f"pieces_per_worker must be a positive int, got {pieces_per_worker!r}")
    # validates net, domain, max_regions and time_budget exactly as the serial path does
    probe = _Enumerator(net, domain, max_regions=max_regions, time_budget=time_budget, progress=False)
    if workers == 1 or len(net.widths) < 2:
        return count_regions(net, domain, max_regions=max_regions, time_budget=time_budget, progress=progress)
    start = time.perf_counter()
    pieces, planes = partition_pieces(net, domain, target=workers * pieces_per_worker)
    if len(pieces) < 2:
        return count_regions(net, domain, max_regions=max_regions, time_budget=time_budget, progress=progress)
    deadline = None if time_budget is None else time.time() + time_budget  # wall clock, shared by the processes
    n = probe.n
    results: list[dict[str, Any] | None] = [None] * len(pieces)
    stopped = None
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(pieces)), mp_context=ctx,
                                  initializer=_ignore_sigint)
    futures = {}
    settings = (get_backend(), guided(), compiled())  # the workers use this process's settings
    try:
        for idx, piece in enumerate(pieces):
            futures[pool.submit(_count_piece, (net, piece, planes, max_regions, deadline, settings))] = idx
        done_regions = 0
        for fut in cf.as_completed(futures):
            res = fut.result()
            results[futures[fut]] = res
            done_regions += res["count"]
            if max_regions is not None and done_regions > max_regions:
                raise BudgetExceededError(
                    f"more than max_regions={max_regions} activation regions (the closed-form bound for input "
                    f"{n}, widths {list(probe.widths)} is {probe.bound}); pass a larger max_regions (or "
                    "max_regions=None) to enumerate them all")
            if progress:
                done = sum(r is not None for r in results)
                print(f"regions: {done}/{len(pieces)} pieces, {done_regions} activation regions, "
                      f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    except KeyboardInterrupt:
        stopped = "interrupted"
        for fut in futures:
            fut.cancel()
        for proc in list(getattr(pool, "_processes", {}).values()):  # the busy workers return their partial counts
            try:
                os.kill(proc.pid, signal.SIGINT)
            except OSError:
                pass
        cf.wait(futures, timeout=10)
        for fut, idx in futures.items():
            if results[idx] is None and fut.done() and not fut.cancelled() and fut.exception() is None:
                results[idx] = fut.result()
    finally:
        pool.shutdown(wait=stopped is None, cancel_futures=True)
    got = [r for r in results if r is not None]
    if stopped is None:
        if any(r["stopped"] == "interrupted" for r in got):
            stopped = "interrupted"
        elif any(r["stopped"] for r in got) or len(got) < len(pieces):
            stopped = "time_budget"
    # join classes across the partition hyperplanes
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(a: tuple[int, int]) -> tuple[int, int]:
        root = a
        while parent.get(root, root) != root:
            root = parent[root]
        while a != root:
            parent[a], a = root, parent[a]
        return root

    groups: dict[tuple[Vec, bytes], tuple[list[Any], list[Any]]] = {}
    for pid, got_piece in enumerate(results):
        if got_piece is None:
            continue
        for root, key, on, facets, lines in got_piece["touching"]:
            for h, s, tight in on:
                groups.setdefault((h, key), ([], []))[0 if s > 0 else 1].append(((pid, root), facets, tight, lines))
    merges = 0
    joinable = [(hk, sides) for hk, sides in groups.items() if sides[0] and sides[1]]
    for (h, _key), (pl, mi) in sorted(joinable, key=lambda kv: kv[0]):
        for a, fa, _ta, _la in pl:
            for b, fb, tb, lb in mi:
                ra, rb = find(a), find(b)
                if ra == rb:
                    continue
                rel = _facet_relation([f for f in fa if f != h], tb, lb)
                if rel is None:
                    rel = _shares_facet(n, fa, fb, h)
                if not rel:
                    continue
                parent[max(ra, rb)] = min(ra, rb)
                merges += 1
    maps = set()
    for r in got:
        maps.update(r["maps"])
    return RegionCounts(
        activation_regions=sum(r["count"] for r in got),
        linear_regions=sum(r["linear"] for r in got) - merges,
        distinct_affine_maps=len(maps),
        partial=stopped is not None,
        upper_bound=probe.bound,
        seconds=time.perf_counter() - start,
        stopped=stopped,
    )
