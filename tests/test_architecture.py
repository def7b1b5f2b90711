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
        assert ArchitectureSpec((8,), cell_ops=(op,) * 14).cell_ops == (op,) * 14


def test_num_relus():
    assert ArchitectureSpec((64, 128, 64)).num_relus == 256
