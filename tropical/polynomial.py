"""Tropical (max-plus) polynomials in ``n`` variables over exact rationals.

A :class:`TropicalPolynomial` *is* its monomial map ``{exponent tuple: coefficient}``; it is immutable and
its derived data (Newton polytope, upper-hull vertices, redundant monomials, the pruned form, the number of
linear regions) are computed on demand and cached.

``f = ⊕_i c_i ⊙ x^{α_i}`` is the function ``x ↦ max_i (c_i + <α_i, x>)``. Exponents are tuples of
non-negative or negative ``int`` or ``Fraction`` (rational exponents, i.e. tropical Puiseux / signomial
polynomials, arise from networks with rational weights; all algorithms are exact for them).

Operators (as for :class:`~tropical.semiring.TropicalNumber`): ``f + g`` is ⊕, ``f * g`` is ⊙,
``f ** k`` is the ⊙-power, ``f / g`` builds the tropical rational function ``f ⊘ g``; ``f - g`` raises
:class:`~tropical.errors.TropicalSubtractionError`. ``f == g`` is *formal* equality (same monomials and
coefficients); :meth:`TropicalPolynomial.equals_as_function` compares the functions.

Examples
--------
>>> x1, x2 = TropicalPolynomial.variables(2)
>>> f = 3 * x1 ** 2 * x2 + x2
>>> print(f)
3⊙x1^2⊙x2 ⊕ x2
>>> f([1, 0])
TropicalNumber(5)
>>> g = x1 * x2 + x1 ** 2 + x2 ** 2
>>> g == x1 ** 2 + x2 ** 2, g.equals_as_function(x1 ** 2 + x2 ** 2)
(False, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from tropical._exact import Exact, as_fraction, normalize
from tropical.errors import (
    DimensionMismatchError,
    InexactInputError,
    TropicalSubtractionError,
    WrongTypeError,
)
from tropical.semiring import NEG_INF, TropicalNumber

if TYPE_CHECKING:
    from tropical.rational import TropicalRationalFunction

__all__ = ["TropicalPolynomial"]

Exponent = tuple[Exact, ...]

_SUB_MSG = (
    "tropical polynomials cannot be subtracted; use '/' (⊘) to build the tropical rational function "
    "f ⊘ g (the classical difference f - g)"
)


def _coeff(c: object, what: str) -> Exact | None:
    """Normalised coefficient, or None for the tropical zero."""
    if isinstance(c, TropicalNumber):
        return None if c.is_zero else normalize(c.value, what)
    if c is NEG_INF:
        return None
    return normalize(c, what)


class TropicalPolynomial:
    """A tropical polynomial ``⊕_i c_i ⊙ x^{α_i}`` with exact coefficients and exponents.

    Parameters
    ----------
    terms : mapping or iterable of (exponent, coefficient) pairs
        Exponents are tuples of int/Fraction of length ``nvars``; coefficients are int, Fraction or
        :class:`TropicalNumber` (tropical-zero coefficients are dropped). Repeated exponents in an iterable
        are merged with ⊕ (the larger coefficient wins).
    nvars : int, optional
        Number of variables; required when ``terms`` is empty (the tropical zero polynomial).

    Raises
    ------
    InexactInputError
        A float exponent or coefficient.
    DimensionMismatchError
        Exponents of different lengths, or not of length ``nvars``.

    Examples
    --------
    >>> f = TropicalPolynomial({(1, 0): 0, (0, 1): 0})      # x1 ⊕ x2 = max(x1, x2)
    >>> f([3, 5]), f.nvars, len(f)
    (TropicalNumber(5), 2, 2)
    >>> TropicalPolynomial([((1,), 2), ((1,), 5)])           # merged: max keeps 5
    TropicalPolynomial({(1,): 5}, nvars=1)
    """

    __slots__ = ("_terms", "_nvars", "_cache", "_hash")

    def __init__(self, terms: Mapping[Any, Any] | Iterable[tuple[Sequence[Any], Any]] = (), nvars: int | None = None) -> None:
        if not isinstance(terms, Mapping) and (isinstance(terms, (str, bytes)) or not isinstance(terms, Iterable)):
            raise WrongTypeError(
                f"terms must be a mapping or an iterable of (exponent, coefficient) pairs, got {type(terms).__name__}"
            )
        items = terms.items() if isinstance(terms, Mapping) else terms
        out: dict[Exponent, Exact] = {}
        n = nvars
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            raise DimensionMismatchError(f"nvars must be a non-negative int, got {n!r}")
        for pair in items:
            try:
                exp, c = pair
            except (TypeError, ValueError) as exc:
                raise DimensionMismatchError(f"terms must be (exponent, coefficient) pairs, got {pair!r}") from exc
            if isinstance(exp, (str, bytes)) or not isinstance(exp, Iterable):
                raise DimensionMismatchError(f"an exponent must be a tuple of rationals, got {exp!r}")
            e = tuple(normalize(v, "exponent") for v in exp)
            if n is None:
                n = len(e)
            elif len(e) != n:
                raise DimensionMismatchError(f"exponent {e} has {len(e)} entries but the polynomial has {n} variables")
            cv = _coeff(c, "coefficient")
            if cv is None:
                continue
            if e not in out or cv > out[e]:
                out[e] = cv
        if n is None:
            raise DimensionMismatchError("nvars is required for the zero polynomial (no terms)")
        self._terms = out
        self._nvars = n
        self._cache: dict[str, Any] = {}
        self._hash: int | None = None

    @classmethod
    def _raw(cls, terms: dict[Exponent, Exact], nvars: int) -> TropicalPolynomial:
        """Trusted constructor (already normalised and merged)."""
        obj = cls.__new__(cls)
        obj._terms = terms
        obj._nvars = nvars
        obj._cache = {}
        obj._hash = None
        return obj

    # ------------------------------------------------------------------ constructors
    @classmethod
    def zero(cls, nvars: int) -> TropicalPolynomial:
        """The tropical zero polynomial (no monomials; the constant ``-∞``).

        Examples
        --------
        >>> TropicalPolynomial.zero(2).is_zero
        True
        """
        return cls({}, nvars)

    @classmethod
    def one(cls, nvars: int) -> TropicalPolynomial:
        """The tropical one (the constant ``0``).

        Examples
        --------
        >>> print(TropicalPolynomial.one(2))
        0
        """
        return cls.constant(0, nvars)

    @classmethod
    def constant(cls, c: Any, nvars: int) -> TropicalPolynomial:
        """The constant polynomial ``c``.

        Examples
        --------
        >>> TropicalPolynomial.constant(3, 1)([10])
        TropicalNumber(3)
        """
        return cls({(0,) * nvars: c}, nvars)

    @classmethod
    def monomial(cls, exponent: Sequence[Any], coefficient: Any = 0) -> TropicalPolynomial:
        """The monomial ``coefficient ⊙ x^exponent``.

        Examples
        --------
        >>> print(TropicalPolynomial.monomial((2, 1), -1))
        (-1)⊙x1^2⊙x2
        """
        return cls({tuple(exponent): coefficient})

    @classmethod
    def variable(cls, i: int, nvars: int) -> TropicalPolynomial:
        """The variable ``x_{i+1}`` (0-based index ``i``) among ``nvars``.

        Examples
        --------
        >>> print(TropicalPolynomial.variable(1, 3))
        x2
        """
        if not 0 <= i < nvars:
            raise DimensionMismatchError(f"variable index {i} out of range for {nvars} variables")
        return cls({tuple(1 if k == i else 0 for k in range(nvars)): 0})

    @classmethod
    def variables(cls, nvars: int) -> tuple[TropicalPolynomial, ...]:
        """All variables ``x1, ..., x_nvars``.

        Examples
        --------
        >>> [str(v) for v in TropicalPolynomial.variables(2)]
        ['x1', 'x2']
        """
        return tuple(cls.variable(i, nvars) for i in range(nvars))

    # ------------------------------------------------------------------ accessors
    @property
    def nvars(self) -> int:
        """Number of variables."""
        return self._nvars

    @property
    def terms(self) -> dict[Exponent, Exact]:
        """A copy of the monomial map ``{exponent: coefficient}``."""
        return dict(self._terms)

    @property
    def is_zero(self) -> bool:
        """True for the tropical zero polynomial (no monomials)."""
        return not self._terms

    def exponents(self) -> tuple[Exponent, ...]:
        """The exponents, in insertion order.

        Examples
        --------
        >>> TropicalPolynomial({(1,): 0, (0,): 2}).exponents()
        ((1,), (0,))
        """
        return tuple(self._terms)

    def coefficient(self, exponent: Sequence[Any]) -> TropicalNumber:
        """Coefficient of ``x^exponent`` as a tropical number (the tropical zero when absent).

        Examples
        --------
        >>> TropicalPolynomial({(1,): 3}).coefficient((0,))
        TropicalNumber(NEG_INF)
        """
        e = tuple(normalize(v, "exponent") for v in exponent)
        c = self._terms.get(e)
        return TropicalNumber(NEG_INF if c is None else c)

    def lifted_points(self) -> tuple[tuple[Exact, ...], ...]:
        """Lifted points ``(α_1, ..., α_d, c)`` of all monomials.

        Examples
        --------
        >>> TropicalPolynomial({(1, 0): 0, (0, 1): 2}).lifted_points()
        ((1, 0, 0), (0, 1, 2))
        """
        return tuple((*e, c) for e, c in self._terms.items())

    def degree(self) -> Exact:
        """Largest total degree ``max_i |α_i|`` (``-1`` for the zero polynomial).

        Examples
        --------
        >>> TropicalPolynomial({(2, 1): 0, (0, 1): 0}).degree()
        3
        """
        if not self._terms:
            return -1
        return max(normalize(sum(e, Fraction(0))) for e in self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Any:
        return iter(self._terms.items())

    def __eq__(self, other: object) -> bool:
        """Formal equality (same monomials with the same coefficients, same number of variables)."""
        if isinstance(other, TropicalPolynomial):
            return self._nvars == other._nvars and self._terms == other._terms
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self._nvars, frozenset(self._terms.items())))
        return self._hash

    # ------------------------------------------------------------------ algebra
    def _coerce(self, other: object) -> TropicalPolynomial | None:
        if isinstance(other, TropicalPolynomial):
            if other._nvars != self._nvars:
                raise DimensionMismatchError(
                    f"cannot combine polynomials in {self._nvars} and {other._nvars} variables"
                )
            return other
        if isinstance(other, float):
            raise InexactInputError(
                f"cannot mix a float ({other!r}) with tropical polynomials; use tropical.convert.to_rational first"
            )
        if isinstance(other, (int, Fraction, TropicalNumber)) and not isinstance(other, bool):
            return TropicalPolynomial.constant(other, self._nvars)
        return None

    def __add__(self, other: object) -> TropicalPolynomial:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        out = dict(self._terms)
        for e, c in o._terms.items():
            if e not in out or c > out[e]:
                out[e] = c
        return TropicalPolynomial._raw(out, self._nvars)

    __radd__ = __add__

    def __mul__(self, other: object) -> TropicalPolynomial:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        out: dict[Exponent, Exact] = {}
        for e1, c1 in self._terms.items():
            for e2, c2 in o._terms.items():
                e = tuple([a + b for a, b in zip(e1, e2)])
                c = c1 + c2
                old = out.get(e)
                if old is None or c > old:
                    out[e] = c
        return TropicalPolynomial._raw(out, self._nvars)

    __rmul__ = __mul__

    def __pow__(self, k: object) -> TropicalPolynomial:
        """⊙-power. Integer ``k >= 0`` expands ``f ⊙ ... ⊙ f``; for a monomial any rational ``k`` is allowed."""
        if isinstance(k, bool) or isinstance(k, float):
            raise InexactInputError(f"tropical power needs an int or Fraction exponent, got {k!r}")
        e = as_fraction(k, "exponent")
        if len(self._terms) == 1:
            ((ex, c),) = self._terms.items()
            return TropicalPolynomial._raw({tuple(normalize(e * v) for v in ex): normalize(e * c)}, self._nvars)
        if e.denominator != 1 or e < 0:
            raise ValueError(
                f"power {e} of a polynomial with {len(self._terms)} monomials is not a tropical polynomial "
                "(only non-negative integer powers, or any rational power of a monomial)"
            )
        if not self._terms:
            return TropicalPolynomial.one(self._nvars) if e == 0 else self
        result = TropicalPolynomial.one(self._nvars)
        base = self
        n = int(e)
        while n:
            if n & 1:
                result = result * base
            n >>= 1
            if n:
                base = base * base
        return result

    def mul_pruned(self, other: TropicalPolynomial) -> TropicalPolynomial:
        """``(self ⊙ other).pruned()``, computed factor-wise (much faster than expanding then pruning).

        Examples
        --------
        >>> x = TropicalPolynomial({(1,): 0, (0,): 0})
        >>> print(x.mul_pruned(x))
        x1^2 ⊕ 0
        """
        from tropical.newton import product_upper_vertices

        o = self._coerce(other)
        if o is None:
            raise TypeError(f"cannot multiply a tropical polynomial by {type(other).__name__}")
        P, Q = self.pruned(), o.pruned()
        if P.is_zero or Q.is_zero:
            return TropicalPolynomial.zero(self._nvars)
        if len(P) == 1 or len(Q) == 1:
            out = P * Q
        else:
            verts = product_upper_vertices(P.lifted_points(), Q.lifted_points())
            out = TropicalPolynomial._raw({s[:-1]: s[-1] for s in verts}, self._nvars)
        out._cache["mask"] = [True] * len(out._terms)
        out._cache["pruned"] = out
        return out

    def scale(self, k: Any) -> TropicalPolynomial:
        """``f(x)·k`` as a polynomial for rational ``k >= 0``: ``⊕ (k c_i) ⊙ x^{k α_i}``.

        For ``k > 0`` this is the function ``k·f`` (a positive scaling keeps the upper hull), used for the
        rational ⊙-powers that networks with rational weights need.

        Examples
        --------
        >>> print(TropicalPolynomial({(1,): 2, (0,): 0}).scale(Fraction(1, 2)))
        1⊙x1^(1/2) ⊕ 0
        """
        e = as_fraction(k, "scale")
        if e < 0:
            raise ValueError(f"scale must be non-negative, got {e}")
        if e == 0:
            return TropicalPolynomial.one(self._nvars) if self._terms else self
        if e == 1:
            return self
        return TropicalPolynomial._raw(
            {tuple(normalize(e * v) for v in ex): normalize(e * c) for ex, c in self._terms.items()}, self._nvars
        )

    def __truediv__(self, other: object) -> TropicalRationalFunction:
        from tropical.rational import TropicalRationalFunction

        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return TropicalRationalFunction(self, o)

    def __rtruediv__(self, other: object) -> TropicalRationalFunction:
        from tropical.rational import TropicalRationalFunction

        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return TropicalRationalFunction(o, self)

    def __sub__(self, other: object) -> TropicalPolynomial:
        raise TropicalSubtractionError(_SUB_MSG)

    __rsub__ = __sub__

    def __neg__(self) -> TropicalPolynomial:
        raise TropicalSubtractionError(_SUB_MSG)

    # ------------------------------------------------------------------ evaluation
    def _point(self, x: object) -> tuple[Fraction, ...]:
        if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
            raise InexactInputError(f"a point must be a sequence of exact rationals, got {type(x).__name__}")
        pt = []
        for i, v in enumerate(x):
            if isinstance(v, TropicalNumber):
                if v.is_zero:
                    raise ValueError("evaluation points must be finite (got the tropical zero)")
                v = v.value
            pt.append(as_fraction(v, f"x[{i}]"))
        if len(pt) != self._nvars:
            raise DimensionMismatchError(f"point has {len(pt)} coordinates but the polynomial has {self._nvars} variables")
        return tuple(pt)

    def value(self, x: Sequence[Any]) -> Fraction:
        """Classical value ``max_i (c_i + <α_i, x>)`` as a Fraction (``ValueError`` for the zero polynomial).

        Examples
        --------
        >>> TropicalPolynomial({(1,): 0, (0,): 0}).value([Fraction(-1, 2)])
        Fraction(0, 1)
        """
        pt = self._point(x)
        if not self._terms:
            raise ValueError("the zero polynomial has the value -∞ everywhere; use evaluate() for a TropicalNumber")
        return max(c + sum((a * v for a, v in zip(e, pt) if a), Fraction(0)) for e, c in self._terms.items())

    def evaluate(self, x: Sequence[Any]) -> TropicalNumber:
        """Evaluate at an exact point (a homomorphism: ⊕ → max, ⊙ → +).

        Parameters
        ----------
        x : sequence of int, Fraction or finite TropicalNumber

        Returns
        -------
        TropicalNumber
            The tropical zero for the zero polynomial.

        Examples
        --------
        >>> TropicalPolynomial({(2,): -1, (0,): 0}).evaluate([1])
        TropicalNumber(1)
        """
        if not self._terms:
            self._point(x)
            return TropicalNumber(NEG_INF)
        return TropicalNumber(self.value(x))

    __call__ = evaluate

    def argmax(self, x: Sequence[Any]) -> tuple[Exponent, ...]:
        """Exponents of the monomials attaining the max at ``x``.

        Examples
        --------
        >>> TropicalPolynomial({(1,): 0, (0,): 0}).argmax([0])
        ((1,), (0,))
        """
        pt = self._point(x)
        vals = {e: c + sum((a * v for a, v in zip(e, pt)), Fraction(0)) for e, c in self._terms.items()}
        if not vals:
            return ()
        top = max(vals.values())
        return tuple(e for e, v in vals.items() if v == top)

    # ------------------------------------------------------------------ derived data (cached)
    def _mask(self) -> list[bool]:
        if "mask" not in self._cache:
            from tropical.newton import upper_hull_vertex_mask

            self._cache["mask"] = upper_hull_vertex_mask(self.lifted_points()) if self._terms else []
        return self._cache["mask"]  # type: ignore[no-any-return]

    def upper_hull_vertices(self) -> tuple[tuple[Exact, ...], ...]:
        """Lifted points that are vertices of the upper hull of ``P(f)`` (exact).

        Examples
        --------
        >>> TropicalPolynomial({(0,): 0, (1,): -2, (2,): 0}).upper_hull_vertices()
        ((0, 0), (2, 0))
        """
        return tuple(p for p, k in zip(self.lifted_points(), self._mask()) if k)

    def redundant_monomials(self) -> tuple[Exponent, ...]:
        """Exponents of monomials that never attain the max on a full-dimensional set.

        Examples
        --------
        >>> TropicalPolynomial({(0,): 0, (1,): -2, (2,): 0}).redundant_monomials()
        ((1,),)
        """
        return tuple(e for e, k in zip(self._terms, self._mask()) if not k)

    def pruned(self) -> TropicalPolynomial:
        """The same function with only its non-redundant monomials (cached; idempotent).

        Examples
        --------
        >>> print(TropicalPolynomial({(0,): 0, (1,): -2, (2,): 0}).pruned())
        x1^2 ⊕ 0
        """
        if "pruned" not in self._cache:
            mask = self._mask()
            if all(mask):
                p = self
            else:
                p = TropicalPolynomial._raw({e: c for (e, c), k in zip(self._terms.items(), mask) if k}, self._nvars)
                p._cache["mask"] = [True] * len(p._terms)
            p._cache["pruned"] = p
            self._cache["pruned"] = p
        return self._cache["pruned"]  # type: ignore[no-any-return]

    def is_pruned(self) -> bool:
        """True iff every monomial is non-redundant.

        Examples
        --------
        >>> TropicalPolynomial({(0,): 0, (1,): -2, (2,): 0}).is_pruned()
        False
        """
        return all(self._mask())

    def num_linear_regions(self) -> int:
        """Number of linear regions of ``f`` = number of upper-hull vertices of ``P(f)`` (0 for the zero polynomial).

        Examples
        --------
        >>> TropicalPolynomial({(0,): 0, (1,): 0, (2,): -3}).num_linear_regions()
        3
        """
        return sum(self._mask())

    def newton_polytope(self) -> tuple[Exponent, ...]:
        """Vertices of the Newton polytope ``Δ(f) = conv{α_i}`` (exact, any dimension).

        Examples
        --------
        >>> TropicalPolynomial({(0, 0): 0, (1, 1): 5, (2, 0): 0, (0, 2): 0}).newton_polytope()
        ((0, 0), (2, 0), (0, 2))
        """
        if "newton" not in self._cache:
            from tropical.newton import convex_hull_vertices

            self._cache["newton"] = convex_hull_vertices(self._terms) if self._terms else ()
        return self._cache["newton"]  # type: ignore[no-any-return]

    def dual_subdivision(self) -> tuple[tuple[Exponent, ...], ...]:
        """Maximal cells of the dual regular subdivision (2 variables only); see :func:`tropical.newton.dual_subdivision`.

        Examples
        --------
        >>> TropicalPolynomial({(0, 0): 0, (1, 0): 0, (0, 1): 0}).dual_subdivision()
        (((0, 0), (0, 1), (1, 0)),)
        """
        from tropical.newton import dual_subdivision

        if self._nvars != 2:
            raise DimensionMismatchError(f"dual_subdivision needs 2 variables, the polynomial has {self._nvars}")
        return dual_subdivision(self.lifted_points())

    def equals_as_function(self, other: TropicalPolynomial) -> bool:
        """Equality as functions on ``ℚ^n`` (compares the pruned forms).

        Examples
        --------
        >>> f = TropicalPolynomial({(0,): 0, (1,): -2, (2,): 0})
        >>> f.equals_as_function(TropicalPolynomial({(0,): 0, (2,): 0})), f == f.pruned()
        (True, False)
        """
        o = self._coerce(other)
        if o is None:
            raise TypeError(f"cannot compare a tropical polynomial with {type(other).__name__}")
        return self.pruned()._terms == o.pruned()._terms

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        body = ", ".join(f"{_repr_exp(e)}: {_repr_num(c)}" for e, c in self._terms.items())
        return f"TropicalPolynomial({{{body}}}, nvars={self._nvars})"

    def _repr_latex_(self) -> str:
        r"""LaTeX for Jupyter, in ⊕/⊙ notation.

        Examples
        --------
        >>> x1, x2 = TropicalPolynomial.variables(2)
        >>> (3 * x1**2 * x2 + x2)._repr_latex_()
        '$3 \\odot x_{1}^{2} \\odot x_{2} \\oplus x_{2}$'
        """
        from tropical._latex import polynomial_latex

        return f"${polynomial_latex(self._terms)}$"

    def __str__(self) -> str:
        if not self._terms:
            return "-∞"
        keys = sorted(self._terms, key=lambda e: tuple(Fraction(v) for v in e), reverse=True)
        return " ⊕ ".join(_monomial_str(e, self._terms[e]) for e in keys)


def _repr_num(c: Exact) -> str:
    return repr(c) if isinstance(c, Fraction) else str(c)


def _repr_exp(e: Exponent) -> str:
    inner = ", ".join(_repr_num(v) for v in e)
    return f"({inner},)" if len(e) == 1 else f"({inner})"


def _num_str(c: Exact) -> str:
    s = str(c)
    return f"({s})" if ("/" in s or s.startswith("-")) else s


def _monomial_str(e: Exponent, c: Exact) -> str:
    parts = []
    for i, a in enumerate(e):
        if a == 0:
            continue
        if a == 1:
            parts.append(f"x{i + 1}")
        else:
            s = str(a)
            parts.append(f"x{i + 1}^({s})" if ("/" in s or s.startswith("-")) else f"x{i + 1}^{s}")
    if not parts:
        return str(c)
    if c != 0:
        parts.insert(0, _num_str(c))
    return "⊙".join(parts)
