r"""Move between exact tropical objects and sympy expressions in ``Max``/``Add`` form.

A tropical polynomial :math:`\bigoplus_i c_i \odot x^{\alpha_i}` *is* the classical function
:math:`\max_i (c_i + \langle \alpha_i, x \rangle)`; a tropical rational function :math:`F \oslash G` is
:math:`F - G`.  :func:`to_sympy` writes exactly that, with :class:`sympy.Rational` coefficients and exponents
(``Max(..., evaluate=False)``, so that no monomial is dropped by sympy's simplification), and
:func:`from_sympy` reads it back.  The round trip is the identity on polynomials (formally: same monomials,
same coefficients); on rational functions it gives a function equal to the original (``F ⊘ F`` is written
``0``, for instance, and read back as the constant ``0``).

:func:`from_sympy` reads more than what :func:`to_sympy` writes: any expression built from rational
constants, the given symbols, ``+``, rational multiples, ``Max`` and ``Min`` (a min is
:math:`-\max(-a, -b)`), i.e. any tropical rational function in classical notation.  Floats are refused
(:class:`~tropical.errors.InexactInputError`): exactness is never left silently.

``sympy`` is imported lazily, inside these functions: ``import tropical`` never imports it.

Examples
--------
>>> from tropical import TropicalPolynomial
>>> x1, x2 = TropicalPolynomial.variables(2)
>>> f = 3 * x1**2 * x2 + x2
>>> e = to_sympy(f)
>>> e
Max(x2, 2*x1 + x2 + 3)
>>> from_sympy(e, ["x1", "x2"]) == f
True
>>> import sympy as sp
>>> a, b = sp.symbols("x1 x2", real=True)
>>> print(from_sympy(sp.Max(a, b) - sp.Max(0, a), [a, b]))
(x1 ⊕ x2) ⊘ (x1 ⊕ 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from tropical.errors import DimensionMismatchError, InexactInputError, TropicalError
from tropical.polynomial import TropicalPolynomial
from tropical.rational import TropicalRationalFunction, TropicalRationalMap
from tropical.semiring import TropicalNumber

__all__ = ["to_sympy", "from_sympy", "default_symbols"]


def _sympy() -> Any:
    try:
        import sympy
    except ImportError as exc:  # pragma: no cover - sympy is a dependency of the distribution
        raise ImportError("tropical.sympy_bridge needs sympy (pip install sympy)") from exc
    return sympy


def default_symbols(nvars: int) -> tuple[Any, ...]:
    """The symbols ``x1, ..., xn`` (real) used when none are given.

    Examples
    --------
    >>> default_symbols(3)
    (x1, x2, x3)
    """
    sp = _sympy()
    if isinstance(nvars, bool) or not isinstance(nvars, int) or nvars < 0:
        raise DimensionMismatchError(f"nvars must be a non-negative int, got {nvars!r}")
    return tuple(sp.Symbol(f"x{i + 1}", real=True) for i in range(nvars))


def _symbols(symbols: Sequence[Any] | None, nvars: int) -> tuple[Any, ...]:
    sp = _sympy()
    if symbols is None:
        return default_symbols(nvars)
    syms = tuple(sp.Symbol(s, real=True) if isinstance(s, str) else s for s in symbols)
    if len(syms) != nvars:
        raise DimensionMismatchError(f"{len(syms)} symbols given for {nvars} variables")
    for s in syms:
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"symbols must be sympy Symbols or names, got {s!r}")
    return syms


def _rat(v: Fraction | int) -> Any:
    sp = _sympy()
    f = Fraction(v)
    return sp.Rational(f.numerator, f.denominator)


def _poly_to_sympy(p: TropicalPolynomial, syms: tuple[Any, ...]) -> Any:
    sp = _sympy()
    terms = p.terms
    if not terms:
        return sp.S.NegativeInfinity
    affine = []
    for exp, c in terms.items():
        affine.append(sp.Add(_rat(c), *[_rat(a) * s for a, s in zip(exp, syms) if a != 0]))
    if len(affine) == 1:
        return affine[0]
    return sp.Max(*affine, evaluate=False)


def to_sympy(obj: Any, symbols: Sequence[Any] | None = None) -> Any:
    r"""The classical (max-plus) form of a tropical object as a sympy expression.

    Parameters
    ----------
    obj : TropicalNumber, TropicalPolynomial, TropicalRationalFunction or TropicalRationalMap
        The tropical object.
    symbols : sequence of sympy.Symbol or str, optional
        One per variable (default ``x1, ..., xn``, real).

    Returns
    -------
    sympy.Expr or tuple of sympy.Expr
        ``Rational`` (or ``-oo`` for the tropical zero) for a number; ``Max(c_i + <alpha_i, x>)`` for a
        polynomial; ``F - G`` for a rational function; a tuple (one per output) for a rational map.

    Raises
    ------
    TypeError
        ``obj`` is not a tropical object.
    DimensionMismatchError
        Wrong number of symbols.

    Examples
    --------
    >>> from fractions import Fraction
    >>> to_sympy(TropicalNumber(Fraction(1, 2))), to_sympy(TropicalNumber.zero())
    (1/2, -oo)
    >>> x1, = TropicalPolynomial.variables(1)
    >>> to_sympy(x1 / (x1 + 0), ["t"])
    t - Max(0, t)
    """
    sp = _sympy()
    if isinstance(obj, TropicalNumber):
        return sp.S.NegativeInfinity if obj.is_zero else _rat(obj.value)  # type: ignore[arg-type]
    if isinstance(obj, TropicalPolynomial):
        return _poly_to_sympy(obj, _symbols(symbols, obj.nvars))
    if isinstance(obj, TropicalRationalFunction):
        syms = _symbols(symbols, obj.nvars)
        return _poly_to_sympy(obj.numerator, syms) - _poly_to_sympy(obj.denominator, syms)
    if isinstance(obj, TropicalRationalMap):
        return tuple(to_sympy(c, symbols) for c in obj)
    raise TypeError(f"to_sympy needs a tropical number, polynomial, rational function or map, got {type(obj).__name__}")


class _Rat:
    """A tropical rational function under construction: (F, G) meaning F - G classically."""

    __slots__ = ("F", "G")

    def __init__(self, F: TropicalPolynomial, G: TropicalPolynomial) -> None:
        self.F, self.G = F, G


def from_sympy(expr: Any, symbols: Sequence[Any]) -> TropicalPolynomial | TropicalRationalFunction:
    r"""Read a sympy expression in ``Max``/``Add`` form as an exact tropical polynomial or rational function.

    Parameters
    ----------
    expr : sympy.Expr
        Built from rational constants, the ``symbols``, ``+``, rational multiples (``q * e`` is the tropical
        power :math:`e^{\odot q}`; for a negative ``q`` a tropical quotient), ``Max`` (⊕), ``Min`` and
        ``-oo`` (the tropical zero).
    symbols : sequence of sympy.Symbol or str
        The variables, in order (names are matched by name).

    Returns
    -------
    TropicalPolynomial
        When the expression is a max of affine functions (or one affine function, or ``-oo``).
    TropicalRationalFunction
        Otherwise (a difference of maxes, a min, a negative multiple of a max, ...).

    Raises
    ------
    InexactInputError
        A float anywhere in the expression.
    TropicalError
        A construct outside max-plus arithmetic (a product of two variables, a power, an unknown symbol,
        ``oo``, ...), named in the message.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> print(from_sympy(sp.Max(2 * x + 1, y), [x, y]))
    1⊙x1^2 ⊕ x2
    >>> print(from_sympy(sp.Min(x, 0), [x]))     # min(x, 0) = x - max(x, 0)
    (x1) ⊘ (x1 ⊕ 0)
    >>> from_sympy(x + 0.5, [x])
    Traceback (most recent call last):
    ...
    tropical.errors.InexactInputError: from_sympy refuses the float 0.5... in x + 0.5; write it as sympy.Rational(...)
    """
    sp = _sympy()
    if isinstance(symbols, (str, bytes)) or not isinstance(symbols, Sequence):
        raise TypeError("symbols must be a sequence of sympy Symbols or names (one per variable)")
    names = [s if isinstance(s, str) else getattr(s, "name", None) for s in symbols]
    if any(n is None for n in names):
        raise TypeError(f"symbols must be sympy Symbols or names, got {list(symbols)!r}")
    if len(set(names)) != len(names):
        raise DimensionMismatchError(f"symbols must be distinct, got {names}")
    expr = sp.sympify(expr)
    floats = expr.atoms(sp.Float)
    if floats:
        f = sorted(floats, key=str)[0]
        raise InexactInputError(f"from_sympy refuses the float {f} in {expr}; write it as sympy.Rational(...)")
    n = len(names)
    index = {str(name): i for i, name in enumerate(names)}
    r = _read(expr, index, n, sp)
    if len(r.G) == 1 and next(iter(r.G.terms.values())) == 0 and all(v == 0 for v in next(iter(r.G.terms))):
        return r.F
    return TropicalRationalFunction(r.F, r.G)


def _const(c: Fraction, n: int) -> _Rat:
    return _Rat(TropicalPolynomial.constant(c, n), TropicalPolynomial.one(n))


def _read(e: Any, index: dict[str, int], n: int, sp: Any) -> _Rat:
    one = TropicalPolynomial.one(n)
    if e is sp.S.NegativeInfinity:
        return _Rat(TropicalPolynomial.zero(n), one)
    if isinstance(e, sp.Rational):
        return _const(Fraction(int(e.p), int(e.q)), n)
    if isinstance(e, sp.Symbol):
        if e.name not in index:
            raise TropicalError(f"from_sympy: unknown symbol {e.name!r}; variables are {', '.join(index)}")
        exp = [0] * n
        exp[index[e.name]] = 1
        return _Rat(TropicalPolynomial.monomial(exp), one)
    if isinstance(e, sp.Add):  # classical + is tropical ⊙
        out = _Rat(one, one)
        for a in e.args:
            t = _read(a, index, n, sp)
            out = _Rat(out.F * t.F, out.G * t.G)
        return out
    if isinstance(e, sp.Mul):  # only a rational multiple of one expression: q * e is e^{⊙q}
        coeffs = [a for a in e.args if isinstance(a, sp.Rational)]
        rest = [a for a in e.args if not isinstance(a, sp.Rational)]
        if len(rest) != 1:
            raise TropicalError(f"from_sympy: {e} is a product of non-constants, not max-plus arithmetic")
        q = Fraction(1)
        for c in coeffs:
            q *= Fraction(int(c.p), int(c.q))
        return _scale(_read(rest[0], index, n, sp), q)
    if isinstance(e, sp.Max):
        parts = [_read(a, index, n, sp) for a in e.args]
        return _max(parts)
    if isinstance(e, sp.Min):  # min(a, b) = -max(-a, -b)
        parts = [_scale(_read(a, index, n, sp), Fraction(-1)) for a in e.args]
        return _scale(_max(parts), Fraction(-1))
    raise TropicalError(f"from_sympy: {type(e).__name__} ({e}) is not max-plus arithmetic")


def _scale(r: _Rat, q: Fraction) -> _Rat:
    """``q * (F - G)`` for rational ``q``: scale the terms of each polynomial (a max of affine maps)."""
    if q == 0:
        n = r.F.nvars
        return _Rat(TropicalPolynomial.one(n), TropicalPolynomial.one(n))
    F, G = _scale_poly(r.F, abs(q)), _scale_poly(r.G, abs(q))
    return _Rat(F, G) if q > 0 else _Rat(G, F)


def _scale_poly(p: TropicalPolynomial, q: Fraction) -> TropicalPolynomial:
    # q * max_i(c_i + <a_i, x>) = max_i(q c_i + <q a_i, x>) for q > 0
    return TropicalPolynomial({tuple(q * a for a in exp): q * c for exp, c in p.terms.items()}, nvars=p.nvars)


def _max(parts: list[_Rat]) -> _Rat:
    # max_i (F_i - G_i) = max_i (F_i + sum_{k != i} G_k) - sum_k G_k
    out = parts[0]
    for p in parts[1:]:
        out = _Rat(out.F * p.G + p.F * out.G, out.G * p.G)
    return out
