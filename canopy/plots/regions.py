"""Pictures of regions: the exact linear regions of a 2-input ReLU network over a box; the activation regions of
any traced torch model on a plane through its inputs (:func:`plot_plane_regions`).

Each linear region (facet-connected activation regions with one exact affine map, see
:mod:`tropical.regions`) gets its own colour; the bent hyperplanes of each hidden layer are drawn in that
layer's colour, solid where they separate different affine pieces and dotted where both sides carry the same
map (so they were merged). matplotlib is imported inside the functions.

Examples
--------
>>> import os, tempfile
>>> from tropical.network import ReLUNetwork
>>> net = ReLUNetwork.random(2, [3, 3], seed=0)
>>> path = plot_regions(net, os.path.join(tempfile.mkdtemp(), "r.png"), box=(-2, 2))
>>> os.path.getsize(path) > 0
True
"""

from __future__ import annotations

import colorsys
import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["region_polygons", "draw_regions", "plot_regions", "plot_plane_regions"]

_LAYER_COLOURS = ["#1b1b1b", "#1f4e9c", "#b2182b", "#2d7d32", "#7b3294", "#e08214"]


def _as_fraction(v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    from tropical.convert import to_rational

    return to_rational(float(v), "limit_denominator", max_denominator=10**6)


def region_polygons(net: Any, box: tuple[Any, Any] = (-3, 3), *, max_regions: int | None = 100_000) -> dict[str, Any]:
    """Exact polygons of the activation regions of a 2-input network over ``[lo, hi]^2``.

    Returns
    -------
    dict
        ``polygons``: list of (vertex list in counter-clockwise order (floats), linear-region index);
        ``edges``: list of ``((x0, y0), (x1, y1), layer, merged)`` for the neuron boundaries;
        ``counts``: the :class:`tropical.regions.RegionCounts` over the box.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> data = region_polygons(net, (-1, 1))
    >>> len(data["polygons"]), len(data["edges"]), data["counts"].linear_regions
    (4, 4, 4)
    """
    from tropical.errors import DimensionMismatchError
    from tropical.polyhedron import Polyhedron
    from tropical.regions import Box, count_regions, linear_regions

    if net.input_dim != 2:
        raise DimensionMismatchError(f"the picture needs a 2-input network, got input dimension {net.input_dim}")
    lo, hi = _as_fraction(box[0]), _as_fraction(box[1])
    domain = Box(lo, hi)
    lrs = linear_regions(net, domain, max_regions=max_regions)
    counts = count_regions(net, domain, max_regions=max_regions)
    polygons = []
    seen: dict[tuple[Any, ...], list[Any]] = {}
    for li, lr in enumerate(lrs):
        for r in lr.regions:
            ineqs = r.inequalities
            p = Polyhedron.from_inequalities([a for a, _ in ineqs], [b for _, b in ineqs])
            verts = [(float(x), float(y)) for x, y in p.vertices()]
            cx = sum(v[0] for v in verts) / len(verts)
            cy = sum(v[1] for v in verts) / len(verts)
            verts.sort(key=lambda v: math.atan2(v[1] - cy, v[0] - cx))
            polygons.append((verts, li))
            exact = p.vertices()
            for (a, b), lab in zip(ineqs, r.facet_labels):
                if lab[0] != "neuron":
                    continue
                ends = sorted(v for v in exact if a[0] * v[0] + a[1] * v[1] == b)
                if len(ends) != 2:
                    continue
                key = (tuple(ends[0]), tuple(ends[1]))
                entry = seen.setdefault(key, [lab[1], r.map_key, 0, False])
                entry[2] += 1
                if entry[1] != r.map_key:
                    entry[3] = True  # the two sides carry different maps
    edges = []
    for (e0, e1), (layer, _mk, sides, differ) in seen.items():
        same = sides >= 2 and not differ  # seen from one side only: drawn as a real boundary
        edges.append(((float(e0[0]), float(e0[1])), (float(e1[0]), float(e1[1])), layer, same))
    return {"polygons": polygons, "edges": edges, "counts": counts, "box": (float(lo), float(hi))}


def _colour(i: int) -> tuple[float, float, float]:
    h = (i * 0.6180339887498949) % 1.0
    s = 0.22 + 0.18 * ((i * 7) % 3) / 2
    v = 0.97 - 0.08 * ((i * 5) % 2)
    return colorsys.hsv_to_rgb(h, s, v)


def draw_regions(ax: Any, data: dict[str, Any], *, title: str | None = None) -> Any:
    """Draw the output of :func:`region_polygons` on a matplotlib axis."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    for verts, li in data["polygons"]:
        ax.add_patch(Polygon(verts, closed=True, facecolor=_colour(li), edgecolor="none"))
    layers = sorted({e[2] for e in data["edges"]})
    for (x0, y0), (x1, y1), layer, same in data["edges"]:
        colour = _LAYER_COLOURS[layer % len(_LAYER_COLOURS)]
        ax.plot([x0, x1], [y0, y1], color=colour, lw=max(0.5, 1.6 - 0.35 * layer),
                ls=":" if same else "-", alpha=0.55 if same else 0.95, solid_capstyle="round")
    lo, hi = data["box"]
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    handles = [Line2D([], [], color=_LAYER_COLOURS[layer % len(_LAYER_COLOURS)], lw=1.6 - 0.35 * min(layer, 3),
                      label=f"layer {layer + 1} (bent) hyperplanes") for layer in layers]
    if any(e[3] for e in data["edges"]):
        handles.append(Line2D([], [], color="0.3", ls=":", label="same affine map on both sides"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8,
                  frameon=False)
    c = data["counts"]
    counts = (f"{c.activation_regions} activation regions, {c.linear_regions} linear regions, "
              f"{c.distinct_affine_maps} affine maps")
    ax.set_title(f"{title}\n{counts}" if title else counts, fontsize=10)
    return ax


def plot_regions(net: Any, path: str | os.PathLike[str] | None = None, *, box: tuple[Any, Any] = (-3, 3),
                 title: str | None = None, max_regions: int | None = 100_000) -> Any:
    """Draw the linear regions of a 2-input network over ``[lo, hi]^2``; save to ``path`` if given.

    Returns the path when ``path`` is given, else the matplotlib figure.
    """
    from matplotlib.figure import Figure

    data = region_polygons(net, box, max_regions=max_regions)
    fig = Figure(figsize=(6.4, 6.8), dpi=130)
    ax = fig.add_subplot()
    draw_regions(ax, data, title=title)
    return _finish(fig, path)


def _finish(fig: Any, path: str | os.PathLike[str] | None) -> Any:
    """Lay out ``fig``; save it to ``path`` and return the path, or return the figure when ``path`` is None."""
    fig.tight_layout()
    if path is None:
        return fig
    out = Path(path)
    fig.savefig(out)
    return out


def plot_plane_regions(trace: Any, path: str | os.PathLike[str] | None = None, *, plane: int = 0,
                       title: str | None = None) -> Any:
    """Draw the activation regions met by one plane of a :class:`canopy.proxies._pl_plane.PlaneTrace`.

    The axes are the plane coordinates ``(s, t)`` of ``a + s (b - a) + t (c - a)``; each polygon (one activation
    region of the model) gets its own colour. Returns the path when ``path`` is given, else the figure.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> from canopy.proxies._pl_plane import trace_planes
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 2), torch.nn.ReLU(), torch.nn.Flatten(),
    ...                           torch.nn.Linear(12, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> a, b, c = torch.randn(3, 1, 1, 3, 3)
    >>> path = plot_plane_regions(trace_planes(net, a, b, c), os.path.join(tempfile.mkdtemp(), "p.png"))
    >>> os.path.getsize(path) > 0
    True
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    if not 0 <= plane < len(trace.polygons):
        raise IndexError(f"plane {plane} out of range: the trace has {len(trace.polygons)} planes")
    fig = Figure(figsize=(6.0, 6.2), dpi=130)
    ax = fig.add_subplot()
    for i, verts in enumerate(trace.polygons[plane]):
        ax.add_patch(Polygon(verts, closed=True, facecolor=_colour(i), edgecolor="0.25", lw=0.3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("$s$")
    ax.set_ylabel("$t$")
    flags = int(trace.uncertain[plane])
    counts = f"{int(trace.pieces[plane])} activation regions" + (f" ({flags} uncertain crossings)" if flags else "")
    ax.set_title(f"{title}\n{counts}" if title else counts, fontsize=10)
    return _finish(fig, path)
