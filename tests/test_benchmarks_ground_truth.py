"""The official NATS-Bench path: a small archive written in the official format by nats_bench's own classes,
read through canopy.benchmarks.NATSBenchTable and load_nb201_ground_truth (issue 12)."""

from __future__ import annotations

import statistics

import pytest

pytest.importorskip("nats_bench", reason="SKIPPED: the official nats_bench package is not installed")

from _nats_archive import SEEDS, made_up_accuracy, write_archive  # noqa: E402

from canopy.benchmarks import NATSBenchTable  # noqa: E402
from canopy.benchmarks.ground_truth import load_nb201_ground_truth  # noqa: E402
from canopy.errors import DataFileError  # noqa: E402

ARCHS = [
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|avg_pool_3x3~2|",
]
#: our (dataset, metric) -> the official (dataset, split) that holds it
OFFICIAL = {("cifar10", "test"): ("cifar10", "ori-test"), ("cifar10", "valid"): ("cifar10-valid", "x-valid"),
            ("cifar100", "test"): ("cifar100", "x-test"), ("cifar100", "valid"): ("cifar100", "x-valid"),
            ("ImageNet16-120", "test"): ("ImageNet16-120", "x-test"),
            ("ImageNet16-120", "valid"): ("ImageNet16-120", "x-valid")}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_archive(tmp_path_factory.mktemp("nats") / "NATS-tss-v1_0-3ffb9-simple", ARCHS)


@pytest.mark.parametrize("query", sorted(OFFICIAL))
@pytest.mark.parametrize("epochs", [200, 12])
def test_every_query_reads_the_seed_mean_of_the_right_split(archive, query, epochs):
    table = NATSBenchTable.load(str(archive))
    dataset, metric = query
    nats_dataset, split = OFFICIAL[query]
    for index, arch in enumerate(ARCHS):
        want = statistics.mean(made_up_accuracy(index, nats_dataset, split, s, str(epochs)) for s in SEEDS)
        assert table.accuracy(arch, dataset, metric, epochs) == pytest.approx(want, abs=1e-9)
    assert [c.to_string() for c in table.cells()] == ARCHS


def test_sources_resolve_to_the_official_api(archive, monkeypatch):
    gt = load_nb201_ground_truth(f"nats:{archive}")
    assert isinstance(gt.table, NATSBenchTable) and gt.source == f"nats:{archive.resolve()}"
    monkeypatch.setenv("NATS_BENCH_TSS_PATH", str(archive))
    assert load_nb201_ground_truth().source == gt.source          # the seed README's workflow
    assert load_nb201_ground_truth("nats").source == gt.source


def test_tables_source(data_dir, monkeypatch):
    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    gt = load_nb201_ground_truth(None, data_dir)
    assert gt.source.startswith("tables:") and len(gt.table.cells()) == 15625


@pytest.mark.parametrize("source", ["csv:x", "nats:/nonexistent/folder", "tables:/nonexistent/folder", "", 3])
def test_bad_sources_get_one_clear_line(source, monkeypatch, tmp_path):
    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    with pytest.raises(DataFileError) as err:
        load_nb201_ground_truth(source)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_a_file_or_a_corrupt_folder_is_refused_in_one_line(tmp_path):
    f = tmp_path / "file.pickle.pbz2"
    f.write_bytes(b"not a pickle")
    with pytest.raises(DataFileError, match="not a folder"):
        NATSBenchTable.load(str(f))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "meta.pickle.pbz2").write_bytes(b"garbage")
    with pytest.raises(DataFileError, match="could not be opened"):
        NATSBenchTable.load(str(bad))


def test_evaluate_reads_the_official_api_and_records_the_source(archive, tmp_path, monkeypatch):
    from canopy.evaluation import evaluate

    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    res = evaluate(proxies=["params"], archs=ARCHS, ground_truth=f"nats:{archive}", store=tmp_path / "s.sqlite",
                   n_boot=0, progress=False)
    want = [statistics.mean(made_up_accuracy(i, "cifar10", "ori-test", s, "200") for s in SEEDS)
            for i in range(len(ARCHS))]
    assert res.accuracies == pytest.approx(want, abs=1e-9)
    assert f"nats:{archive.resolve()}" in res.correlations["params"]["protocol"]["ground_truth"]


def test_search_space_reads_the_official_api(archive, monkeypatch):
    from canopy.search.spaces import NB201Space
    from canopy.spaces.nb201 import NB201Cell

    space = NB201Space()
    oracle = space.ground_truth("cifar100", f"nats:{archive}")
    valid, test = oracle(NB201Cell.from_string(ARCHS[1]))
    assert valid == pytest.approx(statistics.mean(made_up_accuracy(1, "cifar100", "x-valid", s, "200") for s in SEEDS))
    assert test == pytest.approx(statistics.mean(made_up_accuracy(1, "cifar100", "x-test", s, "200") for s in SEEDS))
    source = space.ground_truth_source("cifar100", f"nats:{archive}")
    assert source.startswith(f"nb201-nats cifar100 nats:{archive.resolve()} meta@sha256:")
    monkeypatch.setenv("NATS_BENCH_TSS_PATH", str(archive))
    assert space.ground_truth_source("cifar100") == source   # the environment variable is the default


def test_cli_evaluate_ground_truth_flag(archive, tmp_path, monkeypatch, capsys):
    import json

    from canopy.cli import main

    monkeypatch.delenv("NATS_BENCH_TSS_PATH", raising=False)
    archs = tmp_path / "archs.txt"
    archs.write_text("\n".join(ARCHS) + "\n")
    code = main(["evaluate", "--proxies", "params", "--archs", str(archs), "--ground-truth", f"nats:{archive}",
                 "--bootstrap", "0", "--json", "--no-progress", "--store", str(tmp_path / "s.sqlite")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert f"nats:{archive.resolve()}" in json.dumps(out)
    assert main(["evaluate", "--proxies", "params", "--archs", str(archs), "--ground-truth", "csv:x",
                 "--store", str(tmp_path / "s.sqlite")]) == 2
    assert "unknown ground-truth source" in capsys.readouterr().err


def test_cli_search_ground_truth_source_parsing():
    from canopy.cli.search import _data_source
    from canopy.errors import CanopyError

    assert _data_source(None, "/d") == "/d"
    assert _data_source("nats:/x", "/d") == "nats:/x"
    assert _data_source("tables", "/d") == "/d" and _data_source("tables:/t", "/d") == "/t"
    with pytest.raises(CanopyError):
        _data_source("csv:/x", None)
