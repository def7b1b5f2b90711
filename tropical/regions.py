"""Certified exact activation-region and linear-region enumeration for ReLU networks.

Three counts, three definitions (the literature uses several non-equivalent ones; Stargalla, Hertrich &
Reichman, *The Computational Complexity of Counting Linear Regions in ReLU Neural Networks*, NeurIPS 2025,
arXiv 2505.16716):

``activation_regions``
    The full-dimensional sets of the domain on which the activation pattern (which hidden neurons have a
    positive pre-activation) is constant. A neuron whose pre-activation is constant on a region imposes no
    constraint there, so lower-dimensional pattern sets are never counted.
``linear_regions``
    Maximal connected sets on which the network's function is affine (Montúfar et al. 2014), with
    connectivity *through facets*: activation regions whose closures share an ``(n - 1)``-dimensional face and
    whose exact affine maps are equal are merged (transitively).
``distinct_affine_maps``
    The number of distinct exact affine maps over all regions (pieces with equal maps that do not touch count
    once).

Algorithm
---------
Layer-wise hyperplane insertion with the double-description method (:mod:`tropical.polyhedron`). Every cell
is an exact polyhedron kept in both representations in homogenized coordinates ``(x, t)``: its irredundant
facets and its generators (vertices ``t > 0``, rays ``t = 0``, lines) as primitive integer vectors, with
incidence bitsets. Each layer's rational weights are scaled to integers (a positive scaling commutes with
ReLU and keeps every sign). Each generator carries the exact homogenized values of the current layer's
pre-activations, so whether neuron ``k`` cuts a cell is the sign pattern of integers at its generators: all
``>= 0`` (or all ``<= 0``) certifies that the hyperplane misses the interior (the cell is the convex hull of its
generators), mixed strict signs split the cell by one double-description step. Regions are streamed in
depth-first order, so memory grows with the number of regions, never with ``2 ** neurons``.

Linear regions: two activation regions can only share a facet across the *membrane* of the split that
separated them (the hyperplane of that split inside the parent cell; membranes of different splits have
disjoint relative interiors). The plus side of a split is enumerated before its minus side, so when a
minus-side region is emitted, its facet on each membrane is compared, on its exact generators, with the
plus-side pieces of that membrane that carry the *same* affine map: contained in the closed plus region ->
shared facet; on the non-positive side of one of that region's other facets -> disjoint relative interiors;
neither -> an exact double-description clip of the facet decides. Equal-map neighbours are merged with a
union-find (:func:`adjacency_graph` returns the same graph as a :mod:`networkx` graph).

Guard rails: :func:`region_upper_bound` (per-layer Zaslavsky product) is computed first and reported;
``max_regions`` stops the enumeration with :class:`~tropical.errors.BudgetExceededError` as soon as it is
exceeded; ``time_budget`` returns partial counts; ``progress`` reports on standard error. In
:func:`count_regions` a ``KeyboardInterrupt`` returns the counts so far, flagged ``partial`` with
``stopped="interrupted"``; the streaming generators let it propagate (no global state is left behind).

Compiled kernel: when ``tropical._cregions`` is built (C with GMP integers; see :mod:`tropical.backend`),
:func:`count_regions` runs this same algorithm there on the same exact integers. What it adds gives the same
answers faster: new generators are divided by their content lazily (with an exactly checked divisor hint from
the three-term Plücker relation); signs that a float computation with a rigorous error bound decides (the
neurons of a new layer that do not cut a cell, the merge test) are taken from it, and exact zeros and close
calls from the integers; two regions bounded from opposite sides by a hyperplane other than their membrane are
told apart by comparing exact rows; the rare merge pairs left undecided go to Python's exact clip. The test
suite checks that both paths give identical counts.

Streaming: :func:`count_regions` holds no regions. Once both sides of a split are enumerated (depth-first,
so this is known when the stack drops below the split's minus side), the plus-side pieces kept for the
linear-region merge are released; per region only one 8-byte union-find slot stays, plus the exact keys of
the distinct affine maps.

Kept regions (:func:`activation_regions`, :func:`linear_regions`) are compact: a :class:`Region` holds one
``bytes`` object (pattern bits, facet bits, the exact generator sums) and a reference to its run's shared
context; its facets and affine map are recomputed from the pattern on access.

Examples
--------
>>> from tropical.network import ReLUNetwork
>>> net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
>>> c = count_regions(net)
>>> c.activation_regions, c.linear_regions, c.distinct_affine_maps, c.partial
(4, 4, 4, False)
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb, lcm
from operator import mul
from typing import TYPE_CHECKING, Any

from tropical.backend import compiled_module, int_matmul
from tropical.errors import (
    BudgetExceededError,
    DimensionMismatchError,
    InexactInputError,
    InvalidArgumentError,
    WrongTypeError,
)
from tropical.polyhedron import EmptyPolyhedronError, Polyhedron, dd_step, facets_overlap, primitive

if TYPE_CHECKING:
    from tropical.network import ReLUNetwork

__all__ = [
    "Box",
    "Polytope",
    "Region",
    "LinearRegion",
    "RegionCounts",
    "DEFINITIONS",
    "count_regions",
    "activation_regions",
    "linear_regions",
    "adjacency_graph",
    "region_upper_bound",
    "tropical_crosscheck",
    "EmptyPolyhedronError",
]

DEFINITIONS: dict[str, str] = {
    "activation_regions": "full-dimensional sets of the domain on which the activation pattern is constant "
    "(a neuron constant on a region imposes no constraint)",
    "linear_regions": "maximal connected unions of activation regions with equal exact affine maps, "
    "connected through shared (n-1)-dimensional facets",
    "distinct_affine_maps": "number of distinct exact affine maps taken on the activation regions",
    "reference": "Stargalla, Hertrich & Reichman, NeurIPS 2025 (arXiv 2505.16716): the definitions in the "
    "literature are not equivalent",
}


# ----------------------------------------------------------------------------------------------- domains
def _rat(v: object, what: str) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
        if isinstance(v, float):
            raise InexactInputError(f"{what} is the float {v!r}; pass int or fractions.Fraction")
        raise InexactInputError(f"{what} must be int or fractions.Fraction, got {type(v).__name__}")
    return Fraction(v)


@dataclass(frozen=True)
class Box:
    """The box ``[lo, hi]`` (``lo``/``hi`` exact scalars or per-coordinate sequences).

    Examples
    --------
    >>> Box(-1, 1).inequalities(2)[1]
    (Fraction(1, 1), Fraction(1, 1), Fraction(1, 1), Fraction(1, 1))
    """

    lo: Any
    hi: Any

    def __post_init__(self) -> None:
        """Validate eagerly: exact bounds, ``lo < hi`` wherever both are known (the dimension comes later)."""
        def check(v: Any, name: str) -> list[Fraction] | Fraction:
            if isinstance(v, (list, tuple)):
                if not v:
                    raise DimensionMismatchError(f"Box.{name} is an empty sequence")
                return [_rat(x, f"Box.{name}[{i}]") for i, x in enumerate(v)]
            return _rat(v, f"Box.{name}")

        lo, hi = check(self.lo, "lo"), check(self.hi, "hi")
        if isinstance(lo, list) and isinstance(hi, list) and len(lo) != len(hi):
            raise DimensionMismatchError(f"Box.lo has {len(lo)} entries but Box.hi has {len(hi)}")
        los = lo if isinstance(lo, list) else [lo] * (len(hi) if isinstance(hi, list) else 1)
        his = hi if isinstance(hi, list) else [hi] * len(los)
        for i, (a, b) in enumerate(zip(los, his)):
            if not a < b:
                raise EmptyPolyhedronError(f"Box: lo[{i}] = {a} is not below hi[{i}] = {b}")

    def inequalities(self, n: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
        """``(A, b)`` with ``A x <= b`` describing the box in dimension ``n``."""
        def vec(v: Any, name: str) -> list[Fraction]:
            if isinstance(v, (list, tuple)):
                if len(v) != n:
                    raise DimensionMismatchError(f"Box.{name} has {len(v)} entries, the network input has {n}")
                return [_rat(x, f"Box.{name}[{i}]") for i, x in enumerate(v)]
            return [_rat(v, f"Box.{name}")] * n

        lo, hi = vec(self.lo, "lo"), vec(self.hi, "hi")
        for i, (a, b) in enumerate(zip(lo, hi)):
            if not a < b:
                raise EmptyPolyhedronError(f"Box: lo[{i}] = {a} is not below hi[{i}] = {b}")
        rows: list[tuple[Fraction, ...]] = []
        rhs: list[Fraction] = []
        for i in range(n):
            e = tuple(Fraction(int(i == j)) for j in range(n))
            rows.append(e)
            rhs.append(hi[i])
            rows.append(tuple(-c for c in e))
            rhs.append(-lo[i])
        return tuple(rows), tuple(rhs)


@dataclass(frozen=True)
class Polytope:
    """The polyhedron ``{x : A x <= b}`` (exact entries; must be full-dimensional, may be unbounded).

    Examples
    --------
    >>> Polytope([[1, 1], [-1, 0], [0, -1]], [1, 0, 0]).inequalities(2)[1]
    (Fraction(1, 1), Fraction(0, 1), Fraction(0, 1))
    """

    A: Any
    b: Any

    def __post_init__(self) -> None:
        """Validate eagerly: exact entries, rows of one length, one right-hand side per row."""
        if isinstance(self.A, (str, bytes)) or not isinstance(self.A, Sequence):
            raise InexactInputError(f"Polytope.A must be a sequence of rows, got {type(self.A).__name__}")
        if isinstance(self.b, (str, bytes)) or not isinstance(self.b, Sequence):
            raise InexactInputError(f"Polytope.b must be a sequence, got {type(self.b).__name__}")
        width = None
        for i, r in enumerate(self.A):
            if isinstance(r, (str, bytes)) or not isinstance(r, Sequence):
                raise InexactInputError(f"Polytope.A[{i}] must be a sequence, got {type(r).__name__}")
            if width is None:
                width = len(r)
            elif len(r) != width:
                raise DimensionMismatchError(f"Polytope: row {i} of A has {len(r)} entries, row 0 has {width}")
            for j, x in enumerate(r):
                _rat(x, f"Polytope.A[{i}][{j}]")
        for i, x in enumerate(self.b):
            _rat(x, f"Polytope.b[{i}]")
        if len(self.A) != len(self.b):
            raise DimensionMismatchError(f"Polytope: A has {len(self.A)} rows but b has {len(self.b)} entries")

    def inequalities(self, n: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
        """``(A, b)`` as exact tuples, checked against dimension ``n``."""
        rows = [tuple(_rat(x, f"Polytope.A[{i}][{j}]") for j, x in enumerate(r)) for i, r in enumerate(self.A)]
        rhs = tuple(_rat(x, f"Polytope.b[{i}]") for i, x in enumerate(self.b))
        if len(rows) != len(rhs):
            raise DimensionMismatchError(f"Polytope: A has {len(rows)} rows but b has {len(rhs)} entries")
        for i, r in enumerate(rows):
            if len(r) != n:
                raise DimensionMismatchError(
                    f"Polytope: row {i} of A has {len(r)} entries, the network input has {n}")
        return tuple(rows), rhs


def _domain_polyhedron(domain: Box | Polytope | None, n: int) -> Polyhedron:
    if domain is None:
        return Polyhedron.whole_space(n)
    if not isinstance(domain, (Box, Polytope)):
        raise WrongTypeError(f"domain must be None, Box or Polytope, got {type(domain).__name__}")
    A, b = domain.inequalities(n)
    p = Polyhedron.whole_space(n)
    for r, bi in zip(A, b):
        try:
            p = p.intersect(r, bi)
        except EmptyPolyhedronError:
            raise EmptyPolyhedronError(f"the domain {domain!r} is empty or not full-dimensional") from None
    return p


# ----------------------------------------------------------------------------------------------- regions
def _compose(W: Sequence[Sequence[int]], b: Sequence[int], M: Sequence[tuple[int, ...]] | None,
             bits: Sequence[bool], n: int) -> list[tuple[int, ...]]:
    """Rows ``(a, c)`` of ``x -> W (D M x) + b`` in homogenized coordinates (``M`` None: the input itself).

    ``D`` is the diagonal 0/1 matrix of ``bits`` (the activation pattern of the layer that ``M`` maps to);
    shared by the enumeration and by :class:`Region`, which recomputes its facets and map from its pattern.
    """
    if M is None:
        return [tuple(W[k]) + (b[k],) for k in range(len(W))]
    on = [j for j, o in enumerate(bits) if o]
    if not on:
        return [(0,) * n + (b[k],) for k in range(len(W))]
    P = int_matmul([[wrow[j] for j in on] for wrow in W], [M[j] for j in on])
    return [row[:n] + (row[n] + bk,) for row, bk in zip(P, b)]


class _RegionContext:
    """What all regions of one enumeration share, so that a :class:`Region` stores only its own bits.

    Holds the integer layers, the output scale, the domain's homogenized inequalities (index 0 is the face
    at infinity, never a facet), the bit layout and interned label / pattern tuples. A region's pattern fixes
    the pre-activation of every neuron as an affine function of ``x`` (:func:`_compose` layer by layer), so
    its neuron facets and affine map are recomputed from the pattern; the matrices of recently used pattern
    prefixes are cached (bounded, dropped on pickling).

    Bit layout of a region: pattern bit ``offsets[l] + k`` is neuron ``k`` of hidden layer ``l``; facet bit
    ``i < ndom`` is domain inequality ``i``, facet bit ``ndom + offsets[l] + k`` the hyperplane of neuron
    ``(l, k)``. Ascending facet bits are the enumeration's facet order (domain first, then the splits of one
    root-to-leaf path, which go layer by layer and by increasing neuron index).
    """

    __slots__ = ("n", "layers", "scale", "domain", "ndom", "offsets", "widths", "prefix", "pbytes",
                 "fbytes", "labels", "_layer_ints", "_layer_tuples", "_cache")

    CACHE_SIZE = 1024

    def __init__(self, n: int, layers: Sequence[tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]],
                 scale: int, domain: Sequence[tuple[int, ...]]) -> None:
        self.n = n
        self.layers = tuple(layers)
        self.scale = scale
        self.domain = tuple(domain)
        self.ndom = len(self.domain)
        self.widths = tuple(len(W) for W, _ in self.layers[:-1])
        offsets = [0]
        for w in self.widths:
            offsets.append(offsets[-1] + w)
        self.offsets = tuple(offsets)  # one entry more than hidden layers: offsets[-1] = hidden neurons
        # prefix[l]: the pattern bits of the layers before hidden layer l (what its pre-activations depend on)
        self.prefix = tuple((1 << o) - 1 for o in offsets)
        self.pbytes = (offsets[-1] + 7) // 8
        self.fbytes = (self.ndom + offsets[-1] + 7) // 8
        labels: list[tuple[Any, ...]] = [("infinity",)] + [("domain",)] * (self.ndom - 1)
        labels += [("neuron", li, k) for li, w in enumerate(self.widths) for k in range(w)]
        self.labels = tuple(labels)
        self._setup()

    def _setup(self) -> None:
        self._layer_ints: dict[tuple[bool, ...], int] = {}
        self._layer_tuples: dict[tuple[int, int], tuple[bool, ...]] = {}
        self._cache: dict[tuple[int, int], list[Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        self._setup()

    # ---------------------------------------------------------------- encoding (hot: once per region)
    def encode(self, raw: tuple[Any, ...]) -> bytes:
        """The region's bytes: pattern bits, facet bits, then the ``n + 1`` generator sums (equal widths)."""
        pattern, gens, _incs, _lines, _ineqs, labels, active, _mapkey = raw
        pbits = 0
        layer_ints = self._layer_ints
        for off, layer in zip(self.offsets, pattern):
            v = layer_ints.get(layer)
            if v is None:
                v = sum(1 << k for k, on in enumerate(layer) if on)
                layer_ints[layer] = v
            pbits |= v << off
        ndom = self.ndom
        fbits = active & ((1 << ndom) - 2)  # domain facets keep their index; bit 0 (infinity) is never one
        offsets = self.offsets
        for i in range(ndom, len(labels)):
            if active >> i & 1:
                lab = labels[i]
                fbits |= 1 << (ndom + offsets[lab[1]] + lab[2])
        np1 = self.n + 1
        psum = [0] * np1
        for g in gens:
            for c in range(np1):
                psum[c] += g[c]
        w = max((v if v >= 0 else ~v).bit_length() for v in psum) // 8 + 1  # bytes of the widest signed sum
        return b"".join([pbits.to_bytes(self.pbytes, "little"), fbits.to_bytes(self.fbytes, "little"),
                         *(v.to_bytes(w, "little", signed=True) for v in psum)])

    # ---------------------------------------------------------------- decoding (lazy: per property access)
    def layer_tuple(self, li: int, pbits: int) -> tuple[bool, ...]:
        """The interned pattern tuple of hidden layer ``li``."""
        v = pbits >> self.offsets[li] & ((1 << self.widths[li]) - 1)
        key = (li, v)
        t = self._layer_tuples.get(key)
        if t is None:
            t = tuple(bool(v >> k & 1) for k in range(self.widths[li]))
            self._layer_tuples[key] = t
        return t

    def _entry(self, li: int, pbits: int) -> list[Any]:
        """``[M, plus, minus]`` of hidden layer ``li`` under the pattern ``pbits``: its homogenized
        pre-activations ``M`` and their primitive rows in both orientations (``None`` until needed); cached by
        the pattern of the layers before ``li``."""
        key = (li, pbits & self.prefix[li])
        cache = self._cache
        hit = cache.get(key)
        if hit is not None:
            return hit
        W, b = self.layers[li]
        if li == 0:
            M = _compose(W, b, None, (), self.n)
        else:
            M = _compose(W, b, self._entry(li - 1, pbits)[0], self.layer_tuple(li - 1, pbits), self.n)
        if len(cache) >= self.CACHE_SIZE:
            cache.clear()
        entry = [M, None, None]
        cache[key] = entry
        return entry

    def map_rows(self, pbits: int) -> list[tuple[int, ...]]:
        """The output layer's homogenized rows (times :attr:`scale`) under the pattern ``pbits``.

        Not cached: the key would be the whole pattern, which no other region shares.
        """
        L = len(self.widths)
        W, b = self.layers[L]
        if L == 0:
            return _compose(W, b, None, (), self.n)
        return _compose(W, b, self._entry(L - 1, pbits)[0], self.layer_tuple(L - 1, pbits), self.n)

    def facet_rows(self, pbits: int, fbits: int) -> list[tuple[int, ...]]:
        """The facets ``f`` (meaning ``f . (x, 1) >= 0``, primitive integers) of a region, in ascending bit
        order: the domain's, then neuron ``(l, k)``'s pre-activation row oriented by the neuron's sign."""
        rows = []
        ndom = self.ndom
        dom = fbits & ((1 << ndom) - 1)
        while dom:
            low = dom & -dom
            rows.append(self.domain[low.bit_length() - 1])
            dom ^= low
        nbits = fbits >> ndom
        for li, w in enumerate(self.widths):
            off = self.offsets[li]
            m = nbits >> off & ((1 << w) - 1)
            if not m:
                continue
            entry = self._entry(li, pbits)
            if entry[1] is None:
                plus = [primitive(row) for row in entry[0]]
                entry[1], entry[2] = plus, [tuple(-c for c in h) for h in plus]
            plus, minus = entry[1], entry[2]
            signs = pbits >> off
            while m:
                low = m & -m
                k = low.bit_length() - 1
                rows.append(plus[k] if signs >> k & 1 else minus[k])
                m ^= low
        return rows


