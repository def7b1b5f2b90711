"""Tests of the seed door canopy._random: one behaviour for ints and generators, one error for the rest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canopy._random import as_generator, child_seed, int_seed
from canopy.errors import CanopyError, InvalidSeedError


@given(st.integers(0, 2**63 - 1))
def test_int_seed_is_default_rng(seed):
    ours = as_generator(seed).integers(0, 2**32, size=4)
    assert ours.tolist() == np.random.default_rng(seed).integers(0, 2**32, size=4).tolist()
    assert int_seed(seed) == seed
    assert child_seed(seed, 3) == int(np.random.default_rng([seed, 3]).integers(0, 2**62))


def test_generator_passes_through_and_continues_its_stream():
    g = np.random.default_rng(5)
    assert as_generator(g) is g
    ref = np.random.default_rng(5)
    assert int_seed(g) == int(ref.integers(0, 2**62))
    assert child_seed(g, 9) == int(ref.integers(0, 2**62))  # a generator ignores the stream number


def test_numpy_integers_are_ints():
    assert int_seed(np.int64(4)) == 4 and isinstance(int_seed(np.int64(4)), int)


@pytest.mark.parametrize("bad", [True, 1.5, "3", None, [1]])
def test_bad_seeds_raise_one_error(bad):
    for fn in (as_generator, int_seed, lambda s: child_seed(s, 0)):
        with pytest.raises(InvalidSeedError, match="seed must be an int"):
            fn(bad)
    assert issubclass(InvalidSeedError, (CanopyError, TypeError, ValueError))
