r"""LaTeX rendering of tropical objects (``_repr_latex_``, used by Jupyter), in the README's notation.

The notation is the text form's (``3⊙x1^2⊙x2 ⊕ x2``, ``(F) ⊘ (G)``) typeset: :math:`\oplus`, :math:`\odot`,
:math:`\oslash`, the tropical zero :math:`-\infty`, rational coefficients and exponents as fractions.  Pure
string building, standard library only.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

__all__ = ["number_latex", "polynomial_latex", "rational_latex", "map_latex"]


def number_latex(v: Any) -> str:
    r"""A rational (or the tropical zero) as LaTeX: ``3``, ``-\frac{1}{2}``, ``-\infty``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> number_latex(Fraction(-1, 2)), number_latex(4)
    ('-\\frac{1}{2}', '4')
    """
    if not isinstance(v, (int, Fraction)):
        return r"-\infty"
    f = Fraction(v)
    if f.denominator == 1:
        return str(f.numerator)
    sign = "-" if f < 0 else ""
    return rf"{sign}\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"


def _coeff(c: Any) -> str:
    s = number_latex(c)
    return rf"\left({s}\right)" if s.startswith("-") or "frac" in s else s


def _monomial(exp: tuple[Any, ...], c: Any) -> str:
    parts = []
    for i, a in enumerate(exp):
        if a == 0:
            continue
        var = f"x_{{{i + 1}}}"
        parts.append(var if a == 1 else f"{var}^{{{number_latex(a)}}}")
    if not parts:
        return number_latex(c)
    if c != 0:
        parts.insert(0, _coeff(c))
    return r" \odot ".join(parts)


def polynomial_latex(terms: dict[tuple[Any, ...], Any]) -> str:
    r"""LaTeX body of a tropical polynomial given its monomial map (largest exponent first, as ``str``).

    Examples
    --------
    >>> polynomial_latex({(2, 1): 3, (0, 1): 0})
    '3 \\odot x_{1}^{2} \\odot x_{2} \\oplus x_{2}'
    >>> polynomial_latex({})
    '-\\infty'
    """
    if not terms:
        return r"-\infty"
    keys = sorted(terms, key=lambda e: tuple(Fraction(v) for v in e), reverse=True)
    return r" \oplus ".join(_monomial(e, terms[e]) for e in keys)


def rational_latex(num: dict[tuple[Any, ...], Any], den: dict[tuple[Any, ...], Any]) -> str:
    r"""LaTeX body of :math:`F \oslash G`.

    Examples
    --------
    >>> rational_latex({(1,): 0}, {(0,): 0})
    '\\left(x_{1}\\right) \\oslash \\left(0\\right)'
    """
    return rf"\left({polynomial_latex(num)}\right) \oslash \left({polynomial_latex(den)}\right)"


def map_latex(components: list[tuple[dict[tuple[Any, ...], Any], dict[tuple[Any, ...], Any]]]) -> str:
    r"""LaTeX body of a tropical rational map, one aligned line ``y_i = F_i \oslash G_i`` per output.

    Examples
    --------
    >>> map_latex([({(1,): 0}, {(0,): 0})])
    '\\begin{aligned} y_{1} &= \\left(x_{1}\\right) \\oslash \\left(0\\right) \\end{aligned}'
    """
    lines = [rf"y_{{{i + 1}}} &= {rational_latex(F, G)}" for i, (F, G) in enumerate(components)]
    return r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"
