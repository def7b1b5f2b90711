"""The exception tree of :mod:`tropical`.

Every error raised on purpose by the package derives from :class:`TropicalError`, and additionally from the
built-in exception a Python user would expect (``TypeError`` for a float where an exact number is required,
``ValueError`` for shapes), so ``except ValueError`` keeps working.

Examples
--------
>>> from tropical.errors import InexactInputError, TropicalError
>>> issubclass(InexactInputError, TypeError) and issubclass(InexactInputError, TropicalError)
True
"""

from __future__ import annotations

__all__ = [
    "TropicalError",
    "InexactInputError",
    "DimensionMismatchError",
    "InvalidNetworkError",
    "ConventionError",
    "TropicalSubtractionError",
    "BudgetExceededError",
    "ConversionError",
    "InvalidArgumentError",
    "WrongTypeError",
]


class TropicalError(Exception):
    """Base class of every error raised on purpose by :mod:`tropical`."""


class InexactInputError(TropicalError, TypeError):
    """A float (or another inexact number) was given where an exact rational is required.

    Use :func:`tropical.convert.to_rational` with a named policy to cross from floats to rationals.
    """


class DimensionMismatchError(TropicalError, ValueError):
    """Shapes do not fit together (the message names the layer or object and both shapes)."""


class InvalidNetworkError(TropicalError, ValueError):
    """A network description is malformed (empty layer, NaN/inf weight, unsupported module, ...)."""


class ConventionError(TropicalError, TypeError):
    """Objects of different tropical conventions (max-plus vs min-plus) were mixed."""


class TropicalSubtractionError(TropicalError, ArithmeticError):
    """Tropical subtraction does not exist; use tropical division (``/``, classical ``-``) instead."""


class BudgetExceededError(TropicalError, RuntimeError):
    """A computation would exceed (or exceeded) a user-set budget such as ``max_regions``."""


class ConversionError(TropicalError, ValueError):
    """A float could not be converted to a rational under the requested policy (NaN, inf, bad policy)."""


class InvalidArgumentError(TropicalError, ValueError):
    """An argument has the right type but an unusable value (a negative budget, NaN seconds, ...)."""


class WrongTypeError(TropicalError, TypeError):
    """An argument is not of a type the function accepts (the message names the argument and the type)."""