class Region:
    """One activation region: pattern, irredundant H-representation, interior point, exact affine map.

    Attributes
    ----------
    pattern : tuple of tuple of bool
        ``pattern[l][k]`` is True iff neuron ``k`` of hidden layer ``l`` is positive on the interior.
    facet_labels : tuple
        One label per facet: ``("neuron", layer, index)`` or ``("domain",)``.

    Notes
    -----
    A region stores one ``bytes`` object (its pattern bits, one bit per facet among the domain's
    inequalities and the hidden neurons, and the exact sums of its generators) and a reference to what the
    regions of one run share (the integer layers and the domain). The facets and the affine map are
    functions of the pattern and are recomputed on access: the facet of neuron ``(l, k)`` is the primitive
    integer row of its pre-activation under the pattern of the layers before ``l``, oriented by the
    neuron's sign in the region.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1]], [[1]]], [[0], [0]])        # relu(x) on the line
    >>> [r.pattern for r in activation_regions(net)]
    [((True,),), ((False,),)]
    >>> r = next(activation_regions(net))
    >>> r.inequalities, r.interior_point, r.affine_map
    ((((-1,), 0),), (Fraction(1, 1),), (((Fraction(1, 1),),), (Fraction(0, 1),)))
    """

    __slots__ = ("_ctx", "_data")

    def __init__(self, ctx: _RegionContext, data: bytes) -> None:
        self._ctx = ctx
        self._data = data

    def _bits(self) -> tuple[int, int]:
        ctx, data = self._ctx, self._data
        pb = ctx.pbytes
        return (int.from_bytes(data[:pb], "little"), int.from_bytes(data[pb:pb + ctx.fbytes], "little"))

    def _facet_rows(self) -> list[tuple[int, ...]]:
        """The facets ``f`` (``f . (x, 1) >= 0``) in the enumeration's order."""
        return self._ctx.facet_rows(*self._bits())

    @property
    def pattern(self) -> tuple[tuple[bool, ...], ...]:
        """``pattern[l][k]``: whether neuron ``k`` of hidden layer ``l`` is positive on the interior."""
        ctx = self._ctx
        pbits = int.from_bytes(self._data[:ctx.pbytes], "little")
        return tuple(ctx.layer_tuple(li, pbits) for li in range(len(ctx.widths)))

    @property
    def facet_labels(self) -> tuple[tuple[Any, ...], ...]:
        """One label per facet: ``("neuron", layer, index)`` or ``("domain",)``."""
        labels = self._ctx.labels
        fbits = self._bits()[1]
        out = []
        while fbits:
            low = fbits & -fbits
            out.append(labels[low.bit_length() - 1])
            fbits ^= low
        return tuple(out)

    @property
    def inequalities(self) -> tuple[tuple[tuple[int, ...], int], ...]:
        """Irredundant H-representation: pairs ``(a, b)`` meaning ``a . x <= b`` (primitive integers)."""
        n = self._ctx.n
        return tuple((tuple(-c for c in f[:n]), f[n]) for f in self._facet_rows())

    def _psum(self) -> list[int]:
        ctx, data = self._ctx, self._data
        start = ctx.pbytes + ctx.fbytes
        w = (len(data) - start) // (ctx.n + 1)
        return [int.from_bytes(data[i:i + w], "little", signed=True) for i in range(start, len(data), w)]

    @property
    def interior_point(self) -> tuple[Fraction, ...]:
        """An exact point of the interior (the dehomogenized sum of the region's generators)."""
        psum = self._psum()
        t = psum[-1]
        return tuple(Fraction(c, t) for c in psum[:-1])

    @property
    def affine_map(self) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
        """``(A, c)``: the network output is ``A x + c`` on this region (exact)."""
        ctx = self._ctx
        n, s = ctx.n, ctx.scale
        rows = ctx.map_rows(self._bits()[0])
        return (tuple(tuple(Fraction(v, s) for v in row[:n]) for row in rows),
                tuple(Fraction(row[n], s) for row in rows))

    @property
    def map_key(self) -> tuple[int, ...]:
        """A hashable exact key of the affine map (equal keys iff equal maps within one network)."""
        return tuple(x for row in self._ctx.map_rows(self._bits()[0]) for x in row)

    def contains(self, x: Sequence[int | Fraction], *, strict: bool = False) -> bool:
        """Whether ``x`` lies in the closed region (in its interior when ``strict``)."""
        xs = [_rat(v, "x") for v in x] + [Fraction(1)]
        if len(xs) != self._ctx.n + 1:
            raise DimensionMismatchError(
                f"x has {len(xs) - 1} entries, the region lives in dimension {self._ctx.n}")
        for f in self._facet_rows():
            s = sum(a * b for a, b in zip(f, xs))
            if s < 0 or (strict and s == 0):
                return False
        return True

    def evaluate(self, x: Sequence[int | Fraction]) -> tuple[Fraction, ...]:
        """The affine map of the region at ``x`` (equals the network there when ``x`` is in the region)."""
        A, c = self.affine_map
        xs = [_rat(v, "x") for v in x]
        return tuple(sum((a * b for a, b in zip(row, xs)), Fraction(0)) + ci for row, ci in zip(A, c))

    def __repr__(self) -> str:
        bits = "|".join("".join("1" if b else "0" for b in layer) for layer in self.pattern)
        return f"Region(pattern={bits}, facets={self._bits()[1].bit_count()})"


