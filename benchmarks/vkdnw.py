"""VKDNW speed and fidelity on the NAS-Bench-201 network (batch 64 at 32x32, C = 10 classes).

Baseline (re-implemented here, as the released ``compute_vkdnw_score.py`` computes it, but written out of
place so that it runs on current torch): per-sample ``jacrev`` under ``vmap`` through ``functional_call`` with
the first 128 parameter tensors' element 0 substituted, the released assembly (1/B) Σ (L_n J_n)ᵀ(L_n J_n) with
the Tanabe–Sagae factor built entry by entry, ``torch.svd`` singular values, nine deciles, entropy.

Ours, measured in the same run on the same re-initialised network and the same inputs:
``canopy.proxies.vkdnw.vkdnw(variant="correct")`` and ``variant="released"`` (whole call: copy, re-init,
Jacobian by one forward + C backward passes with closed-form per-sample contractions, Fisher, eigvalsh; the
copy's average pools get the fast exact backward of ``canopy.proxies._fast_pool``).

Also printed: the "floor" (one forward + ten full backward passes of the batch, eval mode) and each time's ratio
to it; and the fidelity of ``variant="released"`` against the baseline (relative L2 difference of the
eigenvalue vectors and of the entropy) in float32 (the released precision) and float64 (both sides run in
double precision, which isolates the algorithm from float32 summation-order noise).

Times are CPU seconds (``time.process_time``, one torch thread), the minimum over ``--repeat`` runs.

Usage: ``python benchmarks/vkdnw.py [--quick] [--repeat R]`` (torch uses one thread).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

CELLS = {
    "k=1 (aleph 66)": "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|avg_pool_3x3~2|",
    "k=3 (aleph 156)": "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
    "k=6 (aleph 291)": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|"
                       "nor_conv_3x3~2|",
}


def released_baseline(net, x, params_grad_len=128, alpha=0.05):
    """The released computation (out of place): per-sample jacrev under vmap, J^T L^T L J, svd, entropy."""
    from torch.func import functional_call, jacrev, vmap

    named = list(net.named_parameters())[:params_grad_len]
    base = {k: v.detach() for k, v in net.named_parameters()}
    base.update({k: v.detach() for k, v in net.named_buffers()})
    theta0 = torch.stack([t.detach().reshape(-1)[0] for _, t in named])
    names = [n for n, _ in named]

    def f(theta, xn):
        params = dict(base)
        for i, n in enumerate(names):
            flat = base[n].reshape(-1)
            params[n] = torch.cat([theta[i:i + 1], flat[1:]]).reshape(base[n].shape)
        return functional_call(net, params, (xn.unsqueeze(0),)).squeeze(0)

    jac = vmap(jacrev(f), in_dims=(None, 0))(theta0, x)  # (B, C, P)
    with torch.no_grad():
        z = net(x)
    B, C = z.shape
    p = (1 - alpha) * torch.softmax(z, dim=1) + alpha / C
    L = torch.zeros(B, C, C, dtype=p.dtype)
    s_prev = torch.ones(B, dtype=p.dtype)
    for j in range(C):  # Tanabe & Sagae (1992), column by column
        s_j = (s_prev - p[:, j]).clamp_min(0)
        L[:, j, j] = torch.sqrt((p[:, j] * s_j / s_prev).clamp_min(0))
        for i in range(j + 1, C):
            denom = torch.sqrt(s_prev * s_j)
            L[:, i, j] = torch.where(denom > 0, -p[:, i] * torch.sqrt(p[:, j]) / torch.where(
                denom > 0, denom, torch.ones_like(denom)), torch.zeros_like(denom))
        s_prev = s_j
    m = L @ jac.to(p.dtype)
    fim = torch.einsum("bcp,bcq->pq", m, m) / B
    lam = torch.svd(fim.to(torch.float64)).S.flip(0)
    q = torch.quantile(lam, torch.linspace(0.1, 0.9, 9, dtype=torch.float64))
    pk = q / (q.sum() + 1e-10)
    return float(-(pk * torch.log(pk + 1e-10)).sum()), lam


def floor_time(net, x, classes=10):
    t = time.process_time()
    z = net(x)
    for c in range(classes):
        net.zero_grad(set_to_none=True)
        z[:, c].sum().backward(retain_graph=c < classes - 1)
    net.zero_grad(set_to_none=True)
    return time.process_time() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="VKDNW speed/fidelity benchmark")
    ap.add_argument("--quick", action="store_true", help="one small network, no float64 check")
    ap.add_argument("--repeat", type=int, default=1, help="timings are the minimum over repeats")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    from canopy.proxies._common import prepare_batch, working_copy
    from canopy.proxies.vkdnw import vkdnw
    from canopy.spaces.nb201_torch import build_nb201_network

    cells = dict(list(CELLS.items())[:1]) if args.quick else CELLS
    print(f"# VKDNW benchmark: NB201 TinyNetwork(C=16, N=5), 10 classes, batch 64, 32x32 Gaussian input, "
          f"params_grad_len=128, p=1, alpha=0.05, torch {torch.__version__}, CPU, 1 thread, "
          f"min over {args.repeat} repeat(s)")
    print(f"{'network':<17} {'floor s':>8} {'released-code s':>15} {'ours correct s':>14} {'ours released s':>15}"
          f" {'speedup':>8} {'ours/floor':>10} {'base/floor':>10} {'rel dλ f32':>10} {'rel dH f32':>10}"
          f" {'rel dλ f64':>10} {'rel dH f64':>10} {'H correct':>9} {'H released':>10}")
    speedups, floors = [], []
    for label, arch in cells.items():
        torch.manual_seed(args.seed)
        model = build_nb201_network(arch, num_classes=10)
        x, _, _ = prepare_batch(model, None, seed=args.seed, batch_size=64, input_shape=(3, 32, 32))
        net = working_copy(model, init="kaiming_norm_fanin", seed=args.seed, train=True).eval()
        tb, tc, tr, tf = [], [], [], []
        for _ in range(args.repeat):
            tf.append(floor_time(net, x))
            t = time.process_time()
            h_base, lam_base = released_baseline(net, x)
            tb.append(time.process_time() - t)
            t = time.process_time()
            r_cor = vkdnw(model, seed=args.seed)
            tc.append(time.process_time() - t)
            t = time.process_time()
            r_rel = vkdnw(model, seed=args.seed, variant="released")
            tr.append(time.process_time() - t)
        lam_ours = torch.tensor(r_rel.eigenvalues, dtype=torch.float64)
        d_lam32 = float(torch.linalg.norm(lam_ours - lam_base) / torch.linalg.norm(lam_base))
        d_h32 = abs(r_rel.score - h_base) / max(abs(h_base), 1e-300)
        d_lam64 = d_h64 = float("nan")
        if not args.quick:
            h64, lam64 = released_baseline(net.double(), x.double())
            r64 = vkdnw(model, seed=args.seed, variant="released", dtype="float64")
            l64 = torch.tensor(r64.eigenvalues, dtype=torch.float64)
            d_lam64 = float(torch.linalg.norm(l64 - lam64) / torch.linalg.norm(lam64))
            d_h64 = abs(r64.score - h64) / max(abs(h64), 1e-300)
        b, c, r, f = min(tb), min(tc), min(tr), min(tf)
        speedups.append(b / c)
        floors.append(c / f)
        print(f"{label:<17} {f:8.2f} {b:15.2f} {c:14.2f} {r:15.2f} {b / c:7.2f}x {c / f:10.2f} {b / f:10.2f}"
              f" {d_lam32:10.1e} {d_h32:10.1e} {d_lam64:10.1e} {d_h64:10.1e} {r_cor.score:9.4f}"
              f" {r_rel.score:10.4f}")
    print(f"# geometric-mean speed-up vs the released computation: "
          f"{math.exp(np.mean(np.log(speedups))):.2f}x (target >= 3x)")
    print(f"# geometric-mean ours (correct) / floor: {math.exp(np.mean(np.log(floors))):.2f} (target <= 1.3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
