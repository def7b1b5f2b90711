"""VKDNW: ℵ, entropy range, Fisher assembly (correct vs released), Jacobian methods, population scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from canopy.errors import ProxySettingsError
from canopy.proxies.vkdnw import (
    VKDNWResult,
    aleph,
    fisher_matrix,
    multinomial_cholesky,
    spectrum_entropy,
    vkdnw,
    vkdnw_agg,
    vkdnw_jacobian,
    vkdnw_single,
)

nb201 = pytest.importorskip("canopy.spaces.nb201")
nb201_torch = pytest.importorskip("canopy.spaces.nb201_torch")
NB201Cell = nb201.NB201Cell
OPS = nb201.OPS
build = nb201_torch.build_nb201_network

MIXED = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def _rand_probs(b, c, gen):
    return torch.softmax(torch.randn(b, c, generator=gen, dtype=torch.float64) * 2, dim=1)


def test_tanabe_sagae_factor_is_exact_lower_triangular():
    gen = torch.Generator().manual_seed(0)
    p = _rand_probs(5, 10, gen)
    L = multinomial_cholesky(p)
    sigma = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)
    assert torch.allclose(L @ L.transpose(-1, -2), sigma, atol=1e-14)
    assert torch.equal(L, torch.tril(L))
    assert torch.all(torch.diagonal(L, dim1=-2, dim2=-1)[..., :-1] > 0)
    assert torch.allclose(torch.diagonal(L, dim1=-2, dim2=-1)[..., -1], torch.zeros(5, dtype=torch.float64),
                          atol=1e-7)


def test_factor_form_matches_fisher_and_released_differs():
    """vkdnw.md §2.2: (LᵀJ)ᵀ(LᵀJ) = Jᵀ Σ J to ~1e-7; the released (LJ)ᵀ(LJ) is off by tens of percent."""
    gen = torch.Generator().manual_seed(1)
    B, C, P = 16, 10, 6
    J = torch.randn(B, C, P, generator=gen, dtype=torch.float64)
    p = 0.95 * _rand_probs(B, C, gen) + 0.05 / C
    sigma = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)
    direct = torch.einsum("bcp,bcd,bdq->pq", J, sigma, J) / B
    L = multinomial_cholesky(p)
    factor = torch.einsum("bcp,bcq->pq", L.transpose(-1, -2) @ J, L.transpose(-1, -2) @ J) / B
    correct = fisher_matrix(J, p, "correct")
    released = fisher_matrix(J, p, "released")
    rel = lambda a, b: float(torch.linalg.norm(a - b) / torch.linalg.norm(b))  # noqa: E731
    assert rel(factor, direct) < 1e-7
    assert rel(correct, direct) < 1e-7
    assert rel(released, direct) > 0.1
    assert torch.allclose(released, torch.einsum("bcp,bcq->pq", L @ J, L @ J) / B)


def test_spectrum_entropy_bounds():
    assert spectrum_entropy(torch.zeros(30, dtype=torch.float64))[0] == 0.0
    assert math.isclose(spectrum_entropy(torch.full((30,), 7.0, dtype=torch.float64))[0], math.log(9))
    ent, q = spectrum_entropy(torch.arange(1.0, 101.0, dtype=torch.float64))
    assert 0 < ent < math.log(9) and len(q) == 9 and q == sorted(q)


@pytest.mark.parametrize("k", range(7))
def test_aleph_is_21_plus_45k(k):
    ops = ["nor_conv_3x3" if i < k else "avg_pool_3x3" for i in range(6)]
    cell = NB201Cell(tuple(ops))
    assert aleph(build(cell)) == 21 + 45 * k


def test_aleph_histogram_over_all_cells():
    counts = np.bincount([c.num_convs for c in nb201.all_cells()], minlength=7)
    assert counts.tolist() == [729, 2916, 4860, 4320, 2160, 576, 64]
    assert [math.comb(6, k) * 2**k * 3 ** (6 - k) for k in range(7)] == counts.tolist()


@pytest.mark.parametrize("arch", [MIXED, ALL_NONE, "|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|"
                                  "+|none~0|avg_pool_3x3~1|nor_conv_1x1~2|"])
def test_entropy_in_range_small_nb201(arch):
    torch.manual_seed(0)
    net = build(arch, C=4, N=1)
    r = vkdnw(net, batch_size=8, input_shape=(3, 8, 8))
    assert isinstance(r, VKDNWResult)
    assert 0.0 <= r.score <= math.log(9) + 1e-12
    assert r.aleph == len(list(net.named_parameters())) and r.num_probed == min(r.aleph, 128)
    assert len(r.deciles) == 9 and list(r.deciles) == sorted(r.deciles)
    assert r.settings["variant"] == "correct"


def test_all_none_cell_scores_zero():
    net = build(ALL_NONE, C=4, N=1)
    r = vkdnw(net, batch_size=8, input_shape=(3, 8, 8))
    assert r.score == 0.0
    assert all(q == 0.0 for q in r.deciles)


def test_hook_jacobian_matches_functorch():
    torch.manual_seed(0)
    net = build(MIXED, C=4, N=1).eval()
    x = torch.randn(6, 3, 8, 8)
    J1, z1 = vkdnw_jacobian(net, x, method="hooks")
    J2, z2 = vkdnw_jacobian(net, x, method="functorch")
    J3, _ = vkdnw_jacobian(net, x, method="hooks", batched=True)
    scale = float(J2.abs().max())
    assert torch.allclose(J1, J2, atol=1e-5 * scale)
    assert torch.allclose(J1, J3, atol=1e-6 * scale)
    assert torch.allclose(z1, z2, atol=1e-5)


def test_hook_jacobian_general_conv_and_indices():
    """Strided / dilated / grouped conv, several scalars per tensor: hooks equal functorch."""
    torch.manual_seed(2)
    net = nn.Sequential(nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), nn.BatchNorm2d(6),
                        nn.ReLU(), nn.Conv2d(6, 5, 2, bias=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(5, 3)).eval()
    with torch.no_grad():
        net[1].running_mean.normal_()
        net[1].running_var.uniform_(0.5, 2.0)
    x = torch.randn(5, 4, 9, 9)
    J1, _ = vkdnw_jacobian(net, x, p=3, method="hooks")
    J2, _ = vkdnw_jacobian(net, x, p=3, method="functorch")
    assert J1.shape == (5, 3, 3 * len(list(net.parameters())))
    assert torch.allclose(J1, J2, atol=1e-5 * float(J2.abs().max()))


def test_correct_and_released_differ_on_a_real_network():
    torch.manual_seed(0)
    net = build(MIXED, C=4, N=1)
    a = vkdnw(net, batch_size=16, input_shape=(3, 8, 8), variant="correct")
    b = vkdnw(net, batch_size=16, input_shape=(3, 8, 8), variant="released")
    assert b.variant == "released"
    ea, eb = np.array(a.eigenvalues), np.array(b.eigenvalues)
    assert np.linalg.norm(ea - eb) / np.linalg.norm(ea) > 1e-3
    assert a.score != b.score


def test_p_zero_rejected():
    net = build(MIXED, C=4, N=1)
    with pytest.raises(ProxySettingsError, match="p must be an integer >= 1"):
        vkdnw(net, p=0)
    with pytest.raises(ProxySettingsError):
        vkdnw(net, p=0.5)


def test_seed_changes_score_and_same_seed_reproduces():
    net = build(MIXED, C=4, N=1)
    kw = dict(batch_size=8, input_shape=(3, 8, 8))
    assert vkdnw(net, seed=1, **kw).score == vkdnw(net, seed=1, **kw).score
    assert vkdnw(net, seed=1, **kw).score != vkdnw(net, seed=2, **kw).score


def test_variants_of_settings_run():
    net = build(MIXED, C=4, N=1)
    kw = dict(batch_size=8, input_shape=(3, 8, 8))
    r = vkdnw(net, quantiles="eleven", selection="random", bn_mode="train_pass", params_grad_len=10, **kw)
    assert len(r.deciles) == 11 and r.num_probed == 10
    assert 0.0 <= r.score <= math.log(11) + 1e-12


def test_vkdnw_single_is_dense_lexicographic_rank():
    res = [(66, 0.5), (21, 0.9), (66, 0.4), (66, 0.5), (111, 0.1), (21, float("nan"))]
    ranks = vkdnw_single(res, log=False)
    assert ranks.tolist() == [4.0, 2.0, 3.0, 4.0, 5.0, 1.0]
    assert np.allclose(vkdnw_single(res), np.log(ranks))


def test_vkdnw_agg_by_hand():
    res = [(21, 0.5), (66, 0.2), (66, 0.3)]
    flops = [1.0, 3.0, 2.0]
    jac = [float("nan"), 0.0, 1.0]  # NaN -> column minimum (0.0): ranks 1.5, 1.5, 3
    got = vkdnw_agg(res, flops=flops, jacov=jac)
    want = np.log([1, 2, 3]) + np.log([1, 3, 2]) + np.log([1.5, 1.5, 3])
    assert np.allclose(got, want)
    with pytest.raises(ProxySettingsError):
        vkdnw_agg(res, flops=[1.0])


@pytest.mark.slow
def test_full_nb201_network():
    torch.manual_seed(0)
    net = build(MIXED)
    r = vkdnw(net)
    assert r.aleph == 21 + 45 * 3 and r.num_probed == 128
    assert 0.0 < r.score < math.log(9)


def test_stacked_correct_form_equals_direct_fisher_of_jacobian():
    """vkdnw(variant='correct') (C − 1 backward passes along L_n's columns) = fisher_matrix(J) spectrum."""
    from canopy.proxies._common import prepare_batch, working_copy

    torch.manual_seed(0)
    model = build(MIXED, C=4, N=1)
    r = vkdnw(model, seed=4, batch_size=8, input_shape=(3, 8, 8), dtype="float64")
    x, _, _ = prepare_batch(model, None, seed=4, batch_size=8, input_shape=(3, 8, 8))
    net = working_copy(model, init="kaiming_norm_fanin", seed=4).double().eval()
    J, z = vkdnw_jacobian(net, x.double())
    probs = 0.95 * torch.softmax(z.double(), 1) + 0.05 / z.shape[1]
    lam = torch.linalg.eigvalsh(fisher_matrix(J, probs, "correct")).clamp_min(0)
    assert torch.allclose(torch.tensor(r.eigenvalues, dtype=torch.float64), lam, rtol=1e-8,
                          atol=1e-10 * float(lam.max()))