@dataclass(frozen=True)
class LinearRegion:
    """A linear region: a facet-connected union of activation regions with one exact affine map."""

    affine_map: tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]
    regions: tuple[Region, ...]


@dataclass(frozen=True)
class RegionCounts:
    """Exact region counts of a network over a domain (see :data:`DEFINITIONS`).

    ``partial`` is True when a time budget or an interrupt (Ctrl-C) stopped the enumeration; ``stopped`` then
    says which (``"time_budget"`` or ``"interrupted"``, else None). Partial counts cover only the regions
    found so far (lower bounds for ``activation_regions`` and ``distinct_affine_maps``; ``linear_regions``
    counts the facet-connected classes among those regions).
    """

    activation_regions: int
    linear_regions: int
    distinct_affine_maps: int
    partial: bool = False
    definition: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))
    upper_bound: int = 0
    seconds: float = 0.0
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the counts."""
        return {
            "activation_regions": self.activation_regions,
            "linear_regions": self.linear_regions,
            "distinct_affine_maps": self.distinct_affine_maps,
            "partial": self.partial,
            "stopped": self.stopped,
            "upper_bound": self.upper_bound,
            "seconds": round(self.seconds, 4),
            "definition": dict(self.definition),
        }


# --------------------------------------------------------------------------------------------- the bound
def region_upper_bound(input_dim: int, widths: Sequence[int]) -> int:
    """Closed-form upper bound on the number of activation regions (per-layer Zaslavsky product).

    .. math:: \\prod_{l=1}^{L} \\sum_{j=0}^{d_l} \\binom{n_l}{j}, \\qquad d_l = \\min(n_0, n_1, \\dots, n_{l-1})

    Inside one region of the first ``l - 1`` layers, layer ``l`` is an arrangement of ``n_l`` hyperplanes in
    an affine image of dimension at most ``d_l``, which has at most ``sum_{j <= d_l} C(n_l, j)`` regions
    (Zaslavsky; degenerate arrangements have fewer).

    Examples
    --------
    >>> region_upper_bound(2, [4]), region_upper_bound(4, [10, 10, 10])
    (11, 57512456)
    """
    total = 1
    d = input_dim
    for w in widths:
        total *= sum(comb(w, j) for j in range(min(d, w) + 1))
        d = min(d, w)
    return total


# ------------------------------------------------------------------------------------- the enumeration
def _integer_layers(net: ReLUNetwork) -> tuple[list[tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]], int]:
    """Scale each layer to integers; returns the layers (weights, homogenized biases) and the output scale."""
    layers = []
    scale = 1
    for W, b in zip(net.weights, net.biases):
        den = lcm(*(x.denominator for row in W for x in row), *(x.denominator for x in b))
        Wi = tuple(tuple(x.numerator * (den // x.denominator) for x in row) for row in W)
        bi = tuple(x.numerator * (den // x.denominator) * scale for x in b)
        scale *= den
        layers.append((Wi, bi))
    return layers, scale



class _Enumerator:
    """Depth-first layer-wise insertion; yields raw region data (internal)."""

    def __init__(self, net: ReLUNetwork, domain: Box | Polytope | None, *, max_regions: int | None,
                 time_budget: float | None, progress: bool) -> None:
        try:
            n = net.input_dim
            widths = tuple(net.widths)
        except AttributeError:
            raise WrongTypeError(f"net must be a tropical.network.ReLUNetwork, got {type(net).__name__}") from None
        if time_budget is not None and (isinstance(time_budget, bool) or not isinstance(time_budget, (int, float))
                                        or not 0 < time_budget < float("inf")):
            raise InvalidArgumentError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
        if max_regions is not None and (isinstance(max_regions, bool) or not isinstance(max_regions, int)
                                        or max_regions < 1):
            raise InvalidArgumentError(f"max_regions must be a positive int or None, got {max_regions!r}")
        self.net = net
        self.n = n
        self.widths = widths
        self.bound = region_upper_bound(n, widths)
        self.poly = _domain_polyhedron(domain, n)
        self.layers, self.scale = _integer_layers(net)
        self.max_regions = max_regions
        self.time_budget = time_budget
        self.progress = progress
        self.partial = False
        self.count = 0
        self.splits = 0
        self.peak_pending = 0
        # splits whose both sides are fully enumerated (consumed by the merger to free memory)
        self.closed: list[int] = []
        self.start = time.perf_counter()

    def _check_cap(self) -> None:
        if self.max_regions is not None and self.count >= self.max_regions:
            raise BudgetExceededError(
                f"more than max_regions={self.max_regions} activation regions (the closed-form bound for "
                f"input {self.n}, widths {list(self.widths)} is {self.bound}); pass a larger max_regions "
                "(or max_regions=None) to enumerate them all"
            )

    def run(self) -> Iterator[tuple[Any, ...]]:
        """Yield ``(pattern, gens, incs, lines, ineqs, labels, active, mapkey)`` per region."""
        n = self.n
        np1 = n + 1
        layers = self.layers
        hidden = layers[:-1]
        wout, bout = layers[-1]
        L = len(hidden)
        poly = self.poly
        ineqs0 = list(poly.ineqs)
        labels0: list[tuple[Any, ...]] = [("infinity",)] + [("domain",)] * (len(ineqs0) - 1)
        deadline = None if self.time_budget is None else self.start + self.time_budget
        next_report = self.start + 1.0
        tick = 0

        def compose(W: Any, b: Any, M: list[tuple[int, ...]] | None,
                    bits: tuple[bool, ...]) -> list[tuple[int, ...]]:
            return _compose(W, b, M, bits, n)

        def mapkey_of(M: list[tuple[int, ...]] | None, bits: tuple[bool, ...]) -> tuple[int, ...]:
            return tuple(x for row in compose(wout, bout, M, bits) for x in row)

        def layer_matrix(li: int, M: list[tuple[int, ...]] | None, bits: tuple[bool, ...]) -> list[tuple[int, ...]]:
            W, b = hidden[li]
            return compose(W, b, M, bits)

        if L == 0:
            self.count = 1
            gens, incs, lines = poly.gens, poly.incs, poly.lines_
            yield ((), gens, incs, lines, ineqs0, labels0, poly.active, mapkey_of(None, ()))
            return

        def start_layer(M: list[tuple[int, ...]], gens: list[tuple[int, ...]], lines: list[tuple[int, ...]]
                        ) -> tuple[Any, ...]:
            """Values of the layer's pre-activations at the generators; neurons that do not cut the cell get
            their bit now and carry no values (they cannot cut any sub-cell)."""
            xs = [g[:np1] for g in gens]
            ls = [x[:np1] for x in lines]
            ng = len(xs)
            live = [k for k, row in enumerate(M) if any(row[:n])]
            V = int_matmul(xs + ls, list(zip(*(M[k] for k in live)))) if live else []
            cut_idx = []
            cut_col = []
            fixed: list[bool | None] = []
            j = 0
            for k, row in enumerate(M):
                if j >= len(live) or live[j] != k:
                    fixed.append(row[n] > 0)
                    continue
                pos = neg = False
                for i in range(ng):
                    v = V[i][j]
                    if v > 0:
                        pos = True
                    elif v < 0:
                        neg = True
                if (pos and neg) or any(V[i][j] for i in range(ng, len(V))):
                    fixed.append(None)
                    cut_idx.append(k)
                    cut_col.append(j)
                else:
                    fixed.append(pos)
                j += 1
            eg = [x + tuple(V[i][c] for c in cut_col) for i, x in enumerate(xs)]
            el = [x + tuple(V[ng + i][c] for c in cut_col) for i, x in enumerate(ls)]
            return eg, el, [M[k] for k in cut_idx], tuple(cut_idx), tuple(fixed)

        M0 = layer_matrix(0, None, ())
        eg, el, Mc, cidx, fixed = start_layer(M0, poly.gens, poly.lines_)
        # stack item: gens, incs, lines, ineqs, labels, active, layer, k, M, Mcut, cut_idx, fixed, pattern, bits
        stack: list[tuple[Any, ...]] = [
            (eg, list(poly.incs), el, ineqs0, labels0, poly.active, 0, 0, M0, Mc, cidx, fixed, (), ())
        ]
        open_splits: list[tuple[int, int]] = []  # (stack index of the minus side, split id)
        fulls: dict[tuple[bool, ...], tuple[bool, ...]] = {}
        closed = self.closed
        while stack:
            gens, incs, lines, ineqs, labels, active, li, k, M, Mc, cidx, fixed, pattern, bits = stack.pop()
            top = len(stack)
            while open_splits and open_splits[-1][0] > top:
                closed.append(open_splits.pop()[1])
            if top >= self.peak_pending:
                self.peak_pending = top + 1
            tick += 1
            if tick & 63 == 0:
                now = time.perf_counter()
                if deadline is not None and now > deadline:
                    self.partial = True
                    return
                if self.progress and now > next_report:
                    next_report = now + 1.0
                    print(f"regions: {self.count} activation regions, {len(stack)} pending cells, "
                          f"{now - self.start:.1f} s", file=sys.stderr)
            width = len(Mc)
            while k < width:
                j = k - width
                pos = neg = False
                for g in gens:
                    v = g[j]
                    if v > 0:
                        pos = True
                        if neg:
                            break
                    elif v < 0:
                        neg = True
                        if pos:
                            break
                cut = pos and neg
                lvals = None
                if not cut and lines:
                    lvals = [ln[j] for ln in lines]
                    cut = any(lvals)
                if not cut:
                    bits = bits + (pos,)
                    k += 1
                    continue
                vals = [g[j] for g in gens]
                if lvals is None:
                    lvals = [ln[j] for ln in lines]
                bit = 1 << len(ineqs)
                rest = Mc[k + 1:]

                def finish(e: list[int], rest: list[tuple[int, ...]] = rest) -> tuple[int, ...]:
                    return tuple(e) + tuple(sum(map(mul, r, e)) for r in rest)

                plus, minus = dd_step(gens, incs, lines, vals, lvals, active, bit, np1 - len(lines),
                                      ncoord=np1, tail=width - k - 1, finish=finish)
                self.splits += 1
                h = primitive(Mc[k])
                sid = self.splits
                neuron = cidx[k]
                mg, mi, ml, ma = minus
                open_splits.append((len(stack), sid))
                stack.append((mg, mi, ml, ineqs + [tuple(-c for c in h)], labels + [("neuron", li, neuron, sid, -1)],
                              ma, li, k + 1, M, Mc, cidx, fixed, pattern, bits + (False,)))
                gens, incs, lines, active = plus
                ineqs = ineqs + [h]
                labels = labels + [("neuron", li, neuron, sid, 1)]
                bits = bits + (True,)
                k += 1
            it = iter(bits)
            full = tuple(next(it) if f is None else f for f in fixed)
            full = fulls.setdefault(full, full)  # one shared tuple per distinct layer pattern
            pattern = pattern + (full,)
            if li + 1 < L:
                M2 = layer_matrix(li + 1, M, full)
                eg, el, Mc2, cidx2, fixed2 = start_layer(M2, gens, lines)
                stack.append((eg, incs, el, ineqs, labels, active, li + 1, 0, M2, Mc2, cidx2, fixed2, pattern, ()))
                continue
            self._check_cap()
            self.count += 1
            yield (pattern, gens, incs, lines, ineqs, labels, active, mapkey_of(M, full))
        closed.extend(sid for _, sid in reversed(open_splits))


def _region_from_raw(raw: tuple[Any, ...], ctx: _RegionContext) -> Region:
    """Build a :class:`Region` from the enumerator's raw tuple; ``ctx`` is shared by the regions of one run."""
    return Region(ctx, ctx.encode(raw))


