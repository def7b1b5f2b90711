"""Random exact rational points (standard library only; used by the CLI and tropical.testing)."""

from __future__ import annotations

import random
from fractions import Fraction

__all__ = ["random_rational_points"]


def random_rational_points(
    dim: int, count: int, *, rng: random.Random | int = 0, spread: int = 10, max_denominator: int = 16
) -> list[tuple[Fraction, ...]]:
    """``count`` random points of ``ℚ^dim`` (coordinates ``p/q`` with ``|p/q| <= spread``).

    Examples
    --------
    >>> pts = random_rational_points(2, 3, rng=1)
    >>> len(pts), all(len(p) == 2 for p in pts)
    (3, True)
    """
    r = rng if isinstance(rng, random.Random) else random.Random(rng)
    out = []
    for _ in range(count):
        out.append(
            tuple(
                Fraction(r.randint(-spread * q, spread * q), q)
                for q in (r.randint(1, max_denominator) for _ in range(dim))
            )
        )
    return out
