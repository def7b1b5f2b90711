"""Exact combinatorics behind every region bound: Zaslavsky counts and exact base-10 logarithms.

Everything here works on Python integers, which never overflow: a Zaslavsky count for ``n = 10_000``
hyperplanes in dimension ``d = 3072`` is a 3,000-digit integer and is computed exactly.  Logarithms are
taken only at the very end, by :func:`log10_int`, from the integer's bit length and its leading 64 bits.

The proofs of the identities used here are in ``proofs/generic.md`` (section "Zaslavsky's count").
"""

from __future__ import annotations

import math
from functools import lru_cache

from canopy.errors import InvalidArgumentError

__all__ = [
    "check_nonneg_int",
    "zaslavsky",
    "zaslavsky_prefix",
    "rank_limited_zaslavsky",
    "log10_int",
    "check_architecture",
]

#: log10(2), correctly rounded
_LOG10_2 = math.log10(2.0)


def check_nonneg_int(value: object, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer, else raise ``ValueError``/``TypeError``.

    ``bool`` is rejected (``True`` is not a width).  Integral numpy scalars are accepted through
    ``__index__``.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        Name used in the error message.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer (floats included: ``3.0`` is refused).
    ValueError
        If ``value`` is negative.

    Examples
    --------
    >>> check_nonneg_int(5, "n")
    5
    >>> check_nonneg_int(-1, "n")
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArgumentError: n must be a non-negative integer, got -1
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise InvalidArgumentError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    as_int = int(value.__index__())  # type: ignore[attr-defined]
    if as_int < 0:
        raise InvalidArgumentError(f"{name} must be a non-negative integer, got {as_int}")
    return as_int


@lru_cache(maxsize=256)
def _prefix_sums(n: int, kmax: int) -> tuple[int, ...]:
    """``(P(n, 0), ..., P(n, kmax))`` with ``P(n, k) = sum_{j<=k} C(n, j)``, ``kmax <= n``."""
    out = []
    term = 1  # C(n, 0)
    total = 0
    for j in range(kmax + 1):
        total += term
        out.append(total)
        term = term * (n - j) // (j + 1)  # C(n, j+1), exact
    return tuple(out)


def zaslavsky_prefix(n: int, kmax: int) -> tuple[int, ...]:
    r"""All partial Zaslavsky sums :math:`(r(n, 0), r(n, 1), \dots, r(n, k_{\max}))` at once.

    Parameters
    ----------
    n : int
        Number of hyperplanes, ``n >= 0``.
    kmax : int
        Largest dimension wanted, ``kmax >= 0``.  Entries with ``k >= n`` equal ``2**n``.

    Returns
    -------
    tuple of int
        Entry ``k`` is :func:`zaslavsky` ``(n, k)``.

    Examples
    --------
    >>> zaslavsky_prefix(4, 5)
    (1, 5, 11, 15, 16, 16)
    """
    n = check_nonneg_int(n, "n")
    kmax = check_nonneg_int(kmax, "kmax")
    head = _prefix_sums(n, min(kmax, n))
    if kmax <= n:
        return head
    return head + (head[-1],) * (kmax - n)


def _split(n: int, a: int, b: int) -> tuple[int, int, int]:
    """Binary splitting of ``sum_{i=a+1..b} prod_{j=a..i-1} (n - j) / (j + 1)`` as ``(P, Q, T)``.

    ``P = prod (n - j)``, ``Q = prod (j + 1)`` over ``a <= j < b`` and ``T / Q`` is the sum, all exact integers.
    """
    if b - a <= 16:
        P, Q, T = 1, 1, 0
        for j in range(a, b):
            P *= n - j
            T = T * (j + 1) + P
            Q *= j + 1
        return P, Q, T
    m = (a + b) // 2
    P1, Q1, T1 = _split(n, a, m)
    P2, Q2, T2 = _split(n, m, b)
    return P1 * P2, Q1 * Q2, T1 * Q2 + P1 * T2


def _exact_quotient(num: int, den: int) -> int:
    """``num // den`` for a positive ``den`` that divides ``num``, via a 2-adic inverse (Jebelean's exact division).

    Python's long division is quadratic in the size; Hensel lifting of ``den``'s inverse modulo a power of two
    costs a few multiplications (Karatsuba), which matters for million-bit quotients.
    """
    shift = (den & -den).bit_length() - 1
    num >>= shift
    den >>= shift
    bits = num.bit_length() - den.bit_length() + 2  # the quotient has fewer bits than this
    inv, prec = 1, 1  # den is odd: its inverse modulo 2 is 1; each step doubles the precision
    while prec < bits:
        prec = min(2 * prec, bits)
        mask = (1 << prec) - 1
        inv = (inv * (2 - (den & mask) * inv)) & mask
    mask = (1 << bits) - 1
    return ((num & mask) * inv) & mask


def _binomial_prefix_sum(n: int, k: int) -> int:
    """``sum_{j<=k} C(n, j)`` for ``0 <= k <= n``: a plain loop for small ``k``, else binary splitting.

    The loop costs ``k`` steps on integers of up to ``log2 C(n, k)`` bits (quadratic; ``zaslavsky(10**7, 10**5)``
    took 15 s); binary splitting forms the sum as one fraction ``(Q + T) / k!`` with balanced products and one
    exact division (about ten times faster there, nearly linear in the size of the answer).
    """
    if k * k * max(1.0, math.log2(math.e * n / max(k, 1))) < 5e7:  # ~ k steps x log2 C(n, k) bits: the loop is quick
        return _prefix_sums(n, k)[-1]
    _, Q, T = _split(n, 0, k)
    return _exact_quotient(Q + T, Q)


@lru_cache(maxsize=8192)
def _zaslavsky(n: int, d: int) -> int:
    if d >= n:
        return 1 << n
    if 2 * d + 1 >= n:
        # fewer terms from the other end: sum_{j<=d} C(n,j) = 2^n - sum_{j<n-d} C(n,j)
        return (1 << n) - _binomial_prefix_sum(n, n - d - 1)
    return _binomial_prefix_sum(n, d)


def zaslavsky(n: int, d: int) -> int:
    r"""Number of regions of ``n`` affine hyperplanes in general position in :math:`\mathbb{R}^d`.

    .. math::  r(n, d) = \sum_{j=0}^{d} \binom{n}{j},

    which is ``2**n`` when ``d >= n``.  For *any* arrangement of ``n`` hyperplanes in ``R^d`` (degenerate or
    not) the number of regions is at most ``r(n, d)`` (Zaslavsky 1975), so this is the one-layer upper bound
    used by every deep bound.  Computed exactly with Python integers (no overflow, no rounding).

    Parameters
    ----------
    n : int
        Number of hyperplanes (neurons of the layer), ``n >= 0``.
    d : int
        Dimension of the space they cut, ``d >= 0``.

    Returns
    -------
    int
        :math:`r(n, d)`, exact.

    Raises
    ------
    TypeError, ValueError
        If ``n`` or ``d`` is not a non-negative integer.

    Examples
    --------
    >>> zaslavsky(4, 2), zaslavsky(8, 2), zaslavsky(5, 3), zaslavsky(16, 2)
    (11, 37, 26, 137)
    >>> zaslavsky(10, 20) == 2**10
    True
    >>> len(str(zaslavsky(10_000, 3072)))   # exact 2,900+-digit integer
    2678

    References
    ----------
    T. Zaslavsky, *Facing up to arrangements: face-count formulas for partitions of space by hyperplanes*,
    Memoirs AMS 154, 1975.  Proof of the upper bound used here: ``proofs/generic.md`` (Lemma 1).
    """
    return _zaslavsky(check_nonneg_int(n, "n"), check_nonneg_int(d, "d"))


def rank_limited_zaslavsky(n: int, rank: int, d: int | None = None) -> int:
    r"""Region bound for ``n`` hyperplanes whose normals span a space of dimension ``rank``.

    The arrangement is the pull-back of an arrangement in :math:`\mathbb{R}^{\mathrm{rank}}`, hence has at most
    :math:`r(n, \min(\mathrm{rank}, d))` regions (``proofs/generic.md``, Corollary 2).  Used for structured
    layers (convolutions) whose normals are not generic.

    Parameters
    ----------
    n : int
        Number of hyperplanes.
    rank : int
        Dimension of the span of the normals (an upper bound on it is fine).
    d : int, optional
        Ambient dimension; the effective dimension is ``min(rank, d)``.

    Returns
    -------
    int

    Examples
    --------
    >>> rank_limited_zaslavsky(16, 2, d=3072) == zaslavsky(16, 2)
    True
    """
    rank = check_nonneg_int(rank, "rank")
    eff = rank if d is None else min(rank, check_nonneg_int(d, "d"))
    return zaslavsky(n, eff)


def log10_int(x: int) -> float:
    r"""Base-10 logarithm of a positive Python integer of any size, accurate to a few ulps.

    The integer is written :math:`x = m \cdot 2^e` with the mantissa :math:`m` holding its leading 64 bits
    (exact integer shift, no float overflow), and :math:`\log_{10} x = \log_{10} m + e \log_{10} 2`.  The
    truncation of the lower bits changes the result by less than :math:`2^{-63}/\ln 10` relative to ``m``.

    Parameters
    ----------
    x : int
        A positive integer (a region count or a bound).

    Returns
    -------
    float
        :math:`\log_{10} x`, finite.

    Raises
    ------
    ValueError
        If ``x <= 0`` (a count of zero has no logarithm; callers decide what that means).
    TypeError
        If ``x`` is not an integer.

    Examples
    --------
    >>> log10_int(1000)
    3.0
    >>> round(log10_int(2**256), 4)
    77.0637
    >>> round(log10_int(10**5000 * 3), 6)
    5000.477121
    """
    if isinstance(x, bool) or not isinstance(x, int):
        raise InvalidArgumentError(f"log10_int needs an int, got {type(x).__name__}")
    if x <= 0:
        raise InvalidArgumentError(f"log10 of a non-positive count ({x}) is undefined")
    bits = x.bit_length()
    if bits <= 64:
        return math.log10(x)
    shift = bits - 64
    mantissa = x >> shift
    return math.log10(mantissa) + shift * _LOG10_2


def check_architecture(input_dim: object, widths: object) -> tuple[int, tuple[int, ...]]:
    """Validate a dense architecture ``(n_0; n_1, ..., n_L)`` and return it as ints.

    Parameters
    ----------
    input_dim : int
        ``n_0 >= 1``.
    widths : sequence of int
        Hidden widths ``n_1, ..., n_L``, each ``>= 1``; may be empty (an affine map: one region).

    Returns
    -------
    (int, tuple of int)

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        Naming the offending entry.

    Examples
    --------
    >>> check_architecture(3, [5, 5])
    (3, (5, 5))
    """
    from canopy.errors import InvalidArchitectureError

    if isinstance(input_dim, bool) or not hasattr(input_dim, "__index__") or int(input_dim) < 1:  # type: ignore[call-overload]
        raise InvalidArchitectureError(f"input_dim must be a positive integer, got {input_dim!r}")
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise InvalidArchitectureError(f"widths must be a sequence of positive integers, got {widths!r}")
    out = []
    for i, w in enumerate(widths):  # type: ignore[union-attr]
        if isinstance(w, bool) or not hasattr(w, "__index__") or int(w) < 1:
            raise InvalidArchitectureError(
                f"hidden width n_{i + 1} (layer {i + 1}) must be a positive integer, got {w!r}"
            )
        out.append(int(w))
    return int(input_dim), tuple(out)  # type: ignore[call-overload]
