"""Benchmark: certified exact region enumeration (tropical.regions) against the straightforward exact-LP method.

The baseline (implemented here, not in the library) is the method measured in tropical.md §9.3: layer-wise
hyperplane insertion where every (cell, neuron) pair is decided by exact LPs (the 1-norm interior LP of
§9.1(a), solved by ``tropical.lp``), followed by a quadratic merge that tests every pair of regions with equal
affine maps for a shared facet with one exact LP per candidate hyperplane. Both run on the same network in the
same process, the counts must agree, and the ratio of the times is printed. Then the target network (input 4,
widths [10, 10, 10], seeded Gaussian weights converted exactly) and a ladder of sizes with regions per second
and peak traced memory (``tracemalloc``, a separate run) next to ``2 ** neurons``.

Section ``issue10`` prints the issue-10 table: each net is counted on the default path (the compiled kernel
``tropical._cregions`` when built), on the Python enumerator (exact backend ``auto``) and on the pure-Python
reference path (``python`` backend, no compiled kernel) in the same run; the counts must be identical
(asserted), with CPU seconds (the least of three runs each), the ratios, regions per CPU second and the peak
memory per region (streaming counts: traced Python memory on the Python enumerator, peak RSS of a fresh process
for the compiled kernel, whose C memory tracemalloc does not see; and with the regions kept by
``list(activation_regions(...))``).
Section ``sixty`` counts for at most 60 s on one process (input 4, widths [16, 16, 16], [20, 20, 20],
[24, 24, 24], [28, 28, 28] and [32, 32, 32], and two hidden layers [40, 40] and [44, 44], Gaussian; the issue's
``canopy verify`` target) with the CPU seconds each used; the Python enumerator on the first and the two largest.

Usage::

    python benchmarks/regions.py            # full run (several minutes)
    python benchmarks/regions.py --quick    # about a minute
    python benchmarks/regions.py --sections issue10
    python benchmarks/regions.py --sections sixty      # 60 s on one process
    python benchmarks/regions.py --sections parallel   # 1 vs 2 processes (tropical.parallel), wall clock

Section ``parallel`` times the serial count against ``tropical.parallel.count_regions_parallel`` with 2 workers on
the same nets in the same run (wall clock: that is what processes buy; the workers' summed CPU is printed too).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import tracemalloc
from fractions import Fraction

from tropical.backend import compiled, get_backend, use_backend, use_compiled
from tropical.lp import solve_lp
from tropical.network import ReLUNetwork
from tropical.regions import activation_regions, count_regions

# ------------------------------------------------------------------------------------------ the baseline


def _norm1(a):
    return sum(abs(v) for v in a)


def _interior(cons, n, equality=None):
    """max r s.t. a.x + c >= r |a|_1 for (a, c) in cons (a.x + c = 0 for equality), r <= 1; r* > 0?"""
    A_ub = [[-v for v in a] + [_norm1(a)] for a, _ in cons] + [[0] * n + [1]]
    b_ub = [c for _, c in cons] + [1]
    A_eq, b_eq = (), ()
    if equality is not None:
        A_eq, b_eq = [list(equality[0]) + [0]], [-equality[1]]
    res = solve_lp([0] * n + [1], A_ub, b_ub, A_eq, b_eq)
    return res.status == "optimal" and res.value > 0


def baseline(net):
    """Straightforward exact method: 2 LPs per (cell, neuron), then a quadratic LP merge."""
    n = net.input_dim
    eye = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    cells = [([], eye, [Fraction(0)] * n)]  # (constraints, cell-local map of the previous layer's output)
    lps = 0
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        nxt = []
        for cons, A, c in cells:
            zA = [[sum((W[k][j] * A[j][i] for j in range(len(A))), Fraction(0)) for i in range(n)]
                  for k in range(len(W))]
            zc = [sum((W[k][j] * c[j] for j in range(len(c))), Fraction(0)) + b[k] for k in range(len(W))]
            parts = [(cons, ())]
            for k in range(len(W)):
                new = []
                for pc, bits in parts:
                    if not any(zA[k]):
                        new.append((pc, bits + (zc[k] > 0,)))
                        continue
                    for s in (1, -1):
                        cand = pc + [([s * v for v in zA[k]], s * zc[k])]
                        lps += 1
                        if _interior(cand, n):
                            new.append((cand, bits + (s > 0,)))
                parts = new
            for pc, bits in parts:
                nA = [row if on else [Fraction(0)] * n for row, on in zip(zA, bits)]
                nc = [v if on else Fraction(0) for v, on in zip(zc, bits)]
                nxt.append((pc, nA, nc))
        cells = nxt
    W, b = net.weights[-1], net.biases[-1]
    regions = []
    for cons, A, c in cells:
        oA = tuple(tuple(sum((W[k][j] * A[j][i] for j in range(len(A))), Fraction(0)) for i in range(n))
                   for k in range(len(W)))
        oc = tuple(sum((W[k][j] * c[j] for j in range(len(c))), Fraction(0)) + b[k] for k in range(len(W)))
        regions.append((cons, (oA, oc)))
    t_enum = time.perf_counter()
    parent = list(range(len(regions)))

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for i, j in itertools.combinations(range(len(regions)), 2):
        (ci, mi), (cj, mj) = regions[i], regions[j]
        if mi != mj or find(i) == find(j):
            continue
        for a, c in ci:
            others = [(x, y) for x, y in ci + cj if not _parallel(a, c, x, y)]
            lps += 1
            if _interior(others, n, equality=(a, c)):
                parent[find(i)] = find(j)
                break
    linear = len({find(i) for i in range(len(regions))})
    return len(regions), linear, len({m for _, m in regions}), lps, t_enum


def _parallel(a1, c1, a2, c2):
    v1, v2 = list(a1) + [c1], list(a2) + [c2]
    i = next(i for i, v in enumerate(v1) if v)
    if not v2[i]:
        return False
    f = v2[i] / v1[i]
    return all(y == f * x for x, y in zip(v1, v2))


# ------------------------------------------------------------------------------------------------ runs
ISSUE10 = [  # label, input, widths, seed, distribution, scale, target, "today" (quoted from issue 10)
    ("[4,10,10,10] integer net", 4, [10, 10, 10], 2, "integer", 3, "<= 0.5 s", "3.8-5.1 s"),
    ("Gaussian, 4 inputs [10,10,10]", 4, [10, 10, 10], 0, "gaussian", 1, ">= 40,000 regions/s", "3,000-4,200/s"),
    ("Gaussian, 6 inputs [8,8]", 6, [8, 8], 0, "gaussian", 1, ">= 10,000 regions/s", "820-960/s"),
]
ISSUE10_QUICK = [
    ("[4,8,8,1] integer net", 4, [8, 8], 2, "integer", 3, "-", "-"),
    ("Gaussian, 4 inputs [8,8]", 4, [8, 8], 0, "gaussian", 1, "-", "-"),
    ("Gaussian, 6 inputs [6,6]", 6, [6, 6], 0, "gaussian", 1, "-", "-"),
]


REPEAT = 3  # the issue-10 rows take the least CPU time of this many runs (the shared machine is noisy)


def cpu_count(net, repeat=1):
    """The counts and the least CPU seconds over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        c0 = time.process_time()
        c = count_regions(net, max_regions=None)
        best = min(best, time.process_time() - c0)
    return c, best


