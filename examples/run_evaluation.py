"""The seed README's NATS-Bench workflow: an evolutionary search over NAS-Bench-201 driven by the tropical score.

A thin wrapper over the command line::

    export NATS_BENCH_TSS_PATH=/path/to/NATS-tss-v1_0-3ffb9-simple    # the official benchmark (optional)
    python examples/run_evaluation.py                                  # = canopy search --space nb201 ...

runs ``canopy search --space nb201 --proxy tropical --seeds 10`` (regularized evolution, 1,000 evaluations per seed)
and reports the 200-epoch test accuracy of each seed's incumbent. The ground truth is the official NATS-Bench API
over ``$NATS_BENCH_TSS_PATH`` when it is set (``pip install nats_bench``), else the shared CSV tables
(``$CANOPY_DATA_DIR``). Any further option is passed on (``--proxy params``, ``--dataset cifar100``, ``--json``,
``--ground-truth nats:PATH``, ...); ``canopy search --help`` lists them.
"""

from __future__ import annotations

import sys

from canopy.cli import main

DEFAULTS = ["--space", "nb201", "--proxy", "tropical", "--seeds", "10"]


def run(argv: list[str] | None = None) -> int:
    """Run the search with the seed README's defaults, overridden by ``argv``; returns the exit status."""
    return main(["search", *DEFAULTS, *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(run())
