"""Tests for canopy.spaces.nb201_torch: faithfulness to xautodl TinyNetwork (counts, order, semantics)."""

from __future__ import annotations

import pytest
import torch
from _torch_threads import one_torch_thread  # noqa: F401  (fixture)

from canopy.errors import InvalidArchitectureError
from canopy.spaces.nb201 import NB201Cell
from canopy.spaces.nb201_torch import InferCell, build_nb201_network

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CELLS = [
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
]


@pytest.mark.parametrize("arch", CELLS)
@pytest.mark.parametrize("num_classes", [10, 100, 120])
def test_param_count_and_tensor_count_match_closed_form(arch, num_classes):
    cell = NB201Cell.from_string(arch)
    net = build_nb201_network(cell, num_classes=num_classes)
    assert sum(p.numel() for p in net.parameters()) == cell.num_params(num_classes=num_classes)
    assert len(list(net.named_parameters())) == cell.aleph == 21 + 45 * cell.num_convs


def test_parameter_names_and_order_follow_xautodl():
    net = build_nb201_network(NB201Cell.from_string(CELLS[0]))
    names = [n for n, _ in net.named_parameters()]
    assert names[:3] == ["stem.0.weight", "stem.1.weight", "stem.1.bias"]
    # cell 0: edge 1 (0->2) is nor_conv_1x1 -> layers.1 is ReLUConvBN with op.1 conv and op.2 BN
    assert names[3:6] == ["cells.0.layers.1.op.1.weight", "cells.0.layers.1.op.2.weight", "cells.0.layers.1.op.2.bias"]
    block = [n for n in names if n.startswith("cells.5.")]
    assert block == [
        "cells.5.conv_a.op.1.weight", "cells.5.conv_a.op.2.weight", "cells.5.conv_a.op.2.bias",
        "cells.5.conv_b.op.1.weight", "cells.5.conv_b.op.2.weight", "cells.5.conv_b.op.2.bias",
        "cells.5.downsample.1.weight",
    ]
    assert names[-4:] == ["lastact.0.weight", "lastact.0.bias", "classifier.weight", "classifier.bias"]
    assert len(net.cells) == 17


def test_shapes():
    net = build_nb201_network(CELLS[3], num_classes=100).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert net(x).shape == (2, 100)
        feats = net.forward_features(x)
        assert feats.shape == (2, 64, 8, 8)
        assert torch.allclose(net.forward_head(feats), net(x))
        cf = net.cell_features(x)
    assert len(cf) == 18 and cf[0].shape == (2, 16, 32, 32) and cf[-1].shape == (2, 64, 8, 8)


def test_cell_semantics():
    x = torch.randn(2, 4, 6, 6)
    identity = InferCell(NB201Cell.from_string("|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"), 4, 4)
    assert torch.equal(identity(x), x)
    zero = InferCell(NB201Cell(("none",) * 6), 4, 4)
    assert torch.equal(zero(x), torch.zeros_like(x))
    # node 3 = x (0->3) + node1 (= x) + node2 (= x + x): 4x, no parameters
    four = InferCell(NB201Cell.from_string("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"), 4, 4)
    assert torch.allclose(four(x), 4 * x)
    pool = InferCell(NB201Cell.from_string("|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|"), 4, 4)
    assert torch.allclose(pool(torch.ones(1, 4, 5, 5)), torch.ones(1, 4, 5, 5))  # count_include_pad=False


def test_foresight_variant_and_errors():
    net = build_nb201_network(CELLS[1], affine=False, track_running_stats=False)
    conv = net.cells[0].layers[0].op[1]
    assert conv.bias is not None and net.cells[0].layers[0].op[2].weight is None
    with pytest.raises(InvalidArchitectureError):
        build_nb201_network("|bad~0|")
    with pytest.raises(InvalidArchitectureError):
        build_nb201_network(42)
    with pytest.raises(ValueError):
        build_nb201_network(CELLS[0], num_classes=0)