def traced_peak(fn):
    tracemalloc.start()
    try:
        out = fn()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def _compiled_rss(n, widths, seed, dist, scale):
    """Peak RSS growth (bytes) of a fresh process while it counts the net on the compiled kernel, and its count.

    Linux: the peak (VmHWM) is reset to the current RSS just before the count (``/proc/self/clear_refs``)."""
    import json
    import subprocess

    code = (
        "import json\n"
        "from tropical.network import ReLUNetwork\n"
        "from tropical.regions import count_regions\n"
        "def kib(field):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(field):\n"
        "            return int(line.split()[1])\n"
        f"net = ReLUNetwork.random({n}, {widths!r}, seed={seed}, distribution={dist!r}, scale={scale})\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "before = kib('VmRSS:')\n"
        "c = count_regions(net, max_regions=None)\n"
        "print(json.dumps([1024 * (kib('VmHWM:') - before), c.activation_regions]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def issue10(quick):
    """The issue-10 table: compiled kernel vs Python enumerator vs pure-Python reference, same nets, same run."""
    kernel = "compiled kernel" if compiled() else "compiled kernel NOT BUILT (Python enumerator)"
    print(f"## issue 10: default path ({kernel}), Python enumerator (backend {get_backend()}) and pure-Python "
          "reference path, same run")
    print("| work | activation / linear | compiled CPU s | Python enumerator CPU s | reference CPU s | "
          "reference / compiled | regions per CPU s (compiled) | target | today (issue) |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = ISSUE10_QUICK if quick else ISSUE10
    for label, n, widths, seed, dist, scale, target, today in rows:
        net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=scale)
        c, t = cpu_count(net, REPEAT)
        with use_compiled(False):
            e, te = cpu_count(net, REPEAT)
            with use_backend("python"):
                r, tr = cpu_count(net, REPEAT)
        key = (c.activation_regions, c.linear_regions, c.distinct_affine_maps)
        assert key == (e.activation_regions, e.linear_regions, e.distinct_affine_maps), "paths disagree!"
        assert key == (r.activation_regions, r.linear_regions, r.distinct_affine_maps), "paths disagree!"
        print(f"| {label} | {c.activation_regions} / {c.linear_regions} | {t:.2f} | {te:.2f} | {tr:.2f} | "
              f"{tr / t:.1f} | {c.activation_regions / t:,.0f} | {target} | {today} |", flush=True)
    print()
    label, n, widths, seed, dist, scale = rows[0][:6]
    net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=scale)
    print(f"### memory on the {label} (issue: 2.6 KiB/region stored, target counting in bounded memory, "
          "<= 0.5 KiB/region kept)")
    print("| mode | regions | peak MiB | bytes per region |")
    print("|---|---|---|---|")
    if compiled():
        rss, count = _compiled_rss(n, widths, seed, dist, scale)
        print(f"| count_regions, compiled kernel (peak RSS growth, fresh process) | {count} | {rss / 2**20:.1f} | "
              f"{rss / count:.0f} |")
    with use_compiled(False):
        peak, c = traced_peak(lambda: count_regions(net, max_regions=None))
    print(f"| count_regions, Python enumerator (streaming, tracemalloc peak) | {c.activation_regions} | "
          f"{peak / 2**20:.1f} | {peak / c.activation_regions:.0f} |")
    peak, kept = traced_peak(lambda: list(activation_regions(net, max_regions=None)))
    print(f"| list(activation_regions) (kept) | {len(kept)} | {peak / 2**20:.1f} | {peak / len(kept):.0f} |")
    del kept
    if not quick:  # the same with Gaussian weights: the exact interior point is most of a kept region
        gnet = ReLUNetwork.random(n, widths, seed=0, distribution="gaussian")
        peak, kept = traced_peak(lambda: list(activation_regions(gnet, max_regions=None)))
        print(f"| list(activation_regions) (kept), Gaussian weights | {len(kept)} | {peak / 2**20:.1f} | "
              f"{peak / len(kept):.0f} |")
        del kept
    print(flush=True)


