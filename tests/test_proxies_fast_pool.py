"""The fast average-pooling backward equals PyTorch's native one (canopy.proxies._fast_pool)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from canopy.proxies._fast_pool import FastBackwardAvgPool2d, speed_up_avg_pools


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 4), pad=st.integers(0, 3), h=st.integers(1, 9), w=st.integers(1, 9),
       include=st.booleans(), strided=st.booleans(), seed=st.integers(0, 10))
def test_forward_is_bitwise_and_backward_matches_native(k, pad, h, w, include, strided, seed):
    if strided:
        pool = nn.AvgPool2d(k, stride=k, padding=0, count_include_pad=include)
    else:
        pool = nn.AvgPool2d(k, stride=1, padding=min(pad, k // 2), count_include_pad=include)
    if h + 2 * pool.padding < k or w + 2 * pool.padding < k:
        return
    assert FastBackwardAvgPool2d.covers(pool)
    fast = FastBackwardAvgPool2d.from_module(pool)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, h, w, dtype=torch.float64, generator=gen, requires_grad=True)
    y = pool(x)
    assert torch.equal(fast(x), y)
    g = torch.randn(y.shape, dtype=torch.float64, generator=gen)
    (a,) = torch.autograd.grad(y, x, g)
    (b,) = torch.autograd.grad(fast(x), x, g)
    assert torch.allclose(a, b, rtol=1e-12, atol=1e-12)


def test_uncovered_configurations_are_left_alone():
    net = nn.Sequential(nn.AvgPool2d(3, 2, 1), nn.AvgPool2d(2, 2, ceil_mode=True),
                        nn.AvgPool2d(3, 1, 1, divisor_override=2), nn.AvgPool2d(3, 1, 1))
    assert speed_up_avg_pools(net) == 1
    assert [type(m).__name__ for m in net] == ["AvgPool2d"] * 3 + ["FastBackwardAvgPool2d"]


@pytest.mark.parametrize("variant", ["correct", "released"])
def test_vkdnw_on_nb201_is_unchanged_by_the_fast_backward(variant):
    """The NB201 cells' 3x3 pools and the residual blocks' 2x2 pools take the fast path; same VKDNW."""
    from canopy.proxies.vkdnw import vkdnw
    from canopy.spaces.nb201_torch import build_nb201_network

    torch.manual_seed(0)
    arch = "|avg_pool_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|"
    model = build_nb201_network(arch, num_classes=10)
    kw = dict(seed=0, batch_size=8, input_shape=(3, 16, 16), variant=variant, dtype="float64")
    fast = vkdnw(model, **kw)
    slow = vkdnw(model, fast_pool_backward=False, **kw)
    assert fast.score == pytest.approx(slow.score, rel=1e-9, abs=1e-12)
    # float64 eigenvalues of a matrix spanning ~10 orders of magnitude: equal up to round-off of the largest
    lam_f, lam_s = torch.tensor(fast.eigenvalues), torch.tensor(slow.eigenvalues)
    assert torch.allclose(lam_f, lam_s, rtol=1e-7, atol=1e-12 * float(lam_s.abs().max()))
