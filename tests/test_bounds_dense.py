"""Dense closed-form bounds: known values, exact big-integer arithmetic, DP vs brute force, validation."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, getcontext
from math import comb

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from canopy.bounds import (
    BOUNDS,
    BoundSpec,
    available_bounds,
    dense_bound,
    generic_bound,
    get_bound,
    montufar_bound,
    register_bound,
    serra_bound,
    serra_lower_bound,
    zhang_bound,
)
from canopy.bounds._combinatorics import (
    check_architecture,
    log10_int,
    rank_limited_zaslavsky,
    zaslavsky,
    zaslavsky_prefix,
)
from canopy.bounds.montufar import montufar_precondition
from canopy.bounds.serra_lower import serra_lower_precondition
from canopy.errors import InvalidArchitectureError, UnknownModeError

# tropical.md §6.4, recomputed independently there; re-derived by hand in proofs/serra.md for two rows
TABLE_6_4 = [
    # n0, widths, serra UB, per-layer product UB, montufar LB, serra LB (None: precondition fails)
    (1, [3, 3], 16, 16, 12, 16),
    (2, [4, 4], 121, 121, 44, None),
    (2, [8, 8], 1_369, 1_369, 592, 925),
    (3, [5, 5], 576, 676, 26, None),
    (2, [6, 6, 6], 10_648, 10_648, 1_782, 5_632),
    (2, [16, 16], 18_769, 18_769, 8_768, 11_097),
    (4, [10, 10, 10], 57_512_456, 57_512_456, 98_816, None),
    (784, [8, 14], 600_370, 3_305_216, None, None),
    (784, [11, 11], 2_449_868, 4_194_304, None, None),
]


def serra_bruteforce(n0: int, widths: list[int]) -> int:
    """Literal J-set enumeration of Serra et al.'s bound (the slow oracle for the DP)."""
    total = 0
    ranges = [range(min(n0, n) + 1) for n in widths]
    for js in itertools.product(*ranges):
        ok = True
        for l_, j in enumerate(js):
            cap = min([n0] + [widths[k] - js[k] for k in range(l_)] + [widths[l_]])
            if not 0 <= j <= cap:
                ok = False
                break
        if ok:
            total += math.prod(comb(n, j) for n, j in zip(widths, js))
    return total


@pytest.mark.parametrize("n0, widths, serra, product, mont, slow", TABLE_6_4)
def test_table_6_4(n0, widths, serra, product, mont, slow):
    assert serra_bound(n0, widths) == serra
    assert generic_bound(n0, widths) == product
    assert serra_bruteforce(n0, widths) == serra
    assert montufar_bound(n0, widths) == (mont or 0)
    assert (montufar_precondition(n0, widths) is None) == (mont is not None)
    assert serra_lower_bound(n0, widths) == (slow or 0)
    assert (serra_lower_precondition(n0, widths) is None) == (slow is not None)


def test_worked_checks_by_hand():
    # 576 = 1*26 + 5*26 + 10*26 + 10*16 ; 3,305,216 = 2^8 * 12,911
    assert 1 * 26 + 5 * 26 + 10 * 26 + 10 * 16 == serra_bound(3, [5, 5])
    assert sum(comb(14, j) for j in range(9)) == 12_911
    assert 2**8 * 12_911 == generic_bound(784, [8, 14])


# tropical.md §8.2, widths (64, 128, 64): log10 of plain product, per-layer product, Serra
TABLE_8_2 = [
    (1, 5.74, 5.74, 5.74),
    (2, 10.55, 10.55, 10.55),
    (3, 14.83, 14.83, 14.83),
    (10, 36.92, 36.92, 36.92),
    (64, 76.79, 76.79, 71.41),
    (3072, 77.06, 76.79, 71.41),
]


@pytest.mark.parametrize("d, plain, bottleneck, serra", TABLE_8_2)
def test_table_8_2(d, plain, bottleneck, serra):
    widths = (64, 128, 64)
    assert round(log10_int(zhang_bound(d, widths)), 2) == plain
    assert round(log10_int(generic_bound(d, widths)), 2) == bottleneck
    assert round(log10_int(serra_bound(d, widths)), 2) == serra


def test_saturation_equals_neuron_count():
    widths = (64, 128, 64)
    assert zhang_bound(3072, widths) == 2 ** sum(widths)
    assert log10_int(zhang_bound(3072, widths)) == pytest.approx(256 * math.log10(2), abs=1e-12)


@pytest.mark.parametrize("n, d, value", [(4, 2, 11), (8, 2, 37), (5, 3, 26), (16, 2, 137)])
def test_zaslavsky_fixtures(n, d, value):
    assert zaslavsky(n, d) == value
    assert zaslavsky_prefix(n, d)[-1] == value