def _region_context(en: _Enumerator) -> _RegionContext:
    """The shared context of the regions of one enumeration."""
    return _RegionContext(en.n, en.layers, en.scale, en.poly.ineqs)


def activation_regions(
    net: ReLUNetwork,
    domain: Box | Polytope | None = None,
    *,
    max_regions: int | None = 100_000,
    time_budget: float | None = None,
    progress: bool = False,
) -> Iterator[Region]:
    """Stream the activation regions of ``net`` over ``domain`` (certified exact).

    Parameters
    ----------
    net : tropical.network.ReLUNetwork
    domain : None, Box or Polytope
        ``None`` is all of ``Q^n``.
    max_regions : int or None, default 100_000
        Stop with :class:`~tropical.errors.BudgetExceededError` once more regions than this are found (the
        closed-form bound :func:`region_upper_bound` is in the message). ``None``: no cap.
    time_budget : float, optional
        Seconds; when exceeded the stream stops with :class:`~tropical.errors.BudgetExceededError` (the
        regions already yielded are exact).
    progress : bool
        Report progress on standard error about once a second.

    Yields
    ------
    Region

    Raises
    ------
    BudgetExceededError, EmptyPolyhedronError, DimensionMismatchError, InexactInputError

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> sorted(r.pattern for r in activation_regions(net, Box(-1, 1)))
    [((False, False),), ((False, True),), ((True, False),), ((True, True),)]
    """
    en = _Enumerator(net, domain, max_regions=max_regions, time_budget=time_budget, progress=progress)
    ctx = _region_context(en)
    for raw in en.run():
        yield _region_from_raw(raw, ctx)
    if en.partial:
        raise BudgetExceededError(f"time_budget={time_budget} s exceeded after {en.count} activation regions")


