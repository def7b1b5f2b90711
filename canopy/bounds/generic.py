r"""The per-layer ("bottleneck") Zaslavsky product: an upper bound on the number of linear regions.

Definition
----------
For a ReLU network with input dimension :math:`n_0` and hidden widths :math:`n_1, \dots, n_L`,

.. math::  N_{\mathrm{generic}} = \prod_{l=1}^{L} r(n_l, d_l), \qquad
           d_l = \min(n_0, n_1, \dots, n_{l-1}),\qquad r(n, d) = \sum_{j=0}^{d} \binom{n}{j}.

:math:`d_l` is the *effective dimension* carried through the layers: on every activation region, the
image of layer ``l - 1`` lies in an affine space of dimension at most :math:`d_l`, so the ``n_l``
hyperplanes of layer ``l`` cut it into at most :math:`r(n_l, d_l)` pieces (Zaslavsky).  Including
:math:`n_l` itself in the minimum changes nothing (:math:`r(n, d) = r(n, \min(n, d))`).

Proof: ``proofs/generic.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from canopy.bounds._combinatorics import check_architecture, zaslavsky

__all__ = ["generic_bound", "effective_dimensions"]


def effective_dimensions(input_dim: int, widths: Sequence[int]) -> tuple[int, ...]:
    r"""The effective dimensions :math:`d_l = \min(n_0, \dots, n_{l-1})`, one per hidden layer.

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.

    Returns
    -------
    tuple of int
        :math:`(d_1, \dots, d_L)`.

    Examples
    --------
    >>> effective_dimensions(784, [8, 14])
    (784, 8)
    """
    n0, ws = check_architecture(input_dim, widths)
    dims = []
    d = n0
    for n in ws:
        dims.append(d)
        d = min(d, n)
    return tuple(dims)


def generic_bound(input_dim: int, widths: Sequence[int]) -> int:
    r"""Per-layer Zaslavsky product with the effective dimension carried through the layers.

    .. math::  N \le \prod_{l=1}^{L} \sum_{j=0}^{d_l} \binom{n_l}{j},\qquad d_l = \min(n_0, \dots, n_{l-1}).

    An **upper bound** on the number of linear regions (and of activation regions) of *every* ReLU network
    with this architecture, for any weights (degenerate ones included).  Exact integer arithmetic.

    Parameters
    ----------
    input_dim : int
        Input dimension :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L` (each ``>= 1``; empty: one region).

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
    >>> generic_bound(3, [5, 5])        # 26 * 26
    676
    >>> generic_bound(784, [8, 14])     # 2**8 * 12,911
    3305216
    >>> generic_bound(1, [3, 3]) == (3 + 1) * (3 + 1)
    True

    References
    ----------
    T. Zaslavsky, Memoirs AMS 154 (1975); G. Montúfar, *Notes on the number of linear regions of deep neural
    networks* (2017); T. Serra, C. Tjandraatmadja, S. Ramalingam, *Bounding and counting linear regions of
    deep neural networks*, ICML 2018 (the bottleneck form).  Proof: ``proofs/generic.md``.
    """
    n0, ws = check_architecture(input_dim, widths)
    total = 1
    d = n0
    for n in ws:
        total *= zaslavsky(n, d)
        d = min(d, n)
    return total