def sixty(quick):
    """The issue's canopy-verify target: how many regions one process enumerates in 60 s (CPU seconds printed)."""
    budget = 10.0 if quick else 60.0
    nets = [[16, 16, 16]] if quick else [[16, 16, 16], [20, 20, 20], [24, 24, 24], [28, 28, 28], [32, 32, 32]]
    shallow = [] if quick else [[40, 40], [44, 44]]  # two hidden layers: smaller integers, more regions per second
    print(f"## {budget:.0f} s on one process: input 4, Gaussian seed 0 (issue: about 200,000 regions in 60 s of CPU "
          "today, target >= 10x)")
    print("| path | net | activation regions | stopped | wall s | CPU s | regions per CPU s |")
    print("|---|---|---|---|---|---|---|")
    runs = [("compiled kernel", True, w) for w in nets + shallow] if compiled() else []
    runs.append(("Python enumerator", False, nets[0]))
    if not quick:  # the same nets as the kernel's largest: the per-region cost depends on the net on both paths
        runs += [("Python enumerator", False, nets[-1]), ("Python enumerator", False, shallow[-1])]
    for label, on, widths in runs:
        net = ReLUNetwork.random(4, widths, seed=0, distribution="gaussian")
        with use_compiled(on):
            c0, w0 = time.process_time(), time.perf_counter()
            c = count_regions(net, max_regions=None, time_budget=budget)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        print(f"| {label} | [4, {', '.join(map(str, widths))}] | {c.activation_regions:,} | "
              f"{c.stopped or 'complete'} | {wall:.1f} | {cpu:.1f} | {c.activation_regions / cpu:,.0f} |", flush=True)
    print()


