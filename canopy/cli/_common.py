"""Helpers shared by the sub-commands: output files, strict JSON, and the limits on costly requests.

Costly requests are estimated before any work starts and refused above the defaults in :data:`LIMITS`
unless the user raises the limit with the option named in the message (``--allow-costly`` lifts them all).

Examples
--------
>>> strict_json({"a": float("nan"), "b": [1.0, float("inf")]})
'{"a": null, "b": [1.0, null]}'
>>> check_limit("--points", 50, "points")
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

#: the documented defaults: name -> (limit, what it limits)
LIMITS: dict[str, tuple[int, str]] = {
    "params": (1_000_000, "weights of a random or loaded network"),
    "width": (4096, "neurons in one layer"),
    "depth": (64, "hidden layers"),
    "input": (4096, "input dimension"),
    "neurons": (32_768, "hidden neurons in total (the serra bound's cost grows with them)"),
    "points": (100_000, "exact check points of canopy verify"),
    "regions": (10_000_000, "--max-regions"),
    "bootstrap": (100_000, "bootstrap resamples"),
    "seeds": (10_000, "seeds / random networks"),
    "evals": (1_000_000, "fitness evaluations per seed"),
    "exact_regions": (100_000, "linear regions an exact count may enumerate (closed-form estimate)"),
}


def add_costly_argument(parser: Any) -> None:
    """Register ``--allow-costly`` (lifts every limit of :data:`LIMITS`)."""
    parser.add_argument("--allow-costly", action="store_true",
                        help="lift the safety limits on costly requests (sizes, counts; see 'Bad input' in docs/guide/evaluation.md)")


def check_limit(option: str, value: int, key: str, *, allow: bool = False, minimum: int | None = 1) -> None:
    """Refuse ``value`` below ``minimum`` or above ``LIMITS[key]`` (unless ``allow``) with one clear error.

    Raises
    ------
    canopy.errors.CostlyRequestError
        Above the limit (the message names the limit and how to raise it).
    canopy.errors.InvalidArgumentError
        Below ``minimum``.

    Examples
    --------
    >>> check_limit("--points", 10**9, "points")
    Traceback (most recent call last):
    ...
    canopy.errors.CostlyRequestError: --points 1000000000 is above the limit of 100000 exact check points of canopy verify; pass --allow-costly to run it anyway
    """
    from canopy.errors import CostlyRequestError, InvalidArgumentError

    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{option} must be >= {minimum}, got {value}")
    limit, what = LIMITS[key]
    if not allow and value > limit:
        raise CostlyRequestError(
            f"{option} {value} is above the limit of {limit} {what}; pass --allow-costly to run it anyway"
        )


#: file suffixes a figure may be written as
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_output(path: str | os.PathLike[str], option: str, *, force: bool = True, figure: bool = False) -> Path:
    """Check an output path before any work: not a directory, not a symlink, its folder exists.

    With ``force=False`` an existing file is refused too (``--force`` overwrites); with ``figure=True`` the
    suffix must be one of :data:`FIGURE_SUFFIXES` (the format is read from it).

    Raises
    ------
    canopy.errors.OutputFileError
        With one line naming the option and the problem.
    """
    from canopy.errors import OutputFileError

    text = os.fspath(path)
    if not text:
        raise OutputFileError(f"{option}: empty file name")
    p = Path(text)
    if p.is_symlink():
        raise OutputFileError(f"{option} {text}: is a symbolic link; refusing to write through it "
                              "(remove it or name the target)")
    if p.is_dir():
        raise OutputFileError(f"{option} {text}: is a directory, expected a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputFileError(f"{option} {text}: folder {parent} does not exist")
    if figure and p.suffix.lower() not in FIGURE_SUFFIXES:
        raise OutputFileError(f"{option} {text}: a figure needs one of the suffixes {', '.join(FIGURE_SUFFIXES)}")
    if p.exists() and not force:
        raise OutputFileError(f"{option} {text}: exists; pass --force to overwrite")
    return p


def check_input_file(path: str, option: str) -> Path:
    """Check that ``path`` names a readable regular file (one clear error otherwise)."""
    from canopy.errors import InvalidArgumentError

    if not path:
        raise InvalidArgumentError(f"{option}: empty file name")
    p = Path(path)
    if p.is_dir():
        raise InvalidArgumentError(f"{option} {path}: is a directory, expected a file")
    if not p.exists():
        raise FileNotFoundError(f"{option} {path}: no such file")
    return p


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


#: the key a ``--json`` object carries to say what a ``null`` number means
NULL_NOTE = {"null_numbers": "null stands for a value that is not available (NaN or infinite), e.g. no ground truth"}


def strict_json(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never writes bare ``NaN``/``Infinity``: non-finite floats become ``null``."""
    return json.dumps(_clean(obj), allow_nan=False, **kwargs)


def note(message: str) -> None:
    """One progress / information line on standard error (also with ``--json``)."""
    print(message, file=sys.stderr, flush=True)
