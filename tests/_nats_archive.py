"""Write a small NATS-Bench topology archive in the official "simple" (fast-mode) format, with the official
``nats_bench`` package's own classes (``ArchResults``, ``ResultsCount``, ``pickle_save``).

The layout is the official one: ``meta.pickle.pbz2`` holding ``meta_archs`` (arch strings in index order) and,
per architecture, ``{index:06d}.pickle.pbz2`` holding ``{hp: ArchResults.state_dict()}`` for ``hp`` in
``"200"`` and ``"12"``, each with two seeds on the four NATS datasets and the evaluation splits the API reads.
Accuracies are made up but distinct per (architecture, dataset, split, seed, hp), so a test can tell any mix-up.
"""

from __future__ import annotations

from pathlib import Path

#: evaluation splits per NATS dataset, as the official files hold them
SPLITS = {
    "cifar10": ("ori-test",),
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
SEEDS = (777, 888)


def made_up_accuracy(index: int, dataset: str, split: str, seed: int, hp: str) -> float:
    """A distinct value per key (percent)."""
    d = list(SPLITS).index(dataset)
    s = ("x-valid", "x-test", "ori-test").index(split)
    return 10.0 + index + 0.1 * d + 0.01 * s + (0.001 if seed == SEEDS[1] else 0.0) + (0.5 if hp == "12" else 0.0)


def write_archive(root: Path, archs: list[str]) -> Path:
    """Write the archive for ``archs`` (index order) under ``root``; returns ``root``."""
    from nats_bench.api_utils import ArchResults, ResultsCount, pickle_save

    root.mkdir(parents=True, exist_ok=True)
    pickle_save({"meta_archs": list(archs)}, str(root / "meta.pickle"))
    for index, arch in enumerate(archs):
        per_hp = {}
        for hp, epochs in (("200", 200), ("12", 12)):
            results = ArchResults(index, arch)
            for dataset, splits in SPLITS.items():
                for seed in SEEDS:
                    count = ResultsCount(dataset, None, {e: 50.0 for e in range(epochs)},
                                         {e: 1.0 for e in range(epochs)}, 0.1, 10.0, {"arch_str": arch}, seed,
                                         epochs, None)
                    accs, losses, times = {}, {}, {}
                    for split in splits:
                        for e in range(epochs):
                            key = f"{split}@{e}"
                            accs[key] = made_up_accuracy(index, dataset, split, seed, hp) if e == epochs - 1 else 1.0
                            losses[key] = 1.0
                            times[key] = 0.1
                    count.update_eval(accs, losses, times)
                    results.update(dataset, seed, count)
            per_hp[hp] = results.state_dict()
        pickle_save(per_hp, str(root / f"{index:06d}.pickle"))
    return root
