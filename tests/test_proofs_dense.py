"""Every checkable step of proofs/{generic,serra,zhang,montufar}.md, checked.

Symbolic identities with sympy; inequalities between the bounds and monotonicity with Hypothesis; the
special cases (n_0 = 1, L = 1, d >= n) exactly.  Step numbers refer to the proof files.
"""

from __future__ import annotations

import math

import sympy
from hypothesis import example, given
from hypothesis import strategies as st

from canopy.bounds import generic_bound, montufar_bound, serra_bound, serra_lower_bound, zhang_bound
from canopy.bounds._combinatorics import zaslavsky

n_sym, j_sym, d_sym = sympy.symbols("n j d", integer=True, nonnegative=True)

UPPER = (serra_bound, generic_bound, zhang_bound)
ALL = (*UPPER, montufar_bound, serra_lower_bound)

input_dims = st.integers(1, 6)
width_lists = st.lists(st.integers(1, 9), min_size=1, max_size=4)


# ---------------------------------------------------------------- generic.md, Zaslavsky's count (Lemma 0)
def test_pascal_step_symbolic():
    """C(n, j) = C(n-1, j) + C(n-1, j-1) as an identity of rational functions (gamma form)."""
    expr = sympy.binomial(n_sym, j_sym) - sympy.binomial(n_sym - 1, j_sym) - sympy.binomial(n_sym - 1, j_sym - 1)
    assert sympy.simplify(sympy.combsimp(sympy.expand_func(expr))) == 0


def test_pascal_recursion_for_r():
    """r(n, d) = r(n-1, d) + r(n-1, d-1): summing the term identity over j <= d (C(n-1, -1) = 0)."""
    for n in range(1, 30):
        for d in range(1, 32):
            assert zaslavsky(n, d) == zaslavsky(n - 1, d) + zaslavsky(n - 1, d - 1)
    # and symbolically for a fixed d: both sides are polynomials in n
    for d in range(0, 6):
        lhs = sum(sympy.binomial(n_sym, j) for j in range(d + 1))
        rhs = sum(sympy.binomial(n_sym - 1, j) for j in range(d + 1)) + sum(
            sympy.binomial(n_sym - 1, j) for j in range(d)
        )
        assert sympy.simplify(sympy.expand_func(lhs - rhs)) == 0


def test_full_sum_is_power_of_two():
    """d >= n: r(n, d) = sum_{j<=n} C(n, j) = 2^n (binomial theorem), symbolically and exactly."""
    assert sympy.simplify(sympy.summation(sympy.binomial(n_sym, j_sym), (j_sym, 0, n_sym)) - 2**n_sym) == 0
    for n in range(0, 40):
        for d in (n, n + 1, n + 17):
            assert zaslavsky(n, d) == 2**n


def test_zaslavsky_monotone_in_n_and_d():
    for n in range(0, 25):
        for d in range(0, 25):
            assert zaslavsky(n + 1, d) >= zaslavsky(n, d)
            assert zaslavsky(n, d + 1) >= zaslavsky(n, d)


# ----------------------------------------------------------- ordering of the bounds (serra.md, zhang.md)
@given(input_dims, width_lists)
@example(3, [5, 5])
@example(784, [8, 14])
@example(5, [2, 9])
def test_serra_le_bottleneck_le_plain(n0, widths):
    """serra.md Step 4 (J is inside the box) and zhang.md (d_l <= n_0)."""
    assert serra_bound(n0, widths) <= generic_bound(n0, widths) <= zhang_bound(n0, widths)


@given(input_dims, width_lists, st.data())
def test_monotone_in_every_width(n0, widths, data):
    """Adding a unit to any layer never lowers a bound (all five), nor does a larger input dimension."""
    layer = data.draw(st.integers(0, len(widths) - 1))
    bigger = list(widths)
    bigger[layer] += 1
    for bound in ALL:
        assert bound(n0, bigger) >= bound(n0, widths), bound.__name__
    for bound in UPPER:
        assert bound(n0 + 1, widths) >= bound(n0, widths), bound.__name__


@given(width_lists)
@example([1, 1])
@example([3, 1, 4])
def test_one_dimensional_input_gives_product(widths):
    """n_0 = 1: generic and zhang equal prod_l (n_l + 1); so does serra when no layer l < L has width 1.

    A width-1 layer before the last can be switched off (j_l = 1 leaves budget n_l - j_l = 0), and Serra's
    bound is then strictly smaller: (1; 1, 1) gives 3, which is the true maximum (serra.md, Remark).
    """
    expected = math.prod(n + 1 for n in widths)
    assert generic_bound(1, widths) == zhang_bound(1, widths) == expected
    if min(widths[:-1], default=2) >= 2:
        assert serra_bound(1, widths) == expected
    else:
        assert serra_bound(1, widths) < expected
    assert serra_bound(1, [1, 1]) == 3


