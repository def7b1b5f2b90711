"""Tests of canopy.evaluation and ``canopy evaluate``: end to end, resume after SIGKILL, Ctrl-C, Dask, bad input."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from canopy.cli import main
from canopy.errors import CanopyError, InvalidArchitectureError, UnknownProxyError
from canopy.evaluation import evaluate, run_items
from canopy.scoring import make_items
from canopy.store import ResultStore

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


@pytest.fixture
def plugin_env(monkeypatch, tmp_path):
    """Register the test proxies (here; workers get them with each item) and give them a call log."""
    log = tmp_path / "calls.log"
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setenv("CANOPY_TEST_PROXY_LOG", str(log))
    monkeypatch.delenv("CANOPY_TEST_PROXY_SLEEP", raising=False)
    importlib.import_module("_evaluate_plugin")
    return log


def _plugin_pythonpath(tmp_path: Path) -> str:
    """A folder with an installed-looking distribution whose ``canopy.proxies`` entry point is the test plugin."""
    site = tmp_path / "site"
    dist = site / "canopy_test_plugin-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: canopy-test-plugin\nVersion: 0.0\n")
    (dist / "entry_points.txt").write_text("[canopy.proxies]\ntest_plugin = _evaluate_plugin\n")
    return os.pathsep.join([str(site), str(TESTS), os.environ.get("PYTHONPATH", "")])


def _log(log: Path) -> list[tuple[str, int]]:
    """(arch, pid of the computing process) per call of count_calls."""
    lines = log.read_text().splitlines() if log.exists() else []
    return [(arch, int(pid)) for arch, pid in (line.rsplit(" ", 1) for line in lines)]


def _calls(log: Path) -> list[str]:
    return [arch for arch, _ in _log(log)]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie -- exited, not yet reaped by its new parent -- does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # the test may look at /proc (the library does not)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _stored_archs(path: Path, proxy: str = "count_calls") -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {a for (a,) in conn.execute("SELECT arch FROM results WHERE proxy=?", (proxy,))}
    finally:
        conn.close()


def test_end_to_end_and_cache(plugin_env, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    kwargs = dict(proxies=["count_calls"], dataset="cifar10", sample=40, seed=0, subset="fully-effective",
                  data_dir=data_dir, store=store, workers=0, n_boot=50, progress=False)
    res = evaluate(**kwargs)
    assert res.stats.computed == 40 and res.stats.cached == 0 and len(res.archs) == 40
    corr = res.correlations["count_calls"]
    assert corr["n"] == 40
    assert -1 <= corr["tau"]["value"] <= 1 and -1 <= corr["rho"]["value"] <= 1
    assert corr["tau"]["ci_low"] <= corr["tau"]["value"] <= corr["tau"]["ci_high"]
    assert 0 <= corr["ndcg"]["value"] <= 1
    assert "fully-effective" in corr["protocol"]["architecture_set"]
    assert "200 epochs" in corr["protocol"]["ground_truth"] and corr["protocol"]["ndcg_k"] == 40
    assert len(res.accuracies) == 40 and all(50 < a < 95 for a in res.accuracies)
    text = res.table()
    assert "count_calls" in text and "[count_calls] Protocol:" in text and "ground truth" in text
    # same arguments: everything from the store, nothing recomputed
    again = evaluate(**kwargs)
    assert again.stats.computed == 0 and again.stats.cached == 40
    assert again.scores == res.scores and len(_calls(plugin_env)) == 40
    # another proxy seed: the cell proxy ignores seeds, so it is still cached; the sample changes with seed
    other = evaluate(**{**kwargs, "seed": 1, "sample_seed": 0})
    assert other.stats.cached == 40


@pytest.mark.slow
def test_worker_processes_and_model_proxy(plugin_env, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    res = evaluate(proxies=["count_calls", "model_params"], sample=6, seed=3, data_dir=data_dir, store=store,
                   workers=2, n_boot=0, progress=False)
    assert res.stats.computed == 12 and res.stats.failed == 0
    with ResultStore(store) as st:
        rows = list(st.iter_results(proxy="model_params"))
        assert len(rows) == 6 and all(r.key.seed == 3 for r in rows)
        assert rows[0].settings["num_classes"] == 10 and rows[0].settings["input_shape"] == [3, 32, 32]
        assert all(r.value > 70_000 for r in rows)  # NB201 networks have >= 73,306 parameters
        assert "python" in rows[0].versions


def test_payload_and_population_single(plugin_env, data_dir, tmp_path):
    res = evaluate(proxies=["payload"], sample=30, data_dir=data_dir, store=tmp_path / "s.sqlite", workers=0,
                   n_boot=0, progress=False)
    assert set(res.scores) == {"payload", "payload_single"}
    with ResultStore(tmp_path / "s.sqlite") as st:
        assert next(st.iter_results(proxy="payload")).value["deciles"] == [0.1] * 9
    # the single ranking orders by aleph first, then by the score
    order = sorted(range(30), key=lambda i: res.scores["payload_single"][i])
    alephs = [21 + 45 * sum("conv" in op for op in res.archs[i].split("|")) for i in order]
    assert alephs == sorted(alephs)
    assert "payload_single" in res.correlations


def test_failures_are_reported_not_stored(plugin_env, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    with pytest.raises(CanopyError, match="always fails"):
        evaluate(proxies=["always_fails"], sample=3, data_dir=data_dir, store=store, workers=0, progress=False)
    with ResultStore(store) as st:
        assert len(st) == 0


def test_cli_json_csv_plot(plugin_env, data_dir, tmp_path, capsys):
    out_csv, plots = tmp_path / "scores.csv", tmp_path / "plots"
    code = main(["evaluate", "--proxies", "count_calls", "--sample", "25", "--seed", "2", "--data",
                 str(data_dir), "--store", str(tmp_path / "s.sqlite"), "--workers", "0", "--bootstrap", "20",
                 "--dataset", "ImageNet16-120", "--json", "--csv", str(out_csv), "--plot", str(plots)])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["dataset"] == "ImageNet16-120" and payload["n_archs"] == 25
    assert payload["run"]["computed"] == 25
    assert set(payload["correlations"]["count_calls"]) >= {"tau", "rho", "ndcg", "protocol", "n"}
    assert "ImageNet16-120" in payload["correlations"]["count_calls"]["protocol"]["ground_truth"]
    assert out_csv.read_text().splitlines()[0] == "arch,accuracy,count_calls"
    assert (plots / "nb201_ImageNet16-120_count_calls.png").stat().st_size > 0


def test_cli_table_output(plugin_env, data_dir, tmp_path, capsys):
    code = main(["evaluate", "--proxies", "count_calls", "--sample", "10", "--data", str(data_dir), "--store",
                 str(tmp_path / "s.sqlite"), "--workers", "0", "--bootstrap", "0", "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Kendall tau" in out and "[count_calls] Protocol:" in out and "10 computed" in out


def _cli(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "canopy.cli", "evaluate", *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for_rows(store: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.exists():
            with open(os.devnull, "w"):
                try:
                    if len(_stored_archs(store)) >= n:
                        return
                except sqlite3.OperationalError:
                    pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the run stored too few results in time")


@pytest.mark.parametrize("workers", [pytest.param("1", marks=pytest.mark.slow), "0"])
def test_sigkill_and_resume(data_dir, tmp_path, workers):
    store, log1, log2 = tmp_path / "s.sqlite", tmp_path / "run1.log", tmp_path / "run2.log"
    # 0.25 s per item: the 60-item run lasts 15 s, so the kill lands mid-run even when this machine is loaded
    # (at 0.05 s a busy 2-core box once let the whole run finish before the watcher saw 8 rows)
    env = {**os.environ, "PYTHONPATH": _plugin_pythonpath(tmp_path), "CANOPY_TEST_PROXY_SLEEP": "0.25",
           "CANOPY_TEST_PROXY_LOG": str(log1)}
    args = ["--proxies", "count_calls", "--sample", "60", "--seed", "0", "--data", str(data_dir), "--store",
            str(store), "--workers", workers, "--bootstrap", "0", "--json"]
    proc = _cli(args, env)
    _wait_for_rows(store, 8, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)  # not communicate(): an orphaned worker would hold the pipes open
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored_before = _stored_archs(store)
    assert 8 <= len(stored_before) < 60
    time.sleep(1.5)  # orphaned workers notice their parent is gone and exit
    workers_pids = {pid for _, pid in _log(log1)} - {proc.pid}
    assert len(workers_pids) == int(workers)
    orphans = [pid for pid in workers_pids if _alive(pid)]
    for pid in orphans:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "an orphaned worker kept running after its parent was killed"
    env2 = {**env, "CANOPY_TEST_PROXY_LOG": str(log2), "CANOPY_TEST_PROXY_SLEEP": "0"}
    out, err = _cli(args, env2).communicate(timeout=120)
    payload = json.loads(out)
    assert payload["run"]["cached"] == len(stored_before)
    assert payload["run"]["computed"] == 60 - len(stored_before)
    second = _calls(log2)
    assert len(second) == len(set(second))  # nothing computed twice in the second run
    assert not set(second) & stored_before  # nothing stored before the kill was recomputed
    assert _stored_archs(store) == stored_before | set(second) and len(_stored_archs(store)) == 60
    # the first run computed at most the in-flight items beyond what it stored
    assert len(_calls(log1)) <= len(stored_before) + 2 + int(workers)


@pytest.mark.slow
def test_ctrl_c_keeps_results(data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    env = {**os.environ, "PYTHONPATH": _plugin_pythonpath(tmp_path), "CANOPY_TEST_PROXY_SLEEP": "0.05"}
    args = ["--proxies", "count_calls", "--sample", "200", "--data", str(data_dir), "--store", str(store),
            "--workers", "1", "--bootstrap", "0"]
    proc = _cli(args, env, start_new_session=True)
    _wait_for_rows(store, 5, proc)
    os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "canopy evaluate: interrupted"
    assert "Traceback" not in err
    n = len(_stored_archs(store))
    assert 5 <= n < 200
    with ResultStore(store) as st:  # still a valid store
        assert st.count(proxy="count_calls") == n


def test_dask_local_cluster(plugin_env, data_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    store = tmp_path / "s.sqlite"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=40) as cluster:
        res = evaluate(proxies=["count_calls"], sample=12, seed=0, data_dir=data_dir, store=store,
                       scheduler=cluster.scheduler_address, n_boot=0, progress=False)
    assert res.stats.computed == 12
    local = evaluate(proxies=["count_calls"], sample=12, seed=0, data_dir=data_dir,
                     store=tmp_path / "local.sqlite", workers=0, n_boot=0, progress=False)
    assert res.scores == local.scores


def test_model_proxy_in_process_keeps_global_rng(plugin_env, tmp_path):
    torch = pytest.importorskip("torch")
    items = make_items("nb201", ["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"],
                       ["model_params"], seed=7)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with ResultStore(tmp_path / "s.sqlite") as st:
        assert run_items(items, st, workers=0, progress=False).computed == 1
        assert st.get(items[0].key).value > 70_000
    assert torch.equal(torch.rand(3), expected)


def test_run_items_dedups_and_skips_stored(plugin_env, tmp_path):
    archs = ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
             "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"]
    items = make_items("nb201", archs * 2, ["count_calls"])
    with ResultStore(tmp_path / "s.sqlite") as st:
        stats = run_items(items, st, workers=0, progress=False)
        assert (stats.requested, stats.computed) == (2, 2)
        stats = run_items(items, st, workers=0, progress=False)
        assert (stats.cached, stats.computed) == (2, 0)
    assert len(_calls(plugin_env)) == 2


# ------------------------------------------------------------------------------------------ bad input
def _one_line_error(capsys, argv: list[str], match: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("canopy evaluate: error:"), err
    assert match in err, err
    return err


def test_bad_input_one_liners(plugin_env, data_dir, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    base = ["evaluate", "--data", str(data_dir), "--store", str(store), "--workers", "0", "--bootstrap", "0",
            "--no-progress"]
    assert main([*base, "--proxies", "count_calls", "--sample", "5"]) == 0
    capsys.readouterr()
    _one_line_error(capsys, [*base, "--proxies", "count_calls,nope"], "unknown proxy 'nope'")
    bad = tmp_path / "archs.txt"
    bad.write_text("|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|\n|conv~0|+|bogus|\n")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--archs", str(bad)], "archs.txt:2")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--archs", str(tmp_path / "none.txt")],
                    "none.txt")
    _one_line_error(capsys, ["evaluate", "--proxies", "count_calls", "--data", str(tmp_path / "nodata"),
                             "--store", str(store)], "nodata")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--sample", "99999"], "larger than")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--dataset", "mnist"], "unknown dataset")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--set", "oops"], "PROXY.KEY=VALUE")
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--sample", "3", "--set", "count_calls.wieght=2"],
                    "unexpected keyword argument 'wieght'")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 50)
    _one_line_error(capsys, [*base[:3], "--store", str(garbage), "--proxies", "count_calls"], "corrupt")
    # a store of another schema version: refused, nothing lost
    conn = sqlite3.connect(store)
    conn.execute("UPDATE meta SET value='0' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    _one_line_error(capsys, [*base, "--proxies", "count_calls", "--sample", "5"], "schema version 0")
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 5
    conn.close()


def test_bad_input_library(plugin_env, data_dir, tmp_path):
    with pytest.raises(UnknownProxyError):
        evaluate(proxies=["nope"], data_dir=data_dir, store=tmp_path / "s.sqlite", progress=False)
    with pytest.raises(InvalidArchitectureError):
        evaluate(proxies=["count_calls"], archs=["|bad|"], data_dir=data_dir, store=tmp_path / "s.sqlite",
                 progress=False)
    with pytest.raises(CanopyError, match="subset"):
        evaluate(proxies=["count_calls"], subset="half", data_dir=data_dir, store=tmp_path / "s.sqlite",
                 progress=False)
    with pytest.raises(UnknownProxyError, match="not evaluated"):
        evaluate(proxies=["count_calls"], proxy_settings={"other": {}}, data_dir=data_dir,
                 store=tmp_path / "s.sqlite", progress=False)
    assert not (tmp_path / "s.sqlite").exists() or len(ResultStore(tmp_path / "s.sqlite")) == 0


@pytest.mark.parametrize("dataset", ["cifar10", pytest.param("ImageNet16-120", marks=pytest.mark.slow)])
def test_closed_form_fast_path_equals_model_proxy(dataset):
    pytest.importorskip("torch")
    from canopy.proxies import get_proxy
    from canopy.scoring import compute_item
    from canopy.spaces.nb201 import NB201Cell
    from canopy.spaces.nb201_torch import build_nb201_network

    archs = ["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|",
             "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"]
    for counting in ("every_op", "effective"):
        items = make_items("nb201", archs, ["params", "flops", "aleph"], dataset=dataset,
                           proxy_settings={"params": {"counting": counting}, "flops": {"counting": counting}})
        for item in items:
            _, fast, _, error = compute_item(item)
            assert error is None
            settings = json.loads(item.settings)
            num_classes = settings.pop("num_classes")
            model = build_nb201_network(NB201Cell.from_string(item.arch), num_classes=num_classes)
            if item.proxy == "aleph":
                settings.pop("input_shape")
            elif item.proxy == "params":
                settings.pop("input_shape")
            else:
                settings["input_shape"] = tuple(settings["input_shape"])
            assert fast == get_proxy(item.proxy)(model, **settings), (item.proxy, counting, item.arch)


# ------------------------------------------------------------------------------------------ stale proxy versions
def test_changed_proxy_version_is_recomputed_not_reused(tmp_path):
    from canopy.proxies.registry import register_proxy

    archs = ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
             "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"]
    with ResultStore(tmp_path / "s.sqlite") as st:
        register_proxy("demo_versioned", lambda cell: 1.0, kind="cell", replace=True)
        first = run_items(make_items("nb201", archs, ["demo_versioned"]), st, workers=0, progress=False)
        assert (first.computed, first.stale) == (2, 0)
        register_proxy("demo_versioned", lambda cell: 2.0, kind="cell", replace=True)  # changed code, same version
        same = run_items(make_items("nb201", archs, ["demo_versioned"]), st, workers=0, progress=False)
        assert (same.cached, same.computed) == (2, 0)  # the rule: without a version bump the store is trusted
        register_proxy("demo_versioned", lambda cell: 2.0, kind="cell", replace=True, version=2)
        items = make_items("nb201", archs, ["demo_versioned"])
        bumped = run_items(items, st, workers=0, progress=False)
        assert (bumped.cached, bumped.computed, bumped.stale) == (0, 2, 2)
        assert [st.get(i.key).value for i in items] == [2.0, 2.0]
        assert {st.get(i.key).versions["proxy_version"] for i in items} == {"2"}
        again = run_items(items, st, workers=0, progress=False)
        assert (again.cached, again.computed, again.stale) == (2, 0, 0)
        assert st.to_dataframe(proxy="demo_versioned").shape[0] == 2  # replaced, not duplicated


def test_search_fitness_does_not_reuse_a_stale_score(tmp_path):
    from canopy.proxies.registry import register_proxy
    from canopy.search.fitness import make_fitness
    from canopy.search.spaces import get_space

    space = get_space("nb201")
    cell = space.sample(__import__("numpy").random.default_rng(0))
    with ResultStore(tmp_path / "s.sqlite") as st:
        register_proxy("demo_fit", lambda cell: 1.0, kind="cell", replace=True)
        assert make_fitness(space, "demo_fit", store=st)(cell) == 1.0
        register_proxy("demo_fit", lambda cell: 5.0, kind="cell", replace=True, version=2)
        assert make_fitness(space, "demo_fit", store=st)(cell) == 5.0
        with pytest.raises(CanopyError, match="current proxy version"):
            register_proxy("demo_fit", lambda cell: 9.0, kind="cell", replace=True, version=3)
            make_fitness(space, "stored:demo_fit", store=st)(cell)


# ------------------------------------------------------------------------------------------ concurrent runs
def _two_runs(tmp_path: Path, data_dir: Path, sleep: str, n: int) -> tuple[list, Path, Path, Path]:
    store = tmp_path / "s.sqlite"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    base = {**os.environ, "PYTHONPATH": _plugin_pythonpath(tmp_path), "CANOPY_TEST_PROXY_SLEEP": sleep}
    args = ["--proxies", "count_calls", "--sample", str(n), "--seed", "0", "--data", str(data_dir), "--store",
            str(store), "--workers", "0", "--bootstrap", "0", "--json"]
    procs = [_cli(args, {**base, "CANOPY_TEST_PROXY_LOG": str(log)}) for log in logs]
    return procs, store, logs[0], logs[1]


def test_two_evaluate_runs_on_one_store_share_the_work(plugin_env, data_dir, tmp_path):
    from canopy.benchmarks import NB201Table
    from canopy.evaluation.architectures import select_architectures

    n, n_old = 40, 10
    archs = select_architectures(NB201Table.load(data_dir), subset="all", sample=n, seed=0)
    with ResultStore(tmp_path / "s.sqlite") as st:  # results of an older implementation: stale for both runs
        for item in make_items("nb201", archs[:n_old], ["count_calls"]):
            st.put(item.key, -1.0, versions={"proxy_version": "0"})
    procs, store, log_a, log_b = _two_runs(tmp_path, data_dir, "0.05", n)
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = [json.loads(out)["run"] for out, _ in outs]
    calls_a, calls_b = _calls(log_a), _calls(log_b)
    assert len(calls_a) + len(calls_b) == n  # nothing computed twice ...
    assert set(calls_a) | set(calls_b) == _stored_archs(store) == set(archs)  # ... or lost
    assert calls_a and calls_b  # both worked
    for run, calls in zip(runs, (calls_a, calls_b)):
        assert run["computed"] == len(calls) and run["computed"] + run["cached"] == n and run["failed"] == 0
    assert sum(run["stale"] for run in runs) == n_old
    with ResultStore(store) as st:
        assert st.claims() == []  # finished runs leave no claims
        rows = list(st.iter_results(proxy="count_calls"))
        assert len(rows) == n and all(r.versions["proxy_version"] == "1" and r.value >= 0 for r in rows)  # none stale


@pytest.mark.slow
def test_sigkill_of_one_of_two_runs_is_taken_over(data_dir, tmp_path):
    n = 40
    procs, store, log_a, log_b = _two_runs(tmp_path, data_dir, "0.1", n)
    _wait_for_rows(store, 6, procs[0])
    os.kill(procs[0].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    procs[0].wait(timeout=30)
    procs[0].stdout.close()
    procs[0].stderr.close()
    out, err = procs[1].communicate(timeout=120)
    assert procs[1].returncode == 0, err
    assert time.monotonic() - killed_at < 30  # taken over at once (dead pid), not after the 60 s lease
    run = json.loads(out)["run"]
    calls_a, calls_b = _calls(log_a), _calls(log_b)
    assert len(_stored_archs(store)) == n  # nothing lost: the killed run's claims were taken over
    assert not set(calls_b) & (_stored_archs(store) - set(calls_b) - set(calls_a))
    assert len(calls_b) == len(set(calls_b)) and run["computed"] == len(calls_b)
    # the only work done twice is what the killed run was computing when it died (one item, in process)
    assert len(set(calls_a) & set(calls_b)) <= 1


def test_cli_reports_stale_results(plugin_env, data_dir, tmp_path, capsys):
    from canopy.proxies.registry import register_proxy

    archs = tmp_path / "archs.txt"
    archs.write_text("|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|\n"
                     "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|\n")
    args = ["evaluate", "--proxies", "demo_cli_v", "--archs", str(archs), "--data", str(data_dir), "--store",
            str(tmp_path / "s.sqlite"), "--bootstrap", "0", "--no-progress"]
    register_proxy("demo_cli_v", lambda cell: float(cell.num_convs), kind="cell", replace=True)
    assert main(args) == 0
    assert "were stale" not in capsys.readouterr().out
    register_proxy("demo_cli_v", lambda cell: float(cell.num_convs) + 1, kind="cell", replace=True, version=2)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 computed, 0 from the store" in out and "2 of the computed were stale" in out
