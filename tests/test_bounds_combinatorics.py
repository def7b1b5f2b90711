"""Zaslavsky counts: the binary-splitting sum of binomials equals the plain sums, and is fast on huge sizes."""

from __future__ import annotations

import math
import random
import time

import pytest

from canopy.bounds import generic_bound, zaslavsky, zhang_bound
from canopy.bounds._combinatorics import (
    _binomial_prefix_sum,
    _exact_quotient,
    _prefix_sums,
    _split,
    _zaslavsky,
)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 17, 64, 65, 119])
def test_zaslavsky_equals_the_sum_of_binomials(n):
    for d in range(0, n + 3):
        assert zaslavsky(n, d) == sum(math.comb(n, j) for j in range(min(n, d) + 1))


def test_binary_splitting_equals_the_loop():
    rng = random.Random(0)
    for n, k in [(100_000, 20_000), (30_000, 12_000), (1000, 999), (200, 1), (7, 0)] + [
            (n, rng.randrange(0, n + 1)) for n in (rng.randrange(1, 3000) for _ in range(30))]:
        _, q, t = _split(n, 0, k) if k else (1, 1, 0)
        assert _exact_quotient(q + t, q) == _prefix_sums(n, k)[-1] == _binomial_prefix_sum(n, k), (n, k)


def test_exact_quotient():
    rng = random.Random(1)
    for _ in range(200):
        a = rng.getrandbits(rng.randrange(1, 4000)) + 1
        b = (rng.getrandbits(rng.randrange(1, 4000)) + 1) << rng.randrange(0, 50)
        assert _exact_quotient(a * b, b) == a


def test_huge_zaslavsky_counts_take_seconds_not_minutes():
    _zaslavsky.cache_clear()
    t0 = time.process_time()
    value = zaslavsky(10**7, 10**5)  # the plain loop: 15 s CPU
    assert zhang_bound(10**5, [10**6] * 3) > 0 and generic_bound(3072, [4096] * 64) > 0  # zhang: 8.6 s before
    assert time.process_time() - t0 < 8.0
    # the largest term C(10^7, 10^5) dominates: the other 10^5 terms add less than one bit (ratio ~ 1/99)
    log2_top = (math.lgamma(10**7 + 1) - math.lgamma(10**5 + 1) - math.lgamma(10**7 - 10**5 + 1)) / math.log(2)
    assert log2_top < value.bit_length() <= log2_top + 2
