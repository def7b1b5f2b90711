"""``ArchitectureSpec``: a weight-free description of an architecture to score.

Two forms, as in the CANOPY README:

* **dense**: ``ArchitectureSpec(layer_widths=(64, 128, 64))`` — hidden widths of a ReLU MLP acting on an
  input of dimension ``input_dim``;
* **DARTS cell**: ``ArchitectureSpec(layer_widths=[32, 32, 32, 32, 32], cell_ops=ops)`` — 14 op names, one
  per edge of the DARTS supernet cell in the order :data:`canopy.spaces.darts.EDGES14` (for node ``j`` in
  2..5, input ``i`` in 0..j-1; ``"none"`` allowed).  The spec is a whole DARTS ``NetworkCIFAR``, and every
  field enters :func:`canopy.nas.cells.darts_cell_score`: ``layer_widths`` are the **channel counts of the
  cells**, one entry per cell (so ``len(layer_widths)`` is the number of cells, at least 3; reduction cells
  at ``len // 3`` and ``2 * len // 3``; stem ``3 * layer_widths[0]``; the standard ``C = 16``, 8-cell
  network is ``(16, 16, 32, 32, 32, 64, 64, 64)``), and ``input_dim`` is the **input image** ``3 x s x s``
  (``input_dim = 3 s^2``; 3072 is CIFAR's 32 x 32).  Widths or inputs the network cannot have (fewer than
  3 cells, an odd width where a FactorizedReduce halves it, an ``input_dim`` that is not ``3 s^2``, an
  image too small for the reductions) are refused with :class:`~canopy.errors.InvalidArchitectureError`.

Default input dimension
-----------------------
``input_dim`` defaults to :data:`DEFAULT_INPUT_DIM` ``= 3072`` (a CIFAR image, 3×32×32), because NAS scores are
about image classifiers.  **Saturation caveat** (``proofs/generic.md``, "Saturation"): once ``input_dim`` is
at least every width, each Zaslavsky sum equals ``2**n_l`` and the ``generic`` and ``zhang`` scores collapse
to ``log10(2) * (number of ReLUs)`` — a neuron count.  Pass a small ``input_dim`` to study the geometry of
low-dimensional inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from canopy.errors import InvalidArchitectureError

__all__ = ["ArchitectureSpec", "DEFAULT_INPUT_DIM", "NUM_DARTS_EDGES"]

#: default input dimension: a CIFAR-10 image, 3 x 32 x 32
DEFAULT_INPUT_DIM = 3 * 32 * 32
#: number of edges of the DARTS supernet cell (2 + 3 + 4 + 5)
NUM_DARTS_EDGES = 14


def _darts_ops() -> tuple[str, ...]:
    from canopy.spaces.darts import DARTS_OPS

    return tuple(DARTS_OPS)


def _check_ops(ops: Any, name: str) -> tuple[str, ...] | None:
    if ops is None:
        return None
    if isinstance(ops, (str, bytes)) or not isinstance(ops, Sequence):
        raise InvalidArchitectureError(f"{name} must be a sequence of {NUM_DARTS_EDGES} op names, got {ops!r}")
    ops = tuple(ops)
    if len(ops) != NUM_DARTS_EDGES:
        raise InvalidArchitectureError(
            f"{name} must have {NUM_DARTS_EDGES} op names (one per DARTS supernet edge, order EDGES14), "
            f"got {len(ops)}"
        )
    valid = _darts_ops()
    for k, op in enumerate(ops):
        if not isinstance(op, str) or op not in valid:
            raise InvalidArchitectureError(
                f"{name}[{k}] = {op!r} is not a DARTS op; valid ops: {', '.join(valid)}"
            )
    return ops


@dataclass(frozen=True)
class ArchitectureSpec:
    """A frozen, validated description of an architecture (no weights).

    Parameters
    ----------
    layer_widths : sequence of int
        Hidden widths ``n_1, ..., n_L`` (each a positive ``int``; at least one).  For a DARTS spec, the
        channel count of each cell (at least 3 cells; see the module docs).
    input_dim : int, default 3072
        Input dimension ``n_0`` (default: CIFAR 3×32×32; see the saturation caveat in the module docs).
        For a DARTS spec, ``3 s^2`` for the ``3 x s x s`` input image.
    cell_ops : sequence of str, optional
        14 DARTS op names in :data:`canopy.spaces.darts.EDGES14` order (the normal cell).
    reduce_ops : sequence of str, optional
        14 op names of the reduction cell; ``None`` lets the cell scorer decide (documented there).
    name : str, optional
        A label carried along (tables, plots).

    Raises
    ------
    canopy.errors.InvalidArchitectureError
        Bad widths, a bad ``input_dim``, the wrong number of ops or an unknown op name (the message names it).

    Examples
    --------
    >>> arch = ArchitectureSpec(layer_widths=(64, 128, 64))
    >>> arch.layer_widths, arch.input_dim, arch.is_cell
    ((64, 128, 64), 3072, False)
    >>> ArchitectureSpec([5, 0])
    Traceback (most recent call last):
    ...
    canopy.errors.InvalidArchitectureError: layer_widths[1] must be a positive integer, got 0
    """

    layer_widths: tuple[int, ...]
    input_dim: int = DEFAULT_INPUT_DIM
    cell_ops: tuple[str, ...] | None = None
    reduce_ops: tuple[str, ...] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        widths = self.layer_widths
        if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
            raise InvalidArchitectureError(f"layer_widths must be a sequence of positive integers, got {widths!r}")
        widths = tuple(widths)
        if len(widths) == 0:
            raise InvalidArchitectureError("layer_widths must contain at least one hidden width")
        clean = []
        for k, w in enumerate(widths):
            if isinstance(w, bool) or not hasattr(w, "__index__") or int(w) < 1:
                raise InvalidArchitectureError(f"layer_widths[{k}] must be a positive integer, got {w!r}")
            clean.append(int(w))
        d = self.input_dim
        if isinstance(d, bool) or not hasattr(d, "__index__") or int(d) < 1:
            raise InvalidArchitectureError(f"input_dim must be a positive integer, got {d!r}")
        if self.name is not None and not isinstance(self.name, str):
            raise InvalidArchitectureError(f"name must be a string, got {self.name!r}")
        object.__setattr__(self, "layer_widths", tuple(clean))
        object.__setattr__(self, "input_dim", int(d))
        object.__setattr__(self, "cell_ops", _check_ops(self.cell_ops, "cell_ops"))
        object.__setattr__(self, "reduce_ops", _check_ops(self.reduce_ops, "reduce_ops"))
        if self.reduce_ops is not None and self.cell_ops is None:
            raise InvalidArchitectureError("reduce_ops needs cell_ops (the normal cell) as well")
        if self.cell_ops is not None:
            from canopy.spaces.skeleton import check_darts_input, check_darts_widths

            check_darts_widths(self.layer_widths)
            check_darts_input(self.input_shape[1:], len(self.layer_widths))

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The ``(3, s, s)`` input image of a DARTS spec (``input_dim = 3 s^2``).

        Raises
        ------
        canopy.errors.InvalidArchitectureError
            For a dense spec, or an ``input_dim`` that is not ``3 s^2``.

        Examples
        --------
        >>> ops = ("skip_connect",) * 14
        >>> ArchitectureSpec((16, 16, 32, 32, 32), input_dim=3 * 8 * 8, cell_ops=ops).input_shape
        (3, 8, 8)
        >>> ArchitectureSpec((16,) * 5, input_dim=5, cell_ops=ops)
        Traceback (most recent call last):
        ...
        canopy.errors.InvalidArchitectureError: a DARTS spec scores a 3 x s x s image, so input_dim must be 3 s^2 (3072 for 32 x 32), got 5
        """
        if self.cell_ops is None:
            raise InvalidArchitectureError("input_shape is defined for DARTS cell specs only (a dense spec has input_dim)")
        side = math.isqrt(self.input_dim // 3)
        if 3 * side * side != self.input_dim:
            raise InvalidArchitectureError(
                f"a DARTS spec scores a 3 x s x s image, so input_dim must be 3 s^2 (3072 for 32 x 32), "
                f"got {self.input_dim}")
        return (3, side, side)

    @property
    def is_cell(self) -> bool:
        """True for a DARTS-cell spec (``cell_ops`` given)."""
        return self.cell_ops is not None

    @property
    def num_relus(self) -> int:
        """Total hidden width ``sum(layer_widths)`` of a dense spec (the saturated ``generic`` score is
        ``log10(2)`` times this).

        Raises
        ------
        canopy.errors.InvalidArchitectureError
            For a DARTS cell spec, whose widths are channel counts (its ReLU count depends on the genotype and
            the feature-map sizes).

        Examples
        --------
        >>> ArchitectureSpec((64, 128, 64)).num_relus
        256
        """
        if self.cell_ops is not None:
            raise InvalidArchitectureError(
                "num_relus is defined for dense specs; a DARTS spec's layer_widths are per-cell channel counts")
        return sum(self.layer_widths)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``ArchitectureSpec(**spec.to_dict())`` round-trips).

        Examples
        --------
        >>> spec = ArchitectureSpec((4, 4), input_dim=2)
        >>> ArchitectureSpec(**spec.to_dict()) == spec
        True
        """
        return {
            "layer_widths": list(self.layer_widths),
            "input_dim": self.input_dim,
            "cell_ops": None if self.cell_ops is None else list(self.cell_ops),
            "reduce_ops": None if self.reduce_ops is None else list(self.reduce_ops),
            "name": self.name,
        }
