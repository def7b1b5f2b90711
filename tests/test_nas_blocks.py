"""canopy.nas._blocks: the calculus' blocks have the shapes of the torch modules they stand for, and the
skeleton builders on the DAG wire the same network as the torch builders."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from canopy.nas import _blocks  # noqa: E402
from canopy.nas._calculus import GraphBuilder  # noqa: E402
from canopy.spaces import darts_torch, nb201_torch  # noqa: E402
from canopy.spaces.darts import random_genotype  # noqa: E402
from canopy.spaces.skeleton import darts_positions, darts_widths, nb201_skeleton  # noqa: E402


def _torch_shape(module, shape):
    with torch.no_grad():
        return tuple(module.eval()(torch.zeros(1, *shape)).shape[1:])


@pytest.mark.parametrize("op", _blocks.DARTS_OPS)
@pytest.mark.parametrize("stride", [1, 2])
def test_darts_op_shapes_match_torch(op, stride):
    shape = (4, 8, 6)
    b = GraphBuilder()
    out = _blocks.darts_op(b, b.input(shape), op, 4, stride, "op")
    assert b.shape(out) == _torch_shape(darts_torch._make_op(op, 4, stride), shape)


def test_darts_cell_shape_matches_torch():
    g = random_genotype(0)
    for reduction, reduction_prev in [(False, False), (True, False), (False, True), (True, True)]:
        s0, s1 = ((6, 16, 16) if reduction_prev else (6, 8, 8)), (10, 8, 8)
        b = GraphBuilder()
        edges = tuple((op, i, n) for (op, i), n in zip(g.reduce if reduction else g.normal, (2, 2, 3, 3, 4, 4, 5, 5)))
        out = _blocks.darts_cell(b, b.input(s0), b.input(s1, "input1"), edges, 4, reduction, reduction_prev, "c")
        cell = darts_torch.DartsCell(g, 6, 10, 4, reduction, reduction_prev).eval()
        with torch.no_grad():
            want = tuple(cell(torch.zeros(1, *s0), torch.zeros(1, *s1)).shape[1:])
        assert b.shape(out) == want


def test_nb201_blocks_shapes_match_torch():
    from canopy.spaces.nb201 import NB201Cell

    cell = NB201Cell(("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "nor_conv_3x3"))
    b = GraphBuilder()
    x = b.input((4, 8, 8))
    assert b.shape(_blocks.nb201_cell(b, x, cell.ops, 4, "c")) == _torch_shape(nb201_torch.InferCell(cell, 4, 4), (4, 8, 8))
    assert b.shape(_blocks.resblock(b, x, 8, "r")) == _torch_shape(nb201_torch.ResNetBasicblock(4, 8, 2), (4, 8, 8))


class _Log:
    """An NB201 builder that records the blocks the skeleton asks for."""

    def __init__(self):
        self.blocks = []

    def stem(self, x, C):
        return C

    def resblock(self, x, C_in, C_out, name):
        self.blocks.append(("ResNetBasicblock", C_out))
        return C_out

    def cell(self, x, C, name):
        self.blocks.append(("InferCell", C))
        return C

    def head(self, x, C):
        return C


def test_torch_networks_follow_the_skeleton():
    log = _Log()
    nb201_skeleton(log, 3, 4, 2)
    net = nb201_torch.build_nb201_network("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", C=4, N=2)
    assert [(type(c).__name__, c.out_dim) for c in net.cells] == log.blocks
    dnet = darts_torch.build_darts_network(random_genotype(1), C=4, layers=5)
    assert [c.reduction for c in dnet.cells] == [r for r, _ in darts_positions(5)]
    assert [c.preprocess1.op[1].out_channels for c in dnet.cells] == list(darts_widths(4, 5))


def test_every_builder_implements_its_protocol():
    """The named protocols of canopy.spaces.skeleton (and the op protocol of the blocks) are implemented by the
    torch, graph, fast and closed-form builders (method presence, checked at run time)."""
    from canopy.nas import _fast
    from canopy.nas._sat import SatBuilder, _Assembler
    from canopy.spaces import mobilenet
    from canopy.spaces.skeleton import DartsBuilder, MobileNetBuilder, NB201Builder, PreprocessBuilder

    b = GraphBuilder()
    sat = SatBuilder(4, [((1, 2, 2), 4, False, None, (0,))], (4,))
    assert isinstance(b, _blocks.OpBuilder) and isinstance(sat, _blocks.OpBuilder)
    asm = _Assembler(4)
    net = nb201_torch.TinyNetwork.__new__(nb201_torch.TinyNetwork)
    for builder in (_blocks.GraphNB201(b, ("none",) * 6), _fast._AsmNB201(asm, ("none",) * 6),
                    nb201_torch._TorchNB201(net, 10, True, True)):
        assert isinstance(builder, NB201Builder), type(builder).__name__
    dnet = darts_torch.DartsNetwork.__new__(darts_torch.DartsNetwork)
    for builder in (_blocks.GraphDarts(b, (), ()), _fast._AsmDarts(asm, (), ()), _fast._Wiring(),
                    darts_torch._TorchDarts(dnet, random_genotype(0), 10, False)):
        assert isinstance(builder, DartsBuilder), type(builder).__name__
    assert isinstance(_blocks._Pre(b), PreprocessBuilder)
    assert isinstance(darts_torch._TorchPreprocess(), PreprocessBuilder)
    for builder in (mobilenet._FlopsCount(10), mobilenet._ParamsCount(10)):
        assert isinstance(builder, MobileNetBuilder)
