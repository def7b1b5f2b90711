"""NAS-Bench-301 / DARTS data: 500 genotypes with **surrogate** accuracies, and the 11,221-arch list.

The only DARTS-space "accuracies" available offline are NAS-Bench-301 **surrogate predictions** of
CIFAR-10 validation accuracy (NASLib ``zc_nasbench301.json`` subset, made by
``nb301_model.predict(config=genotype, representation="genotype")``), not trained accuracies. Every
name here says ``surrogate`` and :attr:`NB301SurrogateTable.metadata` repeats it: a correlation against
these numbers measures agreement with the surrogate model, not with real training.

Examples
--------
>>> NB301SurrogateTable.metadata["ground_truth"]
'surrogate'
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from canopy.benchmarks import resolve_data_dir
from canopy.benchmarks._files import data_file, verify_sha256
from canopy.errors import DataFileError, InvalidArchitectureError
from canopy.spaces.darts import Genotype

__all__ = ["NB301SurrogateTable", "load_nb301_archs", "SUBSET_FILE", "ARCHS_FILE"]

SUBSET_FILE = "nb301_darts/naslib_zc_nasbench301_subset.json"
ARCHS_FILE = "nb301_darts/naslib_archs_nasbench301.json"
_PROXIES = ("flops", "params", "snip", "jacov", "grad_norm", "plain", "epe_nas", "fisher", "grasp", "l2_norm",
            "synflow")


def _read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"benchmark data file {path} is corrupt or unreadable: {exc}") from None


class NB301SurrogateTable:
    """500 NB301 genotypes with NAS-Bench-301 **surrogate-predicted** CIFAR-10 valid accuracy + NASLib proxies.

    Use :meth:`load`.
    """

    #: What the accuracies are (returned with every result that uses them).
    metadata = {
        "ground_truth": "surrogate",
        "description": (
            "NAS-Bench-301 SURROGATE-predicted CIFAR-10 validation accuracy (NASLib zc_nasbench301 subset, "
            "500 random genotypes; nb301_model.predict). Not trained accuracies."
        ),
        "file": SUBSET_FILE,
    }

    def __init__(self, genotypes: list[Genotype], surrogate_acc: np.ndarray, proxies: dict[str, np.ndarray]):
        self._genotypes = list(genotypes)
        self._index = {g: i for i, g in enumerate(self._genotypes)}
        self._acc = np.asarray(surrogate_acc, dtype=float)
        self._proxies = dict(proxies)

    @classmethod
    def load(cls, data_dir=None, *, verify: bool = False) -> NB301SurrogateTable:
        """Read ``nb301_darts/naslib_zc_nasbench301_subset.json``.

        Raises
        ------
        DataFileError
            Missing, truncated or corrupt file (named).
        """
        data_dir = resolve_data_dir(data_dir)
        path = data_file(data_dir, SUBSET_FILE)
        if verify:
            verify_sha256(data_dir, [SUBSET_FILE])
        raw = _read_json(path)
        try:
            entries = raw["nasbench301"]["cifar10"]
        except (KeyError, TypeError):
            raise DataFileError(f"benchmark data file {path} is corrupt: no nasbench301/cifar10 section") from None
        genotypes, acc = [], []
        proxies: dict[str, list[float]] = {p: [] for p in _PROXIES}
        for key, rec in entries.items():
            try:
                genotypes.append(Genotype.from_compact(key))
                acc.append(float(rec["val_accuracy"]))
                for p in _PROXIES:
                    v = rec[p]
                    proxies[p].append(float(v["score"] if isinstance(v, dict) else v))
            except (InvalidArchitectureError, KeyError, TypeError, ValueError) as exc:
                raise DataFileError(f"benchmark data file {path} is corrupt at entry {key[:40]!r}: {exc}") from None
        if len(genotypes) != 500:
            raise DataFileError(f"benchmark data file {path} is truncated: {len(genotypes)} entries, expected 500")
        return cls(genotypes, np.array(acc), {p: np.array(v) for p, v in proxies.items()})

    def __len__(self) -> int:
        return len(self._genotypes)

    def genotypes(self) -> list[Genotype]:
        """The genotypes in file order."""
        return list(self._genotypes)

    def surrogate_accuracy(self, genotype) -> float:
        """The surrogate-predicted CIFAR-10 valid accuracy of one genotype (Genotype or compact form)."""
        if not isinstance(genotype, Genotype):
            genotype = Genotype.from_compact(genotype)
        if genotype not in self._index:
            raise InvalidArchitectureError("genotype is not among the 500 NB301 surrogate-labelled genotypes")
        return float(self._acc[self._index[genotype]])

    def surrogate_accuracies(self) -> np.ndarray:
        """All surrogate accuracies, aligned with :meth:`genotypes`."""
        return self._acc.copy()

    @property
    def proxy_names(self) -> tuple[str, ...]:
        """The NASLib (NAS-Bench-Suite-Zero) proxies stored in the file."""
        return tuple(self._proxies)

    def proxy_scores(self, name: str) -> np.ndarray:
        """Published NASLib scores of one proxy, aligned with :meth:`genotypes`."""
        if name not in self._proxies:
            raise ValueError(f"unknown NB301 proxy column {name!r}; available: {self.proxy_names}")
        return self._proxies[name].copy()

    @classmethod
    def describe(cls) -> str:
        """One line for protocols."""
        return "nb301/surrogate: " + cls.metadata["description"]


def load_nb301_archs(data_dir=None, *, verify: bool = False) -> list[Genotype]:
    """The 11,221 NB301 genotypes used by NAS-Bench-Suite-Zero (``{idx: compact}``; encodings only).

    Raises
    ------
    DataFileError
        Missing or corrupt file.
    """
    data_dir = resolve_data_dir(data_dir)
    path = data_file(data_dir, ARCHS_FILE)
    if verify:
        verify_sha256(data_dir, [ARCHS_FILE])
    raw = _read_json(path)
    if not isinstance(raw, dict):
        raise DataFileError(f"benchmark data file {path} is corrupt: expected an {{idx: compact}} object")
    try:
        items = sorted(raw.items(), key=lambda kv: int(kv[0]))
        return [Genotype.from_compact(v) for _, v in items]
    except (InvalidArchitectureError, ValueError) as exc:
        raise DataFileError(f"benchmark data file {path} is corrupt: {exc}") from None
