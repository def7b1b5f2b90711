"""Protocol reproduction on NB201 (proxies.md §7.5): closed-form #params / FLOPs vs seed-mean test accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from canopy.benchmarks.nb201_table import NB201Table
from canopy.metrics import Protocol, correlate, select_architectures

pytestmark = pytest.mark.data

CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


@pytest.fixture(scope="module")
def table(data_dir):
    return NB201Table.load(data_dir)


def _check(table, arch_set, proxy, counting, dataset, tau, rho):
    cells = table.cells()
    idx, desc = select_architectures(cells, arch_set)
    sub = [cells[i] for i in idx]
    if proxy == "params":
        scores = np.array([c.num_params(num_classes=CLASSES[dataset], counting=counting) for c in sub], float)
    else:
        scores = np.array([c.flops(num_classes=CLASSES[dataset], counting=counting) for c in sub], float)
    p = Protocol(ground_truth=table.describe(dataset, "test", 200), architecture_set=desc, proxy=proxy,
                 counting=counting)
    res = correlate(scores, table.accuracies(dataset, "test", 200)[idx], p)
    assert res.kendall_tau == pytest.approx(tau, abs=0.002), str(res)
    assert res.spearman_rho == pytest.approx(rho, abs=0.002), str(res)
    assert counting in str(res) and "seed-mean" in str(res)


@pytest.mark.parametrize(
    "dataset, tau, rho",
    [("cifar10", 0.578, 0.753), ("cifar100", 0.553, 0.728), ("ImageNet16-120", 0.520, 0.691)],
)
def test_params_every_op_all_cells(table, dataset, tau, rho):
    _check(table, "all", "params", "every_op", dataset, tau, rho)


def test_params_effective_all_cells_cifar10(table):
    _check(table, "all", "params", "effective", "cifar10", 0.654, 0.822)


def test_flops_fully_effective_cifar10(table):
    _check(table, "fully-effective", "flops", "every_op", "cifar10", 0.623, 0.799)
