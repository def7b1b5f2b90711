"""Durable result store: every computed score survives a crash, and a restarted run skips it.

:class:`ResultStore` is a single SQLite file in WAL mode. A *result* is keyed by
``(space, arch, proxy, settings, seed)``:

* ``space`` -- the search space (``"nb201"``, ``"darts"``, ...);
* ``arch`` -- the architecture in its canonical *encoding* (for NB201 the arch string re-serialised by
  :class:`canopy.spaces.nb201.NB201Cell`). Isomorphic cells are *different* keys on purpose: they are
  different trained networks in the benchmark and proxies that depend on parameter order may differ;
* ``proxy`` -- the proxy name;
* ``settings`` -- a mapping of proxy settings, stored as canonical JSON (sorted keys, no spaces) and keyed by
  its SHA-256 prefix (:func:`settings_hash`);
* ``seed`` -- an int.

The value is a float score or any JSON payload (NaN and infinities allowed), with the wall-clock seconds, the
package versions that produced it and a UTC timestamp.

Durability: one transaction per :meth:`ResultStore.put`, ``synchronous=NORMAL`` in WAL mode, so a process
killed with SIGKILL loses at most the result it was writing (a power loss may also lose the last few commits,
never corrupt the file). Several processes may write at once: each waits on the SQLite lock
(``timeout`` seconds) and retries.

Freshness: each row records, in its ``versions``, the implementation version of its proxy
(:attr:`canopy.proxies.registry.ProxySpec.version`, under ``"proxy_version"``); :meth:`ResultStore.missing`
and :meth:`ResultStore.get` given the current versions treat a row of another version as absent (stale), so
changed proxy code never reuses old scores. Values that depend on ground truth (search trajectories) carry
its source in their run config.

Concurrent workers: :meth:`ResultStore.claim` gives each worker items no other live worker holds (a
``claims`` table with owner token, host, pid and lease time; a claim of a dead process or an expired lease
is taken over), so two ``canopy evaluate`` runs on one store split the work.

Compatibility: a ``meta`` table records the schema version and the canopy version that created the file.
Opening a store of another schema version raises :class:`canopy.errors.StoreError` naming both versions
*before anything is written*; a file that is not a SQLite database (or fails ``PRAGMA quick_check``) raises
:class:`~canopy.errors.StoreError` too.

Named runs (e.g. search trajectories): :meth:`ResultStore.start_run` creates or reopens a run by name and
config; :meth:`ResultStore.add_step` appends one JSON row per step (one transaction each);
:meth:`ResultStore.steps` reads them back in step order, so a restarted search can resume from the last step.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "results.sqlite")
>>> with ResultStore(path) as store:
...     key = store.key("nb201", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "params", {"every_op": True})
...     store.put(key, 1.5, seconds=0.01)
...     store.get(key).value
True
1.5
"""

from __future__ import annotations

from canopy.store.keys import Result, ResultKey, canonical_json, package_versions, settings_hash
from canopy.store.sqlite import (
    PROXY_VERSION_FIELD,
    SCHEMA_VERSION,
    ClaimOwner,
    ResultStore,
    stored_proxy_version,
)

__all__ = [
    "SCHEMA_VERSION",
    "PROXY_VERSION_FIELD",
    "ClaimOwner",
    "stored_proxy_version",
    "ResultKey",
    "Result",
    "ResultStore",
    "canonical_json",
    "settings_hash",
    "package_versions",
]
