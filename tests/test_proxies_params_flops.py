"""#params and FLOPs: torch counts equal the NB201 closed forms under both counting rules."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from canopy.errors import ProxySettingsError
from canopy.proxies.params_flops import flops, num_params

nb201 = pytest.importorskip("canopy.spaces.nb201")
nb201_torch = pytest.importorskip("canopy.spaces.nb201_torch")

ARCHS = [
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    # dead ops: node 1 is cut off from the input (none~0), so the convs leaving it are not effective
    "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    # node 2 reaches no output path: edges into node 2 are dead
    "|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
]


@pytest.mark.parametrize("arch, classes", [(a, 10) for a in ARCHS] + [(ARCHS[2], 100)])
def test_torch_counts_equal_closed_form(arch, classes):
    cell = nb201.NB201Cell.from_string(arch)
    net = nb201_torch.build_nb201_network(cell, num_classes=classes)
    for counting in ("every_op", "effective"):
        assert num_params(net, counting=counting) == cell.num_params(num_classes=classes, counting=counting)
        assert flops(net, counting=counting) == cell.flops(num_classes=classes, counting=counting)


def test_flops_resolution_16():
    cell = nb201.NB201Cell.from_string(ARCHS[2])
    net = nb201_torch.build_nb201_network(cell, num_classes=120)
    assert flops(net, input_shape=(3, 16, 16)) == cell.flops(num_classes=120, resolution=16)
    assert flops(net, torch.zeros(2, 3, 16, 16)) == cell.flops(num_classes=120, resolution=16)


def test_effective_differs_for_dead_ops():
    cell = nb201.NB201Cell.from_string(ARCHS[2])
    net = nb201_torch.build_nb201_network(cell)
    assert num_params(net, counting="effective") < num_params(net)
    assert num_params(net, counting="effective", cell=cell.effective()) == num_params(net, counting="effective")


def test_effective_needs_architecture():
    with pytest.raises(ProxySettingsError, match="needs the architecture"):
        num_params(nn.Linear(2, 2), counting="effective")
    with pytest.raises(ProxySettingsError, match="unknown counting"):
        flops(nn.Linear(2, 2), counting="alive", input_shape=(2,))


def test_generic_conv_flops():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1, groups=1), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    # conv: 27 MACs per output x 4 channels x 16 positions + bias 4 x 16; linear: 64*5 + 5
    assert flops(net, input_shape=(3, 8, 8)) == 27 * 4 * 16 + 64 + 64 * 5 + 5


# ------------------------------------------------------------------ FlopCounterMode vs forward hooks
def hooked_flops(model: nn.Module, shape) -> int:
    """Slow oracle: multiply-accumulates + bias additions of every Conv / Linear, by forward hooks (the
    previous implementation, xautodl's ``flop_benchmark`` rule)."""
    total = 0

    def hook(module, inp, out):
        nonlocal total
        if isinstance(module, nn.Linear):
            n_out = out.numel() // module.out_features
            total += n_out * module.in_features * module.out_features
            total += n_out * module.out_features if module.bias is not None else 0
        else:
            positions = out.numel() // (out.shape[0] * module.out_channels)
            total += module.weight[0].numel() * module.out_channels * positions
            total += module.out_channels * positions if module.bias is not None else 0

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d))]
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *shape)))
    finally:
        for h in handles:
            h.remove()
    return total


def _oracle_cases():
    from canopy.spaces.darts import random_genotype
    from canopy.spaces.darts_torch import build_darts_network
    from canopy.spaces.mobilenet import MBArch, build_torch

    yield nb201_torch.build_nb201_network(ARCHS[1]), (3, 32, 32)
    yield nb201_torch.build_nb201_network(ARCHS[3], 120), (3, 16, 16)
    # foresight's variant: every cell conv has a bias
    yield nb201_torch.build_nb201_network(ARCHS[3], 10, 4, 1, affine=False, track_running_stats=False), (3, 8, 8)
    yield build_darts_network(random_genotype(3), C=8, layers=5), (3, 32, 32)
    yield build_torch(MBArch.mobilenet_v2(), num_classes=10), (3, 32, 32)
    yield nn.Sequential(nn.Conv1d(2, 3, 3, bias=True), nn.Flatten(), nn.Linear(3 * 6, 4)), (2, 8)


def test_flop_counter_equals_forward_hooks_and_explains_the_raw_total():
    from torch.utils.flop_counter import FlopCounterMode

    for net, shape in _oracle_cases():
        want = hooked_flops(net, shape)
        assert flops(net, input_shape=shape) == want, type(net).__name__
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            net(torch.zeros((1, *shape)))
        raw = counter.get_total_flops()
        assert raw % 2 == 0 and raw // 2 < want  # 2 FLOPs per multiply-accumulate, bias additions not counted


def test_darts_flops_closed_form_free_networks_have_only_the_classifier_bias():
    from torch.utils.flop_counter import FlopCounterMode

    from canopy.spaces.darts import random_genotype
    from canopy.spaces.darts_torch import build_darts_network

    net = build_darts_network(random_genotype(0), C=8, layers=5, num_classes=7)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net.eval()(torch.zeros(1, 3, 32, 32))
    assert flops(net) == counter.get_total_flops() // 2 + 7