def parallel(quick):
    """Wall-clock time of the exact count on 1 process (the serial enumerator) and on 2 (tropical.parallel), same
    nets, same run; the counts must be identical (asserted). CPU of the workers is read from RUSAGE_CHILDREN."""
    import os
    import resource

    from tropical.parallel import count_regions_parallel

    nets = [(4, [8, 8, 8]), (3, [10, 10])] if quick else [(4, [10, 10, 10]), (6, [8, 8]), (4, [12, 12, 12])]
    print(f"## parallel: serial vs tropical.parallel on {os.cpu_count()} cores (wall s; the counts are asserted equal)")
    print("| net (Gaussian, seed 0) | activation / linear | serial wall s | 2 workers wall s | serial / parallel | "
          "worker CPU s (sum) |")
    print("|---|---|---|---|---|---|")
    for n, widths in nets:
        net = ReLUNetwork.random(n, widths, seed=0, distribution="gaussian")
        t0 = time.perf_counter()
        s = count_regions(net, max_regions=None)
        ts = time.perf_counter() - t0
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = count_regions_parallel(net, workers=2, max_regions=None)
        tp = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        key = (s.activation_regions, s.linear_regions, s.distinct_affine_maps)
        assert key == (p.activation_regions, p.linear_regions, p.distinct_affine_maps), "parallel disagrees!"
        print(f"| [{n}, {', '.join(map(str, widths))}] | {s.activation_regions} / {s.linear_regions} | {ts:.2f} | "
              f"{tp:.2f} | {ts / tp:.2f} | {cpu:.2f} |", flush=True)
    print()


def timed(net, **kw):
    t, cpu = time.perf_counter(), time.process_time()
    c = count_regions(net, max_regions=None, **kw)
    timed.cpu = time.process_time() - cpu
    return c, time.perf_counter() - t


def peak_memory(net, time_budget):
    """Traced peak Python memory of a count on the Python enumerator (tracemalloc cannot see the compiled
    kernel's C memory; the issue10 section measures that as peak RSS)."""
    tracemalloc.start()
    try:
        with use_compiled(False):
            c = count_regions(net, max_regions=None, time_budget=time_budget)
        return tracemalloc.get_traced_memory()[1], c.activation_regions
    finally:
        tracemalloc.stop()


