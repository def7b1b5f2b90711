r"""Montúfar–Pascanu–Cho–Bengio (NeurIPS 2014) lower bound on the *maximal* number of linear regions.

Definition
----------
.. math::  N_{\mathrm{montufar}} = \Bigl(\prod_{l=1}^{L-1} \Bigl\lfloor \frac{n_l}{n_0} \Bigr\rfloor^{n_0}\Bigr)
           \cdot \sum_{j=0}^{n_0} \binom{n_L}{j}.

It is a **lower bound on the maximum** over all weights: some network of this architecture has at least
this many linear regions (the *space-folding* construction, built exactly by
:func:`canopy.bounds.constructions.montufar_construction`).  It says nothing about a random network.

Precondition: :math:`n_l \ge n_0` for the folding layers :math:`l = 1, \dots, L-1` (Montúfar et al. state
:math:`n_l \ge n_0` for every layer; the last layer only needs to cut the folded cube, which works for any
:math:`n_L`, see ``proofs/montufar.md``).  When it fails some factor
:math:`\lfloor n_l / n_0 \rfloor` is 0 and :func:`montufar_bound` returns ``0`` ("no information");
:func:`montufar_precondition` says which layer fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from canopy.bounds._combinatorics import check_architecture, zaslavsky

__all__ = ["montufar_bound", "montufar_precondition"]


def montufar_precondition(input_dim: int, widths: Sequence[int]) -> str | None:
    r"""Why the Montúfar 2014 lower bound does not apply, or ``None`` when it does.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    widths : sequence of int
        Hidden widths.

    Returns
    -------
    str or None
        A one-line reason naming the first layer ``l < L`` with :math:`n_l < n_0`.

    Examples
    --------
    >>> montufar_precondition(2, [4, 4]) is None
    True
    >>> montufar_precondition(784, [8, 14])
    'montufar lower bound needs n_l >= n_0 for every hidden layer but the last; layer 1 has n_1 = 8 < n_0 = 784'
    """
    n0, ws = check_architecture(input_dim, widths)
    for layer, n in enumerate(ws[:-1], start=1):
        if n < n0:
            return (
                "montufar lower bound needs n_l >= n_0 for every hidden layer but the last; "
                f"layer {layer} has n_{layer} = {n} < n_0 = {n0}"
            )
    return None


def montufar_bound(input_dim: int, widths: Sequence[int]) -> int:
    r"""Montúfar et al. (2014) lower bound on the maximal number of linear regions.

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.

    Returns
    -------
    int
        :math:`\prod_{l<L} \lfloor n_l/n_0 \rfloor^{n_0} \cdot \sum_{j \le n_0} \binom{n_L}{j}`; ``0`` when the
        precondition fails (see :func:`montufar_precondition`); ``1`` for no hidden layer.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.

    Examples
    --------
    >>> montufar_bound(2, [8, 8])       # 4**2 * 37
    592
    >>> montufar_bound(1, [3, 3])
    12
    >>> montufar_bound(784, [8, 14])    # precondition fails
    0

    References
    ----------
    G. Montúfar, R. Pascanu, K. Cho, Y. Bengio, *On the number of linear regions of deep neural networks*,
    NeurIPS 2014 (the rectifier corollary; statement not re-read against the PDF, see ``proofs/montufar.md``,
    which proves the bound directly by an explicit construction).
    """
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        return 1
    total = zaslavsky(ws[-1], n0)
    for n in ws[:-1]:
        total *= (n // n0) ** n0
    return total
