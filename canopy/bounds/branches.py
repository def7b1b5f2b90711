r"""Region bounds for sums of branches (skip connections, DAG nodes that add) and concatenation.

Adding two piecewise-linear functions is a tropical product, so their Newton polytopes add (Minkowski
sum) and the linear regions of ``f + g`` refine the common refinement of the regions of ``f`` and ``g``.
This module holds the exact-integer rules the cell calculus (:mod:`canopy.nas.cells`) combines:

* :func:`product_bound` -- :math:`N(f + g) \le N(f)\,N(g)` (and for concatenation ``[f, g]``);
* :func:`union_arrangement_bound` -- the sharper count when the branches' cuts are *hyperplane
  arrangements on the same piece*: ``n_1, ..., n_k`` hyperplanes whose normals span at most ``r``
  dimensions cut a convex piece into at most :math:`\sum_{j \le r} \binom{n_1 + \dots + n_k}{j}` cells,
  which never exceeds the product of the separate counts (Vandermonde);
* :func:`level_factor` -- the rule the calculus applies to one *level* of cut nodes: the minimum of the two;
* :func:`sum_rank` / :func:`concat_rank` -- the effective-dimension rule for nodes that add / concatenate;
* :func:`gritzmann_sturmfels_vertex_bound` -- the Minkowski-sum vertex bound
  :math:`2\sum_{i<D}\binom{m-1}{i}` for ``m`` edge directions in :math:`\mathbb{R}^D`.  **Unverified
  literature statement** (not re-read against Gritzmann & Sturmfels 1993); it is exposed for reference and
  never used by an upper-bound claim.  Its affine counterpart that the calculus does use (the arrangement of
  the edge-direction hyperplanes refines the argmax partition) is proved in ``proofs/pooling.md``.

Bounds are kept in :class:`ProductBound` form, a product of exact integer powers, so that a bound with
hundreds of thousands of digits is still exact and its ``log10`` is cheap.  Proofs: ``proofs/branches.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache

from canopy.bounds._combinatorics import check_nonneg_int, log10_int, zaslavsky
from canopy.bounds.spec import BoundSpec
from canopy.errors import InvalidArgumentError

__all__ = [
    "ProductBound",
    "product_bound",
    "union_arrangement_bound",
    "level_factor",
    "sum_rank",
    "concat_rank",
    "gritzmann_sturmfels_vertex_bound",
    "zaslavsky_log10",
]


_LN10 = math.log(10.0)


def _log10_prefix(n: int, m: int) -> float:
    """log10 sum_{j<=m} C(n, j) for 0 <= m < n/2, in floating point (terms summed from the top down)."""
    top = (math.lgamma(n + 1) - math.lgamma(m + 1) - math.lgamma(n - m + 1)) / _LN10
    total, term, j = 1.0, 1.0, m
    while j > 0:
        term *= j / (n - j + 1)
        total += term
        if term < 1e-18 * total:
            break
        j -= 1
    return top + math.log10(total)


@lru_cache(maxsize=1 << 16)
def zaslavsky_log10(n: int, d: int) -> float:
    r"""``log10`` of :func:`~canopy.bounds._combinatorics.zaslavsky` ``(n, d)``.

    Small cases (``n <= 4096`` or ``d <= 256``) take the log of the exact integer; larger ones use
    ``lgamma`` and a top-down sum of term ratios (relative error about ``1e-12``), because the exact integer
    would need thousands of big-integer steps.  Only scores use this; exact bounds stay exact
    (:meth:`ProductBound.value`).

    Examples
    --------
    >>> round(zaslavsky_log10(4, 2), 6) == round(math.log10(11), 6)
    True
    >>> abs(zaslavsky_log10(20000, 3072) - log10_int(zaslavsky(20000, 3072))) < 1e-8
    True
    """
    d = min(d, n)
    if d == n:
        return n * math.log10(2.0)
    if n <= 4096 or d <= 256:
        return log10_int(zaslavsky(n, d))
    if 2 * d < n:
        return _log10_prefix(n, d)
    # sum_{j<=d} = 2^n - sum_{j<=n-d-1}
    full = n * math.log10(2.0)
    rest = _log10_prefix(n, n - d - 1) - full
    return full + math.log10(-math.expm1(rest * _LN10))


class ProductBound:
    r"""An exact positive integer kept as a product :math:`\prod_i b_i^{e_i}` of integer powers.

    Parameters
    ----------
    terms : iterable of (int, int), optional
        ``(base, exponent)`` pairs with ``base >= 1`` and ``exponent >= 0``.  Empty: the integer 1.

    Examples
    --------
    >>> b = ProductBound([(11, 2)]) * ProductBound([(3, 1)])
    >>> b.value(), round(b.log10(), 6) == round(math.log10(363), 6)
    (363, True)
    """

    __slots__ = ("terms",)

    def __init__(self, terms: Iterable[tuple[int, int]] = ()):
        merged: dict[int, int] = {}
        for base, exp in terms:
            base = check_nonneg_int(base, "base")
            exp = check_nonneg_int(exp, "exponent")
            if base == 0:
                raise InvalidArgumentError("a region bound is a positive integer; got the factor 0")
            if base == 1 or exp == 0:
                continue
            merged[base] = merged.get(base, 0) + exp
        self.terms: tuple[tuple[int, int], ...] = tuple(sorted(merged.items()))

    def __mul__(self, other: ProductBound) -> ProductBound:
        return ProductBound(self.terms + other.terms)

    def __pow__(self, k: int) -> ProductBound:
        return ProductBound((b, e * k) for b, e in self.terms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProductBound) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)

    def __repr__(self) -> str:
        return f"ProductBound({list(self.terms)!r})"

    def log10(self) -> float:
        """``log10`` of the integer (a sum of exact-integer logarithms; 0.0 for the integer 1)."""
        return math.fsum(e * log10_int(b) for b, e in self.terms)

    def value(self) -> int:
        """The exact integer (may have very many digits)."""
        out = 1
        for b, e in self.terms:
            out *= b**e
        return out


def product_bound(counts: Sequence[int]) -> int:
    r"""Regions of a sum (or concatenation) of branches: :math:`N(f_1 + \dots + f_k) \le \prod_i N(f_i)`.

    Valid for any branches (the common refinement of the branch partitions; ``proofs/branches.md``, Lemma B1).

    Parameters
    ----------
    counts : sequence of int
        Region counts (or upper bounds) of the branches, each ``>= 1``.

    Returns
    -------
    int

    Examples
    --------
    >>> product_bound([11, 7])
    77
    """
    out = 1
    for i, c in enumerate(counts):
        c = check_nonneg_int(c, f"counts[{i}]")
        if c == 0:
            raise InvalidArgumentError("a region count is at least 1")
        out *= c
    return out


def union_arrangement_bound(hyperplanes: Sequence[int], rank: int) -> int:
    r"""Cells cut from one convex piece by several arrangements together: :math:`r(\sum_i n_i, r)`.

    Parameters
    ----------
    hyperplanes : sequence of int
        Number of hyperplanes ``n_i`` each branch contributes (degenerate ones may be included).
    rank : int
        Upper bound on the dimension spanned by all their normals (effective dimension).

    Returns
    -------
    int
        :math:`\sum_{j \le r}\binom{n_1 + \dots + n_k}{j}` -- at most the product of the separate counts
        :math:`\prod_i \sum_{j\le r}\binom{n_i}{j}` (``proofs/branches.md``, Lemma B3).

    Examples
    --------
    >>> union_arrangement_bound([2, 2], 1), 3 * 3      # union vs product of two 1-D arrangements
    (5, 9)
    """
    total = sum(check_nonneg_int(n, "hyperplanes") for n in hyperplanes)
    return zaslavsky(total, check_nonneg_int(rank, "rank"))


def level_factor(
    hyperplanes: Sequence[int], individual: Sequence[ProductBound], rank: int
) -> ProductBound:
    r"""The factor one *level* of simultaneous cut nodes contributes: min(union arrangement, product).

    Parameters
    ----------
    hyperplanes : sequence of int
        Hyperplanes of each cut node of the level (ReLU units, max-pool comparison pairs).
    individual : sequence of ProductBound
        A valid bound on the cells each node alone cuts a piece into (e.g. a structured convolution count).
    rank : int
        Upper bound on the dimension spanned by the normals of all the level's hyperplanes.

    Returns
    -------
    ProductBound
        Whichever of :math:`r(\sum n_v, r)` and :math:`\prod_v B_v` has the smaller logarithm (both are valid
        upper bounds, ``proofs/cells.md`` Theorem C1).

    Examples
    --------
    >>> level_factor([2, 2], [ProductBound([(3, 1)]), ProductBound([(3, 1)])], 1).value()
    5
    """
    union_pb = ProductBound([(union_arrangement_bound(hyperplanes, rank), 1)])
    prod_pb = ProductBound()
    for b in individual:
        prod_pb = prod_pb * b
    return union_pb if union_pb.log10() <= prod_pb.log10() else prod_pb


def sum_rank(ranks: Sequence[int], units: int) -> int:
    r"""Effective-dimension rule for a node that adds branches: :math:`\min(\sum_i r_i, n)`.

    The row space of the Jacobian of a sum lies in the sum of the branches' row spaces.

    Examples
    --------
    >>> sum_rank([3, 4], 5), sum_rank([0, 2], 10)
    (5, 2)
    """
    return min(sum(ranks), check_nonneg_int(units, "units"))


def concat_rank(ranks: Sequence[int], units: int) -> int:
    """Effective-dimension rule for concatenation: the same as :func:`sum_rank` (rows are stacked).

    Examples
    --------
    >>> concat_rank([3, 4], 6)
    6
    """
    return sum_rank(ranks, units)


def gritzmann_sturmfels_vertex_bound(m: int, D: int) -> int:
    r"""Vertex bound :math:`2\sum_{i=0}^{D-1}\binom{m-1}{i}` for a Minkowski sum with ``m`` edge directions.

    **Unverified literature statement** (Gritzmann & Sturmfels, SIAM J. Discrete Math. 1993), quoted from
    the project reference without checking the paper.  It is consistent with the zonotope count (all
    summands segments): ``m = 4, D = 2 -> 8`` (octagon), ``m = 4, D = 3 -> 14`` (rhombic dodecahedron).
    Not used by any upper-bound claim of the calculus.

    Examples
    --------
    >>> gritzmann_sturmfels_vertex_bound(4, 2), gritzmann_sturmfels_vertex_bound(4, 3)
    (8, 14)
    """
    m = check_nonneg_int(m, "m")
    D = check_nonneg_int(D, "D")
    if m == 0:
        return 1
    return 2 * sum(math.comb(m - 1, i) for i in range(D))


#: the bounds this module declares (registered by :mod:`canopy.bounds`)
SPECS = (
    BoundSpec(name="branch_product", function=product_bound, kind="upper", signature="branches",
              summary="N(f_1 + ... + f_k) <= prod_i N(f_i)", hypotheses="none",
              proof="proofs/branches.md"),
    BoundSpec(name="branch_union", function=union_arrangement_bound, kind="upper", signature="branches",
              summary="r(n_1 + ... + n_k, rank) for arrangements cutting one convex piece",
              hypotheses="branch cuts are hyperplane arrangements on the same piece, normals in rank dims",
              proof="proofs/branches.md"),
)
