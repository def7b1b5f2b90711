"""ArchitectureSpec: validation (table-driven), immutability, round trip, the README usage."""

from __future__ import annotations

import dataclasses

import pytest

from canopy.errors import InvalidArchitectureError
from canopy.nas.architecture import DEFAULT_INPUT_DIM, ArchitectureSpec
from canopy.spaces.darts import DARTS_OPS

README_OPS = (
    "sep_conv_3x3", "skip_connect", "max_pool_3x3", "none",
    "sep_conv_5x5", "skip_connect", "none", "sep_conv_3x3",
    "dil_conv_3x3", "skip_connect", "max_pool_3x3", "sep_conv_5x5",
    "none", "none",
)


def test_readme_usage():
    arch = ArchitectureSpec(layer_widths=(64, 128, 64))
    assert arch.layer_widths == (64, 128, 64)
    assert arch.input_dim == DEFAULT_INPUT_DIM == 3 * 32 * 32
    assert not arch.is_cell
    darts = ArchitectureSpec(layer_widths=[32, 32, 32, 32, 32], cell_ops=README_OPS)
    assert darts.is_cell and darts.cell_ops == README_OPS and darts.layer_widths == (32,) * 5


def test_frozen_and_hashable():
    arch = ArchitectureSpec([4, 4], input_dim=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        arch.input_dim = 3  # type: ignore[misc]
    assert hash(arch) == hash(ArchitectureSpec((4, 4), input_dim=2))
    assert ArchitectureSpec(**arch.to_dict()) == arch


def test_numpy_integers_accepted():
    np = pytest.importorskip("numpy")
    arch = ArchitectureSpec(np.array([3, 4]), input_dim=np.int64(2))
    assert arch.layer_widths == (3, 4) and type(arch.layer_widths[0]) is int and arch.input_dim == 2


BAD = [
    (dict(layer_widths=()), "at least one"),
    (dict(layer_widths=(3, 0)), r"layer_widths\[1\]"),
    (dict(layer_widths=(3, -2)), r"layer_widths\[1\]"),
    (dict(layer_widths=(3.0,)), r"layer_widths\[0\]"),
    (dict(layer_widths=(True,)), r"layer_widths\[0\]"),
    (dict(layer_widths="64"), "sequence"),
    (dict(layer_widths=64), "sequence"),
    (dict(layer_widths=(3,), input_dim=0), "input_dim"),
    (dict(layer_widths=(3,), input_dim=2.5), "input_dim"),
    (dict(layer_widths=(3,), cell_ops=README_OPS[:13]), "14 op names"),
    (dict(layer_widths=(3,), cell_ops=README_OPS + ("none",)), "14 op names"),
    (dict(layer_widths=(3,), cell_ops=README_OPS[:13] + ("conv_7x7",)), r"cell_ops\[13\] = 'conv_7x7'"),
    (dict(layer_widths=(3,), cell_ops="sep_conv_3x3"), "sequence"),
    (dict(layer_widths=(3,), reduce_ops=README_OPS), "needs cell_ops"),
    (dict(layer_widths=(3,), cell_ops=README_OPS, reduce_ops=("none",) * 3), "14 op names"),
    (dict(layer_widths=(3,), name=5), "name"),
]


@pytest.mark.parametrize("kwargs, match", BAD)
def test_invalid_specs_raise_one_clear_error(kwargs, match):
    with pytest.raises(InvalidArchitectureError, match=match):
        ArchitectureSpec(**kwargs)


def test_every_darts_op_is_accepted():
    for op in DARTS_OPS:
        assert ArchitectureSpec((8,) * 3, cell_ops=(op,) * 14).cell_ops == (op,) * 14


def test_num_relus():
    assert ArchitectureSpec((64, 128, 64)).num_relus == 256
    with pytest.raises(InvalidArchitectureError, match="dense specs"):
        ArchitectureSpec((32,) * 5, cell_ops=README_OPS).num_relus  # noqa: B018


# --------------------------------------------------------------------- DARTS spec: every field is used
def test_darts_spec_widths_and_input_enter_the_score():
    from canopy.nas.cells import darts_cell_score

    score = {}
    for widths, d in (((32,) * 5, 3072), ((8,) * 5, 3072), ((32,) * 6, 3072), ((32,) * 5, 3 * 16 * 16),
                      ((32, 32, 64, 64, 128), 3072), ((1000,) * 3, 3072)):
        score[widths, d] = darts_cell_score(ArchitectureSpec(widths, input_dim=d, cell_ops=README_OPS))
    assert len(set(score.values())) == len(score)  # the report: all of these scored 154114.63
    # the standard network (C=16, 8 cells, CIFAR) is the spec with its per-cell widths
    standard = ArchitectureSpec((16, 16, 32, 32, 32, 64, 64, 64), cell_ops=README_OPS)
    assert darts_cell_score(standard) == darts_cell_score(README_OPS)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(layer_widths=(8,)), "at least 3 cells"),
    (dict(layer_widths=(32, 32)), "at least 3 cells"),
    (dict(layer_widths=(32, 31, 32, 32, 32)), "cell width 1 must be even"),
    (dict(layer_widths=(32, 32, 31, 32, 32)), "cell width 2 must be even"),
    (dict(layer_widths=(32,) * 5, input_dim=5), "input_dim must be 3 s"),
    (dict(layer_widths=(32,) * 5, input_dim=3 * 32 * 16), "input_dim must be 3 s"),
    (dict(layer_widths=(32,) * 5, input_dim=12), "too small for 5 DARTS cells"),
    (dict(layer_widths=(32,) * 5, input_dim=3 * 6 * 6), "too small"),
])
def test_darts_spec_refuses_what_it_cannot_honour(kwargs, match):
    with pytest.raises(InvalidArchitectureError, match=match):
        ArchitectureSpec(cell_ops=README_OPS, **kwargs)


def test_darts_spec_refuses_extra_network_arguments():
    from canopy.nas.cells import darts_cell_score

    spec = ArchitectureSpec((32,) * 5, cell_ops=README_OPS)
    for kw in (dict(C=16), dict(layers=8), dict(input_shape=(3, 32, 32))):
        with pytest.raises(InvalidArchitectureError, match="carries its network"):
            darts_cell_score(spec, **kw)


def test_darts_spec_score_equals_the_traced_torch_network():
    """Oracle: the torch network with the spec's widths, traced and walked by the general calculus."""
    pytest.importorskip("torch")
    from canopy.nas.cells import darts_cell_score
    from canopy.nas.trace import score_module
    from canopy.spaces.darts import Genotype, edge_ops_to_cell
    from canopy.spaces.darts_torch import DartsNetwork

    ops = ("sep_conv_3x3", "skip_connect", "max_pool_3x3", "dil_conv_3x3", "none", "avg_pool_3x3", "none",
           "sep_conv_5x5", "none", "none", "none", "skip_connect", "dil_conv_5x5", "none")
    cell = edge_ops_to_cell(ops)
    genotype = Genotype(cell, reduce=cell)
    for widths, side in (((4, 6, 6, 8, 8), 8), ((2, 4, 4), 4)):
        spec = ArchitectureSpec(widths, input_dim=3 * side * side, cell_ops=ops)
        net = DartsNetwork(genotype, layers=len(widths), widths=widths)
        assert score_module(net, (3, side, side)) == pytest.approx(darts_cell_score(spec), rel=1e-12)
