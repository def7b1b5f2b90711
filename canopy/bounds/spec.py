"""The record of one registered bound: :class:`BoundSpec` (a leaf module, so that every bound module can
declare its specs without importing the registry in :mod:`canopy.bounds`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from canopy.bounds._combinatorics import log10_int
from canopy.errors import InvalidArgumentError

__all__ = ["KINDS", "BoundSpec"]

#: the kinds a bound may have
KINDS = ("upper", "lower-max", "exact")


@dataclass(frozen=True)
class BoundSpec:
    """Metadata of one registered bound.

    Attributes
    ----------
    name : str
        Registry key (also the score ``mode`` for dense bounds).
    function : callable
        The bound; for ``signature == "dense"`` it is ``f(input_dim, widths) -> int``.
    kind : {"upper", "lower-max", "exact"}
        Upper bound on every network, lower bound on the maximum, or exact count of one network.
    signature : str
        ``"dense"`` for ``(input_dim, widths)``; other modules document their own (e.g. ``"conv"``).
    summary : str
        One-line formula.
    hypotheses : str
        When the statement holds (``"none"`` if always).
    proof : str
        Path of the proof file, relative to the repository root.
    precondition : callable, optional
        ``g(input_dim, widths) -> str | None``: the reason the bound does not apply, or ``None``.
    """

    name: str
    function: Callable[..., int]
    kind: str
    summary: str
    hypotheses: str
    proof: str
    signature: str = "dense"
    precondition: Callable[..., str | None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgumentError(f"BoundSpec.kind must be one of {KINDS}, got {self.kind!r}")

    def log10(self, *args: object, **kwargs: object) -> float:
        """``log10`` of the bound, from the exact integer (raises ``ValueError`` for a zero bound)."""
        return log10_int(self.function(*args, **kwargs))
