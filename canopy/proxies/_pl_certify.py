"""Exact certification of the float64 slice tracers (:mod:`._pl_trace` segments, :mod:`._pl_plane` planes).

The float tracer proposes the pieces of a slice (intervals of a segment, convex polygons of a plane). Each claim
is then checked in rational arithmetic on the model's exact graph (:func:`canopy.nas.lower.export_graph`: every
float64 number exact, batch norm folded in float64):

1. an exact interior point of each proposed piece (the midpoint of an interval, the vertex average of a
   polygon) gets its activation pattern and the exact inequalities of its region on the slice
   (:meth:`tropical.graph.GraphNetwork.slice_regions`). The region's closure is an exact interval or an exact
   convex polygon: the unit interval or square cut by those inequalities;
2. the certificate holds when the patterns are pairwise distinct, no exact region is degenerate, and the
   lengths (areas) of the exact regions add up to exactly 1.

Why that suffices: regions of distinct patterns have disjoint interiors, so exact regions that fill the measure
of the slice cover all of it. Every pattern met on a set of positive measure is then among them, once each (a
region is convex). The count is then the number of activation regions met by the slice, certified, whatever the
float64 errors of the tracer were. When a check fails (an interior point on a breakpoint, a repeated pattern, a
gap) the slice is reported as not certified; nothing is guessed.

Examples
--------
>>> import torch
>>> from canopy.nas.lower import export_graph
>>> from canopy.proxies._pl_plane import trace_planes
>>> _ = torch.manual_seed(0)
>>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
...                           torch.nn.Flatten(), torch.nn.Linear(2, 1)).double()
>>> a, b, c = torch.randn(3, 1, 1, 3, 3, dtype=torch.float64)
>>> tr = trace_planes(net, a, b, c)
>>> certify_planes(export_graph(net, (1, 1, 3, 3)), a, b, c, tr).tolist()
[True]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import torch

__all__ = ["certify_segments", "certify_planes"]

Ineq = tuple[Fraction, ...]


def _exact(v: torch.Tensor) -> list[Fraction]:
    """The exact values of a float tensor, flattened (every float64 is a dyadic rational)."""
    return [Fraction(x) for x in v.detach().to(torch.float64).reshape(-1).tolist()]


def _fills(regions: list[Any], measure: Any) -> bool:
    """The certificate: the pieces' exact regions (``slice_regions`` output) have pairwise distinct patterns,
    each a positive ``measure`` (length or area of the closure within the unit slice), adding up to exactly 1."""
    seen: set[tuple[int, ...]] = set()
    total = Fraction(0)
    for got in regions:
        if got is None or got[0] in seen:
            return False
        seen.add(got[0])
        m = measure(got[1])
        if not m > 0:
            return False
        total += m
    return total == 1


def _length(ineqs: list[Ineq]) -> Fraction:
    """Length of ``[0, 1]`` cut by ``c0 + c1 u >= 0`` for every ``(c0, c1)`` (0 when empty)."""
    lo, hi = Fraction(0), Fraction(1)
    for c0, c1 in ineqs:
        if c1 > 0:
            lo = max(lo, -c0 / c1)
        elif c1 < 0:
            hi = min(hi, -c0 / c1)
    return max(hi - lo, Fraction(0))


def certify_segments(graph: Any, starts: torch.Tensor, ends: torch.Tensor, trace: Any) -> np.ndarray:
    """Per segment, whether the pieces of ``trace`` (:class:`~canopy.proxies._pl_trace.SegmentTrace`) are certified.

    Parameters
    ----------
    graph : tropical.graph.GraphNetwork
        The exact model (:func:`canopy.nas.lower.export_graph`).
    starts, ends : torch.Tensor
        ``(k, *input_shape)``, as given to :func:`~canopy.proxies._pl_trace.trace_segments`.
    trace : SegmentTrace

    Returns
    -------
    numpy.ndarray of bool, shape (k,)
    """
    out = np.zeros(int(starts.shape[0]), dtype=bool)
    for i in range(out.size):
        a, b = _exact(starts[i]), _exact(ends[i])
        d = [y - x for x, y in zip(a, b)]
        ts = [Fraction(0), *(Fraction(x) for x in np.asarray(trace.breakpoints[i]).tolist()), Fraction(1)]
        out[i] = _fills(graph.slice_regions(a, [d], [[(t0 + t1) / 2] for t0, t1 in zip(ts[:-1], ts[1:])]), _length)
    return out


def _clip(poly: list[tuple[Fraction, Fraction]], f: Ineq, approx: list[tuple[float, float]]
          ) -> list[tuple[Fraction, Fraction]]:
    """``poly`` (convex, counter-clockwise) cut to ``f0 + f1 s + f2 t >= 0``, exactly.

    ``approx`` are the vertices in float64: where ``f`` is positive at every one of them by far more than the
    rounding of its float evaluation (three products and two sums: a few units in the last place of the
    magnitudes), the exact evaluation is skipped (nothing is cut).
    """
    g = (float(f[0]), float(f[1]), float(f[2]))
    if all(g[0] + g[1] * s + g[2] * t > 1e-12 * (abs(g[0]) + abs(g[1] * s) + abs(g[2] * t)) for s, t in approx):
        return poly
    h = [f[0] + f[1] * s + f[2] * t for s, t in poly]
    if all(x >= 0 for x in h):
        return poly
    out: list[tuple[Fraction, Fraction]] = []
    n = len(poly)
    for q in range(n):
        hq, hr = h[q], h[(q + 1) % n]
        if hq >= 0:
            out.append(poly[q])
        if (hq > 0 > hr) or (hq < 0 < hr):
            lam = hq / (hq - hr)
            (s0, t0), (s1, t1) = poly[q], poly[(q + 1) % n]
            out.append((s0 + lam * (s1 - s0), t0 + lam * (t1 - t0)))
    return out


def _square_area(ineqs: list[Ineq]) -> Fraction:
    """Area of the unit square cut by ``f0 + f1 s + f2 t >= 0`` for every ``f`` (0 when degenerate)."""
    poly = [(Fraction(0), Fraction(0)), (Fraction(1), Fraction(0)), (Fraction(1), Fraction(1)),
            (Fraction(0), Fraction(1))]
    approx = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    for f in ineqs:
        cut = _clip(poly, f, approx)
        if cut is not poly:
            poly, approx = cut, [(float(s), float(t)) for s, t in cut]
        if len(poly) < 3:
            return Fraction(0)
    return _area(poly)


def _area(poly: list[tuple[Fraction, Fraction]]) -> Fraction:
    n = len(poly)
    return sum((poly[q][0] * poly[(q + 1) % n][1] - poly[(q + 1) % n][0] * poly[q][1] for q in range(n)),
               Fraction(0)) / 2


def certify_planes(graph: Any, origins: torch.Tensor, s_ends: torch.Tensor, t_ends: torch.Tensor, trace: Any
                   ) -> np.ndarray:
    """Per plane, whether the polygons of ``trace`` (:class:`~canopy.proxies._pl_plane.PlaneTrace`) are certified.

    Parameters
    ----------
    graph : tropical.graph.GraphNetwork
        The exact model (:func:`canopy.nas.lower.export_graph`).
    origins, s_ends, t_ends : torch.Tensor
        ``(k, *input_shape)``, as given to :func:`~canopy.proxies._pl_plane.trace_planes`.
    trace : PlaneTrace

    Returns
    -------
    numpy.ndarray of bool, shape (k,)
    """
    out = np.zeros(int(origins.shape[0]), dtype=bool)
    for i in range(out.size):
        a, b, c = _exact(origins[i]), _exact(s_ends[i]), _exact(t_ends[i])
        dirs = [[y - x for x, y in zip(a, b)], [y - x for x, y in zip(a, c)]]
        centres = []
        for verts in trace.polygons[i]:
            pts = [(Fraction(s), Fraction(t)) for s, t in np.asarray(verts).tolist()]
            centres.append([sum((p[k] for p in pts), Fraction(0)) / len(pts) for k in (0, 1)])
        out[i] = _fills(graph.slice_regions(a, dirs, centres), _square_area)
    return out
