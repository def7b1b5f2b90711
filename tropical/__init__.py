"""tropical: exact max-plus algebra and the exact geometry of ReLU networks (standard library only)."""

from __future__ import annotations

from tropical.errors import (
    BudgetExceededError,
    ConventionError,
    ConversionError,
    DimensionMismatchError,
    InexactInputError,
    InvalidNetworkError,
    TropicalError,
    TropicalSubtractionError,
)

__all__ = [
    "BudgetExceededError",
    "ConventionError",
    "ConversionError",
    "DimensionMismatchError",
    "InexactInputError",
    "InvalidNetworkError",
    "TropicalError",
    "TropicalSubtractionError",
]
