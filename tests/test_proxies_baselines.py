"""Known small cases of the baseline proxies, computed by hand or by a slow oracle."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from canopy.errors import ProxySettingsError, UnsupportedOperationError
from canopy.proxies.fisher import fisher
from canopy.proxies.grad_norm import grad_norm
from canopy.proxies.grasp import grasp
from canopy.proxies.jacov import jacov
from canopy.proxies.meco import meco
from canopy.proxies.naswot import naswot, naswot_kernel
from canopy.proxies.snip import snip
from canopy.proxies.swap import swap
from canopy.proxies.synflow import synflow
from canopy.proxies.zen import zen
from canopy.proxies.zico import zico


def _mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 4))


def _batch(seed=0, n=6):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, generator=g), torch.randint(0, 4, (n,), generator=g)


def test_synflow_by_hand_and_bn_removed():
    net = nn.Sequential(nn.Linear(2, 2, bias=False), nn.BatchNorm1d(2), nn.ReLU(), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -2.0], [3.0, 4.0]]))
        net[3].weight.copy_(torch.tensor([[-1.0, 2.0]]))
        net[1].weight.fill_(5.0)  # BN is removed, so its parameters do not matter
    # |W1| 1 = (3, 7); R = 1*3 + 2*7 = 17; each layer is 1-homogeneous in the output, so S = 2R
    assert synflow(net, input_shape=(2,), log=False) == 34.0
    assert math.isclose(synflow(net, input_shape=(2,)), math.log(34.0))


def test_naswot_kernel_counts_agreements():
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(inplace=True), nn.Linear(2, 2), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        net[0].bias.zero_()
        net[2].weight.copy_(torch.eye(2))
        net[2].bias.copy_(torch.tensor([-1.0, 0.5]))
    x = torch.tensor([[2.0], [-1.0], [0.5]])
    # layer 1 codes (x>0, x<0): (1,0), (0,1), (1,0); layer 2 pre-acts (relu(x)-1, relu(-x)+0.5):
    # (1, .5)->(1,1); (-1, 1.5)->(0,1); (-.5, .5)->(0,1)
    K = naswot_kernel(net, x)
    want = torch.tensor([[4.0, 1.0, 3.0], [1.0, 4.0, 2.0], [3.0, 2.0, 4.0]])
    assert torch.equal(K, want.double())
    assert math.isclose(naswot(net, x), math.log(abs(torch.linalg.det(want.double()).item())))


def test_jacov_of_a_linear_model_is_known():
    net = nn.Sequential(nn.Linear(4, 3))
    n, k = 5, 1e-5
    # every input-Jacobian row is the same vector -> corrcoef = all ones -> eigenvalues (n, 0, ..., 0)
    got = jacov(net, batch_size=n, input_shape=(4,))
    want = -((math.log(n + k) + 1 / (n + k)) + (n - 1) * (math.log(k) + 1 / k))
    assert math.isclose(got, want, rel_tol=1e-6)


def test_grad_norm_snip_by_hand():
    net = _mlp()
    x, y = _batch()
    loss = F.cross_entropy(net(x), y)
    g = torch.autograd.grad(loss, [net[0].weight, net[2].weight])
    assert math.isclose(grad_norm(net, (x, y)), float(g[0].norm() + g[1].norm()), rel_tol=1e-6)
    want = float((net[0].weight.detach() * g[0]).abs().sum() + (net[2].weight.detach() * g[1]).abs().sum())
    assert math.isclose(snip(net, (x, y)), want, rel_tol=1e-6)


def test_grasp_against_explicit_hessian():
    net = _mlp(1)
    x, y = _batch(1)
    w = [net[0].weight, net[2].weight]
    shapes = [t.shape for t in w]
    flat0 = torch.cat([t.detach().reshape(-1) for t in w])

    def loss_of(flat):
        a = flat[: shapes[0].numel()].reshape(shapes[0])
        b = flat[shapes[0].numel():].reshape(shapes[1])
        h = F.relu(F.linear(x, a, net[0].bias.detach()))
        return F.cross_entropy(F.linear(h, b, net[2].bias.detach()), y)

    g = torch.autograd.functional.jacobian(loss_of, flat0)
    H = torch.autograd.functional.hessian(loss_of, flat0)
    want = float((-flat0 * (H @ g)).sum().detach())
    assert math.isclose(grasp(net, (x, y)), want, rel_tol=1e-4, abs_tol=1e-9)


def test_fisher_by_hand():
    net = _mlp(2)
    x, y = _batch(2)
    a1 = net[0](x)
    out = net[2](F.relu(a1))
    loss = F.cross_entropy(out, y)
    g1, g2 = torch.autograd.grad(loss, [a1, out])
    a1, out = a1.detach(), out.detach()
    want = 3 * float((a1 * g1).pow(2).mean(0).mul(0.5).sum()) + 5 * float((out * g2).pow(2).mean(0).mul(0.5).sum())
    assert math.isclose(fisher(net, (x, y)), want, rel_tol=1e-5)


def test_zico_by_hand():
    net = _mlp(3)
    b1, b2 = _batch(4), _batch(5)
    grads = []
    for x, y in (b1, b2):
        loss = F.cross_entropy(net(x), y)
        grads.append(torch.autograd.grad(loss, [net[0].weight, net[2].weight]))
    want = 0.0
    for layer in range(2):
        g = torch.stack([grads[0][layer].reshape(-1), grads[1][layer].reshape(-1)]).double()
        sd, mu = g.std(0, unbiased=False), g.abs().mean(0)
        want += math.log(float((mu[sd != 0] / sd[sd != 0]).sum()))
    assert math.isclose(zico(net, [b1, b2]), want, rel_tol=1e-6)
    with pytest.raises(ProxySettingsError):
        zico(net, [b1])


def test_zen_needs_forward_features():
    with pytest.raises(UnsupportedOperationError, match="forward_features"):
        zen(nn.Sequential(nn.Conv2d(3, 2, 3)), input_shape=(3, 8, 8))


def test_meco_identical_channels_give_zero_min_eigenvalue_sum():
    conv = nn.Conv2d(1, 3, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, 2.0, 3.0]).reshape(3, 1, 1, 1))
    net = nn.Sequential(conv)
    # the three channels are perfectly correlated: P = ones(3, 3), λ_min = 0 (twice: container + conv)
    assert abs(meco(net, input_shape=(1, 4, 4))) < 1e-9


def test_swap_counts_distinct_patterns():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
    s = swap(net, input_shape=(1, 3, 3), batch_size=4, repeat=3)
    assert 1 <= s <= 2 * 9
    assert swap(net, input_shape=(1, 3, 3), batch_size=4, repeat=3, regularize=(0.0, 1e9)) <= s
