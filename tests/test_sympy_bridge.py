"""tropical <-> sympy bridge and LaTeX rendering (tropical.sympy_bridge, tropical._latex)."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tropical import TropicalNumber, TropicalPolynomial, TropicalRationalFunction
from tropical.errors import DimensionMismatchError, InexactInputError, TropicalError
from tropical.network import ReLUNetwork
from tropical.sympy_bridge import default_symbols, from_sympy, to_sympy
from tropical.testing import points, tropical_polynomials


def _subs(expr, syms, x):
    return expr.subs({s: sp.Rational(v.numerator, v.denominator) for s, v in zip(syms, x)})


@settings(deadline=None)
@given(data=st.data(), nvars=st.integers(1, 3))
@example(data=None, nvars=2)
def test_round_trip_is_the_identity_and_evaluation_agrees(data, nvars):
    if data is None:  # pinned: the zero polynomial
        f = TropicalPolynomial.zero(nvars)
        x = (Fraction(1), Fraction(-2))
    else:
        f = data.draw(tropical_polynomials(nvars))
        x = data.draw(points(nvars))
    syms = default_symbols(nvars)
    e = to_sympy(f)
    assert e.atoms(sp.Float) == set()
    back = from_sympy(e, syms)
    assert back == f  # formal equality: same monomials, same coefficients
    val = f(list(x))
    expected = sp.S.NegativeInfinity if val.is_zero else sp.Rational(val.value.numerator, val.value.denominator)
    assert _subs(e, syms, x) == expected


@settings(deadline=None)
@given(data=st.data(), nvars=st.integers(1, 3))
def test_rational_function_round_trip(data, nvars):
    F = data.draw(tropical_polynomials(nvars).filter(lambda p: len(p) > 0))
    G = data.draw(tropical_polynomials(nvars).filter(lambda p: len(p) > 0))
    r = F / G
    syms = default_symbols(nvars)
    back = from_sympy(to_sympy(r, syms), syms)
    if isinstance(back, TropicalPolynomial):  # G was the tropical one
        back = back / TropicalPolynomial.one(nvars)
    assert back.equals_as_function(r)
    x = data.draw(points(nvars))
    assert _subs(to_sympy(r), syms, x) == sp.Rational(r.evaluate(x).numerator, r.evaluate(x).denominator)


@settings(deadline=None)
@given(data=st.data())
def test_general_max_min_expressions_read_exactly(data):
    x, y = sp.symbols("x y", real=True)
    q = st.fractions(min_value=-3, max_value=3, max_denominator=4).map(lambda f: sp.Rational(f.numerator, f.denominator))
    leaves = st.sampled_from([x, y, sp.Integer(0)]).flatmap(lambda s: q.map(lambda c: c * s + c))
    expr = data.draw(st.recursive(leaves, lambda ch: st.one_of(
        st.lists(ch, min_size=2, max_size=3).map(lambda a: sp.Max(*a)),
        st.lists(ch, min_size=2, max_size=3).map(lambda a: sp.Min(*a)),
        st.tuples(ch, ch).map(lambda a: a[0] + a[1]),
        st.tuples(q, ch).map(lambda a: a[0] * a[1]),
    ), max_leaves=6))
    t = from_sympy(expr, [x, y])
    pt = data.draw(points(2))
    val = t(list(pt)).value if isinstance(t, TropicalPolynomial) else t.evaluate(pt)
    assert sp.Rational(val.numerator, val.denominator) == _subs(expr, (x, y), pt)


def test_network_map_to_sympy_matches_forward_pass():
    net = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1]]], [[0, -1], [0]])
    (e,) = to_sympy(net.to_tropical())
    x1, x2 = default_symbols(2)
    for pt in ([0, 2], [Fraction(1, 3), -5], [4, 4]):
        assert e.subs({x1: pt[0], x2: pt[1]}) == net.forward(pt)[0]


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: from_sympy(sp.Symbol("x") + 0.5, ["x"]), InexactInputError),
        (lambda: from_sympy(sp.Symbol("x") * sp.Symbol("y"), ["x", "y"]), TropicalError),
        (lambda: from_sympy(sp.Symbol("x") ** 2, ["x"]), TropicalError),
        (lambda: from_sympy(sp.Symbol("z"), ["x"]), TropicalError),
        (lambda: from_sympy(sp.oo, ["x"]), TropicalError),
        (lambda: from_sympy(sp.Symbol("x"), "x"), TypeError),
        (lambda: from_sympy(sp.Symbol("x"), ["x", "x"]), DimensionMismatchError),
        (lambda: to_sympy(3), TypeError),
        (lambda: to_sympy(TropicalPolynomial.variables(2)[0], ["a"]), DimensionMismatchError),
    ],
)
def test_bad_input_gets_a_clear_error(call, exc):
    with pytest.raises(exc):
        call()


def test_latex_rendering():
    x1, x2 = TropicalPolynomial.variables(2)
    f = 3 * x1**2 * x2 + x2
    assert f._repr_latex_() == r"$3 \odot x_{1}^{2} \odot x_{2} \oplus x_{2}$"
    g = TropicalPolynomial({(Fraction(1, 2), 0): Fraction(-1, 3)})
    assert g._repr_latex_() == r"$\left(-\frac{1}{3}\right) \odot x_{1}^{\frac{1}{2}}$"
    assert TropicalNumber.zero()._repr_latex_() == r"$-\infty$"
    assert TropicalNumber(Fraction(5, 2))._repr_latex_() == r"$\frac{5}{2}$"
    assert TropicalPolynomial.zero(2)._repr_latex_() == r"$-\infty$"
    r = f / (x1 + 0)
    assert isinstance(r, TropicalRationalFunction)
    assert r._repr_latex_().count(r"\oslash") == 1
    m = ReLUNetwork([[[1, -1], [2, 1]], [[1, -1], [0, 1]]], [[0, -1], [0, 0]]).to_tropical()
    tex = m._repr_latex_()
    assert tex.startswith(r"$\begin{aligned}") and "y_{2} &=" in tex


def test_bridge_is_lazy_import_tropical_stays_free_of_sympy():
    code = "import sys, tropical, tropical.sympy_bridge; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