# ------------------------------------------------------------------------------------------- merging
class _UnionFind:
    """Union-find over region indices in a compact ``array('q')`` (8 bytes per region)."""

    def __init__(self) -> None:
        self.parent = array("q")

    def add(self) -> None:
        self.parent.append(len(self.parent))

    def find(self, a: int) -> int:
        p = self.parent
        while p[a] != a:
            p[a] = p[p[a]]
            a = p[a]
        return a

    def union(self, a: int, b: int) -> bool:
        """Merge the classes of ``a`` and ``b``; True iff they were different."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _key_bytes(key: Sequence[int]) -> bytes:
    """An exact, injective and compact encoding of an integer tuple (each entry length-prefixed, in binary).

    Half the memory of the decimal text for large integers, and linear-time to build (the decimal text is not).

    Examples
    --------
    >>> _key_bytes((1, -1, 256)) != _key_bytes((1, -1, 255)) and _key_bytes((0,)) != _key_bytes((0, 0))
    True
    """
    out = bytearray()
    for v in key:
        b = v.to_bytes(v.bit_length() // 8 + 1, "little", signed=True)
        out += len(b).to_bytes(4, "little")
        out += b
    return bytes(out)


def _facet_relation(facets: Sequence[tuple[int, ...]], tight: Sequence[tuple[int, ...]],
                   lines: Sequence[tuple[int, ...]]) -> bool | None:
    """The cheap exact test behind the linear-region merge.

    A facet of one region (its generators ``tight`` and lineality ``lines``, homogenized) against another
    closed region given by ``facets`` (``f . (x, 1) >= 0``, the shared hyperplane left out): True if the facet
    lies in that region, False if it lies beyond one of its facets (the relative interiors are disjoint), None
    when this does not decide (an exact double-description clip does).

    Examples
    --------
    >>> _facet_relation([(1, 0)], [(0, 1), (1, 1)], [])    # the facet {0 <= x <= 1} lies in x >= 0
    True
    >>> _facet_relation([(-1, 0)], [(1, 1), (2, 1)], [])   # {1 <= x <= 2} lies beyond x <= 0
    False
    """
    inside = True
    for f in facets:
        pos = neg = False
        for g in tight:
            v = sum(map(mul, f, g))
            if v > 0:
                pos = True
                if neg:
                    break
            elif v < 0:
                neg = True
                if pos:
                    break
        if lines and any(sum(map(mul, f, ln)) for ln in lines):
            pos = neg = True
        if not pos:
            return False
        if neg:
            inside = False
    return True if inside else None


def _exact_adjacent_rows(n: int, plus: Sequence[tuple[int, ...]], plus_on: Sequence[bool],
                         minus: Sequence[tuple[int, ...]], minus_on: Sequence[bool]) -> bool:
    """Whether a plus-side and a minus-side region share an ``(n-1)``-face on their common membrane (exact).

    Each region is given by its facets ``f`` (``f . (x, 1) >= 0``) and, per facet, whether it lies on the
    membrane. The plus region is rebuilt by double description; its facet on the membrane is clipped by the
    minus region's other facets (:func:`tropical.polyhedron.facets_overlap`). Shared by the Python merger and
    the compiled kernel, which calls it for the rare pairs its cheap test leaves undecided.

    Examples
    --------
    >>> _exact_adjacent_rows(1, [(1, 0)], [True], [(-1, 0)], [True])        # x >= 0 and x <= 0 meet at 0
    True
    """
    p = Polyhedron.whole_space(n)
    hbit = -1
    for h, on in zip(plus, plus_on):
        before = len(p.ineqs)
        p = p._cut(h, strict_error=True)
        if on:
            hbit = 1 << before if len(p.ineqs) > before else -1
    if hbit < 0:
        return False
    others = [h for h, on in zip(minus, minus_on) if not on]
    return facets_overlap(p.gens, p.incs, p.lines_, hbit, others)


class _Merger:
    """Counts regions and finds the same-map facet adjacencies (certified), in bounded memory.

    Two regions can share a facet only across the *membrane* of the split that separated them (pieces of
    other membranes have disjoint relative interiors). Plus-side pieces are all emitted before minus-side
    ones (depth-first order), so each minus-side piece is compared, on its generators, with the plus-side
    pieces of the same membrane that carry the same affine map: contained in the closed plus region -> a
    shared facet; on the non-positive side of one of its facets -> disjoint relative interiors; otherwise an
    exact double-description clip decides.

    Memory: once both sides of a split are enumerated (:meth:`release`, fed by the enumerator's ``closed``
    list), its plus-side lists are dropped, and a region's facets are kept only while some open split still
    lists it. What stays per region is one union-find slot (8 bytes); the exact keys of the distinct affine
    maps are kept (they are what ``distinct_affine_maps`` counts). ``keep_edges`` records the adjacency
    pairs (for :func:`adjacency_graph`).
    """

    def __init__(self, n: int, keep_edges: bool = True) -> None:
        self.n = n
        self.mapids: dict[bytes, int] = {}
        self.count = 0
        self.merges = 0
        self.region_facets: dict[int, tuple[list[tuple[int, ...]], list[tuple[Any, ...]]]] = {}
        self.refs: dict[int, int] = {}
        self.plus: dict[int, dict[int, list[int]]] = {}
        self.keep_edges = keep_edges
        self.edges: list[tuple[int, int]] = []
        self.fallback_pairs = 0
        self.uf = _UnionFind()

    @property
    def linear_regions(self) -> int:
        """Connected components so far (regions minus successful merges)."""
        return self.count - self.merges

    def release(self, sids: list[int]) -> None:
        """Forget the plus-side lists of finished splits (and facets no open split needs)."""
        refs = self.refs
        facets = self.region_facets
        for sid in sids:
            lists = self.plus.pop(sid, None)
            if not lists:
                continue
            for members in lists.values():
                for i in members:
                    r = refs[i] - 1
                    if r:
                        refs[i] = r
                    else:
                        del refs[i]
                        del facets[i]
        sids.clear()

    def add(self, raw: tuple[Any, ...], key: bytes | None = None) -> int:
        """Count one region and merge it; ``key`` is its :func:`_key_bytes` map key when already built."""
        _pattern, gens, incs, lines, ineqs, labels, active, mapkey = raw
        i = self.count
        self.count += 1
        mid = self.mapids.setdefault(_key_bytes(mapkey) if key is None else key, len(self.mapids))
        self.uf.add()
        facets = []
        labs = []
        for b, h in enumerate(ineqs):
            if active >> b & 1 and labels[b][0] != "infinity":
                facets.append(h)
                labs.append(labels[b])
        self.region_facets[i] = (facets, labs)
        nref = 0
        for b, lab in enumerate(labels):
            if lab[0] != "neuron" or not active >> b & 1:
                continue
            sid = lab[3]
            if lab[4] > 0:
                self.plus.setdefault(sid, {}).setdefault(mid, []).append(i)
                nref += 1
                continue
            cands = self.plus.get(sid, {}).get(mid)
            if not cands:
                continue
            fb = 1 << b
            tight = [g for g, z in zip(gens, incs) if z & fb]
            for c in cands:
                rel = self._relation(tight, lines, c, sid)
                if rel is None:
                    self.fallback_pairs += 1
                    rel = self._exact_adjacent(c, i, sid)
                if rel:
                    if self.keep_edges:
                        self.edges.append((c, i))
                    if self.uf.union(c, i):
                        self.merges += 1
        if nref:
            self.refs[i] = nref
        else:
            del self.region_facets[i]
        return i

    def _relation(self, tight: list[tuple[int, ...]], lines: list[tuple[int, ...]], j: int,
                  sid: int) -> bool | None:
        """:func:`_facet_relation` of the facet (generators ``tight``) and region ``j`` without its facet on
        membrane ``sid``."""
        facets, labs = self.region_facets[j]
        return _facet_relation([f for f, lab in zip(facets, labs) if not (lab[0] == "neuron" and lab[3] == sid)],
                              tight, lines)

    def _exact_adjacent(self, i: int, j: int, sid: int) -> bool:
        """Whether regions ``i`` (plus side) and ``j`` (minus side) share an (n-1)-face on membrane ``sid``."""
        fi, li = self.region_facets[i]
        fj, lj = self.region_facets[j]
        return _exact_adjacent_rows(self.n, fi, [lab[0] == "neuron" and lab[3] == sid for lab in li],
                                    fj, [lab[0] == "neuron" and lab[3] == sid for lab in lj])

    def finish(self) -> _UnionFind:
        return self.uf


def count_regions(
    net: ReLUNetwork,
    domain: Box | Polytope | None = None,
    *,
    max_regions: int | None = 100_000,
    time_budget: float | None = None,
    progress: bool = False,
) -> RegionCounts:
    """Exact counts of activation regions, linear regions and distinct affine maps (certified).

    Parameters
    ----------
    net : tropical.network.ReLUNetwork
        Exact weights (see :mod:`tropical.convert` for float models).
    domain : None, Box or Polytope
        The input domain; ``None`` means all of ``Q^n``.
    max_regions : int or None, default 100_000
        The closed-form bound :func:`region_upper_bound` is computed first; the enumeration refuses with
        :class:`~tropical.errors.BudgetExceededError` as soon as it finds more activation regions than this.
    time_budget : float, optional
        Seconds. When exceeded, the result is returned with ``partial=True`` (``stopped="time_budget"``) and
        the counts cover the regions found so far. A ``KeyboardInterrupt`` (Ctrl-C) likewise returns the
        counts so far with ``partial=True``, ``stopped="interrupted"``.
    progress : bool
        Progress lines on standard error on long runs.

    Returns
    -------
    RegionCounts
        ``activation_regions``, ``linear_regions``, ``distinct_affine_maps``, ``partial``, ``stopped``,
        ``definition``.

    Raises
    ------
    BudgetExceededError
        More than ``max_regions`` activation regions.
    EmptyPolyhedronError
        The domain is empty or not full-dimensional.

    Notes
    -----
    Memory is bounded by the open part of the search (the cells pending on the depth-first stack and the
    plus-side pieces of unfinished splits), plus 8 bytes per region and the exact keys of the distinct
    affine maps; regions themselves are not kept (use :func:`activation_regions` to keep them).

    The three counts follow :data:`DEFINITIONS`; ``activation_regions >= linear_regions >=
    distinct_affine_maps``.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1], [1], [1]], [[1, -2, 1]]], [[0, -1, -2], [0]])   # a hat on [0, 2]
    >>> c = count_regions(net)
    >>> c.activation_regions, c.linear_regions, c.distinct_affine_maps
    (4, 4, 3)
    >>> count_regions(net, Box(Fraction(1, 2), 3)).activation_regions
    3
    """
    en = _Enumerator(net, domain, max_regions=max_regions, time_budget=time_budget, progress=progress)
    kernel = compiled_module()
    if kernel is not None and en.widths:
        return _count_compiled(kernel, en)
    merger = _Merger(en.n, keep_edges=False)
    stopped = None
    try:
        for raw in en.run():
            merger.release(en.closed)
            merger.add(raw)
    except KeyboardInterrupt:
        stopped = "interrupted"
    if en.partial:
        stopped = "time_budget"
    return RegionCounts(
        activation_regions=merger.count,
        linear_regions=merger.linear_regions,
        distinct_affine_maps=len(merger.mapids),
        partial=stopped is not None,
        upper_bound=en.bound,
        seconds=time.perf_counter() - en.start,
        stopped=stopped,
    )


_STOPPED = {0: None, 1: "time_budget", 2: "interrupted"}


def _kernel_args(en: _Enumerator) -> tuple[Any, ...]:
    """The compiled kernel's arguments for the enumeration ``en`` (before the fallback and the reports)."""
    poly = en.poly
    nw = (len(poly.ineqs) + sum(en.widths) + 1 + 63) // 64
    mask = (1 << 64) - 1

    def words(z: int) -> list[int]:
        return [(z >> (64 * w)) & mask for w in range(nw)]

    budget = 0.0
    if en.time_budget is not None:
        budget = max(en.time_budget - (time.perf_counter() - en.start), 1e-9)
    return (en.n, en.layers, list(poly.ineqs), list(poly.gens), [words(z) for z in poly.incs], list(poly.lines_),
            words(poly.active), nw, -1 if en.max_regions is None else en.max_regions, budget, en.progress)


