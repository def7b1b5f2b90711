"""AZ-NAS components (canopy.proxies.az_nas): trainability against an explicit-Jacobian oracle."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from canopy.proxies._common import sub_seed, synthetic_inputs, torch_generator, working_copy
from canopy.proxies.az_nas import expressivity, layer_entropies, progressivity, trainability


def _chain(channels: int, strides: list[int]) -> nn.Sequential:
    """1x1 convolutions without bias: every block is linear, so its Jacobian is the weight itself."""
    return nn.Sequential(*[nn.Conv2d(channels, channels, 1, stride=s, bias=False) for s in strides])


def _oracle(model: nn.Sequential, x: torch.Tensor, seed: int, init: str = "kaiming_norm_fanin") -> float:
    """Trainability from the explicit weights: g_in = W^T g_out at the positions a strided 1x1 conv reads."""
    net = working_copy(model, init=init, seed=seed, train=True)
    feats = []
    h = x
    for conv in net:
        h = conv(h)
        feats.append(h.detach())
    gen = torch_generator(sub_seed(seed, 7))
    scores = []
    for i in reversed(range(1, len(feats))):
        f_out, f_in = feats[i], feats[i - 1]
        g_out = torch.randint(0, 2, f_out.shape, generator=gen, dtype=f_out.dtype).mul_(2).sub_(1)
        W = net[i].weight[:, :, 0, 0].detach()
        s = net[i].stride[0]
        g_in = torch.zeros_like(f_in)
        g_in[:, :, ::s, ::s] = torch.einsum("oc,bohw->bchw", W, g_out)
        if s > 1:
            g_in = F.pixel_unshuffle(g_in, s)
        n = g_out.shape[0] * g_out.shape[2] * g_out.shape[3]
        M = g_in.permute(0, 2, 3, 1).reshape(n, -1).double().T @ g_out.permute(0, 2, 3, 1).reshape(n, -1).double() / n
        smax = float(torch.linalg.svdvals(M).max())
        scores.append(-smax - 1 / (smax + 1e-6) + 2)
    return sum(scores) / len(scores)


@settings(max_examples=15, deadline=None)
@given(channels=st.integers(1, 4), strides=st.lists(st.sampled_from([1, 2]), min_size=2, max_size=4),
       seed=st.integers(0, 5))
def test_trainability_equals_the_explicit_jacobian_oracle(channels, strides, seed):
    strides[0] = 1
    model = _chain(channels, strides)
    x = synthetic_inputs((channels, 16, 16), batch_size=3, seed=seed)  # maps stay above 1 x 1
    got = trainability(model, x, seed=seed)
    assert got == pytest.approx(_oracle(model, x, seed), rel=1e-9, abs=1e-9)


def test_identity_block_scores_minus_infinity_and_single_block_zero():
    class Id(nn.Module):
        def forward(self, x):
            return x * 1.0

    model = nn.Sequential(nn.Conv2d(2, 2, 1), Id())
    x = torch.randn(2, 2, 4, 4)
    assert trainability(model, x) == -math.inf
    assert trainability(nn.Sequential(nn.Conv2d(2, 2, 1)), x) == 0.0


def test_components_are_pure_and_seeded():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, stride=2, padding=1),
                          nn.ReLU())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    kw = dict(batch_size=4, input_shape=(3, 8, 8))
    assert trainability(model, seed=3, **kw) == trainability(model, seed=3, **kw)
    assert trainability(model, seed=3, **kw) != trainability(model, seed=4, **kw)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    e = layer_entropies(model, seed=1, **kw)
    assert expressivity(model, seed=1, **kw) == pytest.approx(sum(e))
    assert progressivity(model, seed=1, **kw) == pytest.approx(min(b - a for a, b in zip(e, e[1:])))


def test_non_integer_stride_is_refused_in_one_line():
    from canopy.errors import UnsupportedOperationError

    model = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Upsample(scale_factor=2))
    with pytest.raises(UnsupportedOperationError, match="not an integer stride"):
        trainability(model, torch.randn(2, 1, 4, 4))
