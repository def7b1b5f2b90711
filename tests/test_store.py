"""Tests of canopy.store.ResultStore: round trip, concurrency, versions, corruption, runs."""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import sqlite3

import pytest

from canopy.errors import StoreError
from canopy.store import SCHEMA_VERSION, ResultKey, ResultStore, canonical_json, settings_hash


def _writer(path: str, proxy: str, n: int) -> None:
    with ResultStore(path, timeout=60) as store:
        for i in range(n):
            store.put(store.key("nb201", f"arch{i}", proxy, {"w": proxy}, 0), float(i), seconds=0.0)


def test_round_trip(tmp_path):
    path = tmp_path / "sub" / "s.sqlite"
    with ResultStore(path) as store:
        k1 = store.key("nb201", "a", "params", {"every_op": True, "n": 2}, 0)
        k2 = store.key("nb201", "a", "vkdnw", {"variant": "correct"}, 3)
        k3 = store.key("nb201", "b", "params", {"n": 2, "every_op": True}, 0)
        assert store.put(k1, 1.25, settings={"every_op": True, "n": 2}, seconds=0.5, versions={"torch": "x"})
        assert store.put(k2, {"score": 0.7, "deciles": [1, 2, 3]})
        assert store.put(k3, float("nan"))
        assert not store.put(k1, 99.0)  # existing result kept
        assert store.get(k1).value == 1.25
        r1 = store.get(k1)
        assert r1.value == 1.25 and r1.seconds == 0.5 and r1.versions == {"torch": "x"}
        assert r1.settings == {"every_op": True, "n": 2}
        assert store.put(k1, 2.5, settings={"n": 2, "every_op": True}, overwrite=True)
        r1 = store.get(k1)
        assert r1.value == 2.5 and r1.score == 2.5 and r1.seconds is None and "python" in r1.versions
        assert store.get(k2).value == {"score": 0.7, "deciles": [1, 2, 3]} and store.get(k2).score is None
        assert math.isnan(store.get(k3).value)
        assert store.has(k3) and len(store) == 3
        assert store.count(proxy="params") == 2
        assert store.missing([k1, store.key("nb201", "c", "params", {"n": 2, "every_op": True})]) == [
            ResultKey("nb201", "c", "params", k1.settings_hash, 0)
        ]
        assert [r.key.arch for r in store.iter_results(proxy="params", settings={"n": 2, "every_op": True})] == [
            "a",
            "b",
        ]
        df = store.to_dataframe(proxy="params")
        assert list(df["arch"]) == ["a", "b"] and df["score"].iloc[0] == 2.5
        assert store.export_csv(tmp_path / "out.csv") == 3
        assert store.export_json(tmp_path / "out.json") == 3
        records = json.loads((tmp_path / "out.json").read_text())
        assert {r["proxy"] for r in records} == {"params", "vkdnw"}
        assert store.meta["schema_version"] == str(SCHEMA_VERSION)
    # reopen: everything is still there
    with ResultStore(path) as store:
        assert store.get(k1).value == 2.5 and len(store) == 3


def test_settings_hash_is_canonical():
    assert settings_hash({"a": 1, "b": [1, 2]}) == settings_hash({"b": (1, 2), "a": 1})
    assert settings_hash({"a": 1}) != settings_hash({"a": 2})
    assert canonical_json({"z": 1, "a": None}) == '{"a":null,"z":1}'


def test_bad_arguments(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(StoreError, match="seed"):
            store.key("nb201", "a", "p", None, seed=1.5)  # type: ignore[arg-type]
        k = store.key("nb201", "a", "p", {"x": 1})
        with pytest.raises(StoreError, match="settings"):
            store.put(k, 1.0, settings={"x": 2})
        with pytest.raises(StoreError, match="JSON"):
            store.put(k, object())
        with pytest.raises(StoreError, match="filter"):
            store.count(colour="red")
    with pytest.raises(StoreError, match="directory"):
        ResultStore(tmp_path)
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.has(k)


def test_two_processes_write_concurrently(tmp_path):
    path = str(tmp_path / "s.sqlite")
    ResultStore(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, f"proxy{j}", 60)) for j in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with ResultStore(path) as store:
        assert store.count(proxy="proxy0") == 60 and store.count(proxy="proxy1") == 60
        assert sorted(r.value for r in store.iter_results(proxy="proxy1")) == [float(i) for i in range(60)]


