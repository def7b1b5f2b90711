"""Whole-space scoring speed of the cell calculus (NB201: 15,625 cells; DARTS: 10,000 genotypes), one core.

For every closed-form mode (generic, serra, zhang) it scores the whole NB201 space and a set of random DARTS
genotypes with the cached fast path (:mod:`canopy.nas._fast`), and compares the per-architecture time with two
baselines measured in the same run on a sample: the general networkx walker without caching
(:func:`canopy.nas._calculus.score_graph` on a freshly built graph) and tracing the torch model
(:func:`canopy.nas.trace.score_module`).  Targets (issue 4): NB201 <= 1 s per mode, DARTS <= 2 s per 10,000.

Usage::

    python benchmarks/scores.py            # full run
    python benchmarks/scores.py --quick    # smaller DARTS set and baseline samples
"""

from __future__ import annotations

import argparse
import random
import time


def _timeit(fn, items):
    t = time.perf_counter()
    for it in items:
        fn(it)
    return time.perf_counter() - t


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small DARTS set and baseline samples")
    parser.add_argument("--darts", type=int, default=None, help="number of DARTS genotypes (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from canopy.nas import _fast, cells
    from canopy.nas._calculus import score_graph
    from canopy.nas.trace import score_module
    from canopy.spaces.darts import random_genotype
    from canopy.spaces.darts_torch import build_darts_network
    from canopy.spaces.nb201 import all_cells
    from canopy.spaces.nb201_torch import build_nb201_network

    rng = random.Random(args.seed)
    n_darts = args.darts or (300 if args.quick else 10_000)
    n_base = 3 if args.quick else 10
    modes = ("generic", "serra", "zhang")

    nb = [tuple(c.ops) for c in all_cells()]
    print(f"NB201: {len(nb)} cells, input (3, 32, 32), C=16, N=5")
    sample = rng.sample(nb, n_base)
    t_general = _timeit(lambda o: score_graph(cells.build_nb201_graph(o), "generic"), sample) / n_base
    t_trace = _timeit(lambda o: score_module(build_nb201_network(_cell(o)), (3, 32, 32)),
                      sample[:max(1, n_base // 3)]) / max(1, n_base // 3)
    print(f"  baseline networkx walker (no cache): {t_general * 1e3:8.2f} ms / cell")
    print(f"  baseline torch.fx trace + walker   : {t_trace * 1e3:8.2f} ms / cell")
    for i, mode in enumerate(modes):
        if i == 0:
            _fast._NB201_MEMO.clear()
        t = _timeit(lambda o, m=mode: cells.nb201_cell_score(o, m), nb)
        per = t / len(nb)
        tag = "cold" if i == 0 else "warm block cache"
        print(f"  {mode:8s} fast path: {t:6.3f} s total ({len(nb) / t:9.0f} cells/s, {tag}); "
              f"x{t_general / per:8.0f} vs walker, x{t_trace / per:8.0f} vs trace; target <= 1 s: "
              f"{'PASS' if t <= 1.0 else 'FAIL'}")

    gs = [random_genotype(rng.randrange(1 << 30)) for _ in range(n_darts)]
    print(f"DARTS: {n_darts} random genotypes, input (3, 32, 32), C=16, layers=8")
    bsample = gs[:n_base]
    t_general = _timeit(lambda g: score_graph(cells.build_darts_graph(g), "generic"), bsample) / n_base
    tsample = gs[: max(1, n_base // 3)]
    t_trace = _timeit(lambda g: score_module(build_darts_network(g), (3, 32, 32)), tsample) / len(tsample)
    print(f"  baseline networkx walker (no cache): {t_general * 1e3:8.2f} ms / genotype")
    print(f"  baseline torch.fx trace + walker   : {t_trace * 1e3:8.2f} ms / genotype")
    for mode in modes:
        t = _timeit(lambda g, m=mode: cells.darts_cell_score(g, m), gs)
        per = t / n_darts
        scaled = per * 10_000
        print(f"  {mode:8s} fast path: {t:6.3f} s ({n_darts / t:8.0f} genotypes/s; {scaled:6.1f} s per 10,000); "
              f"x{t_general / per:6.1f} vs walker, x{t_trace / per:6.1f} vs trace; target <= 2 s / 10,000: "
              f"{'PASS' if scaled <= 2.0 else 'FAIL'}")
    return 0


def _cell(ops):
    from canopy.spaces.nb201 import NB201Cell

    return NB201Cell(ops)


if __name__ == "__main__":
    raise SystemExit(main())
