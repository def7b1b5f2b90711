"""Parsing of the literal text forms of encodings (NASLib tuples, compact DARTS genotypes).

Examples
--------
>>> literal("(4, 0, 3)", "NASLib NB201 tuple")
(4, 0, 3)
>>> literal("(4, 0", "NASLib NB201 tuple")
Traceback (most recent call last):
...
canopy.errors.InvalidArchitectureError: cannot parse NASLib NB201 tuple '(4, 0'
"""

from __future__ import annotations

import ast

from canopy.errors import InvalidArchitectureError

__all__ = ["literal"]


def literal(text: str, what: str):
    """``ast.literal_eval`` of ``text`` (stripped); :class:`~canopy.errors.InvalidArchitectureError` naming
    ``what`` when it is not a Python literal."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError) as exc:
        raise InvalidArchitectureError(f"cannot parse {what} {text!r}") from exc
