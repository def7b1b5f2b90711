"""Random search: sample architectures, keep the one with the best fitness (NASWOT protocol, ``proxies.md`` §8.3).

Same logging as :func:`canopy.search.rea.regularized_evolution`, so the two are plotted on one axis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from canopy.search.rea import _begin
from canopy.search.trajectory import Trajectory

__all__ = ["random_search"]


def random_search(
    space: Any,
    fitness: Callable[[Any], float],
    *,
    n_evals: int = 1000,
    seed: int | np.random.Generator = 0,
    oracle: Callable[[Any], tuple[float | None, float | None]] | None = None,
    fitness_name: str = "fitness",
    clock: Callable[[], float] = time.perf_counter,
) -> Trajectory:
    """Evaluate ``n_evals`` architectures drawn by ``space.sample(rng)``; the incumbent is the best so far.

    Parameters
    ----------
    space : search-space adapter
        Provides ``name``, ``sample(rng)`` and ``key(arch)``.
    fitness : callable
        ``arch -> float``; larger is better; NaN ranks last.
    n_evals : int
        Number of samples (drawn independently, so repeats are possible and counted).
    seed : int or numpy.random.Generator
        The only source of randomness.
    oracle : callable, optional
        ``arch -> (valid, test)`` for logging; never used for selection.
    fitness_name : str
        Name recorded in the trajectory.
    clock : callable
        Time source for ``wall_clock``.

    Returns
    -------
    Trajectory

    Raises
    ------
    canopy.errors.CanopyError
        On a non-positive budget or a bad seed.

    Examples
    --------
    >>> from canopy.search.spaces import BitStrings
    >>> t = random_search(BitStrings(4), lambda a: float(sum(a)), n_evals=50, seed=0)
    >>> t.final.proxy_best
    4.0
    """
    rng, traj, rec = _begin("random", space, fitness_name, seed, n_evals, {}, oracle, clock)
    for _ in range(n_evals):
        arch = space.sample(rng)
        rec.record(arch, space.key(arch), float(fitness(arch)))
    return traj