def _count_compiled(kernel: Any, en: _Enumerator) -> RegionCounts:
    """:func:`count_regions` in the compiled kernel (the same exact algorithm as :class:`_Enumerator` and
    :class:`_Merger`, on the same integers; see :mod:`tropical.backend`)."""
    act, lin, dist, status, en.splits, _fallbacks = kernel.count(*_kernel_args(en), _exact_adjacent_rows)
    en.count = act
    if status == 3:
        en._check_cap()  # raises BudgetExceededError with the reference path's message
    stopped = _STOPPED[status]
    return RegionCounts(
        activation_regions=act,
        linear_regions=lin,
        distinct_affine_maps=dist,
        partial=stopped is not None,
        upper_bound=en.bound,
        seconds=time.perf_counter() - en.start,
        stopped=stopped,
    )


def _collect(net: ReLUNetwork, domain: Box | Polytope | None, max_regions: int | None,
             time_budget: float | None) -> tuple[list[Region], _Merger, _UnionFind, bool]:
    en = _Enumerator(net, domain, max_regions=max_regions, time_budget=time_budget, progress=False)
    merger = _Merger(en.n)
    ctx = _region_context(en)
    regions = []
    for raw in en.run():
        merger.release(en.closed)
        merger.add(raw)
        regions.append(_region_from_raw(raw, ctx))
    return regions, merger, merger.finish(), en.partial


