"""The exception tree of :mod:`canopy`.

:class:`CanopyError` is the root; the command line turns any of these (and any
:class:`tropical.errors.TropicalError`) into one clear line on standard error.

Examples
--------
>>> from canopy.errors import UnknownProxyError, CanopyError
>>> issubclass(UnknownProxyError, ValueError) and issubclass(UnknownProxyError, CanopyError)
True
"""

from __future__ import annotations

__all__ = [
    "CanopyError",
    "InvalidArchitectureError",
    "UnknownProxyError",
    "UnsupportedOperationError",
    "DataFileError",
    "StoreError",
    "ProxySettingsError",
    "UnknownModeError",
    "BoundNotApplicableError",
    "InvalidSeedError",
    "InvalidArgumentError",
    "CostlyRequestError",
    "OutputFileError",
]


class CanopyError(Exception):
    """Base class of every error raised on purpose by :mod:`canopy`."""


class InvalidArchitectureError(CanopyError, ValueError):
    """A malformed architecture: bad NB201 string, bad DARTS genotype, bad widths, ..."""


class UnknownProxyError(CanopyError, ValueError):
    """A proxy name that is not registered."""


class UnsupportedOperationError(CanopyError, TypeError):
    """A model contains an operation the tropical calculus does not support (the message names it and where)."""


class DataFileError(CanopyError, OSError):
    """A benchmark data file is missing, unreadable or corrupt (the message names the file)."""


class StoreError(CanopyError, RuntimeError):
    """The durable result store cannot be used (written by another version, corrupt, locked)."""


class ProxySettingsError(CanopyError, ValueError):
    """Invalid proxy settings or inputs (bad batch size, p=0 for VKDNW, wrong input shape, ...)."""


class UnknownModeError(CanopyError, ValueError):
    """A bound / score mode that is not registered (the message lists the valid modes)."""


class BoundNotApplicableError(CanopyError, ValueError):
    """A bound's hypotheses fail for this architecture (the message names the failing condition)."""


class InvalidSeedError(CanopyError, TypeError, ValueError):
    """A seed that is neither an int nor a ``numpy.random.Generator`` (see :mod:`canopy._random`)."""


class InvalidArgumentError(CanopyError, ValueError, TypeError):
    """An argument of the wrong type or out of its range (a negative count, an unknown option, an empty file name).

    Derives from both ``ValueError`` and ``TypeError`` so that code catching either built-in keeps working.
    """


class CostlyRequestError(CanopyError, ValueError):
    """A request estimated (before any work) to exceed a documented default limit; the message says how to raise it."""


class OutputFileError(CanopyError, OSError):
    """An output that cannot or must not be written (a directory, a symbolic link, an existing file without --force)."""
