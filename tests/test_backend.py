"""tropical.backend: the one seam to the optional C-level exact library; kernels equal the reference."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction

import pytest
from _backends import BACKENDS, each_backend  # noqa: F401  (fixture)
from hypothesis import given
from hypothesis import strategies as st

from tropical import backend
from tropical.backend import BackendError, get_backend, int_matmul, set_backend, solve_rational, use_backend

big = st.integers(-(10**40), 10**40)


def naive_matmul(A, B):
    return [tuple(sum(A[i][t] * B[t][j] for t in range(len(B))) for j in range(len(B[0]))) for i in range(len(A))]


@st.composite
def matrices(draw):
    m, k, p = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    A = [[draw(big) for _ in range(k)] for _ in range(m)]
    B = [[draw(big) for _ in range(p)] for _ in range(k)]
    return A, B


@given(matrices())
def test_int_matmul_equals_naive_on_every_backend(AB):
    A, B = AB
    want = naive_matmul(A, B)
    for name in BACKENDS:
        with use_backend(name):
            got = int_matmul(A, B)
        assert got == want
        assert all(type(v) is int for row in got for v in row)


@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.fractions(max_denominator=10**6).filter(lambda x: abs(x) < 10**9), min_size=n,
                      max_size=n), min_size=n, max_size=n),
    st.lists(st.fractions(max_denominator=50), min_size=n, max_size=n))))
def test_solve_rational_is_exact_on_every_backend(Ab):
    A, b = Ab
    sols = []
    for name in BACKENDS:
        with use_backend(name):
            sols.append(solve_rational(A, b))
    assert all(s == sols[0] for s in sols)
    x = sols[0]
    if x is not None:
        assert all(type(v) is Fraction for v in x)
        assert [sum((a * v for a, v in zip(row, x)), Fraction(0)) for row in A] == list(b)


@pytest.mark.usefixtures("each_backend")
def test_singular_and_empty():
    assert solve_rational([[1, 2], [2, 4]], [1, 2]) is None
    assert solve_rational([], []) == []
    assert int_matmul([], [[1, 2]]) == []
    assert int_matmul([[1, 2]], [[3], [4]]) == [(11,)]


def test_choice_and_errors():
    old = get_backend()
    try:
        assert set_backend("python") == "python"
        assert set_backend(" AUTO ") in ("python", "flint")
        for bad in ("gmp", 3, None):
            with pytest.raises(BackendError, match="unknown exact backend"):
                set_backend(bad)
        with use_backend("python"):
            assert get_backend() == "python"
            with pytest.raises(BackendError):
                with use_backend("nope"):
                    pass
            assert get_backend() == "python"
    finally:
        set_backend(old)


def test_flint_missing_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(backend._state, "flint", False)
    assert backend.available_backends() == ("python",)
    with pytest.raises(BackendError, match="python-flint"):
        set_backend("flint")
    with use_backend("auto") as name:
        assert name == "python"


def run_env(value):
    env = dict(os.environ, TROPICAL_BACKEND=value)
    code = "import tropical.backend as b; print(b.get_backend())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_environment_variable():
    r = run_env("python")
    assert r.returncode == 0 and r.stdout.strip() == "python"
    r = run_env("bogus")
    assert r.returncode != 0 and "TROPICAL_BACKEND='bogus'" in r.stderr
    if "flint" in BACKENDS:
        assert run_env("flint").stdout.strip() == "flint"


@given(st.lists(st.tuples(big, big, big), min_size=1, max_size=40), st.tuples(big, big, big))
def test_int_matrix_matvec_equals_naive_on_every_backend(rows, v):
    from tropical.backend import IntMatrix, int_det, int_solve

    want = [sum(a * b for a, b in zip(r, v)) for r in rows]
    for name in BACKENDS:
        with use_backend(name):
            got = IntMatrix(rows).matvec(v)
            assert got == want and all(type(x) is int for x in got)
            A = [list(r) for r in rows[:3]]
            if len(A) == 3:
                D = int_det(A)
                sol = int_solve(A, list(v))
                assert (sol is None) == (D == 0)
                if sol is not None:
                    nums, den = sol
                    assert den == abs(D) > 0
                    assert [sum(a * x for a, x in zip(r, nums)) for r in A] == [den * b for b in v]


def fraction_det(A):
    """Determinant by Fraction elimination (oracle)."""
    M = [[Fraction(v) for v in row] for row in A]
    n, det = len(M), Fraction(1)
    for c in range(n):
        piv = next((r for r in range(c, n) if M[r][c]), None)
        if piv is None:
            return 0
        if piv != c:
            M[c], M[piv] = M[piv], M[c]
            det = -det
        det *= M[c][c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            M[r] = [a - f * b for a, b in zip(M[r], M[c])]
    return det


@pytest.mark.parametrize("seed", range(3))
def test_large_kernels_take_the_c_path_and_agree(seed):
    """Sizes above the thresholds where flint is used (matmul >= 50k products, det n > 6)."""
    import random

    from tropical.backend import int_det

    rng = random.Random(seed)
    A = [[rng.randint(-10**30, 10**30) for _ in range(40)] for _ in range(40)]
    B = [[rng.randint(-10**30, 10**30) for _ in range(40)] for _ in range(40)]
    D = [[rng.randint(-9, 9) for _ in range(8)] for _ in range(8)]
    D[7] = [a + b for a, b in zip(D[0], D[1])] if seed == 2 else D[7]  # one singular case
    want_mm = naive_matmul(A, B)
    want_det = fraction_det(D)
    for name in BACKENDS:
        with use_backend(name):
            assert int_matmul(A, B) == want_mm
            assert int_det(D) == want_det