def linear_regions(
    net: ReLUNetwork,
    domain: Box | Polytope | None = None,
    *,
    max_regions: int | None = 100_000,
    time_budget: float | None = None,
) -> list[LinearRegion]:
    """The linear regions of ``net``: facet-connected unions of activation regions with one affine map.

    Raises :class:`~tropical.errors.BudgetExceededError` when ``time_budget`` runs out (use
    :func:`count_regions` for a partial answer).

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1], [1]], [[1, 0]]], [[0, -1], [0]])     # the second neuron is invisible
    >>> [len(lr.regions) for lr in linear_regions(net)]
    [2, 1]
    """
    regions, merger, uf, partial = _collect(net, domain, max_regions, time_budget)
    if partial:
        raise BudgetExceededError(f"time_budget={time_budget} s exceeded; use count_regions for partial counts")
    groups: dict[int, list[Region]] = {}
    for i, r in enumerate(regions):
        groups.setdefault(uf.find(i), []).append(r)
    return [LinearRegion(g[0].affine_map, tuple(g)) for _, g in sorted(groups.items())]


def adjacency_graph(net: ReLUNetwork, domain: Box | Polytope | None = None, *,
                    max_regions: int | None = 100_000) -> Any:
    """The :mod:`networkx` graph of activation regions joined across shared facets with equal affine maps.

    Nodes are region indices (attribute ``region``); its connected components are the linear regions.
    ``networkx`` is imported only here.

    Examples
    --------
    >>> import networkx as nx
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1], [1]], [[1, 0]]], [[0, -1], [0]])
    >>> nx.number_connected_components(adjacency_graph(net))
    2
    """
    import networkx as nx

    regions, merger, _uf, _partial = _collect(net, domain, max_regions, None)
    g = nx.Graph()
    for i, r in enumerate(regions):
        g.add_node(i, region=r)
    g.add_edges_from(merger.edges)
    return g