def test_incompatible_version_is_refused_and_untouched(tmp_path):
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        store.put(store.key("nb201", "a", "p"), 1.0)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    conn.execute("UPDATE meta SET value='9.9.9' WHERE key='canopy_version'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"schema version 999 \(written by canopy 9\.9\.9\).*schema version 1"):
        ResultStore(path)
    assert path.read_bytes() == before
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
    conn.close()


def test_foreign_sqlite_file(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a CANOPY result store"):
        ResultStore(path)


def test_corrupt_files(tmp_path):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="corrupt"):
        ResultStore(garbage)
    assert garbage.read_bytes() == b"this is not a database at all" * 100

    path = tmp_path / "s.sqlite"
    with ResultStore(path) as store:
        for i in range(300):
            store.put(store.key("nb201", f"arch-{i:04d}-" + "x" * 200, "p"), float(i))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # scribble over every page after the schema
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        ResultStore(path)


def test_named_runs(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        run = store.start_run("evo", {"proxy": "params", "seed": 0}, kind="search")
        assert store.last_step(run) is None
        for step in range(3):
            assert store.add_step(run, step, {"arch": f"a{step}", "best": step * 1.5})
        assert not store.add_step(run, 2, {"arch": "again"})
        assert store.steps(run) == [{"arch": f"a{s}", "best": s * 1.5} for s in range(3)]
        assert store.last_step(run) == 2
        assert store.start_run("evo", {"seed": 0, "proxy": "params"}, kind="search") == run
        with pytest.raises(StoreError, match="another config"):
            store.start_run("evo", {"proxy": "params", "seed": 1})
        other = store.start_run("rand", {}, kind="random")
        assert [r["name"] for r in store.runs()] == ["evo", "rand"]
        assert store.runs(kind="search")[0]["steps"] == 3
        assert store.steps(other) == []


# ------------------------------------------------------------------------------------------ proxy versions
def test_proxy_version_makes_rows_stale(tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as store:
        old = store.key("nb201", "a", "p")
        legacy = store.key("nb201", "b", "p")
        other = store.key("nb201", "c", "q")
        store.put(old, 1.0, versions={"proxy_version": "2"})
        store.put(legacy, 2.0, versions={"torch": "x"})  # written before versions existed: version 1
        store.put(other, 3.0, versions={"proxy_version": "7"})
        keys = [old, legacy, other]
        assert store.missing(keys) == []  # no versions asked: any row counts
        assert store.missing(keys, proxy_versions={"p": 2}) == [legacy]  # q unlisted: any version
        assert store.missing(keys, proxy_versions={"p": 1, "q": 7}) == [old]
        assert store.stale(keys, {"p": 3, "q": "7"}) == [old, legacy]
        assert store.get(old, proxy_version=2).value == 1.0 and store.get(old, proxy_version=1) is None
        assert store.has(legacy, proxy_version=1) and not store.has(legacy, proxy_version=2)
        assert not store.has(store.key("nb201", "zz", "p"), proxy_version=1)


# ------------------------------------------------------------------------------------------ claims
def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_claims_are_exclusive_and_taken_over(tmp_path):
    from canopy.store import ClaimOwner

    with ResultStore(tmp_path / "s.sqlite") as store:
        keys = [store.key("nb201", f"a{i}", "p") for i in range(6)]
        me = ClaimOwner.new()
        live = ClaimOwner.new()._replace(pid=1)  # pid 1 always runs
        got, done = store.claim(keys, live, limit=2)
        assert got == keys[:2] and done == []
        got, _ = store.claim(keys, me, limit=2)
        assert got == keys[2:4]  # live claims are skipped
        assert store.claim(keys[:4], me, limit=9)[0] == keys[2:4]  # own claims are claimable again
        dead = ClaimOwner.new()._replace(pid=_dead_pid())
        assert store.claim(keys, dead, limit=1)[0] == [keys[4]]
        got, _ = store.claim(keys, me, limit=9)
        assert got == keys[2:]  # the dead process's claim is taken over at once
        store.put(keys[5], 1.0)
        far = ClaimOwner("remote", "another-host", 1)
        got, done = store.claim(keys, far, limit=9, lease=30)
        assert got == [] and done == [keys[5]]  # all held by live owners or stored
        assert store.release_claims(me, [keys[2]]) == 1
        assert store.claim(keys, far, limit=9, lease=-1)[0] == [keys[2]]  # ... an expired lease ...
        assert store.claim(keys, me, limit=9)[0] == keys[2:5]  # ... is taken over by anyone (a3, a4: own)
        before = {c["key"]: c["lease_until"] for c in store.claims()}
        assert store.renew_claims(me, lease=1000) == 4
        after = {c["key"]: c["lease_until"] for c in store.claims()}
        assert all(after[k] > before[k] for k in keys[2:5])
        assert store.release_claims(me) == 4 and len(store.claims()) == 2
        dup, tail = store.key("nb201", "d", "p"), store.key("nb201", "e", "p")
        assert store.claim(iter([dup] * 250 + [tail]), me, limit=5)[0] == [dup, tail]  # repeats seen once
        stale_version = store.key("nb201", "v", "p")
        store.put(stale_version, 1.0, versions={"proxy_version": "1"})
        assert store.claim([stale_version], me, limit=1, proxy_versions={"p": 2})[0] == [stale_version]


def test_second_store_in_one_process_keeps_the_first_ones_locks(tmp_path):
    """Opening the same file twice in one process must not drop the first connection's POSIX locks."""
    import subprocess
    import sys

    path = tmp_path / "s.sqlite"
    count = (f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
             "print(c.execute('SELECT COUNT(*) FROM results').fetchone()[0])")
    def seen() -> int:
        return int(subprocess.run([sys.executable, "-c", count], capture_output=True, text=True, check=True).stdout)

    with ResultStore(path) as first:
        first.put(first.key("nb201", "a", "p"), 1.0)
        with ResultStore(path) as second:
            second.put(second.key("nb201", "b", "p"), 2.0)
        assert seen() == 2
        for i in range(5):
            first.put(first.key("nb201", f"c{i}", "p"), 3.0)
        assert seen() == 7  # another process sees every commit
