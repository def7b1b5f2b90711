"""tropical.guided: float proposals are only ever accepted after an exact check; results equal the exact path."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
from _backends import BACKENDS
from hypothesis import given, settings
from hypothesis import strategies as st

import tropical.guided as guided_mod
from tropical.backend import use_backend, use_guided
from tropical.guided import GUIDED_STATS, certified_redundancy
from tropical.network import ReLUNetwork
from tropical.newton import _integerize, _redundancy_lp, merge_duplicates, upper_hull_vertex_mask
from tropical.testing import random_rational_points
from tropical.tropicalize import network_to_tropical


def lifted(dim, lo=-4, hi=4):
    coord = st.integers(0, 3)
    height = st.fractions(min_value=lo, max_value=hi, max_denominator=3)
    return st.lists(st.tuples(*[coord] * dim, height), min_size=2, max_size=9).map(merge_duplicates)


def beats_all(p, others, y):
    vp = p[-1] + sum(a * b for a, b in zip(p, y))
    return all(vp > q[-1] + sum(a * b for a, b in zip(q, y)) for q in others)


@pytest.mark.parametrize("dim", [1, 2, 3])
@given(data=st.data())
@settings(max_examples=40)
def test_certified_answers_equal_the_exact_lp(dim, data):
    pts = _integerize(data.draw(lifted(dim)))
    if len(pts) < 2:
        return
    i = data.draw(st.integers(0, len(pts) - 1))
    p, others = pts[i], pts[:i] + pts[i + 1:]
    red, y = certified_redundancy(p, others)
    exact, _ = _redundancy_lp(p, others)
    if red is None:
        return  # undecided: the exact LP decides (nothing was claimed)
    assert red == exact
    if not red:
        assert beats_all(p, others, y)  # the witness is checked independently here


@pytest.mark.parametrize("dim", [2, 3])
@given(data=st.data())
@settings(max_examples=25)
def test_hull_mask_guided_equals_exact(dim, data):
    pts = data.draw(lifted(dim))
    with use_guided(False):
        want = upper_hull_vertex_mask(pts)
    with use_guided(True):
        assert upper_hull_vertex_mask(pts) == want


def test_wrong_proposals_are_rejected(monkeypatch):
    """Garbage from the floats (a dominated support that is not, a witness that loses) never reaches a result.

    In 4 variables: up to 3 the guided path decides upper hulls from the exact regions and asks no float LP."""
    rng = random.Random(0)
    sets = [[tuple(rng.randint(0, 2) for _ in range(4)) + (rng.randint(-5, 5),) for _ in range(12)]
            for _ in range(30)]
    sets = [merge_duplicates(s) for s in sets]
    with use_guided(False):
        want = [upper_hull_vertex_mask(s) for s in sets]

    def liar(self):
        k = len(self.cols)
        roll = rng.random()
        if roll < 0.4:
            return "redundant", list(range(min(k, self.m)))
        if roll < 0.7:
            return "separation", [rng.uniform(-3, 3) for _ in range(self.d)]
        return "witness", [rng.uniform(-3, 3) for _ in range(self.d)]

    monkeypatch.setattr(guided_mod.FloatRedundancyLP, "propose", liar)
    before = GUIDED_STATS["rejected"]
    with use_guided(True):
        got = [upper_hull_vertex_mask(s) for s in sets]
    assert got == want
    assert GUIDED_STATS["rejected"] > before  # the liar was caught, not trusted


@pytest.mark.parametrize("dim", [1, 2, 3])
@given(data=st.data())
@settings(max_examples=20)
def test_warm_started_lp_equals_fresh_lp(dim, data):
    """Adding columns to a solved float LP (constraint generation) proposes what a fresh LP would certify."""
    from tropical.guided import FloatRedundancyLP, float_points

    pts = _integerize(data.draw(lifted(dim)))
    if len(pts) < 3:
        return
    p, others = pts[0], pts[1:]
    fl, sh, cm = float_points(pts)
    lp = FloatRedundancyLP(fl[0], sh, cm)
    half = max(1, len(others) // 2)
    lp.add(fl[1:1 + half])
    certified_redundancy(p, others[:half], lp)
    lp.add(fl[1 + half:])
    red, y = certified_redundancy(p, others, lp)
    if red is not None:
        assert red == _redundancy_lp(p, others)[0]
        if not red:
            assert beats_all(p, others, y)


def test_huge_and_tiny_magnitudes():
    big = 10**400  # beyond the float range: proposals overflow or are scaled; the exact path still decides
    pts = [(0, 0, 0), (2 * big, 0, 0), (0, 2 * big, 0), (big, big, Fraction(-1, 10**300)), (big, big // 3, big)]
    with use_guided(False):
        want = upper_hull_vertex_mask(pts)
    with use_guided(True):
        assert upper_hull_vertex_mask(pts) == want
    assert want[3] is False and want[4] is True


@pytest.mark.parametrize(("backend", "on"), list(itertools.product(BACKENDS, [False, True])))
@pytest.mark.parametrize("sizes", [(2, 4, 4, 1), (3, 3, 3, 2)])
def test_conversion_equals_forward_pass_on_every_path(backend, on, sizes):
    net = ReLUNetwork.random(sizes[0], list(sizes[1:-1]), sizes[-1], seed=1)
    with use_backend(backend), use_guided(on):
        m = network_to_tropical(net)
    for x in random_rational_points(net.input_dim, 8, rng=3):
        assert m.evaluate(x) == net.forward(x)
    with use_backend("python"), use_guided(False):
        ref = network_to_tropical(net)
    for a, b in zip(m, ref):
        assert a.numerator == b.numerator
        assert a.denominator == b.denominator


@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5), st.integers(-50, 50)), min_size=2, max_size=8),
       st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=2),
       st.lists(st.integers(0, 7), max_size=3))
def test_certificate_checks_never_accept_a_false_claim(pts, y, support):
    """Whatever the floats say, an accepted witness beats every point and an accepted support is a proof."""
    from tropical.guided import _exact_support, _exact_witness

    p, others = pts[0], pts[1:]
    w = _exact_witness(p, others, y)
    if w is not None:
        assert beats_all(p, others, w)
        assert all(isinstance(v, Fraction) for v in w)
    sup = sorted({j for j in support if j < len(others)})
    if _exact_support(p, others, sup):
        assert _redundancy_lp(p, others)[0]
