r"""The Serra–Tjandraatmadja–Ramalingam (ICML 2018) upper bound, computed by a dynamic programme.

Definition
----------
.. math::  N_{\mathrm{serra}} = \sum_{(j_1,\dots,j_L) \in J} \prod_{l=1}^{L} \binom{n_l}{j_l},\qquad
   J = \{ j \in \mathbb{Z}^L : 0 \le j_l \le \min(n_0,\, n_1 - j_1,\, \dots,\, n_{l-1} - j_{l-1},\, n_l)\ \forall l \}.

:math:`j_l` counts hyperplanes of layer ``l`` "charged" to a region (a set of inactive units, see
``proofs/serra.md``); a region with :math:`j_l` such units keeps at most :math:`n_l - j_l` active units, which
caps the dimension available to the later layers.

Algorithm
---------
The J-sum has up to :math:`\prod_l (\min(n_0, n_l) + 1)` terms, so it is never enumerated.  A dynamic
programme runs over the *remaining dimension budget* :math:`b = \min(n_0, n_1 - j_1, \dots)`: the state
vector :math:`c[b]` holds the sum of :math:`\prod \binom{n_l}{j_l}` over the prefixes with budget ``b``.
Choosing :math:`j \le \min(b, n)` at a layer of width ``n`` moves ``b`` to :math:`\min(b, n - j)`; with
prefix sums of binomials (``j <= n - b`` keeps ``b``) and suffix sums of ``c`` (``j > n - b`` lands on
``b' = n - j``), each layer costs :math:`O(B)` big-integer operations, :math:`B = \min(n_0, \max_l n_l)`.

Cost guard
----------
The state integers grow by about :math:`n_l` bits per layer, so the whole programme costs about
:math:`W = \sum_l (B_l + 1)\, n_l \sum_{k<l} n_k` bit operations (plus :math:`\min(B_l, n_l)\, n_l` for the
binomial prefix sums): quadratic in the depth.  :func:`serra_work` computes this estimate from the sizes alone,
and :func:`serra_bound` refuses, before any work, when it exceeds :data:`MAX_SERRA_WORK` (about ten CPU seconds;
``serra_bound(3072, [4096] * 64)`` would take about 90 s and ``serra_bound(10**5, [10**5] * 2)`` about 250 s).
Pass ``allow_costly=True``, or run inside :func:`costly_allowed` (what ``canopy score --allow-costly`` does), to
compute it anyway.  Every architecture that ``canopy score`` accepts under its default limits (at most 32,768
hidden neurons, widths and input at most 4,096) estimates at most :math:`2.2 \cdot 10^{12}`, well below the
limit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

from canopy.bounds._combinatorics import check_architecture, zaslavsky_prefix
from canopy.errors import CostlyRequestError

__all__ = ["MAX_SERRA_WORK", "costly_allowed", "serra_bound", "serra_work"]

#: :func:`serra_bound` refuses above this estimated cost (bit operations, see :func:`serra_work`); about ten
#: seconds of one CPU core (``[4096] * 8`` at input 3072: 1.4e12, 1.3 s; ``[4096] * 64``: 1.0e14, 90 s)
MAX_SERRA_WORK = 10**13

_ALLOW_COSTLY: ContextVar[bool] = ContextVar("canopy_bounds_allow_costly", default=False)


@contextlib.contextmanager
def costly_allowed() -> Iterator[None]:
    """Lift :data:`MAX_SERRA_WORK` inside a ``with`` block (this thread / task only).

    For callers that reach :func:`serra_bound` through other functions (the scores, the registry);
    ``canopy score --allow-costly`` uses it.

    Examples
    --------
    >>> with costly_allowed():
    ...     serra_bound(3, [5, 5])
    576
    """
    token = _ALLOW_COSTLY.set(True)
    try:
        yield
    finally:
        _ALLOW_COSTLY.reset(token)


def serra_work(input_dim: int, widths: Sequence[int]) -> int:
    r"""Estimated cost of :func:`serra_bound` in bit operations, from the sizes alone (no bound is computed).

    :math:`W = \sum_l \big[(B_l + 1)\, n_l \sum_{k<l} n_k + \min(B_l, n_l)\, n_l\big]`, with :math:`B_l` the
    largest budget entering layer ``l`` (the state integers have at most :math:`\sum_{k<l} n_k` bits).  About
    :math:`10^{12}` per CPU second on the development machine.

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.

    Returns
    -------
    int

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.

    Examples
    --------
    >>> serra_work(3, [5, 5])
    130
    >>> serra_work(3072, [4096] * 64) > MAX_SERRA_WORK
    True
    """
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        return 0
    budget = min(n0, ws[0])
    bits = 0
    work = 0
    for n in ws:
        work += (budget + 1) * n * bits + min(budget, n) * n
        bits += n
        budget = min(budget, n)
    return work


def _serra_layer(counts: list[int], n: int) -> list[int]:
    """One DP step: budgets ``0..len(counts)-1`` -> budgets ``0..min(B, n)`` after a layer of width ``n``."""
    big_b = len(counts) - 1
    new_b = min(big_b, n)
    prefix = zaslavsky_prefix(n, max(0, min(big_b, n)))  # P(n, k) = sum_{j<=k} C(n, j)
    new = [0] * (new_b + 1)
    # j <= n - b (only if b <= n): the budget stays b; there are P(n, min(b, n - b)) weighted choices
    for b in range(min(big_b, n) + 1):
        if counts[b]:
            new[b] += counts[b] * prefix[min(b, n - b)]
    # j > n - b: the budget drops to b' = n - j < b, reached from every b >= max(b' + 1, n - b')
    suffix = [0] * (big_b + 2)
    for b in range(big_b, -1, -1):
        suffix[b] = suffix[b + 1] + counts[b]
    for b_new in range(new_b + 1):
        lo = max(b_new + 1, n - b_new)
        if lo <= big_b and suffix[lo]:
            binom = prefix[b_new] - (prefix[b_new - 1] if b_new else 0)  # C(n, n - b') = C(n, b')
            new[b_new] += binom * suffix[lo]
    return new


def serra_bound(input_dim: int, widths: Sequence[int], *, allow_costly: bool = False) -> int:
    r"""Serra, Tjandraatmadja & Ramalingam's upper bound :math:`\sum_{j \in J} \prod_l \binom{n_l}{j_l}`.

    An **upper bound** on the number of linear regions of every ReLU network of this architecture; never
    larger than :func:`~canopy.bounds.generic.generic_bound`, equal to it unless some layer is narrow
    relative to the effective dimension, tight for one hidden layer (Zaslavsky) and, for :math:`n_0 = 1`,
    equal to :math:`\prod_l (n_l + 1)` unless a layer before the last has width 1 (then it is smaller,
    e.g. 3 for widths ``[1, 1]``, which is the true maximum).

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.
    allow_costly : bool, default False
        Compute even when :func:`serra_work` estimates more than :data:`MAX_SERRA_WORK` (also lifted inside
        :func:`costly_allowed`).

    Returns
    -------
    int
        The bound, exact (a Python integer of any size).

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.
    canopy.errors.CostlyRequestError
        When the estimated cost exceeds :data:`MAX_SERRA_WORK` (before any work), unless allowed.

    Examples
    --------
    >>> serra_bound(3, [5, 5])          # vs 676 for the per-layer product
    576
    >>> serra_bound(784, [8, 14])       # vs 3,305,216
    600370
    >>> serra_bound(1, [3, 3])          # (3 + 1) * (3 + 1)
    16
    >>> serra_bound(3072, [4096] * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    canopy.errors.CostlyRequestError: serra_bound(3072, 64 widths up to 4096): about 1.0e+14 bit operations ...

    References
    ----------
    T. Serra, C. Tjandraatmadja, S. Ramalingam, *Bounding and counting linear regions of deep neural
    networks*, ICML 2018, arXiv:1711.02114 (Theorem 1; the J set as written above, corroborated by the
    worked values in ``proofs/serra.md``).  Proof in the code's symbols: ``proofs/serra.md``.
    """
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        return 1
    work = serra_work(n0, ws)
    if work > MAX_SERRA_WORK and not (allow_costly or _ALLOW_COSTLY.get()):
        raise CostlyRequestError(
            f"serra_bound({n0}, {len(ws)} widths up to {max(ws)}): about {work:.1e} bit operations (roughly "
            f"{work / 1e12:.0f} CPU s), above canopy.bounds.serra.MAX_SERRA_WORK = {MAX_SERRA_WORK:.0e}; pass "
            "allow_costly=True (canopy score: --allow-costly), or use generic_bound: an upper bound never below it, "
            "computed in milliseconds")
    counts = [0] * (min(n0, ws[0]) + 1)
    counts[-1] = 1  # start with budget min(n0, n1): a larger budget behaves identically at layer 1
    for n in ws:
        counts = _serra_layer(counts, n)
    return sum(counts)
