"""The seed README's DARTS search trajectories: ``python examples/run_darts_search_trajectory.py --seeds 10``.

DARTS has no table of trained accuracies; the only ground truth on disk is NAS-Bench-301's **surrogate** predictions
for a pool of 500 genotypes (``nb301_darts/`` under ``$CANOPY_DATA_DIR``). This wrapper runs the experiment that
the README's DARTS trajectory figure comes from, ``python benchmarks/search_experiments.py darts-pool --seeds N``:
regularized evolution and random search inside that pool, driven by the tropical score, #params or the surrogate
itself (an oracle), reporting the surrogate accuracy of each incumbent. Further options are passed on
(``--n-evals``, ``--store``, ``--data``).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "search_experiments.py"


def run(argv: list[str] | None = None) -> int:
    """Run the DARTS pool experiment (default 10 seeds) with ``argv`` passed on; returns the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not any(a == "--seeds" or a.startswith("--seeds=") for a in args):
        args = ["--seeds", "10", *args]
    saved = sys.argv
    sys.argv = [str(SCRIPT), "darts-pool", *args]
    try:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    except SystemExit as exc:  # the script exits with its status
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    finally:
        sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(run())
