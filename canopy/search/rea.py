"""Regularized (aging) evolution, REA — the one evolution loop of :mod:`canopy`.

Algorithm (Real et al., AAAI 2019; the NATS-Bench implementation ``exps/NATS-algos/regularized_ea.py``):

1. Fill a population of ``population_size`` random architectures (each costs one evaluation).
2. Until ``n_evals`` evaluations are spent: select a parent with the *selection* strategy (default: a
   tournament of ``sample_size``), make a child with the *mutation* strategy (default: a uniformly random
   single-step neighbour), evaluate it, append it, and remove the **oldest** member (aging).

The fitness is any callable ``arch -> float`` — a proxy (see :mod:`canopy.search.fitness`) or the
validation accuracy. Ground truth used for logging goes through ``oracle`` and is never seen by the loop.
All randomness is drawn from one :class:`numpy.random.Generator` built from ``seed``, so the same seed gives
the same trajectory, also in a fresh process.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from canopy._random import as_generator, int_seed
from canopy.errors import CanopyError
from canopy.search.strategies import Individual, RandomNeighbour, Tournament
from canopy.search.trajectory import Recorder, Trajectory

__all__ = ["regularized_evolution"]


def _begin(algorithm: str, space: Any, fitness_name: str, seed: int | np.random.Generator, n_evals: int,
           settings: dict[str, Any], oracle: Any, clock: Callable[[], float]
           ) -> tuple[np.random.Generator, Trajectory, Recorder]:
    """What every search starts with: a checked budget, the generator of ``seed`` (the seed door), an empty
    trajectory recording the int seed (-1 for a generator) and the settings, and its recorder."""
    if not isinstance(n_evals, int) or n_evals < 1:
        raise CanopyError(f"n_evals must be a positive int, got {n_evals!r}")
    rng = as_generator(seed)
    traj = Trajectory(
        algorithm=algorithm,
        space=getattr(space, "name", type(space).__name__),
        fitness=fitness_name,
        seed=-1 if rng is seed else int_seed(seed),
        settings={"n_evals": n_evals, **settings},
    )
    return rng, traj, Recorder(traj, oracle=oracle, clock=clock)


def regularized_evolution(
    space: Any,
    fitness: Callable[[Any], float],
    *,
    n_evals: int = 1000,
    population_size: int = 64,
    sample_size: int = 10,
    replace: bool = True,
    seed: int | np.random.Generator = 0,
    mutation: Callable[[Any, Any, np.random.Generator], Any] | None = None,
    selection: Callable[[list[Individual], np.random.Generator], Individual] | None = None,
    oracle: Callable[[Any], tuple[float | None, float | None]] | None = None,
    fitness_name: str = "fitness",
    clock: Callable[[], float] = time.perf_counter,
) -> Trajectory:
    """Run regularized evolution and return its trajectory.

    Parameters
    ----------
    space : search-space adapter
        Provides ``name``, ``sample(rng)``, ``neighbours(arch)`` and ``key(arch)``
        (see :mod:`canopy.search.spaces`).
    fitness : callable
        ``arch -> float``; larger is better; NaN ranks last. Wrap it in
        :class:`canopy.search.fitness.CachedFitness` to cache evaluations.
    n_evals : int
        Total number of fitness evaluations, the initial population included.
    population_size : int
        Population size (default 64, as in foresight / WRCor; NATS-Bench uses 10).
    sample_size : int
        Tournament size of the default selection (default 10; NATS-Bench uses 3).
    replace : bool
        Whether the default tournament samples with replacement.
    seed : int or numpy.random.Generator
        The only source of randomness.
    mutation : callable, optional
        ``(arch, space, rng) -> arch`` (default :class:`~canopy.search.strategies.RandomNeighbour`).
    selection : callable, optional
        ``(population, rng) -> Individual`` (default ``Tournament(sample_size, replace)``).
    oracle : callable, optional
        ``arch -> (valid, test)`` for logging the incumbent's accuracies; never used for selection.
    fitness_name : str
        Name recorded in the trajectory.
    clock : callable
        Time source for ``wall_clock``.

    Returns
    -------
    Trajectory
        ``n_evals`` steps; ``settings`` records the algorithm's parameters.

    Raises
    ------
    canopy.errors.CanopyError
        On a non-positive budget or population, or ``n_evals < population_size``.

    Examples
    --------
    >>> from canopy.search.spaces import BitStrings
    >>> space = BitStrings(8)
    >>> t = regularized_evolution(space, lambda a: float(sum(a)), n_evals=60, population_size=10,
    ...                           sample_size=3, seed=1)
    >>> len(t.steps), t.final.proxy_best
    (60, 8.0)
    >>> t2 = regularized_evolution(space, lambda a: float(sum(a)), n_evals=60, population_size=10,
    ...                            sample_size=3, seed=1)
    >>> t.same_path(t2)
    True
    """
    if not isinstance(n_evals, int) or n_evals < 1:
        raise CanopyError(f"n_evals must be a positive int, got {n_evals!r}")
    if not isinstance(population_size, int) or population_size < 1:
        raise CanopyError(f"population_size must be a positive int, got {population_size!r}")
    if n_evals < population_size:
        raise CanopyError(f"n_evals ({n_evals}) must be >= population_size ({population_size})")
    mutation = mutation or RandomNeighbour()
    selection = selection or Tournament(sample_size=sample_size, replace=replace)
    rng, traj, rec = _begin("rea", space, fitness_name, seed, n_evals, {
        "population_size": population_size,
        "sample_size": getattr(selection, "sample_size", sample_size),
        "replace": getattr(selection, "replace", replace),
        "mutation": type(mutation).__name__,
        "selection": type(selection).__name__,
    }, oracle, clock)

    def evaluate(arch: Any) -> Individual:
        key = space.key(arch)
        value = float(fitness(arch))
        rec.record(arch, key, value)
        return Individual(arch, key, value)

    population: collections.deque[Individual] = collections.deque()
    while len(population) < population_size:
        population.append(evaluate(space.sample(rng)))
    while len(traj.steps) < n_evals:
        parent = selection(list(population), rng)
        child = mutation(parent.arch, space, rng)
        population.append(evaluate(child))
        population.popleft()
    return traj
