r"""Pooling layers: average pooling is linear; max pooling is a Minkowski sum of simplices.

* **Average pooling** (fixed or adaptive) is a linear map: it creates no region and can only lower the
  effective dimension (:func:`avgpool_rank`).
* **Max pooling** over a window ``w`` computes :math:`\max_{q \in w} x_q`, a tropical polynomial whose Newton
  polytope is a simplex; a max-pool layer is a Minkowski sum of such simplices, its regions are the upper
  vertices of that sum.  On a piece where ``x`` is affine, the argmax partition of every window is refined by
  the arrangement of the *comparison hyperplanes* :math:`x_q = x_{q'}` for the pairs ``{q, q'}`` that share
  a window (the affine form of the Gritzmann--Sturmfels edge-direction argument, proved directly in
  ``proofs/pooling.md``).  Hence

  .. math::  N(\mathrm{maxpool}) \le \min\Bigl( r(P, \mathrm{rank}),\; \prod_{w} |w| \Bigr),

  with ``P`` the number of distinct co-occurring pairs (:func:`maxpool_pair_count`) and :math:`|w|` the
  number of real (non-padding) entries of each window: each window alone splits a piece into at most
  :math:`|w|` argmax cells.

References
----------
G. Montúfar, Y. Ren, L. Zhang, *Sharp bounds for the number of regions of maxout networks and vertices of
Minkowski sums*, SIAM J. Appl. Algebra Geom. 2022 (regions of maxout layers = upper vertices of Minkowski
sums of polytopes).  Proofs: ``proofs/pooling.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from canopy.bounds._combinatorics import check_nonneg_int, zaslavsky
from canopy.bounds.branches import ProductBound, zaslavsky_log10
from canopy.bounds.conv import axis_windows
from canopy.bounds.spec import BoundSpec
from canopy.errors import InvalidArgumentError

__all__ = [
    "adaptive_axis_windows",
    "maxpool_pair_count",
    "maxpool_window_product",
    "maxpool_bound",
    "avgpool_rank",
    "max2_bound",
    "axis_windows",
]


@lru_cache(maxsize=1024)
def adaptive_axis_windows(size: int, out: int) -> tuple[tuple[int, ...], ...]:
    """Windows of PyTorch's adaptive pooling along one axis (``floor(i*n/o)`` to ``ceil((i+1)*n/o)``).

    Examples
    --------
    >>> adaptive_axis_windows(5, 2)
    ((0, 1, 2), (2, 3, 4))
    """
    size, out = check_nonneg_int(size, "size"), check_nonneg_int(out, "out")
    if size < 1 or out < 1:
        raise InvalidArgumentError("adaptive pooling needs positive input and output sizes")
    return tuple(tuple(range((i * size) // out, -((-(i + 1) * size) // out))) for i in range(out))


@lru_cache(maxsize=4096)
def _ordered_pairs_cached(ax) -> tuple[int, int]:
    pairs = set()
    for w in ax:
        for a in w:
            for b in w:
                pairs.add((a, b))
    covered = {q for w in ax for q in w}
    return len(pairs), len(covered)


def _ordered_pairs(ax: Sequence[Sequence[int]]) -> tuple[int, int]:
    """(ordered co-occurring coordinate pairs incl. the diagonal, covered coordinates) along one axis."""
    return _ordered_pairs_cached(tuple(tuple(int(q) for q in w) for w in ax))


def maxpool_pair_count(channels: int, windows: Sequence[Sequence[Sequence[int]]]) -> int:
    r"""Number of distinct comparison hyperplanes :math:`x_{c,q} = x_{c,q'}` of a max-pool layer.

    Two positions share a window iff their coordinates share a window along every axis, so with
    :math:`O_a` the ordered co-occurring pairs (diagonal included) and :math:`c_a` the covered coordinates of
    axis ``a``, the count is :math:`C\,(\prod_a O_a - \prod_a c_a)/2`.

    Examples
    --------
    >>> maxpool_pair_count(1, [axis_windows(2, 2, 2)])            # max(a, b): one comparison
    1
    >>> maxpool_pair_count(1, [axis_windows(2, 2, 2), axis_windows(2, 2, 2)])   # 2x2 window: C(4, 2)
    6
    """
    prod_o, prod_c = 1, 1
    for ax in windows:
        o, c = _ordered_pairs(ax)
        prod_o *= o
        prod_c *= c
    return check_nonneg_int(channels, "channels") * (prod_o - prod_c) // 2


def maxpool_window_product(channels: int, windows: Sequence[Sequence[Sequence[int]]]) -> ProductBound:
    r""":math:`\prod_w |w|` over every window of every channel, as a :class:`ProductBound`.

    Examples
    --------
    >>> maxpool_window_product(2, [axis_windows(4, 2, 2)]).value()    # 2 channels x 2 windows of size 2
    16
    """
    channels = check_nonneg_int(channels, "channels")
    outs = [len(ax) for ax in windows]
    terms = []
    for a, ax in enumerate(windows):
        others = channels
        for b, n in enumerate(outs):
            if b != a:
                others *= n
        for size, cnt in Counter(len(w) for w in ax).items():
            terms.append((size, cnt * others))
    return ProductBound(terms)


@lru_cache(maxsize=4096)
def _maxpool(channels: int, windows: tuple, rank: int) -> tuple[ProductBound, int]:
    pairs = maxpool_pair_count(channels, windows)
    arrangement = ProductBound([(zaslavsky(pairs, rank), 1)])
    windows_pb = maxpool_window_product(channels, windows)
    if zaslavsky_log10(pairs, rank) <= windows_pb.log10():
        return arrangement, pairs
    return windows_pb, pairs


def maxpool_bound(channels: int, windows: Sequence[Sequence[Sequence[int]]], rank: int) -> ProductBound:
    r"""Cells a max-pool layer cuts a piece into: :math:`\min(r(P, \mathrm{rank}), \prod_w |w|)`.

    Parameters
    ----------
    channels : int
        Number of channels (pooling is per channel).
    windows : sequence of sequences
        Per spatial axis, the input coordinates of each output position (:func:`~canopy.bounds.conv.axis_windows`,
        :func:`adaptive_axis_windows`).
    rank : int
        Upper bound on the effective dimension of the pooled tensor on the piece.

    Returns
    -------
    ProductBound

    Examples
    --------
    >>> maxpool_bound(1, [axis_windows(2, 2, 2)], 2).value()     # max(a, b) of a 2-D input: 2 regions
    2
    >>> maxpool_bound(1, [axis_windows(3, 2, 1)], 3).value()     # overlapping windows (a,b),(b,c): 2 pairs
    4
    """
    rank = check_nonneg_int(rank, "rank")
    win = tuple(tuple(tuple(int(q) for q in w) for w in ax) for ax in windows)
    return _maxpool(check_nonneg_int(channels, "channels"), win, rank)[0]


def avgpool_rank(channels: int, windows: Sequence[Sequence[Sequence[int]]], input_rank: int) -> int:
    """Effective dimension after average pooling: ``min(input_rank, channels * #outputs)``; no new regions.

    Examples
    --------
    >>> avgpool_rank(16, [axis_windows(32, 2, 2), axis_windows(32, 2, 2)], 3072)
    3072
    >>> avgpool_rank(1, [adaptive_axis_windows(8, 1)], 8)
    1
    """
    outs = check_nonneg_int(channels, "channels")
    for ax in windows:
        outs *= len(ax)
    return min(check_nonneg_int(input_rank, "input_rank"), outs)


def max2_bound(rank: int) -> int:
    """Regions of ``max(a(x), b(x))`` for affine ``a, b`` on a rank-``rank`` input: at most 2 (1 if ``rank == 0``).

    Examples
    --------
    >>> max2_bound(5), max2_bound(0)
    (2, 1)
    """
    return zaslavsky(1, min(1, check_nonneg_int(rank, "rank")))



def _maxpool_value(channels, windows, rank) -> int:
    return maxpool_bound(channels, windows, rank).value()


#: the bounds this module declares (registered by :mod:`canopy.bounds`)
SPECS = (
    BoundSpec(name="maxpool", function=_maxpool_value, kind="upper", signature="pool",
              summary="min(r(P, rank), prod_w |w|), P = distinct co-occurring pairs",
              hypotheses="any input of effective dimension <= rank; -inf (excluded) padding",
              proof="proofs/pooling.md"),
)
