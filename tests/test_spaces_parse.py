"""canopy.spaces._parse: the one literal parser of the encodings' text forms."""

from __future__ import annotations

import pytest

from canopy.errors import InvalidArchitectureError
from canopy.spaces._parse import literal


def test_literal_round_trips_tuples():
    assert literal(" ((0, 4), (1, 3)) ", "x") == ((0, 4), (1, 3))


@pytest.mark.parametrize("text", ["(4, 0", "foo(1)", "", "[1, 2] + [3]"])
def test_literal_refuses_non_literals_naming_what(text):
    with pytest.raises(InvalidArchitectureError, match="cannot parse compact DARTS encoding"):
        literal(text, "compact DARTS encoding")