@given(st.lists(st.integers(3, 9), min_size=1, max_size=4))
def test_one_dimensional_lower_equals_upper(widths):
    """n_0 = 1, n_l >= 3: Serra's lower bound on the maximum equals the upper bound (exact maximum)."""
    assert serra_lower_bound(1, widths) == serra_bound(1, widths)


@given(input_dims, st.integers(1, 30))
def test_single_layer_all_equal_zaslavsky(n0, n1):
    """L = 1: every bound (upper and lower) is r(n_1, n_0), so all are tight (generic_layer_construction)."""
    for bound in (*UPPER, montufar_bound):
        assert bound(n0, [n1]) == zaslavsky(n1, n0)
    assert serra_lower_bound(n0, [n1]) == zaslavsky(n1, n0)


@given(input_dims, width_lists)
@example(2, [8, 8])
@example(2, [6, 6, 6])
def test_lower_bounds_below_upper_bounds(n0, widths):
    """A lower bound on the maximum can never exceed an upper bound: the two theories are consistent."""
    upper = serra_bound(n0, widths)
    assert montufar_bound(n0, widths) <= upper
    assert serra_lower_bound(n0, widths) <= upper
    if serra_lower_bound(n0, widths):
        assert serra_lower_bound(n0, widths) >= montufar_bound(n0, widths)


@given(input_dims, width_lists)
def test_bottleneck_dimensions(n0, widths):
    """generic.md Step 2: the product uses d_l = min(n_0, ..., n_{l-1}); adding n_l to the min changes nothing."""
    d = n0
    prod_with, prod_without = 1, 1
    for n in widths:
        prod_without *= zaslavsky(n, d)
        prod_with *= zaslavsky(n, min(d, n))
        d = min(d, n)
    assert prod_with == prod_without == generic_bound(n0, widths)


@given(input_dims, width_lists)
def test_trivial_bound_dominates(n0, widths):
    """Every upper bound is at most 2^(sum n_l), the number of activation patterns."""
    for bound in UPPER:
        assert bound(n0, widths) <= 2 ** sum(widths)


# ------------------------------------------------------- generic.md Lemma 1 (the base of all upper bounds)
@st.composite
def _arrangements(draw):
    d = draw(st.sampled_from([1, 2]))
    m = draw(st.integers(1, 6))
    entry = st.integers(-2, 2)
    rows = [draw(st.lists(entry, min_size=d, max_size=d)) for _ in range(m)]
    bias = draw(st.lists(entry, min_size=m, max_size=m))
    if m > 1 and draw(st.booleans()):  # degenerate: a repeated, negated or parallel hyperplane
        k = draw(st.integers(1, m - 1))
        rows[k] = [draw(st.sampled_from([1, -1, 2])) * v for v in rows[0]]
    return d, rows, bias


@given(_arrangements())
@example((2, [[1, 0], [0, 1], [1, 1]], [0, 0, -1]))
@example((2, [[1, 1], [1, 1], [-1, -1]], [0, 1, 0]))
@example((1, [[0], [1]], [0, 0]))
def test_lemma1_inactive_set_injection(case):
    """Cells map injectively to subsets S of their inactive units with |S| <= d (Hall's condition holds).

    The cells of one layer are found with the exact oracle (their interior points); an injective choice
    exists iff a bipartite matching saturates the cells (networkx Hopcroft-Karp).
    """
    import itertools
    from fractions import Fraction

    import networkx as nx
    from _region_oracle import interior_points_2d_box

    d, rows, bias = case
    weights = [rows, [[1] * len(rows)]]
    biases = [bias, [0]]
    if d == 1:  # a 1-D arrangement as vertical lines in the plane (a dummy second coordinate)
        weights = [[[r[0], 0] for r in rows], [[1] * len(rows)]]
    points = interior_points_2d_box(weights, biases, radius=10**4)
    m = len(rows)
    graph = nx.Graph()
    cells = []
    for idx, (x, y) in enumerate(points):
        vals = [Fraction(w[0]) * x + Fraction(w[1]) * y + b for w, b in zip(weights[0], bias)]
        inactive = [i for i, v in enumerate(vals) if v <= 0]
        cell = ("cell", idx)
        cells.append(cell)
        graph.add_node(cell)
        for k in range(min(d, len(inactive)) + 1):
            for subset in itertools.combinations(inactive, k):
                graph.add_edge(cell, ("set", subset))
    matching = nx.bipartite.hopcroft_karp_matching(graph, top_nodes=cells)
    assert all(c in matching for c in cells)
    assert len(cells) <= zaslavsky(m, d)
