"""Tropical numbers: the max-plus semiring over exact rationals.

The max-plus semiring is ``𝕋 = ℚ ∪ {-∞}`` with ``a ⊕ b = max(a, b)`` and ``a ⊙ b = a + b``; the tropical
zero (additive identity) is ``-∞`` and the tropical one is ``0``. Here ``-∞`` is the sentinel
:data:`NEG_INF` (never ``float('-inf')``), and finite values are exact (``int`` / ``Fraction``).

Python operators (the same on numbers, polynomials and rational functions)
---------------------------------------------------------------------------
==========  ==========================  ==================================
operator    tropical meaning            classical value
==========  ==========================  ==================================
``a + b``   ``a ⊕ b``                   ``max(a, b)``
``a * b``   ``a ⊙ b``                   ``a + b``
``a / b``   ``a ⊘ b``                   ``a - b``
``a ** k``  ``a^{⊙k}``                  ``k * a`` (k int or Fraction)
``a - b``   (none)                      raises :class:`TropicalSubtractionError`
==========  ==========================  ==================================

Examples
--------
>>> a, b = TropicalNumber(3), TropicalNumber(5)
>>> a + b, a * b, a / b, a ** 2
(TropicalNumber(5), TropicalNumber(8), TropicalNumber(-2), TropicalNumber(6))
>>> a + TropicalNumber.zero() == a, a * TropicalNumber.one() == a
(True, True)
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

from tropical._exact import as_fraction
from tropical.errors import InexactInputError, TropicalSubtractionError, WrongTypeError

__all__ = ["NEG_INF", "TropicalNumber", "tropical_sum", "tropical_product"]


@functools.total_ordering
class _NegInf:
    """The tropical zero ``-∞`` as a sentinel: below every rational, never a float."""

    _instance: _NegInf | None = None

    def __new__(cls) -> _NegInf:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEG_INF"

    def __str__(self) -> str:
        return "-∞"

    def __eq__(self, other: object) -> bool:
        return other is self

    def __lt__(self, other: object) -> bool:
        if other is self:
            return False
        if isinstance(other, (int, Fraction)):
            return True
        return NotImplemented

    def __hash__(self) -> int:
        return hash("tropical.NEG_INF")

    def __reduce__(self) -> str:
        return "NEG_INF"

    def __float__(self) -> float:
        return float("-inf")


#: The tropical zero ``-∞`` (a sentinel object, not a float).
NEG_INF = _NegInf()

_SUB_MSG = (
    "tropical subtraction does not exist; use tropical division '/' (⊘, the classical difference a - b) "
    "or compare classical values with .value"
)


class TropicalNumber:
    """An element of the max-plus semiring over exact rationals.

    Parameters
    ----------
    value : int, Fraction, TropicalNumber, or NEG_INF
        The classical value; :data:`NEG_INF` gives the tropical zero.

    Raises
    ------
    InexactInputError
        ``value`` is a float (including ``float('-inf')``) or another inexact number.

    Examples
    --------
    >>> from fractions import Fraction
    >>> TropicalNumber(Fraction(1, 2)) + 1
    TropicalNumber(1)
    >>> TropicalNumber.zero() * 7
    TropicalNumber(NEG_INF)
    >>> TropicalNumber(2) - 1
    Traceback (most recent call last):
    ...
    tropical.errors.TropicalSubtractionError: tropical subtraction does not exist; ...
    >>> TropicalNumber(0.5)
    Traceback (most recent call last):
    ...
    tropical.errors.InexactInputError: tropical number must be an exact rational (int or Fraction), ...
    """

    __slots__ = ("_v",)
    convention = "max"

    def __init__(self, value: Any = NEG_INF) -> None:
        if isinstance(value, TropicalNumber):
            self._v: Fraction | _NegInf = value._v
        elif value is NEG_INF:
            self._v = NEG_INF
        else:
            self._v = as_fraction(value, "tropical number")

    # -- constructors -----------------------------------------------------------------
    @classmethod
    def zero(cls) -> TropicalNumber:
        """The tropical zero ``-∞`` (identity of ⊕, absorbing for ⊙).

        Examples
        --------
        >>> TropicalNumber.zero().is_zero
        True
        """
        return cls(NEG_INF)

    @classmethod
    def one(cls) -> TropicalNumber:
        """The tropical one ``0`` (identity of ⊙).

        Examples
        --------
        >>> TropicalNumber.one()
        TropicalNumber(0)
        """
        return cls(0)

    # -- accessors --------------------------------------------------------------------
    @property
    def value(self) -> Fraction | _NegInf:
        """The classical value: a Fraction, or :data:`NEG_INF` for the tropical zero."""
        return self._v

    @property
    def is_zero(self) -> bool:
        """True for the tropical zero ``-∞``."""
        return self._v is NEG_INF

    def __float__(self) -> float:
        """Explicitly leave exactness (``-inf`` for the tropical zero)."""
        return float(self._v)

    def __repr__(self) -> str:
        if self._v is NEG_INF:
            return "TropicalNumber(NEG_INF)"
        return f"TropicalNumber({self._v})"

    def _repr_latex_(self) -> str:
        """LaTeX for Jupyter: ``$3$``, ``$-\\infty$`` (:mod:`tropical._latex`)."""
        from tropical._latex import number_latex

        return f"${number_latex(self._v)}$"

    def __str__(self) -> str:
        return str(self._v)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TropicalNumber):
            return self._v == other._v
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("TropicalNumber", self._v))

    def __lt__(self, other: object) -> bool:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        if self._v is NEG_INF:
            return o._v is not NEG_INF
        if o._v is NEG_INF:
            return False
        return self._v < o._v  # type: ignore[operator]

    def __le__(self, other: object) -> bool:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        return self == o or self < o

    def __gt__(self, other: object) -> bool:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        return o < self

    def __ge__(self, other: object) -> bool:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        return o <= self

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other: object) -> TropicalNumber:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        if self._v is NEG_INF:
            return o
        if o._v is NEG_INF:
            return self
        return self if self._v >= o._v else o  # type: ignore[operator]

    __radd__ = __add__

    def __mul__(self, other: object) -> TropicalNumber:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        if self._v is NEG_INF or o._v is NEG_INF:
            return TropicalNumber(NEG_INF)
        return TropicalNumber(self._v + o._v)  # type: ignore[operator]

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> TropicalNumber:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        if o._v is NEG_INF:
            raise ZeroDivisionError("tropical division by the tropical zero (-∞)")
        if self._v is NEG_INF:
            return self
        return TropicalNumber(self._v - o._v)  # type: ignore[operator]

    def __rtruediv__(self, other: object) -> TropicalNumber:
        o = _coerce(other)
        if o is None:
            return NotImplemented
        return o / self

    def __pow__(self, k: object) -> TropicalNumber:
        if isinstance(k, TropicalNumber) or isinstance(k, float):
            raise InexactInputError(
                f"tropical power needs an exact rational exponent (int or Fraction), got {type(k).__name__}"
            )
        e = as_fraction(k, "exponent")
        if self._v is NEG_INF:
            if e > 0:
                return self
            if e == 0:
                return TropicalNumber(0)
            raise ZeroDivisionError("negative tropical power of the tropical zero (-∞)")
        return TropicalNumber(e * self._v)  # type: ignore[operator]

    def __sub__(self, other: object) -> TropicalNumber:
        raise TropicalSubtractionError(_SUB_MSG)

    def __rsub__(self, other: object) -> TropicalNumber:
        raise TropicalSubtractionError(_SUB_MSG)

    def __neg__(self) -> TropicalNumber:
        raise TropicalSubtractionError(
            "tropical negation does not exist; the tropical inverse is a ** -1 (classical -a)"
        )


def _coerce(x: object) -> TropicalNumber | None:
    """TropicalNumber from an exact value; None for unknown types; raise for floats."""
    if isinstance(x, TropicalNumber):
        return x
    if isinstance(x, (int, Fraction)) and not isinstance(x, bool):
        return TropicalNumber(x)
    if x is NEG_INF:
        return TropicalNumber(NEG_INF)
    if isinstance(x, float):
        raise InexactInputError(
            f"cannot mix a float ({x!r}) with tropical numbers; "
            "use tropical.convert.to_rational(x, policy=...) first"
        )
    return None


def tropical_sum(values: Any) -> TropicalNumber:
    """⊕ of an iterable (the tropical zero for an empty one).

    Examples
    --------
    >>> tropical_sum([1, 5, 3]), tropical_sum([])
    (TropicalNumber(5), TropicalNumber(NEG_INF))
    """
    out = TropicalNumber(NEG_INF)
    for v in _iterable(values, "tropical_sum"):
        out = out + TropicalNumber(v)
    return out


def tropical_product(values: Any) -> TropicalNumber:
    """⊙ of an iterable (the tropical one for an empty one).

    Examples
    --------
    >>> tropical_product([1, 5, 3]), tropical_product([])
    (TropicalNumber(9), TropicalNumber(0))
    """
    out = TropicalNumber(0)
    for v in _iterable(values, "tropical_product"):
        out = out * TropicalNumber(v)
    return out


def _iterable(values: Any, what: str) -> Any:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise WrongTypeError(f"{what} needs an iterable of exact rationals or tropical numbers, got {type(values).__name__}")
    return values
