"""Private helpers: accept exact rationals (int, Fraction), refuse floats with a clear error."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from numbers import Rational

from tropical.errors import InexactInputError

Exact = int | Fraction

_HINT = "use tropical.convert.to_rational(x, policy=...) to convert floats explicitly"


def as_fraction(x: object, what: str = "value") -> Fraction:
    """Return ``x`` as a :class:`~fractions.Fraction`; refuse floats and other inexact numbers.

    Examples
    --------
    >>> as_fraction(3)
    Fraction(3, 1)
    >>> as_fraction(0.5)
    Traceback (most recent call last):
    ...
    tropical.errors.InexactInputError: value must be an exact rational (int or Fraction), got float 0.5; ...
    """
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool):
        raise InexactInputError(f"{what} must be an exact rational (int or Fraction), got bool {x!r}")
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, Rational) and not isinstance(x, float):
        return Fraction(int(x.numerator), int(x.denominator))
    raise InexactInputError(
        f"{what} must be an exact rational (int or Fraction), got {type(x).__name__} {x!r}; {_HINT}"
    )


def normalize(x: object, what: str = "value") -> Exact:
    """Exact rational as ``int`` when integral, else ``Fraction`` (hash-compatible either way).

    Examples
    --------
    >>> normalize(Fraction(4, 2)), normalize(Fraction(1, 3))
    (2, Fraction(1, 3))
    """
    f = as_fraction(x, what)
    return f.numerator if f.denominator == 1 else f


def as_vector(xs: object, what: str = "vector") -> tuple[Fraction, ...]:
    """A sequence of exact rationals as a tuple of Fractions.

    Examples
    --------
    >>> as_vector([1, Fraction(1, 2)])
    (Fraction(1, 1), Fraction(1, 2))
    """
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise InexactInputError(f"{what} must be a sequence of exact rationals, got {type(xs).__name__}")
    return tuple(as_fraction(v, f"{what}[{i}]") for i, v in enumerate(xs))


def fmt(x: Fraction | int) -> str:
    """Short string of an exact rational: ``3``, ``-1/2``.

    Examples
    --------
    >>> fmt(Fraction(-1, 2)), fmt(Fraction(4))
    ('-1/2', '4')
    """
    return str(Fraction(x))
