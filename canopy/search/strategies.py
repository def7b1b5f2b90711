"""Pluggable mutation and parent-selection strategies for :func:`canopy.search.rea.regularized_evolution`.

A *mutation strategy* is a callable ``(arch, space, rng) -> arch``; a *selection strategy* is a callable
``(population, rng) -> Individual``. Both receive the search's :class:`numpy.random.Generator` and must draw
all their randomness from it, so the same seed gives the same trajectory.

Examples
--------
>>> import numpy as np
>>> pop = [Individual("a", "a", 1.0), Individual("b", "b", 3.0), Individual("c", "c", 2.0)]
>>> Tournament(sample_size=3, replace=False)(pop, np.random.default_rng(0)).key
'b'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from canopy.errors import CanopyError

__all__ = [
    "Individual",
    "Tournament",
    "RandomNeighbour",
    "GreedyNeighbour",
    "fitness_sort_key",
]


@dataclass(frozen=True)
class Individual:
    """A member of the population: an architecture, its key and its fitness."""

    arch: Any
    key: str
    fitness: float


def fitness_sort_key(fitness: float) -> float:
    """Fitness as used for comparisons: NaN (a failed proxy) ranks below everything.

    Examples
    --------
    >>> fitness_sort_key(float("nan")) == -math.inf
    True
    """
    return -math.inf if math.isnan(fitness) else fitness


@dataclass(frozen=True)
class Tournament:
    """Tournament selection: draw ``sample_size`` members, return the fittest.

    Parameters
    ----------
    sample_size : int
        Tournament size (NATS-Bench: 3 of 10; foresight / WRCor: 10 of 64).
    replace : bool
        Draw with replacement (NATS-Bench ``random.choice``, NASLib) or without (WRCor ``random.sample``).
        Without replacement, ``sample_size`` must not exceed the population size.

    Notes
    -----
    Ties go to the member drawn first; NaN fitness loses every comparison.
    """

    sample_size: int = 10
    replace: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.sample_size, int) or self.sample_size < 1:
            raise CanopyError(f"tournament sample_size must be a positive int, got {self.sample_size!r}")

    def __call__(self, population: Sequence[Individual], rng: np.random.Generator) -> Individual:
        """Select a parent from ``population`` using ``rng``."""
        if not population:
            raise CanopyError("tournament selection on an empty population")
        if not self.replace and self.sample_size > len(population):
            raise CanopyError(
                f"tournament without replacement needs sample_size ({self.sample_size}) <= population "
                f"size ({len(population)})"
            )
        idx = rng.choice(len(population), size=self.sample_size, replace=self.replace)
        best = population[int(idx[0])]
        for i in idx[1:]:
            cand = population[int(i)]
            if fitness_sort_key(cand.fitness) > fitness_sort_key(best.fitness):
                best = cand
        return best


@dataclass(frozen=True)
class RandomNeighbour:
    """Mutation: a uniformly random single-step neighbour (the canonical REA mutation).

    For NAS-Bench-201 this changes one of the 6 edges to one of the 4 other ops (24 neighbours), as in
    NATS-Bench's ``mutate_arch``; other spaces define their neighbours in their adapter.
    """

    def __call__(self, arch: Any, space: Any, rng: np.random.Generator) -> Any:
        """Return a random neighbour of ``arch`` in ``space`` (``arch`` itself if it has none)."""
        neighbours = space.neighbours(arch)
        if not neighbours:
            return arch
        return neighbours[int(rng.integers(len(neighbours)))]


@dataclass(frozen=True)
class GreedyNeighbour:
    """Mutation: the best neighbour under a cheap score, or a random one with probability ``p_random``.

    This is foresight's "move proposal" (Abdelfattah et al., ICLR 2021) with a pluggable ``score``.

    Parameters
    ----------
    score : callable
        ``arch -> float``, e.g. a closed-form proxy.
    p_random : float
        Probability of a uniformly random neighbour instead (foresight: 0.25).
    """

    score: Callable[[Any], float]
    p_random: float = 0.25

    def __call__(self, arch: Any, space: Any, rng: np.random.Generator) -> Any:
        """Return the proposed neighbour of ``arch``."""
        neighbours = space.neighbours(arch)
        if not neighbours:
            return arch
        if rng.random() < self.p_random:
            return neighbours[int(rng.integers(len(neighbours)))]
        scores = [fitness_sort_key(float(self.score(n))) for n in neighbours]
        return neighbours[int(np.argmax(scores))]
