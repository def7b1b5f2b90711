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
"""

from __future__ import annotations

from collections.abc import Sequence

from canopy.bounds._combinatorics import check_architecture, zaslavsky_prefix

__all__ = ["serra_bound"]


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


def serra_bound(input_dim: int, widths: Sequence[int]) -> int:
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

    Returns
    -------
    int
        The bound, exact (a Python integer of any size).

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.

    Examples
    --------
    >>> serra_bound(3, [5, 5])          # vs 676 for the per-layer product
    576
    >>> serra_bound(784, [8, 14])       # vs 3,305,216
    600370
    >>> serra_bound(1, [3, 3])          # (3 + 1) * (3 + 1)
    16

    References
    ----------
    T. Serra, C. Tjandraatmadja, S. Ramalingam, *Bounding and counting linear regions of deep neural
    networks*, ICML 2018, arXiv:1711.02114 (Theorem 1; the J set as written above, corroborated by the
    worked values in ``proofs/serra.md``).  Proof in the code's symbols: ``proofs/serra.md``.
    """
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        return 1
    counts = [0] * (min(n0, ws[0]) + 1)
    counts[-1] = 1  # start with budget min(n0, n1): a larger budget behaves identically at layer 1
    for n in ws:
        counts = _serra_layer(counts, n)
    return sum(counts)