@given(st.integers(0, 60), st.integers(0, 70))
@example(0, 0)
@example(1, 0)
def test_zaslavsky_is_the_binomial_sum(n, d):
    assert zaslavsky(n, d) == sum(comb(n, j) for j in range(d + 1))
    assert rank_limited_zaslavsky(n, d + 5, d=d) == zaslavsky(n, d)


def test_big_widths_exact():
    # both branches of the implementation (d < n/2 and d >= n/2) against the literal sum
    for n, d in [(2_000, 700), (2_000, 1_400), (1_001, 500)]:
        assert zaslavsky(n, d) == sum(comb(n, j) for j in range(d + 1))
    # n = 10^4 hyperplanes in d = 3072: Pascal's recursion and the complement identity, exactly
    value = zaslavsky(10_000, 3072)
    assert value == zaslavsky(9_999, 3072) + zaslavsky(9_999, 3071)
    assert zaslavsky(10_000, 6927) == 2**10_000 - value  # j -> n - j symmetry
    assert value.bit_length() > 8000  # far beyond float range: no overflow, no rounding


@given(st.integers(1, 10**400))
@example(1)
@example(2**64)
@example(2**64 - 1)
@example(10**308 * 7)
def test_log10_int_accuracy(x):
    getcontext().prec = 50
    assert log10_int(x) == pytest.approx(float(Decimal(x).log10()), rel=1e-15, abs=1e-15)


@given(
    st.integers(1, 6),
    st.lists(st.integers(1, 7), min_size=1, max_size=4),
)
@example(3, [5, 5])
@example(5, [1, 7])
@example(6, [2, 6, 1])
def test_serra_dp_equals_bruteforce(n0, widths):
    assert serra_bound(n0, widths) == serra_bruteforce(n0, widths)


@given(st.integers(1, 3000), st.lists(st.integers(1, 400), min_size=1, max_size=3))
def test_serra_dp_start_budget_capping(n0, widths):
    # capping the start budget at min(n0, n1) must not change the value: compare n0 with a huge n0
    if n0 >= widths[0]:
        assert serra_bound(n0, widths) == serra_bound(widths[0] + 10**6, widths)


def test_serra_scales_to_wide_layers():
    value = serra_bound(3072, [10_000, 10_000, 3000, 10_000])
    assert value <= generic_bound(3072, [10_000, 10_000, 3000, 10_000])
    assert 0 < log10_int(value) < 4 * 10_000 * math.log10(2)


BAD_ARCHS = [
    (0, [3]),
    (-1, [3]),
    (2.0, [3]),
    (True, [3]),
    (2, [0]),
    (2, [3, -1]),
    (2, [3.0]),
    (2, "33"),
    (2, None),
]


@pytest.mark.parametrize("name", ["generic", "serra", "zhang", "montufar", "serra_lower"])
@pytest.mark.parametrize("n0, widths", BAD_ARCHS)
def test_invalid_arguments_raise_one_clear_error(name, n0, widths):
    with pytest.raises(InvalidArchitectureError):
        dense_bound(name, n0, widths)


def test_empty_widths_is_one_region():
    for name in available_bounds("dense"):
        assert dense_bound(name, 3, []) == 1


def test_check_architecture_names_the_layer():
    with pytest.raises(InvalidArchitectureError, match="layer 2"):
        check_architecture(3, [4, 0])


def test_registry():
    assert set(available_bounds("dense")) >= {"generic", "serra", "zhang", "montufar", "serra_lower"}
    for name in available_bounds("dense"):
        spec = get_bound(name)
        assert spec.kind in ("upper", "lower-max", "exact")
        assert spec.proof.startswith("proofs/")
    with pytest.raises(UnknownModeError, match="serra"):
        get_bound("nope")
    spec = BoundSpec("_test_tmp", lambda n0, ws: 1, "upper", "1", "none", "proofs/none.md")
    try:
        register_bound(spec)
        with pytest.raises(ValueError, match="already registered"):
            register_bound(BoundSpec("_test_tmp", lambda n0, ws: 2, "upper", "2", "none", "-"))
    finally:
        BOUNDS.pop("_test_tmp", None)
    with pytest.raises(ValueError, match="kind"):
        BoundSpec("x", lambda: 1, "sideways", "", "", "")


def test_log10_int_rejects_zero_and_floats():
    with pytest.raises(ValueError):
        log10_int(0)
    with pytest.raises(TypeError):
        log10_int(10.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("args, exc", [
    ((-1, 2), ValueError), ((2, -1), ValueError), ((2.0, 1), TypeError), ((2, 1.5), TypeError),
    ((True, 1), TypeError), (("3", 1), TypeError),
])
def test_zaslavsky_rejects_bad_arguments(args, exc):
    with pytest.raises(exc):
        zaslavsky(*args)
    with pytest.raises(exc):
        zaslavsky_prefix(*args)


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    assert zaslavsky(np.int64(4), np.int32(2)) == 11
    assert serra_bound(np.int64(3), np.array([5, 5])) == 576