def same(args):
    """The straightforward exact-LP method against tropical.regions on the same networks."""
    nets = [(2, [6, 6], 0, "integer")] if args.quick else [
        (2, [8, 8], 0, "integer"), (3, [6, 6], 0, "integer"), (2, [5, 5], 0, "gaussian")]
    print("## same network: straightforward exact LPs vs tropical.regions")
    print("| net | activation | linear | maps | baseline LPs | baseline s (enum + merge) | fast s | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for n, widths, seed, dist in nets:
        net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=3 if dist == "integer" else 1)
        t0 = time.perf_counter()
        act, lin, maps, lps, t_enum = baseline(net)
        tb = time.perf_counter() - t0
        c, tf = timed(net)
        assert (act, lin, maps) == (c.activation_regions, c.linear_regions, c.distinct_affine_maps), "mismatch!"
        print(f"| {n},{widths} {dist} | {act} | {lin} | {maps} | {lps} | {tb:.2f} ({t_enum - t0:.2f} + "
              f"{tb - (t_enum - t0):.2f}) | {tf:.3f} | {tb / tf:.0f}x |")
    print()


def target(args):
    """The first release's target network, integer and Gaussian weights."""
    n, widths = (4, [8, 8]) if args.quick else (4, [10, 10, 10])
    print(f"## target: input {n}, widths {widths} (target <= 10 s; the straightforward method: 239.5 s + 261.8 s "
          "merge for the tropical.md 9.3 network)")
    print("| weights | seed | activation | linear | maps | wall s | CPU s | regions/s (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    runs = [("integer [-3,3] (tropical.md 4.2/9.3 network)", 2, "integer", 3)]
    runs += [("Gaussian, exact", seed, "gaussian", 1) for seed in range(args.seeds)]
    for label, seed, dist, scale in runs:
        net = ReLUNetwork.random(n, widths, seed=seed, distribution=dist, scale=scale)
        c, t = timed(net)
        print(f"| {label} | {seed} | {c.activation_regions} | {c.linear_regions} | {c.distinct_affine_maps} | "
              f"{t:.2f} | {timed.cpu:.2f} | {c.activation_regions / timed.cpu:.0f} |", flush=True)
    print()


def ladder(args):
    """Regions per second and memory against input size and depth."""
    width = 6
    inputs = [2, 4] if args.quick else [2, 3, 4, 5, 6]
    depths = [1, 2] if args.quick else [1, 2, 3, 4]
    budget = 5 if args.quick else 10
    print(f"## ladder: width {width}, Gaussian weights, seed 0 (time budget {budget} s each; '+' = partial)")
    print("| input | depth | 2^neurons | activation | linear | wall s | regions/CPU-s | traced peak MiB, Python enumerator "
          "(regions) | KiB/region |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in inputs:
        for d in depths:
            net = ReLUNetwork.random(n, [width] * d, seed=0, distribution="gaussian")
            c, t = timed(net, time_budget=budget)
            mem, traced = peak_memory(net, budget)
            plus = "+" if c.partial else ""
            print(f"| {n} | {d} | {2 ** (width * d)} | {c.activation_regions}{plus} | {c.linear_regions}{plus} | "
                  f"{t:.2f} | {c.activation_regions / timed.cpu:.0f} | {mem / 2**20:.1f} ({traced}) | "
                  f"{mem / 1024 / max(1, traced):.1f} |", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (about a minute)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds of the target network (default 3)")
    ap.add_argument("--sections", default="issue10,sixty,parallel,same,target,ladder",
                    help="comma-separated subset of: issue10, sixty (60 s on one process), parallel (1 vs 2 "
                         "processes), same (baseline ratio), target, ladder")
    args = ap.parse_args(argv)
    sections = set(args.sections.split(","))
    print(f"python {sys.version.split()[0]}; times are wall-clock seconds on this machine\n")

    if "issue10" in sections:
        issue10(args.quick)
    if "sixty" in sections:
        sixty(args.quick)
    if "parallel" in sections:
        parallel(args.quick)

    if "same" in sections:
        same(args)
    if "target" in sections:
        target(args)
    if "ladder" in sections:
        ladder(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
