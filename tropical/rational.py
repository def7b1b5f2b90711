"""Tropical rational functions ``F ⊘ G`` and tropical rational maps (vectors of them).

``F ⊘ G`` is the function ``x ↦ F(x) - G(x)`` (classical difference of two tropical polynomials). Every
ReLU network with rational weights is a tropical rational map (Zhang, Naitzat & Lim 2018).

The number of linear regions of ``F ⊘ G`` is at most the number of upper vertices of
``P(F) + P(G) = P(F ⊙ G)`` (tropical.md §3.4; :meth:`TropicalRationalFunction.upper_vertex_bound`); unlike
the polynomial case it is only a bound, because adjacent cells of the common refinement can carry the same
affine map.

Examples
--------
>>> from tropical.polynomial import TropicalPolynomial as P
>>> F = P({(1, 0): 0, (0, 1): 0})                 # x1 ⊕ x2
>>> G = P({(2, 2): -1, (0, 1): 0})                # (-1)⊙x1^2⊙x2^2 ⊕ x2
>>> r = F / G
>>> r.evaluate([0, 2]), r.upper_vertex_bound(), r.num_monomials
(Fraction(-1, 1), 4, (2, 2))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tropical.errors import DimensionMismatchError, TropicalSubtractionError, WrongTypeError
from tropical.polynomial import TropicalPolynomial

__all__ = ["TropicalRationalFunction", "TropicalRationalMap", "LayerStats"]

_SUB_MSG = "tropical rational functions cannot be subtracted; use '/' (⊘): (F ⊘ G) ⊘ (H ⊘ K) = (F ⊙ K) ⊘ (G ⊙ H)"


class TropicalRationalFunction:
    """The tropical quotient ``F ⊘ G`` of two tropical polynomials (the function ``F - G``).

    Parameters
    ----------
    numerator, denominator : TropicalPolynomial
        Same number of variables; the denominator must not be the tropical zero.

    Examples
    --------
    >>> from tropical.polynomial import TropicalPolynomial as P
    >>> r = P({(1,): 0, (0,): 0}) / P({(0,): 0})     # max(x, 0) - 0 = relu(x)
    >>> r.evaluate([-3]), r.evaluate([Fraction(5, 2)])
    (Fraction(0, 1), Fraction(5, 2))
    >>> print(r)
    (x1 ⊕ 0) ⊘ (0)
    """

    __slots__ = ("_F", "_G")

    def __init__(self, numerator: TropicalPolynomial, denominator: TropicalPolynomial) -> None:
        if not isinstance(numerator, TropicalPolynomial) or not isinstance(denominator, TropicalPolynomial):
            raise WrongTypeError("numerator and denominator must be TropicalPolynomial objects")
        if numerator.nvars != denominator.nvars:
            raise DimensionMismatchError(
                f"numerator has {numerator.nvars} variables but denominator has {denominator.nvars}"
            )
        if denominator.is_zero:
            raise ZeroDivisionError("tropical division by the zero polynomial (-∞)")
        self._F = numerator
        self._G = denominator

    @property
    def numerator(self) -> TropicalPolynomial:
        """``F``."""
        return self._F

    @property
    def denominator(self) -> TropicalPolynomial:
        """``G``."""
        return self._G

    @property
    def nvars(self) -> int:
        """Number of variables."""
        return self._F.nvars

    @property
    def num_monomials(self) -> tuple[int, int]:
        """Monomial counts ``(|F|, |G|)`` of the stored representation."""
        return (len(self._F), len(self._G))

    def evaluate(self, x: Sequence[Any]) -> Fraction:
        """``F(x) - G(x)`` as an exact Fraction (``ValueError`` if ``F`` is the zero polynomial).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> (P({(1,): 0}) / P({(0,): 1})).evaluate([4])
        Fraction(3, 1)
        """
        return self._F.value(x) - self._G.value(x)

    __call__ = evaluate

    def pruned(self) -> TropicalRationalFunction:
        """Numerator and denominator pruned to their non-redundant monomials (same function).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> (P({(0,): 0, (1,): -2, (2,): 0}) / P({(0,): 0})).pruned().num_monomials
        (2, 1)
        """
        return TropicalRationalFunction(self._F.pruned(), self._G.pruned())

    def upper_vertex_bound(self) -> int:
        """``N(F ⊙ G)``: the number of upper vertices of ``P(F) + P(G)``, an upper bound on the number of
        linear regions of ``F ⊘ G`` (tropical.md §3.4).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> (P({(1,): 0, (0,): 0}) / P({(0,): 0})).upper_vertex_bound()
        2
        """
        return len(self._F.mul_pruned(self._G))

    def linear_regions_of_numerator(self) -> int:
        """Linear regions of ``F`` (= its non-redundant monomials).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> (P({(0,): 0, (1,): -2, (2,): 0}) / P.one(1)).linear_regions_of_numerator()
        2
        """
        return self._F.num_linear_regions()

    def linear_regions_of_denominator(self) -> int:
        """Linear regions of ``G`` (= its non-redundant monomials).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> (P.one(1) / P({(0,): 0, (1,): 0})).linear_regions_of_denominator()
        2
        """
        return self._G.num_linear_regions()

    def equals_as_function(self, other: TropicalRationalFunction) -> bool:
        """Exact functional equality: ``F ⊙ G' == F' ⊙ G`` as functions.

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> a = P({(1,): 0, (0,): 0}) / P({(0,): 0})
        >>> b = P({(2,): 0, (1,): 0}) / P({(1,): 0})
        >>> a.equals_as_function(b)
        True
        """
        return (self._F * other._G).equals_as_function(other._F * self._G)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TropicalRationalFunction):
            return self._F == other._F and self._G == other._G
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._F, self._G))

    def __add__(self, other: object) -> TropicalRationalFunction:
        """⊕: ``F/G ⊕ H/K = (F⊙K ⊕ H⊙G) ⊘ (G⊙K)``."""
        o = _as_rational(other, self.nvars)
        if o is None:
            return NotImplemented
        return TropicalRationalFunction(self._F * o._G + o._F * self._G, self._G * o._G)

    __radd__ = __add__

    def __mul__(self, other: object) -> TropicalRationalFunction:
        """⊙: ``(F⊙H) ⊘ (G⊙K)``."""
        o = _as_rational(other, self.nvars)
        if o is None:
            return NotImplemented
        return TropicalRationalFunction(self._F * o._F, self._G * o._G)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> TropicalRationalFunction:
        o = _as_rational(other, self.nvars)
        if o is None:
            return NotImplemented
        return TropicalRationalFunction(self._F * o._G, self._G * o._F)

    def __sub__(self, other: object) -> TropicalRationalFunction:
        raise TropicalSubtractionError(_SUB_MSG)

    __rsub__ = __sub__

    def __repr__(self) -> str:
        return f"TropicalRationalFunction({self._F!r}, {self._G!r})"

    def _repr_latex_(self) -> str:
        """LaTeX for Jupyter: ``(F) ⊘ (G)`` typeset (:mod:`tropical._latex`)."""
        from tropical._latex import rational_latex

        return f"${rational_latex(self._F.terms, self._G.terms)}$"

    def __str__(self) -> str:
        return f"({self._F}) ⊘ ({self._G})"


def _as_rational(x: object, nvars: int) -> TropicalRationalFunction | None:
    if isinstance(x, TropicalRationalFunction):
        if x.nvars != nvars:
            raise DimensionMismatchError(f"cannot combine functions of {nvars} and {x.nvars} variables")
        return x
    if isinstance(x, TropicalPolynomial):
        return TropicalRationalFunction(x, TropicalPolynomial.one(x.nvars))
    if isinstance(x, float):
        from tropical.errors import InexactInputError

        raise InexactInputError(f"cannot mix a float ({x!r}) with tropical objects")
    try:
        p = TropicalPolynomial.constant(x, nvars)
    except TypeError:
        return None
    return TropicalRationalFunction(p, TropicalPolynomial.one(nvars))


@dataclass(frozen=True)
class LayerStats:
    """Monomial counts of one layer of the network → tropical conversion.

    Attributes
    ----------
    layer : int
        0-based affine layer index (the last one is the affine output layer).
    monomials_before : int
        Total monomials over all F and G of the layer after merging duplicate exponents, before the
        layer's final pruning. With ``prune=True`` the products inside the layer are already pruned as
        they are formed, so this counts ``H ⊕ G'`` of pruned ``H``, ``G'`` (for the affine output layer,
        whose ``F``, ``G`` are pruned products, it equals ``monomials_after``).
    monomials_after : int
        The same after pruning to non-redundant monomials (equal to ``monomials_before`` when unpruned).
    max_before, max_after : int
        Largest single polynomial before/after pruning.

    Examples
    --------
    >>> from tropical.network import ReLUNetwork
    >>> ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]]).to_tropical().layer_stats[0]
    LayerStats(layer=0, monomials_before=6, monomials_after=6, max_before=2, max_after=2)
    """

    layer: int
    monomials_before: int
    monomials_after: int
    max_before: int
    max_after: int


class TropicalRationalMap:
    """A vector of tropical rational functions ``(F_1 ⊘ G_1, ..., F_p ⊘ G_p)``.

    Parameters
    ----------
    components : iterable of TropicalRationalFunction
        All in the same number of variables (at least one).
    layer_stats : iterable of LayerStats, optional
        Per-layer monomial counts recorded by :meth:`tropical.network.ReLUNetwork.to_tropical`.

    Examples
    --------
    >>> from tropical.polynomial import TropicalPolynomial as P
    >>> m = TropicalRationalMap([P({(1,): 0, (0,): 0}) / P.one(1), P({(1,): 2}) / P.one(1)])
    >>> m.evaluate([-1]), len(m), m.output_dim
    ((Fraction(0, 1), Fraction(1, 1)), 2, 2)
    """

    __slots__ = ("_components", "_stats")

    def __init__(self, components: Iterable[TropicalRationalFunction], layer_stats: Iterable[LayerStats] = ()) -> None:
        comps = tuple(components)
        if not comps:
            raise DimensionMismatchError("a tropical rational map needs at least one component")
        for i, c in enumerate(comps):
            if not isinstance(c, TropicalRationalFunction):
                raise WrongTypeError(f"component {i} is a {type(c).__name__}, not a TropicalRationalFunction")
            if c.nvars != comps[0].nvars:
                raise DimensionMismatchError(
                    f"component {i} has {c.nvars} variables but component 0 has {comps[0].nvars}"
                )
        self._components = comps
        self._stats = tuple(layer_stats)

    @property
    def components(self) -> tuple[TropicalRationalFunction, ...]:
        """The component functions."""
        return self._components

    @property
    def layer_stats(self) -> tuple[LayerStats, ...]:
        """Per-layer monomial counts of the conversion (empty if not built from a network)."""
        return self._stats

    @property
    def nvars(self) -> int:
        """Number of input variables."""
        return self._components[0].nvars

    @property
    def output_dim(self) -> int:
        """Number of components."""
        return len(self._components)

    def __len__(self) -> int:
        return len(self._components)

    def __getitem__(self, i: int) -> TropicalRationalFunction:
        return self._components[i]

    def __iter__(self) -> Any:
        return iter(self._components)

    def evaluate(self, x: Sequence[Any]) -> tuple[Fraction, ...]:
        """Evaluate every component at an exact point.

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> TropicalRationalMap([P({(1,): 0}) / P({(0,): 0})]).evaluate([Fraction(1, 3)])
        (Fraction(1, 3),)
        """
        return tuple(c.evaluate(x) for c in self._components)

    __call__ = evaluate

    def num_monomials(self) -> tuple[tuple[int, int], ...]:
        """``(|F_k|, |G_k|)`` per component.

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> TropicalRationalMap([P({(1,): 0, (0,): 0}) / P.one(1)]).num_monomials()
        ((2, 1),)
        """
        return tuple(c.num_monomials for c in self._components)

    def upper_vertex_bounds(self) -> tuple[int, ...]:
        """``N(F_k ⊙ G_k)`` per component (bounds on each component's linear regions).

        Examples
        --------
        >>> from tropical.polynomial import TropicalPolynomial as P
        >>> TropicalRationalMap([P({(1,): 0, (0,): 0}) / P.one(1)]).upper_vertex_bounds()
        (2,)
        """
        return tuple(c.upper_vertex_bound() for c in self._components)

    def __repr__(self) -> str:
        return f"TropicalRationalMap({list(self._components)!r})"

    def _repr_latex_(self) -> str:
        """LaTeX for Jupyter: one aligned line ``y_i = F_i ⊘ G_i`` per output (:mod:`tropical._latex`)."""
        from tropical._latex import map_latex

        return f"${map_latex([(c.numerator.terms, c.denominator.terms) for c in self._components])}$"

    def __str__(self) -> str:
        return "\n".join(f"y{i + 1} = {c}" for i, c in enumerate(self._components))
