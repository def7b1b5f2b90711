"""Benchmark: closed-form dense bounds with exact integers vs a naive float / lgamma baseline (same run).

For random architectures (1-5 hidden layers, widths log-uniform up to 10^4, input dimension 3072 and 784),
every dense mode is scored twice:

* **exact**: the library (`canopy.bounds`, Python integers, log10 taken once at the end);
* **baseline**: the textbook float route — log-binomials with `math.lgamma`, log-sum-exp inside each sum,
  sums of logs across layers (Serra's J-sum by the same DP in log space).  A plain-float version (`math.comb`
  converted to float) is also tried to show where it overflows.

Printed: scores/s for both, the speed-up of exact over lgamma (time_lgamma / time_exact; > 1 means the exact
route is faster), and the accuracy of the baseline (max |log10 error| vs exact)
and the fraction of plain-float overflows.  Exactness is the point; the speed ratio shows what it costs.

Usage::

    python benchmarks/bounds.py            # 200 architectures
    python benchmarks/bounds.py --quick    # 30 architectures
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time

from canopy.bounds import get_bound, log10_int

LN10 = math.log(10.0)


def _logc(n: int, j: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)


def _logsumexp(xs: list[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def _log_r(n: int, d: int) -> float:
    return _logsumexp([_logc(n, j) for j in range(min(n, d) + 1)])


def baseline_log10(mode: str, n0: int, widths: list[int]) -> float:
    """The float/lgamma baseline: natural-log arithmetic, converted to log10 at the end."""
    if mode == "zhang":
        return sum(_log_r(n, n0) for n in widths) / LN10
    if mode == "generic":
        total, d = 0.0, n0
        for n in widths:
            total += _log_r(n, d)
            d = min(d, n)
        return total / LN10
    if mode == "serra":
        state = {min(n0, widths[0]): 0.0}  # budget -> log of the weighted count
        for n in widths:
            new: dict[int, list[float]] = {}
            for b, lv in state.items():
                for j in range(min(b, n) + 1):
                    new.setdefault(min(b, n - j), []).append(lv + _logc(n, j))
            state = {b: _logsumexp(v) for b, v in new.items()}
        return _logsumexp(list(state.values())) / LN10
    if mode in ("montufar", "serra_lower"):
        extra = 1 if mode == "serra_lower" else 0
        return (sum(n0 * math.log(n // n0 + extra) for n in widths[:-1]) + _log_r(widths[-1], n0)) / LN10
    raise ValueError(mode)


def plain_float(mode: str, n0: int, widths: list[int]) -> float:
    """Plain floats (math.comb -> float): overflows to inf (or raises) beyond ~1e308."""
    total = 1.0
    d = n0
    for n in widths:
        s = 0.0
        for j in range(min(n, d if mode == "generic" else n0) + 1):
            s += float(math.comb(n, j))
        total *= s
        d = min(d, n)
    return math.log10(total)


def architectures(count: int, seed: int) -> list[tuple[int, list[int]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n0 = rng.choice([3072, 784])
        depth = rng.randint(1, 5)
        out.append((n0, [int(round(10 ** rng.uniform(0.9, 4.0))) for _ in range(depth)]))
    out[0] = (3072, [10_000] * 3)  # the target case: widths 10^4, input 3072
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    count = args.count or (30 if args.quick else 200)
    archs = architectures(count, args.seed)
    print(f"{count} random architectures, widths <= 10^4, input dims 3072/784 (seed {args.seed})")
    print(f"{'mode':<12} {'exact/s':>10} {'lgamma/s':>10} {'exact speedup':>16} {'max |dlog10|':>13} "
          f"{'float overflow':>15} {'applicable':>11}")
    for mode in ("generic", "serra", "zhang", "montufar", "serra_lower"):
        spec = get_bound(mode)
        ok = [(n0, ws) for n0, ws in archs if spec.precondition is None or spec.precondition(n0, ws) is None]
        if not ok:
            print(f"{mode:<12} {'-':>10} {'-':>10} {'-':>16} {'-':>13} {'-':>15} {0:>5}/{len(archs):<5}")
            continue
        # caches are per (n, d): clear them so the exact timing is not flattered by earlier modes
        from canopy.bounds import _combinatorics

        _combinatorics._zaslavsky.cache_clear()
        _combinatorics._prefix_sums.cache_clear()
        t0 = time.perf_counter()
        exact = [log10_int(spec.function(n0, ws)) for n0, ws in ok]
        t_exact = time.perf_counter() - t0
        t0 = time.perf_counter()
        approx = [baseline_log10(mode, n0, ws) for n0, ws in ok]
        t_base = time.perf_counter() - t0
        err = max(abs(a - e) for a, e in zip(approx, exact))
        overflow = 0
        if mode in ("generic", "zhang"):
            for n0, ws in ok:
                try:
                    v = plain_float(mode, n0, ws)
                    overflow += not math.isfinite(v)
                except OverflowError:
                    overflow += 1
        ratio = t_base / t_exact if t_exact > 0 else float("inf")
        ov = f"{overflow}/{len(ok)}" if mode in ("generic", "zhang") else "-"
        print(f"{mode:<12} {len(ok) / t_exact:>10.1f} {len(ok) / t_base:>10.1f} {ratio:>15.2f}x {err:>13.2e} "
              f"{ov:>15} {len(ok):>5}/{len(archs):<5}")
    n0, ws = archs[0]
    from canopy.bounds import _combinatorics

    _combinatorics._zaslavsky.cache_clear()
    _combinatorics._prefix_sums.cache_clear()
    t0 = time.perf_counter()
    v = get_bound("serra").function(n0, ws)
    print(f"target case n0={n0}, widths={ws}: serra log10 = {log10_int(v):.6f} "
          f"({v.bit_length()} bits, exact) in {time.perf_counter() - t0:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
