r"""Serra–Tjandraatmadja–Ramalingam (ICML 2018) lower bound on the *maximal* number of linear regions.

Definition
----------
.. math::  N_{\mathrm{serra\_lower}} = \Bigl(\prod_{l=1}^{L-1}
           \Bigl(\Bigl\lfloor \frac{n_l}{n_0} \Bigr\rfloor + 1\Bigr)^{n_0}\Bigr)
           \cdot \sum_{j=0}^{n_0} \binom{n_L}{j}.

It improves Montúfar's folding factor :math:`\lfloor n_l/n_0 \rfloor` to :math:`\lfloor n_l/n_0 \rfloor + 1`:
``p`` ReLUs per input coordinate fold :math:`[0, 1]` onto itself ``p + 1`` times (not ``p``), by letting one
unit face the other way.  This needs :math:`p \ge 3`, i.e. the precondition :math:`n_l \ge 3 n_0` for the
folding layers :math:`l < L`.  A **lower bound on the maximum** (built exactly by
:func:`canopy.bounds.constructions.serra_construction`); :func:`serra_lower_bound` returns ``0`` when the
precondition fails.  Proof: ``proofs/montufar.md`` (section "Serra's lower bound").
"""

from __future__ import annotations

from collections.abc import Sequence

from canopy.bounds._combinatorics import check_architecture, zaslavsky

__all__ = ["serra_lower_bound", "serra_lower_precondition"]


def serra_lower_precondition(input_dim: int, widths: Sequence[int]) -> str | None:
    r"""Why Serra's lower bound does not apply (some folding layer has :math:`n_l < 3 n_0`), or ``None``.

    Parameters
    ----------
    input_dim : int
        :math:`n_0`.
    widths : sequence of int
        Hidden widths.

    Returns
    -------
    str or None

    Examples
    --------
    >>> serra_lower_precondition(2, [8, 8]) is None
    True
    >>> serra_lower_precondition(2, [4, 4])
    'serra lower bound needs n_l >= 3 n_0 for every hidden layer but the last; layer 1 has n_1 = 4 < 3 n_0 = 6'
    """
    n0, ws = check_architecture(input_dim, widths)
    for layer, n in enumerate(ws[:-1], start=1):
        if n < 3 * n0:
            return (
                "serra lower bound needs n_l >= 3 n_0 for every hidden layer but the last; "
                f"layer {layer} has n_{layer} = {n} < 3 n_0 = {3 * n0}"
            )
    return None


def serra_lower_bound(input_dim: int, widths: Sequence[int]) -> int:
    r"""Serra et al. (2018) lower bound on the maximal number of linear regions.

    Parameters
    ----------
    input_dim : int
        :math:`n_0 \ge 1`.
    widths : sequence of int
        Hidden widths :math:`n_1, \dots, n_L`.

    Returns
    -------
    int
        :math:`\prod_{l<L} (\lfloor n_l/n_0 \rfloor + 1)^{n_0} \cdot \sum_{j \le n_0} \binom{n_L}{j}`, or ``0``
        when the precondition :math:`n_l \ge 3 n_0` (``l < L``) fails; ``1`` for no hidden layer.

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        For a non-positive input dimension or width.

    Examples
    --------
    >>> serra_lower_bound(2, [8, 8])     # 5**2 * 37
    925
    >>> serra_lower_bound(1, [3, 3])     # tight: equals the upper bound 16
    16
    >>> serra_lower_bound(2, [4, 4])     # 4 < 3 * 2
    0

    References
    ----------
    T. Serra, C. Tjandraatmadja, S. Ramalingam, ICML 2018, arXiv:1711.02114 (lower-bound theorem; statement
    not re-read against the PDF, the bound is proved here by an explicit, exactly counted construction).
    """
    n0, ws = check_architecture(input_dim, widths)
    if not ws:
        return 1
    if serra_lower_precondition(n0, ws) is not None:
        return 0
    total = zaslavsky(ws[-1], n0)
    for n in ws[:-1]:
        total *= (n // n0 + 1) ** n0
    return total
