r"""VKDNW: entropy of the spectrum of a label-free Fisher information matrix (Týbl & Neumann, CVPR 2025).

Definition (``vkdnw.md`` §1-3). On a copy of the network, re-initialised Kaiming-normal fan-in (BN gamma = 1,
beta = 0, running statistics untouched) and switched to ``eval()``:

1. probe ``P = min(aleph, params_grad_len)`` scalars theta_S: ``p`` scalars (``p = 1``: flat index 0) of each of the
   first ``params_grad_len = 128`` parameter tensors in ``named_parameters()`` order;
2. per-sample logit Jacobians :math:`J_n = \partial z(x_n) / \partial \theta_S \in \mathbb{R}^{C \times P}` on
   ``B = 64`` Gaussian inputs;
3. smoothed softmax :math:`\tilde p_n = (1-\alpha)\,\mathrm{softmax}(z_n) + \alpha / C` with ``alpha = 0.05``
   and :math:`\Sigma_n = \mathrm{diag}(\tilde p_n) - \tilde p_n \tilde p_n^\top`;
4. ``variant="correct"`` (default): the Fisher :math:`F = \frac1B \sum_n J_n^\top \Sigma_n J_n`, assembled
   factor-free as :math:`\frac1B\sum_n [\sum_c \tilde p_{n,c} j_{n,c} j_{n,c}^\top - \bar g_n \bar g_n^\top]`,
   :math:`\bar g_n = J_n^\top \tilde p_n`;
   ``variant="released"``: the released code's matrix :math:`\frac1B\sum_n (L_n J_n)^\top (L_n J_n)` with the
   lower-triangular Tanabe–Sagae factor :math:`L_n L_n^\top = \Sigma_n` (bug B1: it should be :math:`L_n^\top`);
5. eigenvalues (``eigvalsh``, float64, negative round-off clipped to 0), nine deciles ``q_k`` (``torch.quantile``,
   linear), ``p_k = q_k / (sum q + 1e-10)``, **VKDNW = -sum p_k log(p_k + 1e-10)** in [0, ln 9]; larger is better.

aleph (ℵ) is the number of parameter tensors, ``len(list(model.named_parameters()))``.

The Jacobian is computed exactly by one forward pass and ``C`` backward passes of the batch to the outputs of the
modules that own the probed parameters (``C − 1`` for the correct variant: the backward passes go along the
columns of ``L_n``, giving the rows of ``L_nᵀ J_n`` of the stacked form directly), followed by closed-form
per-sample contractions (``method="hooks"``,
used automatically when every probed parameter belongs to a Conv2d, Linear or running-stats BatchNorm and the
model treats samples independently in eval mode); otherwise per-sample ``jacrev`` under ``vmap``
(``method="functorch"``), with the substituted parameters built out of place (works on current torch).

References
----------
* O. Týbl, L. Neumann, "Training-free Neural Architecture Search through Variance of Knowledge of Deep
  Network Weights", CVPR 2025 (arXiv 2502.04975).
* M. Tanabe, M. Sagae, "An exact Cholesky decomposition and the generalized inverse of the
  variance-covariance matrix of the multinomial distribution", JRSS-B 54 (1992).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from canopy.errors import ProxySettingsError

from ._common import check_positive_int, logits_of, model_copy, prepare_batch, reinit_, sub_seed
from ._fast_pool import speed_up_avg_pools

__all__ = [
    "VKDNWResult",
    "vkdnw",
    "aleph",
    "vkdnw_jacobian",
    "multinomial_cholesky",
    "fisher_matrix",
    "spectrum_entropy",
    "vkdnw_single",
    "vkdnw_agg",
]

_VARIANTS = ("correct", "released")


@dataclass(frozen=True)
class VKDNWResult:
    """Outcome of :func:`vkdnw`.

    Attributes
    ----------
    score : float
        VKDNW, the entropy of the normalised deciles (in [0, ln 9]; NaN if the Fisher matrix was not finite).
    aleph : int
        Number of parameter tensors of the model (ℵ).
    deciles : tuple of float
        The quantiles of the eigenvalues (nine deciles by default).
    eigenvalues : tuple of float
        The clipped eigenvalues, ascending (P of them).
    num_probed : int
        P, the number of probed scalars.
    variant : str
        ``"correct"`` (label-free Fisher) or ``"released"`` (the released code's Jᵀ LᵀL J).
    settings : dict
        Every setting used, for the protocol.
    """

    score: float
    aleph: int
    deciles: tuple[float, ...]
    eigenvalues: tuple[float, ...]
    num_probed: int
    variant: str
    settings: dict[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.score)


def aleph(model: nn.Module, inputs: Any = None, *, seed: int = 0) -> float:
    """ℵ, the number of parameter tensors of ``model`` (as a float; inputs and seed are ignored).

    Examples
    --------
    >>> aleph(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(4, 2)))
    6.0
    """
    return float(len(list(model.named_parameters())))


# --------------------------------------------------------------------------------------------- factor / matrix
def multinomial_cholesky(probs: torch.Tensor) -> torch.Tensor:
    r"""Exact lower-triangular factor ``L`` with ``L Lᵀ = diag(p) − p pᵀ`` (Tanabe & Sagae 1992).

    With :math:`s_j = 1 - \sum_{k \le j} p_k` (``s_0 = 1``): :math:`L_{jj} = \sqrt{p_j s_j / s_{j-1}}` and
    :math:`L_{ij} = -p_i \sqrt{p_j / (s_{j-1} s_j)}` for ``i > j``; the last diagonal entry is 0 (rank C − 1).
    Batched over leading dimensions.

    Examples
    --------
    >>> p = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    >>> L = multinomial_cholesky(p)
    >>> bool(torch.allclose(L @ L.T, torch.diag(p) - torch.outer(p, p)))
    True
    """
    p = probs
    s = 1.0 - torch.cumsum(p, dim=-1)  # s_j, j = 1..C
    s = s.clamp_min(0.0)
    s_prev = torch.cat([torch.ones_like(s[..., :1]), s[..., :-1]], dim=-1)  # s_{j-1}
    diag = torch.sqrt((p * s / s_prev).clamp_min(0.0))
    denom = torch.sqrt(s_prev * s)
    col = torch.where(denom > 0, torch.sqrt(p) / torch.where(denom > 0, denom, torch.ones_like(denom)),
                      torch.zeros_like(denom))  # sqrt(p_j / (s_{j-1} s_j)), per column j
    off = -p.unsqueeze(-1) * col.unsqueeze(-2)  # [i, j] = -p_i * col_j
    C = p.shape[-1]
    strict = torch.tril(torch.ones(C, C, dtype=torch.bool, device=p.device), diagonal=-1)
    L = torch.where(strict, off, torch.zeros_like(off))
    return L + torch.diag_embed(diag)


def fisher_matrix(jac: torch.Tensor, probs: torch.Tensor, variant: str = "correct") -> torch.Tensor:
    r"""Assemble the (B-averaged) P × P matrix from Jacobians ``jac`` (B, C, P) and probabilities (B, C).

    ``variant="correct"``: :math:`\frac1B\sum_n J_n^\top(\mathrm{diag}\,p_n - p_n p_n^\top)J_n` (factor-free);
    ``variant="released"``: :math:`\frac1B\sum_n (L_nJ_n)^\top(L_nJ_n)` with :func:`multinomial_cholesky`.

    Examples
    --------
    >>> J = torch.randn(4, 3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> p = torch.softmax(torch.randn(4, 3, dtype=torch.float64), -1)
    >>> fisher_matrix(J, p).shape
    torch.Size([2, 2])
    """
    if variant not in _VARIANTS:
        raise ProxySettingsError(f"unknown VKDNW variant {variant!r}; valid: {', '.join(_VARIANTS)}")
    B = jac.shape[0]
    if variant == "correct":
        a = jac * probs.sqrt().unsqueeze(-1)
        g = torch.einsum("bc,bcp->bp", probs, jac)
        return (torch.einsum("bcp,bcq->pq", a, a) - g.T @ g) / B
    L = multinomial_cholesky(probs)
    m = L @ jac
    return torch.einsum("bcp,bcq->pq", m, m) / B


def spectrum_entropy(eigenvalues: torch.Tensor, quantiles: Sequence[float] | None = None) -> tuple[float, list[float]]:
    """VKDNW entropy of the normalised quantiles of a spectrum; returns ``(entropy, quantiles)``.

    Examples
    --------
    >>> import math
    >>> round(spectrum_entropy(torch.ones(20, dtype=torch.float64))[0], 6) == round(math.log(9), 6)
    True
    """
    qs = torch.linspace(0.1, 0.9, 9, dtype=torch.float64) if quantiles is None else torch.tensor(
        list(quantiles), dtype=torch.float64)
    lam = eigenvalues.to(torch.float64)
    q = torch.quantile(lam, qs, interpolation="linear")
    pk = q / (q.sum() + 1e-10)
    ent = -(pk * torch.log(pk + 1e-10)).sum()
    return float(ent) + 0.0, [float(v) for v in q]


# --------------------------------------------------------------------------------------------- Jacobians
def _selection(model: nn.Module, params_grad_len: int, p: int, selection: str, aleph_: int):
    named = list(model.named_parameters())
    if selection == "first":
        chosen = named[:params_grad_len]
    elif selection == "random":
        rng = np.random.default_rng(aleph_)
        idx = sorted(rng.choice(len(named), size=min(params_grad_len, len(named)), replace=False).tolist())
        chosen = [named[i] for i in idx]
    else:
        raise ProxySettingsError(f"unknown selection {selection!r}; valid: 'first', 'random'")
    out = []
    for name, t in chosen:
        n = t.numel()
        idx = torch.linspace(0, n - 1, steps=p).long().tolist() if p > 1 else [0]
        out.append((name, t, idx))
    return out


def _owners(model: nn.Module) -> dict[int, tuple[nn.Module, str]]:
    owners: dict[int, tuple[nn.Module, str]] = {}
    for mod in model.modules():
        for attr, par in mod.named_parameters(recurse=False):
            owners.setdefault(id(par), (mod, attr))
    return owners


def _hooks_supported(model: nn.Module, sel, owners) -> bool:
    for m in model.modules():  # samples must be independent in eval mode
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is None:
            return False
        if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.Dropout)) and m.training:
            return False
    for _, t, _ in sel:
        mod, _attr = owners[id(t)]
        if isinstance(mod, nn.Conv2d):
            if isinstance(mod.padding, str) or mod.padding_mode != "zeros":
                return False
        elif isinstance(mod, nn.Linear):
            pass
        elif isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if mod.running_mean is None:
                return False
        else:
            return False
    return True


def _per_sample_grad(mod: nn.Module, attr: str, flat: int, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """d(output·g)/d(param.flat[flat]) per sample (float64), given the module input x and output-gradient g."""
    B = x.shape[0]
    param = getattr(mod, attr)
    pos = np.unravel_index(flat, tuple(param.shape))
    d = torch.float64
    if isinstance(mod, nn.Linear):
        o = int(pos[0])
        if attr == "bias":
            return g[..., o].to(d).reshape(B, -1).sum(1)
        return (g[..., o].to(d) * x[..., int(pos[1])].to(d)).reshape(B, -1).sum(1)
    if isinstance(mod, nn.Conv2d):
        o = int(pos[0])
        if attr == "bias":
            return g[:, o].to(d).reshape(B, -1).sum(1)
        i, kh, kw = (int(v) for v in pos[1:])
        grp = o // (mod.out_channels // mod.groups)
        ic = grp * (mod.in_channels // mod.groups) + i
        ph, pw = cast(tuple[int, int], mod.padding)  # str padding is refused by _hooks_supported
        sh, sw = mod.stride
        dh, dw = mod.dilation
        xi = F.pad(x[:, ic], (pw, pw, ph, ph))
        Ho, Wo = g.shape[-2:]
        r0, c0 = kh * dh, kw * dw
        xs = xi[:, r0: r0 + sh * (Ho - 1) + 1: sh, c0: c0 + sw * (Wo - 1) + 1: sw]
        return (g[:, o].to(d) * xs.to(d)).reshape(B, -1).sum(1)
    # BatchNorm in eval mode with running statistics
    c = int(pos[0])
    if attr == "bias":
        return g[:, c].to(d).reshape(B, -1).sum(1)
    mean, var = cast(torch.Tensor, mod.running_mean), cast(torch.Tensor, mod.running_var)
    xhat = (x[:, c].to(d) - mean[c].to(d)) / torch.sqrt(var[c].to(d) + cast(float, mod.eps))
    return (g[:, c].to(d) * xhat).reshape(B, -1).sum(1)


def _jacobian_hooks(model: nn.Module, x: torch.Tensor, sel, owners, batched: bool, directions=None):
    mods = {}
    for _, t, _ in sel:
        mod, _a = owners[id(t)]
        mods[id(mod)] = mod
    records: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {k: [] for k in mods}
    handles = []

    def make_hook(key):
        def hook(module, inp, out):
            records[key].append((inp[0].detach(), out))
        return hook

    try:
        for key, mod in mods.items():
            handles.append(mod.register_forward_hook(make_hook(key)))
        z = logits_of(model(x))
    finally:
        for h in handles:
            h.remove()
    B, C = z.shape
    outs, where = [], []
    for key, recs in records.items():
        for j, (_, out) in enumerate(recs):
            outs.append(out)
            where.append((key, j))
    # backward directions: one-hot classes (the Jacobian rows) or per-sample vectors from the logits
    dirs = torch.eye(C, dtype=z.dtype).unsqueeze(1).expand(C, B, C) if directions is None else (
        directions(z.detach()).to(z.dtype))
    K = dirs.shape[0]
    if batched:
        grads = torch.autograd.grad(z, outs, grad_outputs=dirs, is_grads_batched=True, allow_unused=True)
        per_dir = [[None if gr is None else gr[k] for gr in grads] for k in range(K)]
    else:
        per_dir = []
        for k in range(K):
            grads_k = torch.autograd.grad(z, outs, grad_outputs=dirs[k], retain_graph=k < K - 1, allow_unused=True)
            per_dir.append(list(grads_k))
    gmap: list[dict[tuple[int, int], torch.Tensor | None]] = [{} for _ in range(K)]
    for k in range(K):
        for (key, j), gr in zip(where, per_dir[k]):
            gmap[k][(key, j)] = gr
    cols = []
    with torch.no_grad():
        for _, t, idxs in sel:
            mod, attr = owners[id(t)]
            key = id(mod)
            for flat in idxs:
                col = torch.zeros(B, K, dtype=torch.float64)
                for j, (xin, _) in enumerate(records[key]):
                    for k in range(K):
                        g_k = gmap[k][(key, j)]
                        if g_k is not None:
                            col[:, k] += _per_sample_grad(mod, attr, flat, xin, g_k)
                cols.append(col)
    jac = torch.stack(cols, dim=-1)  # (B, K, P)
    return jac, z.detach()


def _jacobian_functorch(model: nn.Module, x: torch.Tensor, sel):
    from torch.func import functional_call, jacrev, vmap

    base = {k: v.detach() for k, v in model.named_parameters()}
    base.update({k: v.detach() for k, v in model.named_buffers()})
    theta0 = torch.cat([t.detach().reshape(-1)[torch.tensor(idx)] for _, t, idx in sel])
    slices, start = [], 0
    for name, t, idx in sel:
        slices.append((name, t.shape, torch.tensor(idx), start, start + len(idx)))
        start += len(idx)

    def f(theta, xn):
        params = dict(base)
        for name, shape, idx, a, b in slices:
            params[name] = base[name].reshape(-1).scatter(0, idx, theta[a:b]).reshape(shape)  # out of place
        return logits_of(functional_call(model, params, (xn.unsqueeze(0),))).squeeze(0)

    jac = vmap(jacrev(f), in_dims=(None, 0))(theta0, x)
    with torch.no_grad():
        z = logits_of(model(x))
    return jac.to(torch.float64), z


def vkdnw_jacobian(
    model: nn.Module,
    x: torch.Tensor,
    *,
    params_grad_len: int = 128,
    p: int = 1,
    selection: str = "first",
    method: str = "auto",
    batched: bool = False,
    directions: Any = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample logit Jacobians ``(B, C, P)`` (float64) and logits ``(B, C)`` of ``model`` **as it is**.

    The caller is responsible for copying / re-initialising / ``eval()``; this function does not change parameters
    (hooks are removed in ``finally``). ``method``: ``"auto"``, ``"hooks"`` or ``"functorch"``; ``batched``:
    hooks method with one ``is_grads_batched`` backward instead of C backward passes. ``directions``: optional
    callable ``logits (B, C) -> V (K, B, C)``; then the result is ``(B, K, P)`` with rows ``V[k, n] @ J_n`` (K
    backward passes instead of C).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).eval()
    >>> J, z = vkdnw_jacobian(net, torch.randn(5, 3))
    >>> tuple(J.shape), tuple(z.shape)
    ((5, 2, 4), (5, 2))
    """
    params_grad_len = check_positive_int("params_grad_len", params_grad_len)
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ProxySettingsError(
            f"p must be an integer >= 1 (scalars probed per tensor; p=0 probes nothing — the released default "
            f"crashes on it), got {p!r}"
        )
    n_alpha = len(list(model.named_parameters()))
    sel = _selection(model, params_grad_len, int(p), selection, n_alpha)
    if not sel:
        raise ProxySettingsError("the model has no parameters to probe")
    owners = _owners(model)
    if method not in ("auto", "hooks", "functorch"):
        raise ProxySettingsError(f"unknown method {method!r}; valid: 'auto', 'hooks', 'functorch'")
    supported = _hooks_supported(model, sel, owners)
    if method == "hooks" and not supported:
        raise ProxySettingsError(
            "method='hooks' needs every probed parameter in a Conv2d/Linear/BatchNorm (running stats, eval mode)")
    if method == "functorch" or (method == "auto" and not supported):
        jac, z = _jacobian_functorch(model, x, sel)
        if directions is not None:
            jac = torch.einsum("kbc,bcp->bkp", directions(z.detach()).to(torch.float64), jac)
        return jac, z
    return _jacobian_hooks(model, x, sel, owners, batched, directions)


# --------------------------------------------------------------------------------------------- the proxy
def vkdnw(
    model: nn.Module,
    inputs: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 64,
    input_shape: Sequence[int] | None = None,
    params_grad_len: int = 128,
    p: int = 1,
    alpha: float = 0.05,
    variant: str = "correct",
    init: str = "kaiming_norm_fanin",
    bn_mode: str = "eval",
    selection: str = "first",
    quantiles: str = "deciles",
    method: str = "auto",
    batched: bool = False,
    dtype: str = "float32",
    fast_pool_backward: bool = True,
) -> VKDNWResult:
    """Score ``model`` with VKDNW (see the module docstring); returns a :class:`VKDNWResult`.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits (or a tuple ending with the logits). Never modified.
    inputs : tensor, optional
        A batch ``(B, ...)``; default ``batch_size`` Gaussian inputs of ``input_shape`` (default 3x32x32).
    seed : int
        Seeds the inputs and the re-initialisation.
    params_grad_len, p : int
        Number of leading parameter tensors probed (128) and scalars per tensor (1 = flat index 0; ``p > 1``:
        ``linspace(0, numel-1, p)`` truncated). ``p < 1`` raises :class:`canopy.errors.ProxySettingsError`.
    alpha : float
        Softmax smoothing (0.05).
    variant : {"correct", "released"}
        Label-free Fisher (default) or the released code's ``Jᵀ LᵀL J``.
    init : {"kaiming_norm_fanin", "none", "gaussian"}
        Re-initialisation of the copy.
    bn_mode : {"eval", "train_pass"}
        ``"eval"``: Jacobians in eval mode with the (fresh) running stats (NB201 Table 1); ``"train_pass"``: one
        train-mode forward of the batch first, updating the running stats (MobileNetV2 variant).
    selection : {"first", "random"}
        First ``params_grad_len`` tensors (NB201) or a random subset seeded by ℵ (MobileNetV2).
    quantiles : {"deciles", "eleven"}
        Nine deciles 0.1..0.9 (NB201) or the eleven quantiles 0, 0.1, .., 1 (MobileNetV2).
    method, batched
        Jacobian algorithm, see :func:`vkdnw_jacobian`.
    dtype : {"float32", "float64"}
        Precision of the copy's forward/backward passes (the released code: float32). The Fisher matrix and its
        spectrum are always assembled in float64.
    fast_pool_backward : bool
        Give the working copy's average pools a fast exact backward (:mod:`canopy.proxies._fast_pool`; same
        forward bit for bit, backward equal up to round-off). Not part of the score's definition: it only
        changes the summation order of the backward passes.

    Returns
    -------
    VKDNWResult
        ``.score`` (the entropy, larger is better), ``.aleph``, ``.deciles``, ``.eigenvalues``, ``.variant``,
        ``.settings``.

    Examples
    --------
    >>> import math
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
    ...                           torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3))
    >>> r = vkdnw(net, batch_size=8, input_shape=(3, 8, 8))
    >>> r.aleph, r.num_probed, 0.0 <= r.score <= math.log(9)
    (6, 6, True)
    """
    if variant not in _VARIANTS:
        raise ProxySettingsError(f"unknown VKDNW variant {variant!r}; valid: {', '.join(_VARIANTS)}")
    if not (isinstance(alpha, (int, float)) and 0.0 <= float(alpha) < 1.0):
        raise ProxySettingsError(f"alpha must be a float in [0, 1), got {alpha!r}")
    if bn_mode not in ("eval", "train_pass"):
        raise ProxySettingsError(f"unknown bn_mode {bn_mode!r}; valid: 'eval', 'train_pass'")
    if quantiles not in ("deciles", "eleven"):
        raise ProxySettingsError(f"unknown quantiles {quantiles!r}; valid: 'deciles', 'eleven'")
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ProxySettingsError(
            f"p must be an integer >= 1 (scalars probed per tensor; p=0 probes nothing — the released default "
            f"crashes on it), got {p!r}"
        )
    check_positive_int("params_grad_len", params_grad_len)
    if dtype not in ("float32", "float64"):
        raise ProxySettingsError(f"unknown dtype {dtype!r}; valid: 'float32', 'float64'")
    x, _, _ = prepare_batch(model, inputs, seed=seed, batch_size=batch_size, input_shape=input_shape)
    n_alpha = len(list(model.named_parameters()))
    net = model_copy(model)
    net.train()
    reinit_(net, init, seed=sub_seed(seed, 1))
    if dtype == "float64":
        net = net.double()
        x = x.double()
    if bn_mode == "train_pass":
        with torch.no_grad():
            net(x)
    net.eval()
    if fast_pool_backward:
        speed_up_avg_pools(net)

    def smoothed(z: torch.Tensor) -> torch.Tensor:
        return (1.0 - alpha) * torch.softmax(z.to(torch.float64), dim=1) + alpha / z.shape[1]

    if variant == "correct":
        # stacked factor form (vkdnw.md §2.3): rows of L_nᵀ J_n are V_k·J_n with V_k = L_n[:, k]; the last
        # column of L_n is 0 (Σ_n has rank C − 1), so C − 1 backward passes suffice.
        def directions(z: torch.Tensor) -> torch.Tensor:
            L = multinomial_cholesky(smoothed(z))
            return L[:, :, :-1].permute(2, 0, 1)

        m, z = vkdnw_jacobian(net, x, params_grad_len=params_grad_len, p=p, selection=selection, method=method,
                              batched=batched, directions=directions)
        fim = torch.einsum("bkp,bkq->pq", m, m) / m.shape[0]
    else:
        jac, z = vkdnw_jacobian(net, x, params_grad_len=params_grad_len, p=p, selection=selection, method=method,
                                batched=batched)
        fim = fisher_matrix(jac, smoothed(z), variant)
    num_probed = int(fim.shape[0])
    qs = None if quantiles == "deciles" else [i / 10 for i in range(11)]
    settings = dict(batch_size=int(x.shape[0]), input_shape=tuple(x.shape[1:]), params_grad_len=params_grad_len,
                    p=int(p), alpha=float(alpha), variant=variant, init=init, bn_mode=bn_mode,
                    selection=selection, quantiles=quantiles, dtype=dtype, seed=seed if isinstance(seed, int) else None)
    if not torch.isfinite(fim).all():
        nq = 9 if qs is None else len(qs)
        return VKDNWResult(float("nan"), n_alpha, (float("nan"),) * nq, (), num_probed, variant, settings)
    lam = torch.linalg.eigvalsh((fim + fim.T) / 2).clamp_min(0.0)
    ent, q = spectrum_entropy(lam, qs)
    return VKDNWResult(ent, n_alpha, tuple(q), tuple(float(v) for v in lam), num_probed, variant, settings)


# --------------------------------------------------------------------------------------------- population scores
def _pairs(results: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    al, sc = [], []
    for r in results:
        if isinstance(r, VKDNWResult):
            al.append(r.aleph)
            sc.append(r.score)
        else:
            a, s = r
            al.append(a)
            sc.append(s)
    return np.asarray(al, dtype=float), np.asarray(sc, dtype=float)


def vkdnw_single(results: Iterable[Any], *, log: bool = True) -> np.ndarray:
    """VKDNW_single over a population: dense rank of ``(ℵ, VKDNW)`` sorted lexicographically ascending.

    Parameters
    ----------
    results : iterable of VKDNWResult or (aleph, score) pairs
    log : bool
        Return ``log(rank)`` (as the released analysis does) instead of the rank (same order).

    Notes
    -----
    NaN entropies rank last within their ℵ level (:func:`canopy.proxies._common.sanitize_scores`).

    Examples
    --------
    >>> vkdnw_single([(66, 0.5), (21, 0.9), (66, 0.4), (66, 0.5)], log=False).tolist()
    [3.0, 1.0, 2.0, 3.0]
    """
    from ._common import sanitize_scores

    al, sc = _pairs(results)
    if al.size == 0:
        return np.zeros(0)
    sc = sanitize_scores(sc, "rank_last")
    keys = sorted(set(zip(al.tolist(), sc.tolist())))
    rank = {k: i + 1 for i, k in enumerate(keys)}
    out = np.array([rank[(a, s)] for a, s in zip(al.tolist(), sc.tolist())], dtype=float)
    return np.log(out) if log else out


def vkdnw_agg(
    results: Sequence[Any],
    *,
    flops: Sequence[float] | None = None,
    expressivity: Sequence[float] | None = None,
    trainability: Sequence[float] | None = None,
    jacov: Sequence[float] | None = None,
) -> np.ndarray:
    """VKDNW_agg (``vkdnw.md`` §6.1): Σ log R(component) + log R_dense(ℵ, VKDNW) over a population.

    R is the average rank ascending (larger score = larger rank); components passed as ``None`` are left out
    (the full Table-1 definition uses FLOPs, AZ-NAS expressivity and trainability, and jacov — pass what you
    have and record it). jacov NaNs are filled with the column minimum, as in the released analysis.

    Examples
    --------
    >>> s = vkdnw_agg([(21, 0.5), (66, 0.2), (66, 0.3)], flops=[1.0, 3.0, 2.0])
    >>> [round(float(v), 3) for v in s]
    [0.0, 1.792, 1.792]
    """
    from canopy.metrics.ranking import log_rank_sum

    total = vkdnw_single(results, log=True)
    components = {}
    for name, comp in (("flops", flops), ("expressivity", expressivity), ("trainability", trainability),
                       ("jacov", jacov)):
        if comp is None:
            continue
        arr = np.asarray(comp, dtype=float)
        if arr.shape != total.shape:
            raise ProxySettingsError(f"{name} has {arr.size} values, expected {total.size}")
        components[name] = arr
    return total + log_rank_sum(components) if components else total

