"""Piecewise-linear tracing of a torch model on 2-D planes (the plane slices of :mod:`.realized_regions`).

On the parallelogram ``x(s, t) = a + s (b - a) + t (c - a)``, ``(s, t)`` in ``[0, 1]^2``, every intermediate
tensor of a network built from affine operations, ReLUs and max pooling is a continuous piecewise-affine function
of ``(s, t)``. :func:`trace_planes` runs the :mod:`torch.fx` graph once (the walk of
:func:`canopy.proxies._pl_trace.walk`, shared with the segment tracer) on a batch whose rows are the *vertices*
of the current convex polygons; a polygon is a counter-clockwise cycle of rows, and a vertex is one row shared by
the polygons around it. On a polygon every tensor is affine, so

* an affine operation applied to the vertex values gives the vertex values of its output;
* at a ReLU the pre-activation ``z`` of a neuron is affine on a polygon: if it is strictly positive at one vertex
  and strictly negative at another, its zero line cuts the polygon into two convex polygons. The cuts of one
  ReLU are applied one neuron after the other to the pieces made so far; a new vertex lies on an edge
  ``(u, v)`` at ``lam = z_u / (z_u - z_v)`` and every live tensor gets its value there by linear interpolation,
  the cutting neuron an exact ``0.0`` (as on segments). The edge is always taken from its end with the smaller
  ``(s, t)``, so the two polygons on either side of an edge make a point there bit for bit alike, and it becomes
  one row (new points of one plane with equal ``(s, t)`` are one row: the same input, the same values);
* at a 2-D max pooling each window's output is the maximum of affine functions. Its arg-max is constant on a
  polygon iff one entry is a maximum at every vertex (the maximum is convex); otherwise the polygon is cut into
  the cells ``{z_i >= z_j for all j}`` of the entries ``i``, each the polygon clipped by half-planes (a cell has
  positive area iff every clip keeps a vertex strictly inside; entries equal at every vertex are one entry).

At the end the polygons are the maximal convex sets of constant activation pattern (the sign of every ReLU
pre-activation and the arg-max of every pooling window): the *activation regions* met by the open
parallelogram, each met in one convex polygon (a region is convex).

Precision: float64, with the flags of the segment tracer. A neuron that is nonzero but within ``tol * s`` of
zero at a vertex of a polygon (``s`` the largest magnitude of its tensor on the polygon) is not cut there and is
recorded as one uncertain crossing; a max-pool difference within ``tol * s`` of zero at a vertex is taken as zero
and recorded likewise. The count is exact when ``uncertain == 0`` and every float64 value is within ``tol * s``
of its exact value (a forward-error assumption); :func:`canopy.proxies.realized_regions.exact_plane_regions`
certifies small dense networks with rational arithmetic.

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)).double()
>>> with torch.no_grad():
...     _ = net[0].weight.copy_(torch.eye(2)); _ = net[0].bias.fill_(-0.5)
>>> tr = trace_planes(net, torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
>>> tr.pieces.tolist(), tr.uncertain.tolist()        # the lines x = 1/2 and y = 1/2 cut the square in four
([4], [0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from canopy.errors import ProxySettingsError

from ._pl_trace import walk

__all__ = ["PlaneTrace", "trace_planes"]

_UNIT_SQUARE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


@dataclass(frozen=True)
class PlaneTrace:
    """The activation regions met by each plane.

    Attributes
    ----------
    pieces : numpy.ndarray of int, shape (k,)
        Number of activation regions (convex polygons) met by each open parallelogram.
    uncertain : numpy.ndarray of int, shape (k,)
        Uncertain crossings per plane (module docstring): not cut, flagged.
    polygons : list of list of numpy.ndarray
        For each plane, its polygons as ``(vertices, 2)`` arrays of ``(s, t)`` in counter-clockwise order.
    """

    pieces: np.ndarray
    uncertain: np.ndarray
    polygons: list[list[np.ndarray]]


class _Local:
    """The pieces of one polygon while it is cut: local vertices (old rows or new points) and their values."""

    def __init__(self, rows: np.ndarray, values: np.ndarray, st: np.ndarray, units: np.ndarray | None = None
                 ) -> None:
        self.units = units  # flat neuron index of each value column, for exact zeros (ReLU) and ties (pooling)
        self.rows = rows  # the polygon's own vertex rows, in order: local ids 0 .. nv - 1
        self.nv = int(rows.size)
        self.vals: list[np.ndarray] = list(values)
        self.st: list[tuple[float, float]] = [(x, y) for x, y in st.tolist()]  # plane coordinates
        self.recipe: list[tuple[int, int, float, tuple[int, ...]]] = []  # (local a, local b, lam, zero columns)
        self.subs: list[list[int]] = [list(range(self.nv))]
        # max pooling: the groups of neurons known to be equal at a point (exactly equal values at the polygon's
        # own rows; at a new point, the lines z_i = z_j it was made on or whose edge lay on them)
        self.ties: dict[int, list[frozenset[int]]] = {}

    def point(self, a: int, b: int, ha: float, hb: float, zero: int) -> int:
        """The new point where ``h`` (``ha`` at ``a``, ``hb`` at ``b``, opposite signs) vanishes on the edge ``(a, b)``.

        The edge is taken from its end with the smaller ``(s, t)``, so a polygon and its neighbour across the edge
        make the same point bit for bit (the rows then merge). With ``zero >= 0`` the neuron of that column
        vanishes there, and so does every neuron that is a float-exact multiple of it on the edge
        (``x_a z_b == x_b z_a``: its zero line is the same; as on segments).
        """
        if self.st[b] < self.st[a]:
            a, b, ha, hb = b, a, hb, ha
        lam = ha / (ha - hb)
        va, vb = self.vals[a], self.vals[b]
        v = va + lam * (vb - va)
        zeros: tuple[int, ...] = ()
        if zero >= 0:
            # (a neuron that is zero at both ends is zero at the point anyway; it is no multiple to snap in other
            # tensors, whose neurons would then pass the test trivially)
            same = np.nonzero((va * vb[zero] == vb * va[zero]) & (va != 0))[0]
            v[same] = 0.0
            zeros = tuple(same.tolist())
        (sa, ta), (sb, tb) = self.st[a], self.st[b]
        self.vals.append(v)
        self.st.append((sa + lam * (sb - sa), ta + lam * (tb - ta)))
        self.recipe.append((a, b, lam, zeros))
        return len(self.vals) - 1

    def cut(self, poly: list[int], c: int) -> tuple[list[int], list[int]]:
        """The sides ``z_c >= 0`` and ``z_c <= 0`` of ``poly`` (``z_c`` takes both strict signs on it)."""
        vals = [self.vals[i][c] for i in poly]
        n = len(poly)
        pos: list[int] = []
        neg: list[int] = []
        for i in range(n):
            vi, vj = vals[i], vals[(i + 1) % n]
            if vi >= 0:
                pos.append(poly[i])
            if vi <= 0:
                neg.append(poly[i])
            if (vi > 0 > vj) or (vi < 0 < vj):
                w = self.point(poly[i], poly[(i + 1) % n], vi, vj, c)
                pos.append(w)
                neg.append(w)
        return pos, neg

    def clip(self, poly: list[int], i: int, j: int, s: float) -> tuple[list[int], bool]:
        """``poly`` clipped to ``z_i - z_j >= 0`` (empty if no vertex is strictly inside); near-zero flags.

        A point made on the line ``z_i = z_j`` lies on it exactly (``h = 0``, as a ReLU's cut neuron vanishes
        exactly at its new points), whatever the rounding of its interpolated values.
        """
        assert self.units is not None
        ui, uj = int(self.units[i]), int(self.units[j])  # by neuron: overlapping windows share entries and ties
        h = [0.0 if self._tied(v, ui, uj) else self.vals[v][i] - self.vals[v][j] for v in poly]
        near = False
        for q, x in enumerate(h):
            if x != 0 and abs(x) <= s:
                h[q], near = 0.0, True
        if not any(x > 0 for x in h):
            return [], near
        if all(x >= 0 for x in h):
            return poly, near
        n = len(poly)
        out: list[int] = []
        for q in range(n):
            hq, hr = h[q], h[(q + 1) % n]
            if hq >= 0:
                out.append(poly[q])
            if (hq > 0 > hr) or (hq < 0 < hr):
                u, v = poly[q], poly[(q + 1) % n]
                w = self.point(u, v, hq, hr, -1)
                # on the line z_i = z_j, and on every tie line through both ends of its edge
                self.ties[w] = _join(_meet(self._groups(u), self._groups(v)), ui, uj)
                out.append(w)
        return out, near

    def _groups(self, v: int) -> list[frozenset[int]]:
        got = self.ties.get(v)
        if got is None:  # one of the polygon's own rows: the neurons with bitwise-equal values
            assert self.units is not None
            by: dict[float, set[int]] = {}
            for u, x in zip(self.units.tolist(), self.vals[v].tolist()):
                if x > -1e299:
                    by.setdefault(x, set()).add(u)
            got = [frozenset(g) for g in by.values() if len(g) > 1]
            self.ties[v] = got
        return got

    def _tied(self, v: int, a: int, b: int) -> bool:
        return any(a in g and b in g for g in self._groups(v))


def _meet(G: list[frozenset[int]], H: list[frozenset[int]]) -> list[frozenset[int]]:
    """The equalities that hold at both ends of an edge (hence all along it)."""
    return [m for g in G for h in H if len(m := g & h) > 1]


def _join(G: list[frozenset[int]], a: int, b: int) -> list[frozenset[int]]:
    """``G`` and ``z_a = z_b``, closed under transitivity."""
    hit = [g for g in G if a in g or b in g]
    return [g for g in G if not (a in g or b in g)] + [frozenset({a, b}.union(*hit))]


class _Polygons:
    """The current polygons: each a counter-clockwise cycle of vertex rows (``vid[off[p]:off[p + 1]]``); a vertex
    is one row of every tensor, shared by the polygons around it; ``st`` its plane coordinates."""

    def __init__(self, k: int, tol: float, max_pieces: int) -> None:
        self.st = torch.tensor(_UNIT_SQUARE * k, dtype=torch.float64)
        self.vid = np.arange(4 * k)
        self.off = np.arange(0, 4 * k + 1, 4)
        self.plane = np.arange(k)
        self.uncertain = np.zeros(k, dtype=np.int64)
        self.tol = tol
        self.max_pieces = max_pieces

    @property
    def R(self) -> int:
        return int(self.st.shape[0])

    @property
    def P(self) -> int:
        return int(self.plane.shape[0])

    # ------------------------------------------------------------------ ReLU
    def relu(self, src: fx.Node, env: dict[fx.Node, Any], live: list[fx.Node]) -> None:
        """Cut every polygon along the zero lines of the neurons of ``env[src]`` that change sign on it."""
        Z = env[src].reshape(self.R, -1).numpy()[self.vid]  # polygon after polygon, vertex after vertex
        starts = self.off[:-1]
        s = np.maximum.reduceat(np.abs(Z).max(1), starts) * self.tol  # tol x the largest |z| on each polygon
        srow = np.repeat(s, np.diff(self.off))[:, None]
        amb_row = (Z != 0) & (np.abs(Z) <= srow)
        amb = np.logical_or.reduceat(amb_row, starts, axis=0)
        cross = np.logical_or.reduceat(Z > 0, starts, axis=0) & np.logical_or.reduceat(Z < 0, starts, axis=0) & ~amb
        np.add.at(self.uncertain, self.plane, amb.sum(1))
        plans: dict[int, _Local] = {}
        stn = self.st.numpy()
        for p in np.nonzero(cross.any(1))[0].tolist():
            units = np.nonzero(cross[p])[0]
            a, b = self.off[p], self.off[p + 1]
            loc = _Local(self.vid[a:b], Z[a:b][:, units].copy(), stn[self.vid[a:b]], units)
            for c in range(units.size):
                subs: list[list[int]] = []
                for poly in loc.subs:
                    vals = [loc.vals[i][c] for i in poly]
                    if not (max(vals) > 0 > min(vals)):
                        subs.append(poly)
                    elif any(v != 0 and abs(v) <= s[p] for v in vals):
                        self.uncertain[self.plane[p]] += 1
                        subs.append(poly)
                    else:
                        subs.extend(loc.cut(poly, c))
                loc.subs = subs
            plans[p] = loc
        self._apply(plans, env, live, snap=src)

    # ------------------------------------------------------------------ max pooling
    def maxpool(self, src: fx.Node, pool: dict[str, Any], env: dict[fx.Node, Any], live: list[fx.Node]) -> None:
        """Cut every polygon into the cells of constant arg-max of every 2-D max-pool window of ``env[src]``."""
        k, st, pad, dil = (pool[n] for n in ("kernel_size", "stride", "padding", "dilation"))
        pair = nn.modules.utils._pair
        k, st, pad, dil = pair(k), pair(st if st is not None else k), pair(pad), pair(dil)
        x = F.pad(env[src], (pad[1], pad[1], pad[0], pad[0]), value=-1e300)
        U = F.unfold(x, k, dilation=dil, stride=st)  # (R, C*K, L)
        C, K = x.shape[1], k[0] * k[1]
        W = U.reshape(self.R, C, K, -1).transpose(2, 3).reshape(self.R, -1, K).numpy()[self.vid]  # (V, windows, K)
        ids = torch.arange(env[src][0].numel(), dtype=torch.float64).view(1, *env[src].shape[1:])
        ids = F.unfold(F.pad(ids, (pad[1], pad[1], pad[0], pad[0]), value=-1.0), k, dilation=dil, stride=st)
        nid = ids.reshape(C, K, -1).transpose(1, 2).reshape(-1, K).long().numpy()  # neuron of each entry, -1: pad
        starts = self.off[:-1]
        is_max = W == W.max(-1, keepdims=True)
        constant = np.asarray(np.logical_and.reduceat(is_max, starts, axis=0).any(-1))  # (P, windows)
        finite = np.where(W > -1e299, W, 0.0)
        s = np.maximum.reduceat(np.abs(finite).reshape(W.shape[0], -1).max(1), starts) * self.tol
        plans: dict[int, _Local] = {}
        stn = self.st.numpy()
        for p in np.nonzero(~constant.all(1))[0].tolist():
            wins = np.nonzero(~constant[p])[0]
            a, b = self.off[p], self.off[p + 1]
            loc = _Local(self.vid[a:b], W[a:b][:, wins].reshape(b - a, -1).copy(), stn[self.vid[a:b]],
                         nid[wins].reshape(-1))
            near = False
            for w in range(wins.size):
                cols = range(w * K, (w + 1) * K)
                subs: list[list[int]] = []
                for poly in loc.subs:
                    V = np.array([loc.vals[i][w * K:(w + 1) * K] for i in poly])
                    if (V == V.max(1, keepdims=True)).all(0).any():
                        subs.append(poly)
                        continue
                    seen: list[np.ndarray] = []
                    cells: list[list[int]] = []
                    for i in cols:
                        col = V[:, i - w * K]
                        if col.max() <= -1e299 or any(np.array_equal(col, q) for q in seen):
                            continue  # a padding entry, or equal to an earlier entry at every vertex: one entry
                        seen.append(col)
                        cell = poly
                        for j in cols:
                            if j == i or np.array_equal(V[:, j - w * K], col):
                                continue
                            cell, nr = loc.clip(cell, i, j, s[p])
                            near |= nr
                            if not cell:
                                break
                        if cell:
                            cells.append(cell)
                    if not cells:  # every cell lost to near-zero differences: keep the polygon, flagged
                        cells, near = [poly], True
                    subs.extend(cells)
                loc.subs = subs
            if near:
                self.uncertain[self.plane[p]] += 1
            plans[p] = loc
        self._apply(plans, env, live, snap=None)

    # ------------------------------------------------------------------ rows
    def _apply(self, plans: dict[int, _Local], env: dict[fx.Node, Any], live: list[fx.Node],
               snap: fx.Node | None) -> None:
        """Replace the cut polygons by their pieces; append the rows of the new points to every live tensor.

        A new point is one row, shared by every polygon that made it (the same plane and bit-for-bit the same
        ``(s, t)``: the same point of the input space, so the same values); its values are interpolated along its
        edge with the formula of :meth:`_Local.point`.
        """
        if not plans or all(len(loc.subs) == 1 and not loc.recipe for loc in plans.values()):
            return
        R = self.R
        # the new points the new polygons use, and the points they are made from (transitively), per plan
        key_of: dict[tuple[int, float, float], int] = {}  # (plane, s, t) -> new row
        ra: list[int] = []
        rb: list[int] = []
        lam: list[float] = []
        new_st: list[tuple[float, float]] = []
        zeros: set[tuple[int, int]] = set()  # (row, neuron): the neuron vanishes exactly at the row's point
        gid_of: dict[int, list[int]] = {}
        for p, loc in plans.items():
            pl = int(self.plane[p])
            need = [False] * len(loc.vals)
            for poly in loc.subs:
                for i in poly:
                    need[i] = True
            for q in range(len(loc.vals) - 1, loc.nv - 1, -1):  # a point's ends were made before it
                if need[q]:
                    qa, qb, _, _ = loc.recipe[q - loc.nv]
                    need[qa] = need[qb] = True
            gid = [int(r) for r in loc.rows] + [-1] * (len(loc.vals) - loc.nv)
            for q in range(loc.nv, len(loc.vals)):
                if not need[q]:
                    continue
                qa, qb, lm, zc = loc.recipe[q - loc.nv]
                key = (pl, *loc.st[q])
                row = key_of.get(key)
                if row is None:
                    row = R + len(ra)
                    key_of[key] = row
                    ra.append(gid[qa])
                    rb.append(gid[qb])
                    lam.append(lm)
                    new_st.append(loc.st[q])
                gid[q] = row
                if zc and loc.units is not None:
                    zeros.update((row, int(loc.units[c])) for c in zc)
            gid_of[p] = gid
        vid: list[np.ndarray] = []
        off = [0]
        plane: list[int] = []
        for p in range(self.P):
            cut = plans.get(p)
            if cut is None:
                vid.append(self.vid[self.off[p]:self.off[p + 1]])
                off.append(off[-1] + vid[-1].size)
                plane.append(int(self.plane[p]))
                continue
            gid = gid_of[p]
            for poly in cut.subs:
                vid.append(np.array([gid[i] for i in poly], dtype=np.int64))
                off.append(off[-1] + vid[-1].size)
                plane.append(int(self.plane[p]))
        if len(plane) > self.max_pieces:
            raise ProxySettingsError(
                f"realized_regions: more than max_pieces={self.max_pieces} pieces; use a smaller input "
                "resolution, fewer or smaller planes, or raise max_pieces")
        G = len(ra)
        ra_t, rb_t = torch.tensor(ra, dtype=torch.long), torch.tensor(rb, dtype=torch.long)
        lam_t = torch.tensor(lam, dtype=torch.float64)
        # generations: a new point made from new points comes after them
        gen = np.zeros(R + G, dtype=np.int64)
        for g in range(G):
            gen[R + g] = 1 + max(gen[ra[g]], gen[rb[g]])
        levels = range(1, int(gen.max(initial=0)) + 1)
        gens = [torch.from_numpy(np.nonzero(gen[R:] == level)[0]) for level in levels]
        zl = sorted(zeros)
        zp_t = torch.tensor([r - R for r, _ in zl], dtype=torch.long)
        zn_t = torch.tensor([n for _, n in zl], dtype=torch.long)
        zgen = torch.from_numpy(gen[R:])[zp_t] if zl else torch.zeros(0, dtype=torch.long)
        zsel = [torch.nonzero(zgen == level).flatten() for level in levels]  # per generation

        def extend(X: torch.Tensor, ref: torch.Tensor | None, cut: bool) -> torch.Tensor:
            """``X`` at the old rows, then the new points; ``cut``: X is the cut tensor; ``ref``: its extension."""
            E = torch.empty((R + G, *X.shape[1:]), dtype=X.dtype)
            E[:R] = X
            Ef = E.reshape(R + G, -1)
            for g, zs in zip(gens, zsel):
                lb = lam_t[g].view(-1, *([1] * (X.dim() - 1))).to(X.dtype)
                Ea = E[ra_t[g]]
                E[R + g] = Ea + lb * (E[rb_t[g]] - Ea)  # the formula of _Local.point: the same float64 values
                if not zs.numel() or not (cut or ref is not None):
                    continue
                # the cut neurons vanish exactly at their new points (before later points are made from them), in
                # the cut tensor and in every tensor whose neuron is a float-exact multiple of them on the edge
                # (``0 + x``, ``x + x``, as on segments)
                pt, neuron = zp_t[zs], zn_t[zs]
                ea, eb = ra_t[pt], rb_t[pt]
                if cut:
                    eq = torch.ones_like(neuron, dtype=torch.bool)
                else:
                    assert ref is not None
                    Rf = ref.reshape(R + G, -1)
                    eq = Ef[ea, neuron] * Rf[eb, neuron] == Ef[eb, neuron] * Rf[ea, neuron]
                Ef[R + pt[eq], neuron[eq]] = 0.0
            return E

        Zext = extend(env[snap], None, True) if snap is not None else None
        zshape = env[snap].shape if snap is not None else None
        for node in live:
            X = env[node]
            if not isinstance(X, torch.Tensor) or X.dim() == 0 or X.shape[0] != R:
                continue
            if snap is not None and X is env[snap]:
                env[node] = Zext
            else:
                env[node] = extend(X, Zext if X.shape == zshape else None, False)
        if snap is not None and snap not in live and Zext is not None:
            env[snap] = Zext
        if G:
            self.st = torch.cat([self.st, torch.tensor(new_st, dtype=torch.float64)])
        self.vid = np.concatenate(vid) if vid else np.zeros(0, dtype=np.int64)
        self.off = np.asarray(off, dtype=np.int64)
        self.plane = np.asarray(plane, dtype=np.int64)


def trace_planes(
    model: nn.Module, origins: torch.Tensor, s_ends: torch.Tensor, t_ends: torch.Tensor, *, tol: float = 1e-9,
    max_pieces: int = 200_000,
) -> PlaneTrace:
    """The activation regions of ``model`` met by the parallelograms ``a + s (b - a) + t (c - a)`` (float64, flagged).

    Parameters
    ----------
    model : torch.nn.Module
        Built from the operations of :data:`canopy.proxies._pl_trace.SUPPORTED`, one tensor input.
    origins, s_ends, t_ends : torch.Tensor
        ``(k, *input_shape)``: the corners ``a``, ``b`` and ``c`` of each parallelogram.
    tol : float
        Relative tolerance of the uncertainty flags (module docstring).
    max_pieces : int
        Stop with :class:`~canopy.errors.ProxySettingsError` beyond this many polygons in all.

    Returns
    -------
    PlaneTrace

    Raises
    ------
    canopy.errors.UnsupportedOperationError
        An operation outside :data:`canopy.proxies._pl_trace.SUPPORTED` (named, with its node).
    canopy.errors.ProxySettingsError
        Bad corner tensors, or more than ``max_pieces`` polygons.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
    >>> a, b, c = torch.randn(3, 2, 3)
    >>> tr = trace_planes(net, a, b, c)
    >>> len(tr.pieces), all(sum(1 for _ in polys) == n for polys, n in zip(tr.polygons, tr.pieces))
    (2, True)
    """
    shapes = {tuple(v.shape) if isinstance(v, torch.Tensor) else None for v in (origins, s_ends, t_ends)}
    if len(shapes) != 1 or None in shapes or len(next(iter(shapes))) < 2 or origins.shape[0] < 1:
        raise ProxySettingsError("origins, s_ends and t_ends must be tensors of one shape (k, *input_shape), k >= 1")
    k = int(origins.shape[0])
    geom = _Polygons(k, float(tol), int(max_pieces))
    a, b, c = (v.detach().double() for v in (origins, s_ends, t_ends))
    st = geom.st.view(k, 4, 2)
    shape = (k, 4) + (1,) * (a.dim() - 1)
    x = a.unsqueeze(1) + st[..., 0].view(shape) * (b - a).unsqueeze(1) + st[..., 1].view(shape) * (c - a).unsqueeze(1)
    walk(model, x.reshape(4 * k, *a.shape[1:]), geom)
    pieces = np.bincount(geom.plane, minlength=k)
    coords = geom.st.numpy()
    polys: list[list[np.ndarray]] = [[] for _ in range(k)]
    for p in range(geom.P):
        polys[int(geom.plane[p])].append(coords[geom.vid[geom.off[p]:geom.off[p + 1]]].copy())
    return PlaneTrace(pieces, geom.uncertain.copy(), polys)
