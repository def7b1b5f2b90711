"""Two ``canopy evaluate`` runs on one store share the work: compute phase of one run vs two, same items.

The proxy is a stand-in that sleeps ``--sleep`` seconds per item (registered through a throw-away entry-point
distribution, as a third-party proxy would be), so the phase measures the claiming, not this machine's load;
each run computes in its own process (``--workers 0``). The compute phase runs from the first stored row to
the last (the store is polled every 0.05 s); process start-up and the correlation step are left out, being
the same for one run or two. Prints, per repetition, the phase of one run, of two, the ratio (target ~0.5)
and the proxy calls per run (their sum must equal the item count: nothing computed twice).

Run: ``python benchmarks/concurrent_evaluate.py [--items 60] [--sleep 0.1] [--reps 2]`` (needs
``$CANOPY_DATA_DIR`` or ``--data``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PLUGIN = '''
import os, time
from canopy.proxies.registry import register_proxy

def sleepy(cell):
    time.sleep(float(os.environ["BENCH_SLEEP"]))
    with open(os.environ["BENCH_LOG"], "a") as fh:
        fh.write(cell.to_string() + "\\n")
    return float(len(cell.to_string()))

register_proxy("bench_sleepy", sleepy, kind="cell", replace=True)
'''


def _site(tmp: Path) -> str:
    site = tmp / "site"
    dist = site / "canopy_bench_plugin-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: canopy-bench-plugin\nVersion: 0.0\n")
    (dist / "entry_points.txt").write_text("[canopy.proxies]\nbench_sleepy = canopy_bench_plugin\n")
    (site / "canopy_bench_plugin.py").write_text(_PLUGIN)
    return str(site)


def phase(n_procs: int, *, items: int, sleep: float, data: str | None) -> tuple[float, list[int]]:
    """Seconds from the first to the last stored result with ``n_procs`` runs on one fresh store."""
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([_site(tmp), os.environ.get("PYTHONPATH", "")]),
           "BENCH_SLEEP": str(sleep)}
    store = tmp / "s.sqlite"
    args = [sys.executable, "-m", "canopy.cli", "evaluate", "--proxies", "bench_sleepy", "--sample", str(items),
            "--store", str(store), "--workers", "0", "--bootstrap", "0", "--json", "--no-progress"]
    if data:
        args += ["--data", data]
    procs = [subprocess.Popen(args, env={**env, "BENCH_LOG": str(tmp / f"{i}.log")}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for i in range(n_procs)]
    first = last = None
    while last is None:
        try:
            conn = sqlite3.connect(store)
            n = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            n = 0
        now = time.monotonic()
        first = now if (n and first is None) else first
        last = now if n >= items else None
        if last is None and all(p.poll() is not None for p in procs):
            raise SystemExit(f"the runs ended with {n} of {items} results: {procs[0].stderr.read()}")
        time.sleep(0.05)
    for p in procs:
        p.communicate()
    calls = [len((tmp / f"{i}.log").read_text().splitlines()) if (tmp / f"{i}.log").exists() else 0
             for i in range(n_procs)]
    assert first is not None
    return last - first, calls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=60)
    ap.add_argument("--sleep", type=float, default=0.1, help="seconds per item (default 0.1)")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--data", default=None, help="benchmark data folder ($CANOPY_DATA_DIR)")
    args = ap.parse_args(argv)
    for rep in range(args.reps):
        one, calls1 = phase(1, items=args.items, sleep=args.sleep, data=args.data)
        two, calls2 = phase(2, items=args.items, sleep=args.sleep, data=args.data)
        print(f"rep {rep}: one run {one:.2f} s (calls {calls1}); two runs {two:.2f} s (calls {calls2}, "
              f"sum {sum(calls2)}); ratio two/one {two / one:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