# ------------------------------------------------------------------------------------- cross-check
def tropical_crosscheck(net: ReLUNetwork) -> dict[str, Any]:
    """Counts from the tropical form ``F ⊘ G`` of the network, to compare with :func:`count_regions`.

    Returns
    -------
    dict
        ``monomials_F`` and ``monomials_G``: the non-redundant monomials of ``F`` and ``G`` (= the numbers of
        linear regions of the convex functions ``F`` and ``G``); ``upper_vertices_F_plus_G``: the upper
        vertices of the Minkowski sum of their Newton polytopes, ``N(F ⊙ G)``, an upper bound on the number
        of linear regions of the network (Zhang, Naitzat & Lim 2018; tropical.md §3.4). Values are ints for a
        scalar network and tuples (one per output) otherwise. Uses ``net.to_tropical()`` (imported lazily).

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
    >>> tropical_crosscheck(net)
    {'monomials_F': 2, 'monomials_G': 2, 'upper_vertices_F_plus_G': 4}
    >>> count_regions(net).linear_regions <= tropical_crosscheck(net)["upper_vertices_F_plus_G"]
    True
    """
    comps = list(net.to_tropical().components)
    rows = {
        "monomials_F": tuple(f.linear_regions_of_numerator() for f in comps),
        "monomials_G": tuple(f.linear_regions_of_denominator() for f in comps),
        "upper_vertices_F_plus_G": tuple(f.upper_vertex_bound() for f in comps),
    }
    if len(comps) == 1:
        return {k: v[0] for k, v in rows.items()}
    return dict(rows)
