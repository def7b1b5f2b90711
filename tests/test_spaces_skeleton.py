"""The macro skeletons of :mod:`canopy.spaces.skeleton`: one description, three builders, pinned outputs.

``tests/golden/*.json`` were computed from the code *before* the skeletons were factored out (commit
5834b88): the torch networks' ``state_dict`` keys and shapes, in order (VKDNW's parameter-tensor count and
every checkpoint depend on them), and the cell-calculus scores as exact float hex strings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def _state_dict_layout(net):
    return [[k, list(v.shape)] for k, v in net.state_dict().items()]


def _build(key: str):
    from canopy.spaces.darts import Genotype
    from canopy.spaces.darts_torch import build_darts_network
    from canopy.spaces.mobilenet import MBArch, build_torch
    from canopy.spaces.nb201_torch import build_nb201_network

    if key == "mobilenet_v2":
        return build_torch(MBArch.mobilenet_v2(), 10)
    space, _, rest = key.partition(" ")
    if space == "nb201":
        if rest.startswith("C=4 N=2 classes=100 affine=False "):
            return build_nb201_network(rest.rsplit(" ", 1)[1], 100, 4, 2, affine=False, track_running_stats=False)
        return build_nb201_network(rest)
    if rest.startswith("C=4 layers=5 classes=7 auxiliary "):
        g = Genotype.from_string(rest[len("C=4 layers=5 classes=7 auxiliary "):])
        return build_darts_network(g, 4, 5, 7, auxiliary=True)
    return build_darts_network(Genotype.from_string(rest))


_SD = json.loads((GOLDEN / "torch_state_dicts.json").read_text())


@pytest.mark.parametrize("key", sorted(_SD))
def test_torch_state_dict_keys_and_shapes_are_pinned(key):
    assert _state_dict_layout(_build(key)) == _SD[key]


_SCORES = json.loads((GOLDEN / "cell_scores.json").read_text())


def test_nb201_scores_bit_identical_to_golden():
    from canopy.nas.cells import nb201_cell_score

    for cell, mode, shape, C, N, value in _SCORES["nb201"]:
        got = nb201_cell_score(cell, mode, input_shape=tuple(shape), C=C, N=N)
        assert got.hex() == value, (cell, mode, shape, C, N)


def test_darts_scores_bit_identical_to_golden():
    from canopy.nas.cells import darts_cell_score

    for arch, mode, shape, C, layers, value in _SCORES["darts"]:
        arch = tuple(arch) if isinstance(arch, list) else arch
        got = darts_cell_score(arch, mode, input_shape=tuple(shape), C=C, layers=layers)
        assert got.hex() == value, (arch, mode, shape, C, layers)
