r"""The Zhang–Naitzat–Lim tropical (zonotope) upper bound: the plain per-layer product.

Definition
----------
.. math::  N_{\mathrm{zhang}} = \prod_{l=1}^{L} \sum_{i=0}^{n_0} \binom{n_l}{i}.

Each hidden layer is counted as if it cut the full input space :math:`\mathbb{R}^{n_0}` (the upper
vertices of a zonotope with :math:`n_l` generators in :math:`\mathbb{R}^{n_0+1}`), ignoring the bottleneck.
Zhang et al. state it for :math:`n_l \ge n_0`; ``proofs/zhang.md`` shows that it is an upper bound for every
architecture because it dominates :func:`canopy.bounds.generic.generic_bound` term by term.
"""

from __future__ import annotations

from collections.abc import Sequence

from canopy.bounds._combinatorics import check_architecture, zaslavsky

__all__ = ["zhang_bound"]


def zhang_bound(input_dim: int, widths: Sequence[int]) -> int:
    r"""Plain per-layer product :math:`\prod_l \sum_{i \le n_0} \binom{n_l}{i}` (Zhang, Naitzat & Lim 2018).

    An **upper bound** on the number of linear regions of every ReLU network of this architecture.  It is
    never smaller than :func:`~canopy.bounds.generic.generic_bound` (equal when every width is at least
    ``n_0``, except the last layer whose width does not matter).

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.

    Returns
    -------
    int
        The bound, exact.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.

    Examples
    --------
    >>> zhang_bound(3, [5, 5])
    676
    >>> zhang_bound(784, [8, 14]) == 2**22
    True

    References
    ----------
    L. Zhang, G. Naitzat, L.-H. Lim, *Tropical geometry of deep neural networks*, ICML 2018 (the bound on the
    number of linear regions; theorem number not re-read, see ``proofs/zhang.md``).
    """
    n0, ws = check_architecture(input_dim, widths)
    total = 1
    for n in ws:
        total *= zaslavsky(n, n0)
    return total
