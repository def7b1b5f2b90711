"""The one seed door of :mod:`canopy`: every stochastic function takes an int or a ``numpy.random.Generator``.

* :func:`as_generator` -- a :class:`numpy.random.Generator` from either (a generator is used as it is, so
  draws continue its stream; an int gives ``numpy.random.default_rng(seed)``);
* :func:`int_seed` -- an int seed from either (an int as it is; a generator draws one int in ``[0, 2**62)``),
  for libraries that take ints (``torch.Generator.manual_seed``);
* :func:`child_seed` -- the int seed of an independent stream ``stream`` derived from a seed
  (``default_rng([seed, stream])``; a generator draws one int, as :func:`int_seed`).

Anything else (``bool``, floats, strings, ``None``) raises :class:`canopy.errors.InvalidSeedError`, which is a
:class:`TypeError` and a :class:`ValueError` at once, so callers that caught either keep working.

Examples
--------
>>> import numpy as np
>>> as_generator(3).integers(0, 10, size=3).tolist() == np.random.default_rng(3).integers(0, 10, size=3).tolist()
True
>>> int_seed(7), child_seed(0, 1) == child_seed(0, 1) != child_seed(0, 2)
(7, True)
>>> as_generator(1.5)
Traceback (most recent call last):
...
canopy.errors.InvalidSeedError: seed must be an int or numpy.random.Generator, got float
"""

from __future__ import annotations

import numpy as np

from canopy.errors import InvalidSeedError

__all__ = ["SeedLike", "as_generator", "int_seed", "child_seed"]

#: what every ``seed`` / ``rng`` argument in canopy accepts
SeedLike = int | np.integer | np.random.Generator

_HIGH = 2**62


def _check_int(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidSeedError(f"seed must be an int or numpy.random.Generator, got {type(seed).__name__}")
    return int(seed)


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A :class:`numpy.random.Generator`: ``seed`` itself if it is one, else ``default_rng(int(seed))``.

    Raises
    ------
    InvalidSeedError
        ``seed`` is neither an int (``bool`` excluded) nor a generator.

    Examples
    --------
    >>> g = as_generator(0)
    >>> as_generator(g) is g
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(_check_int(seed))


def int_seed(seed: SeedLike) -> int:
    """An int seed: ``seed`` itself if an int, else one draw ``integers(0, 2**62)`` of the generator.

    Examples
    --------
    >>> int_seed(np.random.default_rng(0)) == int(np.random.default_rng(0).integers(0, 2**62))
    True
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, _HIGH))
    return _check_int(seed)


def child_seed(seed: SeedLike, stream: int) -> int:
    """The int seed of the independent stream ``stream`` of ``seed`` (a generator draws one int instead).

    Examples
    --------
    >>> child_seed(0, 1) == int(np.random.default_rng([0, 1]).integers(0, 2**62))
    True
    """
    if isinstance(seed, np.random.Generator):
        return int_seed(seed)
    return int(np.random.default_rng([_check_int(seed), int(stream)]).integers(0, _HIGH))
