"""Branch sums: product and union-arrangement rules (Vandermonde), Minkowski-sum vertex counts."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canopy.bounds._combinatorics import zaslavsky
from canopy.bounds.branches import (
    ProductBound,
    concat_rank,
    gritzmann_sturmfels_vertex_bound,
    level_factor,
    product_bound,
    sum_rank,
    union_arrangement_bound,
)


@given(n1=st.integers(0, 30), n2=st.integers(0, 30), r=st.integers(0, 12))
def test_union_never_exceeds_product(n1, n2, r):
    assert union_arrangement_bound([n1, n2], r) <= zaslavsky(n1, r) * zaslavsky(n2, r)


@given(ns=st.lists(st.integers(0, 8), min_size=1, max_size=3), r=st.integers(0, 6))
def test_level_factor_is_min(ns, r):
    ind = [ProductBound([(zaslavsky(n, r), 1)]) for n in ns]
    f = level_factor(ns, ind, r).value()
    assert f == min(union_arrangement_bound(ns, r), math.prod(zaslavsky(n, r) for n in ns))


def _regions_1d(points):
    """Regions of a set of points (hyperplanes) on the line: distinct points + 1."""
    return len(set(points)) + 1


@given(a=st.lists(st.integers(-5, 5), max_size=5), b=st.lists(st.integers(-5, 5), max_size=5))
def test_union_arrangement_on_the_line_is_exact_in_general_position(a, b):
    # breakpoints of two 1-D ReLU branches: the sum's regions are at most the union count
    assert _regions_1d(a + b) <= union_arrangement_bound([len(a), len(b)], 1)
    assert _regions_1d(a + b) <= product_bound([_regions_1d(a), _regions_1d(b)])


def test_zonotope_vertex_counts():
    assert gritzmann_sturmfels_vertex_bound(4, 2) == 8
    assert gritzmann_sturmfels_vertex_bound(4, 3) == 14
    assert gritzmann_sturmfels_vertex_bound(10, 3) == 92


def test_zonotope_vertices_brute_force_square():
    # zonotope of 2 generic segments in R^2 is a parallelogram: 4 vertices = 2 * (C(1,0) + C(1,1))
    gens = [(1, 0), (1, 2)]
    pts = {tuple(sum(c * g[i] for c, g in zip(cs, gens)) for i in range(2))
           for cs in itertools.product([0, 1], repeat=2)}
    assert len(pts) == 4 == gritzmann_sturmfels_vertex_bound(2, 2)


def test_ranks_and_errors():
    assert sum_rank([3, 4], 5) == 5 and concat_rank([1, 1], 10) == 2
    assert product_bound([2, 3, 4]) == 24
    with pytest.raises(ValueError):
        product_bound([0])
    with pytest.raises(ValueError):
        ProductBound([(0, 1)])
    assert ProductBound([(10, 3)]).log10() == pytest.approx(3.0)
