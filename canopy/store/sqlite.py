"""The SQLite file behind :class:`ResultStore` (schema, WAL mode, one transaction per write, named runs).

See :mod:`canopy.store` for the guarantees. One class over one schema: its ~450 lines are the queries of one
table layout, kept together so that every statement that touches the file can be read in one place.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import math
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from canopy.errors import StoreError
from canopy.store.keys import Result, ResultKey, canonical_json, package_versions, settings_hash

__all__ = ["SCHEMA_VERSION", "PROXY_VERSION_FIELD", "ResultStore", "ClaimOwner", "stored_proxy_version",
           "renew_claims_at"]

#: Version of the on-disk layout. Bump it (and refuse old files) whenever a table changes. Adding a table is
#: not a change of layout: older canopy versions never read it, and opening a file creates it (``claims``
#: was added this way).
SCHEMA_VERSION = 1

#: key of a row's ``versions`` JSON that records the proxy's implementation version
#: (:attr:`canopy.proxies.registry.ProxySpec.version`); a row without it was written before versions existed,
#: which is version 1 by definition
PROXY_VERSION_FIELD = "proxy_version"

_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    space TEXT NOT NULL,
    arch TEXT NOT NULL,
    proxy TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    seed INTEGER NOT NULL,
    settings TEXT NOT NULL,
    value TEXT NOT NULL,
    score REAL,
    seconds REAL,
    versions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (space, arch, proxy, settings_hash, seed)
);
CREATE INDEX IF NOT EXISTS results_by_proxy ON results (space, proxy, settings_hash, seed);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    space TEXT NOT NULL,
    arch TEXT NOT NULL,
    proxy TEXT NOT NULL,
    settings_hash TEXT NOT NULL,
    seed INTEGER NOT NULL,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    lease_until REAL NOT NULL,
    PRIMARY KEY (space, arch, proxy, settings_hash, seed)
);
CREATE INDEX IF NOT EXISTS claims_by_owner ON claims (owner);
CREATE TABLE IF NOT EXISTS run_steps (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    step INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, step)
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


#: resolved path -> number of open ResultStores on it in this process
_OPEN_PATHS: dict[str, int] = {}


def _path_id(path: Path) -> str:
    return str(path.resolve())


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class ResultStore:
    """A durable, resumable SQLite store of proxy results and named runs (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The database file; created (with its folder) when absent.
    timeout : float, default 60
        Seconds to wait on a lock held by another process before raising :class:`StoreError`.

    Raises
    ------
    StoreError
        The file is not a SQLite database, is corrupt, or was written with another schema version
        (the message names both versions; the file is not modified).

    Examples
    --------
    >>> import tempfile, os
    >>> store = ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
    >>> k = store.key("nb201", "a", "p", None, seed=1)
    >>> store.has(k), store.put(k, {"deciles": [0.1, 0.2]}), store.has(k)
    (False, True, True)
    >>> store.missing([k, store.key("nb201", "b", "p", None, seed=1)])
    [ResultKey(space='nb201', arch='b', proxy='p', settings_hash='44136fa355b3678a', seed=1)]
    >>> store.close()
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout = float(timeout)
        self._conn: sqlite3.Connection | None = None
        self._check_header()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open result store {self.path}: {exc}") from None
        self._conn = conn
        self._path_id = _path_id(self.path)
        _OPEN_PATHS[self._path_id] = _OPEN_PATHS.get(self._path_id, 0) + 1
        try:
            self._check_version()
            self._retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            conn.execute("PRAGMA synchronous=NORMAL")
            self._init_schema()
        except StoreError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"result store {self.path} is corrupt or not a result store: {exc}") from None

    # ------------------------------------------------------------------ opening and checks
    def _check_header(self) -> None:
        if not self.path.exists():
            return
        if _OPEN_PATHS.get(_path_id(self.path), 0) > 0:
            # already open (and checked) in this process: closing a plain descriptor on the file would drop
            # every POSIX lock this process holds on it, those of the open connection included
            return
        if self.path.is_dir():
            raise StoreError(f"result store path {self.path} is a directory")
        with open(self.path, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head and head != _SQLITE_MAGIC:
            raise StoreError(f"result store {self.path} is corrupt or not a SQLite database (bad header)")

    def _check_version(self) -> None:
        """Read-only checks before anything is written."""
        conn = self._require()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return
        if "meta" not in tables:
            raise StoreError(
                f"{self.path} is a SQLite file but not a CANOPY result store (no meta table; tables: "
                f"{', '.join(sorted(tables))})"
            )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            import canopy

            raise StoreError(
                f"result store {self.path} has schema version {version} (written by canopy "
                f"{meta.get('canopy_version', '?')}); this canopy {canopy.__version__} reads schema version "
                f"{SCHEMA_VERSION} only -- use a new --store path or the matching canopy version"
            )
        rows = conn.execute("PRAGMA quick_check").fetchall()  # all: an unfinished statement holds a read snapshot
        row = rows[0] if rows else None
        if row is None or row[0] != "ok":
            raise StoreError(f"result store {self.path} is corrupt: quick_check says {row[0] if row else '?'}")

    def _init_schema(self) -> None:
        import canopy

        def create(conn: sqlite3.Connection) -> None:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?), "
                "('canopy_version', ?), ('created_at', ?)",
                (str(SCHEMA_VERSION), canopy.__version__, _now()),
            )

        self._immediate(create)

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"result store {self.path} is closed")
        return self._conn

    def _retry(self, fn: Any) -> Any:
        """Run ``fn`` retrying while another process holds the lock, up to ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or time.monotonic() > deadline:
                    raise StoreError(f"result store {self.path}: {exc}") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"result store {self.path} is corrupt: {exc}") from None

    def _immediate(self, body: Any) -> Any:
        """Run ``body(conn)`` in one IMMEDIATE transaction (rolled back on any exception), retried while locked."""

        def transaction() -> Any:
            conn = self._require()
            conn.execute("BEGIN IMMEDIATE")
            try:
                out = body(conn)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            return out

        return self._retry(transaction)

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[int]:
        """Run the statements in one IMMEDIATE transaction; return each statement's rowcount."""
        return self._immediate(  # type: ignore[no-any-return]
            lambda conn: [conn.execute(sql, params).rowcount for sql, params in statements])

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._retry(lambda: self._require().execute(sql, params).fetchall())

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
            _OPEN_PATHS[self._path_id] -= 1

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    @property
    def meta(self) -> dict[str, str]:
        """The ``meta`` table (schema_version, canopy_version, created_at)."""
        return dict(self._read("SELECT key, value FROM meta"))

    # ------------------------------------------------------------------ results
    @staticmethod
    def key(
        space: str,
        arch: str,
        proxy: str,
        settings: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> ResultKey:
        """Build the key of a result; ``settings`` is hashed with :func:`settings_hash`.

        Examples
        --------
        >>> ResultStore.key("nb201", "arch", "params", {"every_op": True}, 0).proxy
        'params'
        """
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise StoreError(f"seed must be an int, got {seed!r}")
        return ResultKey(str(space), str(arch), str(proxy), settings_hash(settings), int(seed))

    def put(
        self,
        key: ResultKey,
        value: Any,
        *,
        settings: Mapping[str, Any] | None = None,
        seconds: float | None = None,
        versions: Mapping[str, str] | None = None,
        overwrite: bool = False,
    ) -> bool:
        """Store one result in its own transaction.

        Parameters
        ----------
        key : ResultKey
        value : float or JSON-serialisable
        settings : mapping, optional
            The settings behind ``key.settings_hash`` (stored for readability; checked against the hash).
        seconds : float, optional
            Wall-clock seconds the computation took.
        versions : mapping, optional
            Package versions; default :func:`package_versions`.
        overwrite : bool, default False
            Replace an existing result. Otherwise an existing result is kept.

        Returns
        -------
        bool
            True when the row was written, False when it existed already (and ``overwrite`` is False).

        Raises
        ------
        StoreError
            On a settings/hash mismatch, a value that is not JSON, or a lock held past the timeout.
        """
        settings_d = dict(settings or {})
        if settings is not None and settings_hash(settings_d) != key.settings_hash:
            raise StoreError(f"settings {canonical_json(settings_d)} do not match the key's settings hash")
        value_text = canonical_json(value)
        score = None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            score = float(value)
        verb = "INSERT OR REPLACE" if overwrite else "INSERT OR IGNORE"
        sql = (
            f"{verb} INTO results (space, arch, proxy, settings_hash, seed, settings, value, score, seconds, "
            "versions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        params = (
            *key,
            canonical_json(settings_d),
            value_text,
            score,
            None if seconds is None else float(seconds),
            canonical_json(dict(versions) if versions is not None else package_versions()),
            _now(),
        )
        return self._write([(sql, params)])[0] > 0

    def get(self, key: ResultKey, default: Any = None, *, proxy_version: int | str | None = None) -> Result | Any:
        """The stored :class:`Result` for ``key``, or ``default``.

        With ``proxy_version``, a row written by another implementation version of the proxy (see
        :func:`stored_proxy_version`) counts as absent: ``default`` is returned.

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     k = s.key("nb201", "a", "p")
        ...     _ = s.put(k, 1.0, versions={"proxy_version": "2"})
        ...     s.get(k).value, s.get(k, proxy_version=2).value, s.get(k, proxy_version=3)
        (1.0, 1.0, None)
        """
        rows = self._read(
            "SELECT space, arch, proxy, settings_hash, seed, value, settings, seconds, versions, created_at "
            "FROM results WHERE space=? AND arch=? AND proxy=? AND settings_hash=? AND seed=?",
            tuple(key),
        )
        if not rows:
            return default
        result = _row_to_result(rows[0])
        if proxy_version is not None and stored_proxy_version(result.versions) != str(proxy_version):
            return default
        return result

    def has(self, key: ResultKey, *, proxy_version: int | str | None = None) -> bool:
        """Whether a result for ``key`` is stored (of that proxy implementation version, when given)."""
        return not self.missing([key], proxy_versions=None if proxy_version is None else {key.proxy: proxy_version})

    def missing(
        self, keys: Iterable[ResultKey], *, proxy_versions: Mapping[str, int | str] | None = None
    ) -> list[ResultKey]:
        """The keys (in the given order, without repeats) that have no usable stored result.

        Parameters
        ----------
        keys : iterable of ResultKey
        proxy_versions : mapping, optional
            proxy name -> implementation version (:attr:`canopy.proxies.registry.ProxySpec.version`). A row of
            a listed proxy written by another version is *stale* and counts as missing (:meth:`stale` lists
            them); proxies not listed match any version.

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     k = s.key("nb201", "a", "p")
        ...     len(s.missing([k, k]))
        ...     _ = s.put(k, 1.0)  # written without a proxy version: version 1
        ...     s.missing([k], proxy_versions={"p": 1}), len(s.missing([k], proxy_versions={"p": 2}))
        1
        ([], 1)
        """
        wanted = list(dict.fromkeys(keys))
        fresh, _ = self._present(self._read, wanted, proxy_versions)
        return [k for k in wanted if k not in fresh]

    def stale(self, keys: Iterable[ResultKey], proxy_versions: Mapping[str, int | str]) -> list[ResultKey]:
        """The keys whose stored row was written by another implementation version of its proxy.

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     k = s.key("nb201", "a", "p")
        ...     _ = s.put(k, 1.0, versions={"proxy_version": "1"})
        ...     s.stale([k], {"p": 2}) == [k], s.stale([k], {"p": "1"})
        (True, [])
        """
        wanted = list(dict.fromkeys(keys))
        _, old = self._present(self._read, wanted, proxy_versions)
        return [k for k in wanted if k in old]

    @staticmethod
    def _present(
        read: Any, keys: list[ResultKey], proxy_versions: Mapping[str, int | str] | None
    ) -> tuple[set[ResultKey], set[ResultKey]]:
        """(keys with a usable row, keys with a stale row) among ``keys``, read through ``read(sql, params)``."""
        fresh: set[ResultKey] = set()
        old: set[ResultKey] = set()
        expected = {str(p): str(v) for p, v in (proxy_versions or {}).items()}
        for (space, proxy, shash, seed), archs in _groups(keys).items():
            want = expected.get(proxy)
            for start in range(0, len(archs), 500):
                chunk = archs[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = read(
                    f"SELECT arch, versions FROM results WHERE space=? AND proxy=? AND settings_hash=? AND seed=? "
                    f"AND arch IN ({marks})",
                    (space, proxy, shash, seed, *chunk),
                )
                for arch, versions in rows:
                    key = ResultKey(space, arch, proxy, shash, seed)
                    if want is None or stored_proxy_version(json.loads(versions)) == want:
                        fresh.add(key)
                    else:
                        old.add(key)
        return fresh, old

    # ------------------------------------------------------------------ claims (concurrent workers)
    def claim(
        self,
        keys: Iterable[ResultKey],
        owner: ClaimOwner,
        *,
        limit: int,
        lease: float = 60.0,
        proxy_versions: Mapping[str, int | str] | None = None,
    ) -> tuple[list[ResultKey], list[ResultKey]]:
        """Claim up to ``limit`` of ``keys`` for ``owner``, in order, in one transaction.

        A key is claimable when it has no usable stored result (see :meth:`missing`) and no claim, or a
        claim of ``owner`` itself, or one whose lease has run out, or one of a dead process on this host (a
        worker killed with SIGKILL: its claims are taken over at once). Claims last ``lease`` seconds unless
        renewed (:meth:`renew_claims`). Several processes calling this on one store never claim the same key
        at once, so they share the work instead of repeating it.

        Returns
        -------
        (claimed, stored) : lists of ResultKey
            The keys now claimed by ``owner``, and the keys met on the way that have a usable result (computed
            by another worker). Keys in neither list were not looked at or are claimed by a live worker.

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     ks = [s.key("nb201", a, "p") for a in "abc"]
        ...     _ = s.put(ks[0], 1.0)
        ...     me, other = ClaimOwner.new(), ClaimOwner.new()
        ...     got, done = s.claim(ks, me, limit=1)
        ...     [k.arch for k in got], [k.arch for k in done], [k.arch for k in s.claim(ks, other, limit=5)[0]]
        (['b'], ['a'], ['c'])
        """
        if limit < 1:
            return [], []
        keys = keys if isinstance(keys, (list, tuple, dict)) else list(keys)  # re-iterable for a retry

        return self._immediate(  # type: ignore[no-any-return]
            lambda conn: self._claim_locked(conn, iter(keys), owner, limit, lease, proxy_versions))

    def _claim_locked(self, conn: sqlite3.Connection, wanted: Iterator[ResultKey], owner: ClaimOwner, limit: int,
                      lease: float, proxy_versions: Mapping[str, int | str] | None
                      ) -> tuple[list[ResultKey], list[ResultKey]]:
        """The claim transaction's body: looks at ``wanted`` 100 keys at a time and stops at ``limit``."""

        def read(sql: str, params: tuple[Any, ...]) -> list[Any]:
            return conn.execute(sql, params).fetchall()

        now = time.time()
        claimed: list[ResultKey] = []
        stored: list[ResultKey] = []
        alive: dict[int, bool] = {}
        unique = _unique(wanted)
        while chunk := list(itertools.islice(unique, 100)):
            fresh, _ = self._present(read, chunk, proxy_versions)
            holders: dict[ResultKey, tuple[str, str, int, float]] = {}
            for (space, proxy, shash, seed), archs in _groups(chunk).items():
                marks = ",".join("?" * len(archs))
                for arch, *row in read(
                    f"SELECT arch, owner, host, pid, lease_until FROM claims WHERE space=? AND proxy=? "
                    f"AND settings_hash=? AND seed=? AND arch IN ({marks})",
                    (space, proxy, shash, seed, *archs),
                ):
                    holders[ResultKey(space, arch, proxy, shash, seed)] = tuple(row)  # type: ignore[assignment]
            for key in chunk:
                if key in fresh:
                    stored.append(key)
                    continue
                holder = holders.get(key)
                if holder is not None and holder[0] != owner.token and holder[3] >= now:
                    h_host, h_pid = holder[1], int(holder[2])
                    if h_host != owner.host or h_pid == owner.pid:
                        continue  # another host (lease decides) or this process (another call: lease decides)
                    if alive.setdefault(h_pid, _pid_alive(h_pid)):
                        continue
                conn.execute(
                    "INSERT OR REPLACE INTO claims (space, arch, proxy, settings_hash, seed, owner, host, pid, "
                    "lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key, owner.token, owner.host, owner.pid, now + float(lease)),
                )
                claimed.append(key)
                if len(claimed) >= limit:
                    return claimed, stored
        return claimed, stored

    def renew_claims(self, owner: ClaimOwner, lease: float = 60.0) -> int:
        """Extend every claim of ``owner`` to ``lease`` seconds from now; return how many there are."""
        sql = "UPDATE claims SET lease_until=? WHERE owner=?"
        return self._write([(sql, (time.time() + float(lease), owner.token))])[0]

    def release_claims(self, owner: ClaimOwner, keys: Iterable[ResultKey] | None = None) -> int:
        """Drop the claims of ``owner`` (only those on ``keys`` when given); return how many were dropped."""
        if keys is None:
            return self._write([("DELETE FROM claims WHERE owner=?", (owner.token,))])[0]
        statements = [
            ("DELETE FROM claims WHERE owner=? AND space=? AND arch=? AND proxy=? AND settings_hash=? AND seed=?",
             (owner.token, *k))
            for k in dict.fromkeys(keys)
        ]
        return sum(self._write(statements)) if statements else 0

    def claims(self) -> list[dict[str, Any]]:
        """Every current claim (``key``, ``owner``, ``host``, ``pid``, ``lease_until``), for inspection."""
        rows = self._read(
            "SELECT space, arch, proxy, settings_hash, seed, owner, host, pid, lease_until FROM claims "
            "ORDER BY space, proxy, settings_hash, seed, arch"
        )
        return [{"key": ResultKey(r[0], r[1], r[2], r[3], int(r[4])), "owner": r[5], "host": r[6], "pid": int(r[7]),
                 "lease_until": float(r[8])} for r in rows]

    def iter_results(
        self,
        *,
        space: str | None = None,
        proxy: str | None = None,
        settings: Mapping[str, Any] | None = None,
        seed: int | None = None,
        arch: str | None = None,
    ) -> Iterator[Result]:
        """Iterate stored results matching every given filter (ordered by key).

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     _ = s.put(s.key("nb201", "a", "p"), 1.0)
        ...     _ = s.put(s.key("nb201", "b", "q"), 2.0)
        ...     [r.key.arch for r in s.iter_results(proxy="q")]
        ['b']
        """
        where, params = _filters(space=space, proxy=proxy, settings=settings, seed=seed, arch=arch)
        rows = self._read(
            "SELECT space, arch, proxy, settings_hash, seed, value, settings, seconds, versions, created_at "
            f"FROM results{where} ORDER BY space, proxy, settings_hash, seed, arch",
            params,
        )
        for row in rows:
            yield _row_to_result(row)

    def count(self, **filters: Any) -> int:
        """Number of stored results matching the filters of :meth:`iter_results`."""
        where, params = _filters(**filters)
        return int(self._read(f"SELECT COUNT(*) FROM results{where}", params)[0][0])

    def __len__(self) -> int:
        return self.count()

    def to_dataframe(self, **filters: Any) -> Any:
        """Results as a :class:`pandas.DataFrame` (one row per result; ``value`` decoded, ``score`` float).

        Columns: space, arch, proxy, settings_hash, seed, settings, value, score, seconds, versions,
        created_at.
        """
        import pandas as pd

        rows = [_result_record(r) for r in self.iter_results(**filters)]
        return pd.DataFrame(rows, columns=_EXPORT_COLUMNS)

    def export_csv(self, path: str | os.PathLike[str], **filters: Any) -> int:
        """Write the results to a CSV file (settings/value/versions as JSON text); return the row count."""
        n = 0
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(_EXPORT_COLUMNS)
            for result in self.iter_results(**filters):
                rec = _result_record(result)
                for col in ("settings", "value", "versions"):
                    rec[col] = canonical_json(rec[col])
                writer.writerow([rec[c] for c in _EXPORT_COLUMNS])
                n += 1
        return n

    def export_json(self, path: str | os.PathLike[str], **filters: Any) -> int:
        """Write the results as a JSON list of records; return the row count."""
        records = [_result_record(r) for r in self.iter_results(**filters)]
        Path(path).write_text(json.dumps(records, indent=1, allow_nan=True) + "\n")
        return len(records)

    # ------------------------------------------------------------------ named runs
    def start_run(self, name: str, config: Mapping[str, Any] | None = None, *, kind: str = "run") -> int:
        """Create the named run, or reopen it when it exists with the same config; return its id.

        Parameters
        ----------
        name : str
            Unique run name (e.g. ``"evolution-vkdnw-seed0"``).
        config : mapping, optional
            Everything that defines the run (proxy, settings, budget, seed, ...).
        kind : str, default "run"
            A free label (``"search"``, ``"random"``, ...).

        Raises
        ------
        StoreError
            A run of that name exists with another config.

        Examples
        --------
        >>> import tempfile, os
        >>> with ResultStore(os.path.join(tempfile.mkdtemp(), "s.sqlite")) as s:
        ...     run = s.start_run("evo-0", {"proxy": "params", "seed": 0}, kind="search")
        ...     s.add_step(run, 0, {"arch": "a", "fitness": 1.0})
        ...     s.add_step(run, 1, {"arch": "b", "fitness": 2.0})
        ...     s.start_run("evo-0", {"seed": 0, "proxy": "params"}) == run, s.last_step(run)
        True
        True
        (True, 1)
        """
        config_text = canonical_json(dict(config or {}))
        self._write(
            [
                (
                    "INSERT OR IGNORE INTO runs (name, kind, config, created_at) VALUES (?, ?, ?, ?)",
                    (str(name), str(kind), config_text, _now()),
                )
            ]
        )
        run_id, stored = self._read("SELECT run_id, config FROM runs WHERE name=?", (str(name),))[0]
        if stored != config_text:
            raise StoreError(f"run {name!r} exists in {self.path} with another config: {stored}")
        return int(run_id)

    def runs(self, kind: str | None = None) -> list[dict[str, Any]]:
        """All runs (``run_id``, ``name``, ``kind``, ``config``, ``created_at``, ``steps``), oldest first."""
        sql = (
            "SELECT r.run_id, r.name, r.kind, r.config, r.created_at, COUNT(s.step) FROM runs r "
            "LEFT JOIN run_steps s ON s.run_id = r.run_id"
        )
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE r.kind=?"
            params = (kind,)
        sql += " GROUP BY r.run_id ORDER BY r.run_id"
        return [
            {"run_id": r[0], "name": r[1], "kind": r[2], "config": json.loads(r[3]), "created_at": r[4],
             "steps": r[5]}
            for r in self._read(sql, params)
        ]

    def add_step(self, run_id: int, step: int, payload: Any) -> bool:
        """Append one step row (one transaction); return False if that step was stored already."""
        sql = "INSERT OR IGNORE INTO run_steps (run_id, step, payload, created_at) VALUES (?, ?, ?, ?)"
        return self._write([(sql, (int(run_id), int(step), canonical_json(payload), _now()))])[0] > 0

    def steps(self, run_id: int) -> list[Any]:
        """The payloads of a run's steps, in step order."""
        rows = self._read("SELECT payload FROM run_steps WHERE run_id=? ORDER BY step", (int(run_id),))
        return [json.loads(p) for (p,) in rows]

    def last_step(self, run_id: int) -> int | None:
        """The largest stored step of a run, or ``None`` for a run without steps."""
        value = self._read("SELECT MAX(step) FROM run_steps WHERE run_id=?", (int(run_id),))[0][0]
        return None if value is None else int(value)


_EXPORT_COLUMNS = [
    "space", "arch", "proxy", "settings_hash", "seed", "settings", "value", "score", "seconds", "versions",
    "created_at",
]


class ClaimOwner(NamedTuple):
    """Who holds a claim: a unique token per :func:`run_items` call, the host name and the process id."""

    token: str
    host: str
    pid: int

    @classmethod
    def new(cls) -> ClaimOwner:
        """A fresh owner for this process.

        Examples
        --------
        >>> a, b = ClaimOwner.new(), ClaimOwner.new()
        >>> a.token != b.token and a.pid == b.pid == os.getpid()
        True
        """
        return cls(uuid.uuid4().hex, socket.gethostname(), os.getpid())


def renew_claims_at(path: str | os.PathLike[str], owner: ClaimOwner, lease: float, *, timeout: float = 60.0
                    ) -> int:
    """:meth:`ResultStore.renew_claims` through a connection of its own (for a heartbeat thread); return the count.

    Opens no :class:`ResultStore` (whose header check reads the file with ``open()``: closing that descriptor
    would drop every POSIX lock this process holds on the file, those of its open store included).
    """
    try:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open result store {path}: {exc}") from None
    try:
        cur = conn.execute("UPDATE claims SET lease_until=? WHERE owner=?", (time.time() + float(lease), owner.token))
        return int(cur.rowcount)
    except sqlite3.Error as exc:
        raise StoreError(f"result store {path}: {exc}") from None
    finally:
        conn.close()


def stored_proxy_version(versions: Mapping[str, Any]) -> str:
    """The proxy implementation version recorded in a row's ``versions`` (``"1"`` when it has none).

    Examples
    --------
    >>> stored_proxy_version({"python": "3.12"}), stored_proxy_version({"proxy_version": 3})
    ('1', '3')
    """
    return str(versions.get(PROXY_VERSION_FIELD, 1))


def _pid_alive(pid: int) -> bool:
    """Whether a process of that id exists on this host (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _unique(keys: Iterable[ResultKey]) -> Iterator[ResultKey]:
    seen: set[ResultKey] = set()
    for key in keys:
        if key not in seen:
            seen.add(key)
            yield key


def _groups(keys: Iterable[ResultKey]) -> dict[tuple[str, str, str, int], list[str]]:
    groups: dict[tuple[str, str, str, int], list[str]] = {}
    for k in keys:
        groups.setdefault((k.space, k.proxy, k.settings_hash, k.seed), []).append(k.arch)
    return groups


def _filters(**filters: Any) -> tuple[str, tuple[Any, ...]]:
    clauses, params = [], []
    for name, value in filters.items():
        if value is None:
            continue
        if name == "settings":
            clauses.append("settings_hash=?")
            params.append(settings_hash(value))
        elif name in ("space", "proxy", "seed", "arch", "settings_hash"):
            clauses.append(f"{name}=?")
            params.append(value)
        else:
            raise StoreError(f"unknown result filter {name!r}")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _row_to_result(row: tuple[Any, ...]) -> Result:
    space, arch, proxy, shash, seed, value, settings, seconds, versions, created_at = row
    return Result(
        key=ResultKey(space, arch, proxy, shash, int(seed)),
        value=json.loads(value),
        settings=json.loads(settings),
        seconds=seconds,
        versions=json.loads(versions),
        created_at=created_at,
    )


def _result_record(result: Result) -> dict[str, Any]:
    return {
        **result.key._asdict(),
        "settings": result.settings,
        "value": result.value,
        "score": result.score,
        "seconds": result.seconds,
        "versions": result.versions,
        "created_at": result.created_at,
    }
