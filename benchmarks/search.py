"""Benchmark: a 10-seed, 1,000-evaluation proxy-driven REA on NAS-Bench-201 with closed-form proxies.

Target (issue 6): finishes in <= 2 minutes on 2 cores. Prints the time per evaluation and the ratio against a
baseline measured in the same run: the same loop with the proxy recomputed on every evaluation (no cache, no
store). Every variant runs in its own fresh process (so no variant profits from caches another one warmed
inside the scoring code); all variants must log identical trajectories.

Variants: ``nocache`` (baseline), ``memory`` (in-memory cache shared by the seeds), ``store-cold`` (durable
SQLite ResultStore, empty: every proxy value and every trajectory step is written), ``store-warm`` (the same
store again: proxy values read back, the search rerun).

Usage::

    python benchmarks/search.py            # 10 seeds x 1000 evals, proxies tropical and params
    python benchmarks/search.py --quick    # 3 seeds x 200 evals
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

VARIANTS = ("nocache", "memory", "store-cold", "store-warm")


def _one(variant: str, proxy: str, n_seeds: int, n_evals: int, data: str | None, store_path: str) -> dict:
    """Run one variant in this process; return timing and a digest of the trajectories."""
    import torch

    torch.set_num_threads(1)
    from canopy.errors import CanopyError
    from canopy.search import SearchConfig, final_summary, run_seeds
    from canopy.search.fitness import MemoryStore, make_fitness
    from canopy.search.spaces import NB201Space
    from canopy.store import ResultStore

    space = NB201Space()
    try:
        oracle = space.ground_truth("cifar10", data)
    except CanopyError:
        oracle = None
    cfg = SearchConfig(space="nb201", fitness=proxy, n_evals=n_evals)
    seeds = list(range(n_seeds))
    t0 = time.perf_counter()
    if variant == "nocache":
        raw = make_fitness(space, proxy, store=MemoryStore()).fn
        trajs = run_seeds(cfg, seeds, space=space, fitness=raw, oracle=oracle)
    elif variant == "memory":
        trajs = run_seeds(cfg, seeds, space=space, fitness_store=MemoryStore(), oracle=oracle)
    else:
        with ResultStore(store_path) as store:
            trajs = run_seeds(cfg, seeds, space=space, store=store, oracle=oracle, reuse=False)
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256(json.dumps([t.path() for t in trajs]).encode()).hexdigest()[:16]
    return {
        "variant": variant, "proxy": proxy, "seconds": seconds, "digest": digest,
        "unique": sum(t.n_unique for t in trajs) / len(trajs), "test": final_summary(trajs)["test_mean"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds x 200 evaluations")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--evals", type=int, default=None)
    parser.add_argument("--proxies", default="tropical,params")
    parser.add_argument("--data", default=None, help="benchmark data folder (for logging ground truth)")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--store-path", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n_seeds = args.seeds or (3 if args.quick else 10)
    n_evals = args.evals or (200 if args.quick else 1000)
    if args.variant:  # child process
        print(json.dumps(_one(args.variant, args.proxies, n_seeds, n_evals, args.data, args.store_path)))
        return 0

    print(f"REA on NB201, {n_seeds} seeds x {n_evals} evaluations, population 64, tournament 10; "
          "each variant in a fresh single-threaded process")
    print(f"{'proxy':10s} {'variant':12s} {'total s':>8s} {'us/eval':>9s} {'ratio':>8s} {'unique/seed':>11s} "
          f"{'test':>7s}")
    worst = 0.0
    ok = True
    for proxy in args.proxies.split(","):
        results = []
        with tempfile.TemporaryDirectory() as tmp:
            store_path = os.path.join(tmp, "bench.sqlite")
            for variant in VARIANTS:
                cmd = [sys.executable, __file__, "--variant", variant, "--proxies", proxy, "--seeds",
                       str(n_seeds), "--evals", str(n_evals), "--store-path", store_path]
                if args.data:
                    cmd += ["--data", args.data]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                results.append(json.loads(out.strip().splitlines()[-1]))
        base = results[0]["seconds"]
        for r in results:
            n = n_seeds * n_evals
            print(f"{proxy:10s} {r['variant']:12s} {r['seconds']:8.2f} {1e6 * r['seconds'] / n:9.1f} "
                  f"{base / r['seconds']:7.2f}x {r['unique']:11.0f} {r['test']:7.2f}")
            if r["variant"] != "nocache":
                worst = max(worst, r["seconds"])
        same = len({r["digest"] for r in results}) == 1
        ok &= same
        print(f"{proxy:10s} trajectories identical across variants: {same}")
    print(f"slowest cached variant: {worst:.1f} s (target <= 120 s): {'PASS' if worst <= 120 else 'FAIL'}")
    print("ratio = baseline (nocache) seconds / variant seconds; higher is faster")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
