"""Hypothesis strategies and assertion helpers for property-testing code against the exact core.

Use these in your own tests: e.g. "my region-count bound is never below the exact count"::

    from hypothesis import given
    from tropical.testing import relu_networks, assert_upper_bound

    @given(relu_networks(input_dim=2, widths=[3, 3]))
    def test_my_bound(net):
        assert_upper_bound(my_bound(net.input_dim, net.widths), net)

Hypothesis is imported when this module is imported (it is a test dependency, not a runtime one);
``import tropical`` does not import this module.

Examples
--------
>>> from hypothesis import given
>>> @given(tropical_numbers(), tropical_numbers())
... def check_commutes(a, b):
...     assert a + b == b + a and a * b == b * a
>>> check_commutes()
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess test
    if exc.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        "tropical.testing needs hypothesis; install it with: pip install 'canopy-nas[testing]'", name="hypothesis"
    ) from None

from tropical._sampling import random_rational_points
from tropical.errors import InexactInputError
from tropical.network import ReLUNetwork
from tropical.polynomial import TropicalPolynomial
from tropical.semiring import NEG_INF, TropicalNumber

__all__ = [
    "DEGENERACIES",
    "rationals",
    "points",
    "tropical_numbers",
    "tropical_polynomials",
    "relu_networks",
    "assert_upper_bound",
    "assert_tropical_matches_forward",
    "random_rational_points",
    "tie_points",
]

#: degenerate network features that :func:`relu_networks` can plant (``degenerate=True``)
DEGENERACIES: tuple[str, ...] = ("duplicate", "dead", "parallel", "ties", "all_zero", "zero_row")


def rationals(
    min_value: int = -10, max_value: int = 10, max_denominator: int = 6
) -> st.SearchStrategy[Fraction]:
    """Exact rationals ``p/q`` with ``q <= max_denominator`` in ``[min_value, max_value]``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(rationals(0, 1))
    ... def check(q):
    ...     assert 0 <= q <= 1 and isinstance(q, Fraction)
    >>> check()
    """
    return st.builds(
        lambda num, den: Fraction(num, den),
        st.integers(min_value * max_denominator, max_value * max_denominator),
        st.integers(1, max_denominator),
    ).filter(lambda q: min_value <= q <= max_value)


def points(nvars: int, **kwargs: Any) -> st.SearchStrategy[tuple[Fraction, ...]]:
    """Points of ``ℚ^nvars`` with coordinates from :func:`rationals` (``kwargs`` passed on).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(points(3))
    ... def check(x):
    ...     assert len(x) == 3
    >>> check()
    """
    return st.tuples(*[rationals(**kwargs) for _ in range(nvars)])


def tropical_numbers(allow_zero: bool = True, **kwargs: Any) -> st.SearchStrategy[TropicalNumber]:
    """Tropical numbers (exact finite values, plus the tropical zero ``-∞`` when ``allow_zero``).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(tropical_numbers(allow_zero=False))
    ... def check(a):
    ...     assert not a.is_zero
    >>> check()
    """
    finite = rationals(**kwargs).map(TropicalNumber)
    if allow_zero:
        return st.one_of(st.just(TropicalNumber(NEG_INF)), finite)
    return finite


def tropical_polynomials(
    nvars: int,
    *,
    min_terms: int = 1,
    max_terms: int = 6,
    max_degree: int = 3,
    coefficients: st.SearchStrategy[Any] | None = None,
    rational_exponents: bool = False,
) -> st.SearchStrategy[TropicalPolynomial]:
    """Tropical polynomials in ``nvars`` variables.

    Parameters
    ----------
    nvars : int
    min_terms, max_terms : int
        Number of monomials drawn (``min_terms=0`` allows the zero polynomial; repeated exponents merge).
    max_degree : int
        Exponent entries lie in ``[0, max_degree]``.
    coefficients : strategy, optional
        Default: :func:`rationals` in ``[-10, 10]``.
    rational_exponents : bool, default False
        Also draw exponents with denominators 2 and 3.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(tropical_polynomials(2))
    ... def check(f):
    ...     assert f.pruned().equals_as_function(f)
    >>> check()
    """
    coeff = coefficients if coefficients is not None else rationals()
    entry: st.SearchStrategy[Any] = st.integers(0, max_degree)
    if rational_exponents:
        entry = st.one_of(
            entry, st.builds(lambda a, b: Fraction(a, b), st.integers(0, 3 * max_degree), st.sampled_from([2, 3]))
        ).filter(lambda v: v <= max_degree)
    exponent = st.tuples(*[entry for _ in range(nvars)])
    return st.lists(st.tuples(exponent, coeff), min_size=min_terms, max_size=max_terms).map(
        lambda terms: TropicalPolynomial(terms, nvars)
    )


def _as_strategy(v: Any) -> st.SearchStrategy[Any]:
    return v if isinstance(v, st.SearchStrategy) else st.just(v)


_DEFAULT_INPUT = st.integers(1, 3)
_DEFAULT_WIDTHS = st.lists(st.integers(1, 3), min_size=1, max_size=2)


@st.composite
def relu_networks(
    draw: Any,
    input_dim: int | st.SearchStrategy[int] = _DEFAULT_INPUT,
    widths: Sequence[int] | st.SearchStrategy[Sequence[int]] = _DEFAULT_WIDTHS,
    output_dim: int | st.SearchStrategy[int] = 1,
    *,
    weights: st.SearchStrategy[Any] | None = None,
    degenerate: bool = True,
) -> ReLUNetwork:
    """Small ReLU networks with exact weights, optionally with planted degeneracies.

    Parameters
    ----------
    input_dim, widths, output_dim : value or strategy
        Architecture (``widths`` are the hidden widths).
    weights : strategy, optional
        Entry strategy (default: integers in ``[-3, 3]`` or rationals with denominator <= 3).
    degenerate : bool, default True
        With some probability plant one of :data:`DEGENERACIES`: a duplicate neuron, a dead neuron
        (zero weights, negative bias), a parallel neuron (positive multiple of another), ties (all biases
        zero: every hyperplane through the origin), all-zero weights, or a zero weight row.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(relu_networks(input_dim=2, widths=[2, 2]))
    ... def check(net):
    ...     assert net.layer_sizes == (2, 2, 2, 1)
    >>> check()
    """
    n0 = draw(_as_strategy(input_dim))
    ws_ = list(draw(_as_strategy(widths)))
    nout = draw(_as_strategy(output_dim))
    entry = weights if weights is not None else st.one_of(
        st.integers(-3, 3), rationals(-3, 3, max_denominator=3)
    )
    sizes = [n0, *ws_, nout]
    W = [[[draw(entry) for _ in range(a)] for _ in range(b)] for a, b in zip(sizes[:-1], sizes[1:])]
    B = [[draw(entry) for _ in range(b)] for b in sizes[1:]]
    if degenerate and len(sizes) > 2:
        kind = draw(st.sampled_from(("none", *DEGENERACIES)))
        layer = draw(st.integers(0, len(sizes) - 3))  # a hidden layer
        rows = W[layer]
        i = draw(st.integers(0, len(rows) - 1))
        j = draw(st.integers(0, len(rows) - 1))
        if kind == "duplicate":
            rows[j] = list(rows[i])
            B[layer][j] = B[layer][i]
        elif kind == "dead":
            rows[i] = [0] * len(rows[i])
            B[layer][i] = -1
        elif kind == "parallel":
            k = draw(st.sampled_from([Fraction(1, 2), 2, 3]))
            rows[j] = [k * v for v in rows[i]]
            B[layer][j] = k * B[layer][i]
        elif kind == "ties":
            for b in B:
                b[:] = [0] * len(b)
        elif kind == "all_zero":
            W = [[[0] * len(r) for r in m] for m in W]
        elif kind == "zero_row":
            rows[i] = [0] * len(rows[i])
    return ReLUNetwork(W, B)


def tie_points(f: TropicalPolynomial, *, rng: random.Random | int = 0, limit: int = 200) -> list[tuple[Fraction, ...]]:
    """Points where two monomials of ``f`` tie (one per pair, up to ``limit`` pairs).

    For monomials ``u, v`` with different exponents, the point ``x0 + t·(α_u - α_v)`` on the line through
    a random ``x0`` where ``c_u + <α_u, x> = c_v + <α_v, x>``.

    Examples
    --------
    >>> f = TropicalPolynomial({(1,): 0, (0,): 2})
    >>> tie_points(f)
    [(Fraction(2, 1),)]
    """
    r = rng if isinstance(rng, random.Random) else random.Random(rng)
    terms = list(f.terms.items())
    out: list[tuple[Fraction, ...]] = []
    n = f.nvars
    for a in range(len(terms)):
        for b in range(a + 1, len(terms)):
            if len(out) >= limit:
                return out
            (eu, cu), (ev, cv) = terms[a], terms[b]
            diff = [Fraction(p) - Fraction(q) for p, q in zip(eu, ev)]
            nn = sum(v * v for v in diff)
            if nn == 0:
                continue
            x0 = [Fraction(r.randint(-20, 20), r.randint(1, 5)) for _ in range(n)] if n > 1 else [Fraction(0)]
            # c_u - c_v + <diff, x0 + t diff> = 0
            t = -(Fraction(cu) - Fraction(cv) + sum(d * x for d, x in zip(diff, x0))) / nn
            out.append(tuple(x + t * d for x, d in zip(x0, diff)))
    return out


def assert_tropical_matches_forward(
    net: ReLUNetwork, points: Sequence[Sequence[Any]] | None = None, *, num_points: int = 20, seed: int = 0
) -> None:
    """Assert that ``net.to_tropical()`` equals ``net.forward`` exactly at the given (or random) points.

    Examples
    --------
    >>> assert_tropical_matches_forward(ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]]))
    """
    m = net.to_tropical()
    pts = points if points is not None else random_rational_points(net.input_dim, num_points, rng=seed)
    for x in pts:
        got, want = m.evaluate(x), net.forward(x)
        if got != want:
            raise AssertionError(f"tropical map gives {got} but the network gives {want} at x = {tuple(x)}")


def assert_upper_bound(
    bound: Any, net: ReLUNetwork, *, domain: Any = None, count: str = "linear_regions", max_regions: int = 100_000
) -> None:
    """Assert that a claimed upper bound is at least the exact region count of ``net``.

    Parameters
    ----------
    bound : int, Fraction, float, or callable ``net -> number``
        The claimed bound (floats are compared exactly, as their binary value).
    net : ReLUNetwork
    domain : None, tropical.regions.Box or tropical.regions.Polytope
    count : {"linear_regions", "activation_regions", "distinct_affine_maps"}
        Which exact count the bound must dominate.
    max_regions : int
        Budget passed to :func:`tropical.regions.count_regions`.

    Raises
    ------
    AssertionError
        ``bound < exact count`` (the message gives both and the network's JSON).

    Examples
    --------
    >>> net = ReLUNetwork([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])
    >>> assert_upper_bound(2, net)
    >>> assert_upper_bound(1, net)
    Traceback (most recent call last):
    ...
    AssertionError: bound 1 < exact linear_regions 2 for ...
    """
    from tropical import regions  # lazily: written by the REGIONS module

    value = bound(net) if callable(bound) else bound
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, float)):
        raise InexactInputError(f"bound must be a number, got {type(value).__name__}")
    counts = regions.count_regions(net, domain, max_regions=max_regions)
    exact = getattr(counts, count)
    if Fraction(value) < exact:
        raise AssertionError(f"bound {value} < exact {count} {exact} for {net!r}: {net.to_json()}")
