"""tropical_expressivity_score: README examples, dispatch, modes, errors."""

from __future__ import annotations

import math

import pytest

from canopy.bounds import generic_bound, log10_int, serra_bound, zhang_bound
from canopy.errors import (
    BoundNotApplicableError,
    InvalidArchitectureError,
    UnknownModeError,
    UnsupportedOperationError,
)
from canopy.nas.architecture import ArchitectureSpec
from canopy.nas.tropical_score import (
    DENSE_MODES,
    tropical_expressivity_score,
    tropical_expressivity_score_darts,
)
from tropical.network import ReLUNetwork


def test_readme_example_one(capsys):
    arch = ArchitectureSpec(layer_widths=(64, 128, 64))
    score = tropical_expressivity_score(arch, mode="generic")
    print(f"Log10 Linear Regions: {score:.2f}")
    assert math.isfinite(score)
    assert capsys.readouterr().out == "Log10 Linear Regions: 76.79\n"


def test_import_from_package_root():
    import canopy

    assert canopy.ArchitectureSpec is ArchitectureSpec
    assert canopy.tropical_expressivity_score is tropical_expressivity_score


@pytest.mark.parametrize("mode, fn", [("generic", generic_bound), ("serra", serra_bound), ("zhang", zhang_bound)])
@pytest.mark.parametrize("d, widths", [(3, (5, 5)), (784, (8, 14)), (3072, (64, 128, 64)), (3072, (10_000,) * 3)])
def test_dense_modes_are_log10_of_the_bounds(mode, fn, d, widths):
    score = tropical_expressivity_score(ArchitectureSpec(widths, input_dim=d), mode)
    assert score == log10_int(fn(d, widths))
    assert math.isfinite(score) and score >= 0


def test_modes_are_ordered():
    arch = ArchitectureSpec((8, 14), input_dim=784)
    s = {m: tropical_expressivity_score(arch, m) for m in ("serra", "generic", "zhang")}
    assert s["serra"] < s["generic"] < s["zhang"]
    assert s["serra"] == pytest.approx(math.log10(600_370))


def test_lower_bound_modes():
    small = ArchitectureSpec((8, 8), input_dim=2)
    assert tropical_expressivity_score(small, "montufar") == pytest.approx(math.log10(592))
    assert tropical_expressivity_score(small, "serra_lower") == pytest.approx(math.log10(925))
    with pytest.raises(BoundNotApplicableError, match="layer 1 has n_1 = 64 < n_0 = 3072"):
        tropical_expressivity_score(ArchitectureSpec((64, 128, 64)), "montufar")


def test_unknown_mode_lists_valid_modes():
    with pytest.raises(UnknownModeError) as info:
        tropical_expressivity_score(ArchitectureSpec((4,)), "tight")
    for mode in DENSE_MODES:
        assert mode in str(info.value)
    with pytest.raises(UnknownModeError):
        tropical_expressivity_score(ArchitectureSpec((4,)), None)  # type: ignore[arg-type]


def test_exact_mode_counts_a_seeded_random_network():
    arch = ArchitectureSpec((4, 3), input_dim=2)
    a = tropical_expressivity_score(arch, "exact", seed=3)
    assert a == tropical_expressivity_score(arch, "exact", seed=3)  # reproducible
    assert 0 <= a <= tropical_expressivity_score(arch, "serra")
    act = tropical_expressivity_score(arch, "exact", seed=3, count="activation_regions")
    assert act >= a


def test_exact_mode_budget_guard():
    from tropical.errors import BudgetExceededError

    with pytest.raises(BudgetExceededError):
        tropical_expressivity_score(ArchitectureSpec((8, 8), input_dim=3), "exact", max_regions=5)


def test_relu_network_dispatch():
    net = ReLUNetwork([[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]], [[0, 0, -1], [0]])
    assert tropical_expressivity_score(net, "exact", count="activation_regions") == pytest.approx(math.log10(7))
    assert tropical_expressivity_score(net, "serra") == pytest.approx(math.log10(7))
    affine = ReLUNetwork([[[1, 2]]], [[0]])
    assert tropical_expressivity_score(affine, "generic") == 0.0


def test_unscorable_objects():
    for obj in ((64, 128), 3.5, None, [ArchitectureSpec((4,))]):
        with pytest.raises((InvalidArchitectureError, UnsupportedOperationError)):
            tropical_expressivity_score(obj)


def test_torch_module_needs_input_shape():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with pytest.raises(InvalidArchitectureError, match="input_shape"):
        tropical_expressivity_score(model)


def test_darts_entry_point_needs_cell_ops():
    with pytest.raises(InvalidArchitectureError, match="cell_ops"):
        tropical_expressivity_score_darts(ArchitectureSpec((32, 32)))


def test_readme_example_two(capsys):
    from canopy.nas.architecture import ArchitectureSpec as Spec
    from canopy.nas.tropical_score import tropical_expressivity_score_darts as score_darts

    ops = (
        "sep_conv_3x3", "skip_connect", "max_pool_3x3", "none",
        "sep_conv_5x5", "skip_connect", "none", "sep_conv_3x3",
        "dil_conv_3x3", "skip_connect", "max_pool_3x3", "sep_conv_5x5",
        "none", "none",
    )
    arch = Spec(layer_widths=[32, 32, 32, 32, 32], cell_ops=ops)
    darts_score = score_darts(arch)
    print(f"DARTS Proxy Expressivity Score: {darts_score:.2f}")
    assert math.isfinite(darts_score) and darts_score > 0
    assert capsys.readouterr().out.startswith("DARTS Proxy Expressivity Score: ")
    assert darts_score == tropical_expressivity_score(arch)


def test_input_shape_is_refused_where_it_would_be_ignored():
    for arch in (ArchitectureSpec((4, 4)), "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"):
        with pytest.raises(InvalidArchitectureError, match="input_shape is for a torch.nn.Module only"):
            tropical_expressivity_score(arch, input_shape=(3, 8, 8))
