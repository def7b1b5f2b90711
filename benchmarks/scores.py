"""Whole-space scoring speed of the cell calculus (NB201: 15,625 cells; DARTS: 10,000 genotypes), one core.

For every closed-form mode (generic, serra, zhang) it scores the whole NB201 space and a set of random DARTS
genotypes with the fast path (:mod:`canopy.nas._fast`), and compares the per-architecture time with baselines
measured in the same run on a sample: the general networkx walker without caching
(:func:`canopy.nas._calculus.score_graph` on a freshly built graph), tracing the torch model
(:func:`canopy.nas.trace.score_module`) and, for DARTS, the cached SatBuilder cell programs
(:func:`canopy.nas._fast.darts_programs`, the previous fast path) on fresh genotypes.  DARTS uses a *fresh*
set of random genotypes for every mode and clears the cell-program cache first, so no mode profits from
another's work; it prints wall-clock and process CPU time (the machine may be shared), the rate, and checks
the scores bit for bit against the cell programs on a sample and against the walker on the baseline sample.
Targets (issue 4): NB201 <= 1 s per mode, DARTS <= 2 s per 10,000 genotypes.

Usage::

    python benchmarks/scores.py            # full run
    python benchmarks/scores.py --quick    # 2,000 DARTS genotypes per mode, smaller baseline samples
"""

from __future__ import annotations

import argparse
import gc
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
    n_darts = args.darts or (2000 if args.quick else 10_000)
    n_base = 3 if args.quick else 10
    n_prog = 10 if args.quick else 50
    n_check = 20 if args.quick else 200
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

    print(f"DARTS: {n_darts} fresh random genotypes per mode (cell caches cleared), input (3, 32, 32), C=16, "
          "layers=8")
    base = [random_genotype(rng.randrange(1 << 30)) for _ in range(n_base)]
    walker = {}
    t = time.perf_counter()
    for g in base:
        walker[g] = score_graph(cells.build_darts_graph(g), "generic").log10
    t_general = (time.perf_counter() - t) / n_base
    prog_sample = [cells._darts_cells(random_genotype(rng.randrange(1 << 30))) for _ in range(n_prog)]
    _fast._block.cache_clear()
    t_prog = _timeit(lambda p: _fast.darts_programs(*p, "generic", (3, 32, 32), 16, 8), prog_sample) / n_prog
    tsample = base[: max(1, n_base // 3)]
    t_trace = _timeit(lambda g: score_module(build_darts_network(g), (3, 32, 32)), tsample) / len(tsample)
    print(f"  baseline networkx walker (no cache)      : {t_general * 1e3:8.2f} ms / genotype")
    print(f"  baseline torch.fx trace + walker         : {t_trace * 1e3:8.2f} ms / genotype")
    print(f"  baseline cached cell programs (SatBuilder): {t_prog * 1e3:8.2f} ms / genotype (fresh genotypes)")
    rel = max(abs(cells.darts_cell_score(g) - v) / v for g, v in walker.items())
    print(f"  fast path vs walker on the {n_base} baseline genotypes: max relative difference {rel:.1e}")
    for mode in modes:
        gs = [random_genotype(rng.randrange(1 << 30)) for _ in range(n_darts)]
        _fast._CELL_PROGRAMS.clear()
        gc.collect()  # start every mode from the same heap state (the baselines leave large caches behind)
        t, c = time.perf_counter(), time.process_time()
        for g in gs:
            cells.darts_cell_score(g, mode)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        per = wall / n_darts
        check = [cells._darts_cells(g) for g in gs[:n_check]]
        same = sum(cells.darts_cell_score(g, mode) == _fast.darts_programs(*p, mode, (3, 32, 32), 16, 8)
                   for g, p in zip(gs, check))
        print(f"  {mode:8s} fast path: {wall:6.3f} s wall, {cpu:6.3f} s CPU ({n_darts / wall:7.0f} genotypes/s; "
              f"{per * 1e4:5.2f} s wall, {cpu / n_darts * 1e4:5.2f} s CPU per 10,000); x{t_general / per:7.0f} vs "
              f"walker, x{t_prog / per:5.0f} vs cell programs, x{t_trace / per:7.0f} vs trace; target <= 2 s / "
              f"10,000: wall {'PASS' if per * 1e4 <= 2.0 else 'FAIL'}, CPU {'PASS' if cpu / n_darts * 1e4 <= 2.0 else 'FAIL'}"
              f"; bit-for-bit equal to the cell programs on {same}/{len(check)}")
    return 0


def _cell(ops):
    from canopy.spaces.nb201 import NB201Cell

    return NB201Cell(ops)


if __name__ == "__main__":
    raise SystemExit(main())
