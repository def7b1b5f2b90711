"""Tests for canopy.spaces.darts_torch."""

from __future__ import annotations

import pytest
import torch
from _torch_threads import one_torch_thread  # noqa: F401  (fixture)

from canopy.spaces.darts import DARTS_OPS, random_genotype
from canopy.spaces.darts_torch import build_darts_network

pytestmark = pytest.mark.usefixtures("one_torch_thread")

DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


def test_darts_v2_param_count_matches_published():
    # DARTS (Liu et al. 2019) reports 3.3M params for DARTS_V2 at C=36, 20 layers; train.py logs
    # "param size = 3.349342MB" (auxiliary head excluded).
    net = build_darts_network(DARTS_V2, C=36, layers=20, auxiliary=True)
    n = sum(p.numel() for name, p in net.named_parameters() if "auxiliary" not in name)
    assert n == 3_349_342


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_genotypes_forward(seed):
    ops = DARTS_OPS if seed == 2 else DARTS_OPS[1:]
    net = build_darts_network(random_genotype(seed, ops=ops), C=4, layers=5, num_classes=7).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert net(x).shape == (2, 7)
        feats = net.forward_features(x)
    assert feats.shape == (2, 4 * 4 * 4, 8, 8)  # multiplier 4 x (C doubled twice) at 8x8


def test_aux_head_and_compact_input():
    g = random_genotype(4)
    net = build_darts_network(g.to_compact(), C=4, layers=6, auxiliary=True).eval()
    with torch.no_grad():
        logits, aux = net.forward_with_aux(torch.randn(2, 3, 32, 32))
    assert logits.shape == aux.shape == (2, 10)
    assert build_darts_network(str(g.to_compact()), C=4, layers=3).genotype == g


def test_bad_arguments():
    with pytest.raises(ValueError):
        build_darts_network(random_genotype(0), layers=2)
    with pytest.raises(ValueError):
        build_darts_network(random_genotype(0), C=0)
