"""The one door from floats to exact rationals.

Every float that enters :mod:`tropical` (weights of a torch model, Gaussian random weights) goes through
:func:`to_rational` with a *named policy*, and objects built from converted values remember that policy
(e.g. :attr:`tropical.network.ReLUNetwork.policy`).

Policies
--------
``"exact"``
    The exact binary value of the float: ``0.1`` becomes ``3602879701896397/36028797018963968``.
    Lossless; denominators are powers of two up to ``2**1074``.
``"limit_denominator"``
    The closest fraction with denominator at most ``max_denominator``
    (:meth:`fractions.Fraction.limit_denominator`). Lossy by at most ``1/(2*max_denominator**2)``-ish;
    small denominators keep tropical computations fast.

Examples
--------
>>> to_rational(0.5)
Fraction(1, 2)
>>> to_rational(0.1, "limit_denominator", max_denominator=100)
Fraction(1, 10)
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from tropical.errors import ConversionError

__all__ = ["POLICIES", "to_rational", "parse_rational", "MAX_TEXT_DIGITS", "MAX_TEXT_EXPONENT"]

#: most digits :func:`parse_rational` reads from one string (numerator and denominator together); the
#: exact value of a longer text costs more to build than any region computation can use
MAX_TEXT_DIGITS = 4000
#: largest decimal exponent magnitude :func:`parse_rational` accepts (``"1e400"`` is read exactly; an
#: exponent of 10**8 would build a 100-million-digit integer before anything could fail)
MAX_TEXT_EXPONENT = 1000

_RATIONAL_TEXT = re.compile(
    r"^[+-]?(?:(?P<num>\d+)\s*/\s*(?P<den>\d+)|(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?)$",
    re.ASCII,
)

#: the named float -> rational policies
POLICIES: tuple[str, ...] = ("exact", "limit_denominator")


def check_policy(policy: object, max_denominator: object = None) -> None:
    """Validate a policy name and its ``max_denominator``; raise :class:`ConversionError` if invalid.

    Examples
    --------
    >>> check_policy("exact")
    >>> check_policy("round")
    Traceback (most recent call last):
    ...
    tropical.errors.ConversionError: unknown conversion policy 'round'; choose one of 'exact', 'limit_denominator'
    """
    if policy not in POLICIES:
        raise ConversionError(
            f"unknown conversion policy {policy!r}; choose one of " + ", ".join(repr(p) for p in POLICIES)
        )
    if policy == "limit_denominator":
        if (
            isinstance(max_denominator, bool)
            or not isinstance(max_denominator, int)
            or max_denominator < 1
        ):
            raise ConversionError(
                "policy 'limit_denominator' needs max_denominator, a positive int "
                f"(got {max_denominator!r})"
            )
    elif max_denominator is not None:
        raise ConversionError(f"max_denominator is only used by policy 'limit_denominator' (policy={policy!r})")


def to_rational(x: object, policy: str = "exact", *, max_denominator: int | None = None) -> Fraction:
    """Convert a real number to an exact :class:`~fractions.Fraction` under a named policy.

    Exact inputs (``int``, ``Fraction``, other ``numbers.Rational``) pass through unchanged under
    ``"exact"``; under ``"limit_denominator"`` they are approximated like floats.

    Parameters
    ----------
    x : int, Fraction, float, Decimal, or any object with ``__float__`` (e.g. a numpy or torch scalar)
        The number to convert.
    policy : {"exact", "limit_denominator"}
        ``"exact"``: the exact binary value; ``"limit_denominator"``: the closest fraction with denominator
        at most ``max_denominator``.
    max_denominator : int, optional
        Required by (and only allowed with) ``"limit_denominator"``.

    Returns
    -------
    Fraction

    Raises
    ------
    ConversionError
        NaN or infinite input, unknown policy, missing/invalid ``max_denominator``, or an object that
        is not a real number.

    Examples
    --------
    >>> to_rational(0.75)
    Fraction(3, 4)
    >>> to_rational(3.14159, "limit_denominator", max_denominator=1000)
    Fraction(355, 113)
    >>> to_rational(float("nan"))
    Traceback (most recent call last):
    ...
    tropical.errors.ConversionError: cannot convert nan to a rational (NaN and infinities have no exact value)
    """
    check_policy(policy, max_denominator)
    if isinstance(x, bool):
        raise ConversionError(f"cannot convert bool {x!r} to a rational")
    if isinstance(x, Fraction):
        value = x
    elif isinstance(x, int):
        value = Fraction(x)
    elif isinstance(x, Rational):
        value = Fraction(int(x.numerator), int(x.denominator))
    elif isinstance(x, Decimal):
        if not x.is_finite():
            raise ConversionError(f"cannot convert {x} to a rational (NaN and infinities have no exact value)")
        value = Fraction(x)
    else:
        try:
            f = float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ConversionError(f"cannot convert {type(x).__name__} {x!r} to a rational") from exc
        if not math.isfinite(f):
            raise ConversionError(f"cannot convert {f} to a rational (NaN and infinities have no exact value)")
        value = Fraction(f)
    if policy == "limit_denominator":
        assert max_denominator is not None
        value = value.limit_denominator(max_denominator)
    return value


def parse_rational(s: object, what: str = "value") -> Fraction:
    """Parse an exact rational from a string such as ``"-3"``, ``"1/3"`` or ``"0.25"`` (or an int).

    Decimal strings are read exactly (``"0.1"`` is ``1/10``). JSON floats are refused: write them as strings.

    The size of the text is checked before any number is built: at most :data:`MAX_TEXT_DIGITS` digits and
    a decimal exponent of magnitude at most :data:`MAX_TEXT_EXPONENT` (``"1e100000000"`` is refused at
    once instead of building a 100-million-digit integer).

    Raises
    ------
    ConversionError
        Unparsable text, NaN/inf, a float, or a text over the size limits (the message names the limit).

    Examples
    --------
    >>> parse_rational("1/3"), parse_rational("0.1"), parse_rational(7)
    (Fraction(1, 3), Fraction(1, 10), Fraction(7, 1))
    >>> parse_rational("2.5e-3")
    Fraction(1, 400)
    >>> parse_rational("1e100000000")
    Traceback (most recent call last):
    ...
    tropical.errors.ConversionError: value: the exponent 100000000 of '1e100000000' is beyond +-1000 ...
    """
    if isinstance(s, bool):
        raise ConversionError(f"{what}: expected a rational, got bool {s!r}")
    if isinstance(s, int):
        return Fraction(s)
    if isinstance(s, Fraction):
        return s
    if isinstance(s, float):
        raise ConversionError(
            f"{what}: got the float {s!r}; write exact rationals as strings such as \"1/2\" or \"0.5\""
        )
    if not isinstance(s, str):
        raise ConversionError(f"{what}: expected a rational as a string, got {type(s).__name__} {s!r}")
    text = s.strip()
    shown = text if len(text) <= 40 else text[:37] + "..."
    m = _RATIONAL_TEXT.match(text)
    if m is None or not (m["num"] or m["int"] or m["frac"]):
        raise ConversionError(f"{what}: cannot parse {shown!r} as an exact rational (e.g. \"-3\", \"1/3\", \"0.25\")")
    digits = sum(len(m[g] or "") for g in ("num", "den", "int", "frac"))
    if digits > MAX_TEXT_DIGITS:
        raise ConversionError(
            f"{what}: {digits} digits in {shown!r}; at most {MAX_TEXT_DIGITS} are read (tropical.convert.MAX_TEXT_DIGITS)"
        )
    if m["exp"] is not None:
        exp_digits = m["exp"].lstrip("+-").lstrip("0")
        if len(exp_digits) > 6 or abs(int(m["exp"])) > MAX_TEXT_EXPONENT:
            raise ConversionError(
                f"{what}: the exponent {m['exp'] if len(m['exp']) <= 20 else m['exp'][:17] + '...'} of {shown!r} "
                f"is beyond +-{MAX_TEXT_EXPONENT} (tropical.convert.MAX_TEXT_EXPONENT); write the rational exactly"
            )
    try:
        return Fraction(text.replace(" ", ""))
    except (ValueError, ZeroDivisionError) as exc:
        raise ConversionError(f"{what}: cannot parse {s!r} as an exact rational (e.g. \"-3\", \"1/3\")") from exc
