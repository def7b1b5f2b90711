"""ReLU network → tropical rational map (Zhang, Naitzat & Lim 2018, recursion of tropical.md §2.2).

For a layer with weights ``A = A₊ - A₋`` (entrywise positive and negative parts), bias ``b`` and ReLU,
given the previous layer as ``F_j ⊘ G_j``::

    H_i  = b_i ⊙ Π_j F_j^{⊙A₊[i,j]} ⊙ Π_j G_j^{⊙A₋[i,j]}
    G'_i =       Π_j G_j^{⊙A₊[i,j]} ⊙ Π_j F_j^{⊙A₋[i,j]}
    F'_i = H_i ⊕ G'_i                      (ReLU: max(H - G', 0) = max(H, G') - G')

starting from ``F_j = x_j``, ``G_j = 0``; the last (affine) layer keeps ``F = H``, ``G = G'``.

Rational weights: the ⊙-powers ``F^{⊙a}`` with rational ``a >= 0`` are taken literally (the function
``a·F``), so exponents may be rational ("tropical Puiseux"/signomial polynomials, as in TropicalNN.jl).
Denominators are *not* cleared; every algorithm in :mod:`tropical.newton` is exact for rational exponents.

Duplicate exponents are merged (keeping the larger coefficient) always; with ``prune=True`` (default)
every intermediate product and every layer's ``F``, ``G`` are pruned to their non-redundant monomials
(upper-hull vertices), which never changes the function.

Examples
--------
>>> from tropical.network import ReLUNetwork
>>> net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
>>> m = network_to_tropical(net)
>>> print(m[0])
(x1 ⊕ x2) ⊘ ((-1)⊙x1^2⊙x2^2 ⊕ x2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from tropical._exact import normalize
from tropical.errors import BudgetExceededError, WrongTypeError
from tropical.network import ReLUNetwork
from tropical.polynomial import TropicalPolynomial
from tropical.rational import LayerStats, TropicalRationalFunction, TropicalRationalMap

__all__ = ["conversion_steps", "network_to_tropical", "pruned_product"]


def pruned_product(P: TropicalPolynomial, Q: TropicalPolynomial) -> TropicalPolynomial:
    """``(P ⊙ Q)`` pruned to its non-redundant monomials (see :meth:`TropicalPolynomial.mul_pruned`).

    Examples
    --------
    >>> x = TropicalPolynomial({(1,): 0, (0,): 0})
    >>> print(pruned_product(x, x))
    x1^2 ⊕ 0
    """
    return P.mul_pruned(Q)


def _product(factors: Sequence[TropicalPolynomial], nvars: int, prune: bool, budget: int | None,
             progress: Callable[[int], object] | None = None) -> TropicalPolynomial:
    """The (pruned) product of ``factors``; ``progress(1)`` after each factor is taken in."""
    if not factors:
        return TropicalPolynomial.one(nvars)
    fs = sorted(factors, key=len)
    acc = fs[0].pruned() if prune else fs[0]
    if progress is not None:
        progress(1)
    for f in fs[1:]:
        if budget is not None and len(acc) * len(f) > budget:
            raise BudgetExceededError(
                f"the product would have up to {len(acc) * len(f)} monomials (budget {budget})"
            )
        acc = pruned_product(acc, f) if prune else acc * f
        if progress is not None:
            progress(1)
    return acc


def conversion_steps(net: ReLUNetwork) -> int:
    """The number of ``progress`` calls :func:`network_to_tropical` makes on ``net`` (the total of a progress bar).

    One step per factor taken into a product: ``1 + 2 k`` for a neuron with ``k`` non-zero weights (``H`` has the
    bias and ``k`` powers, ``G'`` has ``k``).  The steps are far from equal in cost: products grow layer by layer,
    so the last layer's steps take most of the time.

    Examples
    --------
    >>> net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])
    >>> calls = []
    >>> _ = network_to_tropical(net, progress=calls.append)
    >>> conversion_steps(net), len(calls)
    (11, 11)
    """
    if not isinstance(net, ReLUNetwork):
        raise WrongTypeError(f"expected a ReLUNetwork, got {type(net).__name__}")
    return sum(1 + 2 * sum(1 for a in row if a != 0) for W in net.weights for row in W)


def _power(f: TropicalPolynomial, a: Fraction) -> TropicalPolynomial:
    return f.scale(a)


def network_to_tropical(
    net: ReLUNetwork, *, prune: bool = True, max_monomials: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> TropicalRationalMap:
    """The exact tropical rational map ``(F_k ⊘ G_k)_k`` of a ReLU network.

    Parameters
    ----------
    net : ReLUNetwork
    prune : bool, default True
        Prune every intermediate product and each layer's polynomials to non-redundant monomials.
        ``False`` only merges duplicate exponents (the unpruned expansion; exponential size).
    max_monomials : int, optional
        Raise :class:`~tropical.errors.BudgetExceededError` before forming a product with more candidate
        monomials than this.
    progress : callable, optional
        Called with ``1`` after each factor is taken into a product (:func:`conversion_steps` calls in all), e.g.
        a ``tqdm`` bar's ``update``: a conversion can take minutes, most of it in the last layer.

    Returns
    -------
    TropicalRationalMap
        One component per output; ``layer_stats`` holds per-layer monomial counts (totals over all
        ``F`` and ``G`` of the layer, before and after pruning).

    Examples
    --------
    >>> net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])    # |x|
    >>> m = network_to_tropical(net)
    >>> print(m[0])
    (x1^2 ⊕ 0) ⊘ (x1)
    >>> m.evaluate([-3])
    (Fraction(3, 1),)
    >>> [(s.monomials_before, s.monomials_after) for s in m.layer_stats]
    [(6, 6), (3, 3)]
    """
    if not isinstance(net, ReLUNetwork):
        raise WrongTypeError(f"expected a ReLUNetwork, got {type(net).__name__}")
    n = net.input_dim
    F: list[TropicalPolynomial] = [TropicalPolynomial.variable(i, n) for i in range(n)]
    G: list[TropicalPolynomial] = [TropicalPolynomial.one(n) for _ in range(n)]
    stats: list[LayerStats] = []
    last = len(net.weights) - 1
    for layer, (W, b) in enumerate(zip(net.weights, net.biases)):
        newF: list[TropicalPolynomial] = []
        newG: list[TropicalPolynomial] = []
        before: list[int] = []
        for row, bi in zip(W, b):
            hf = [TropicalPolynomial.constant(normalize(bi), n)]
            gf: list[TropicalPolynomial] = []
            for j, a in enumerate(row):
                if a > 0:
                    hf.append(_power(F[j], a))
                    gf.append(_power(G[j], a))
                elif a < 0:
                    hf.append(_power(G[j], -a))
                    gf.append(_power(F[j], -a))
            H = _product(hf, n, prune, max_monomials, progress)
            Gp = _product(gf, n, prune, max_monomials, progress)
            Fp = H if layer == last else H + Gp
            before.extend([len(Fp), len(Gp)])
            if prune:
                Fp, Gp = Fp.pruned(), Gp.pruned()
            newF.append(Fp)
            newG.append(Gp)
        after = [len(p) for pair in zip(newF, newG) for p in pair]
        stats.append(LayerStats(layer, sum(before), sum(after), max(before), max(after)))
        F, G = newF, newG
    return TropicalRationalMap((TropicalRationalFunction(f, g) for f, g in zip(F, G)), stats)
