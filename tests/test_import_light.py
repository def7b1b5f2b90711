"""`import tropical` pulls in neither numpy nor torch (nor any other heavy or test-only package)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "torch", "scipy", "sympy", "pandas", "matplotlib", "hypothesis", "networkx")


def _modules_after(stmt: str) -> set[str]:
    code = f"import sys, json\n{stmt}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in json.loads(out)}


def test_import_tropical_is_light():
    mods = _modules_after("import tropical")
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_using_the_core_stays_light():
    stmt = (
        "import tropical\n"
        "net = tropical.ReLUNetwork.random(2, [3], seed=0)\n"
        "m = net.to_tropical(); m.evaluate([1, 2]); m[0].upper_vertex_bound()\n"
        "tropical.count_regions(net)"
    )
    mods = _modules_after(stmt)
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_facade_all_is_complete():
    import tropical

    for name in tropical.__all__:
        assert hasattr(tropical, name), name
    assert len(set(tropical.__all__)) == len(tropical.__all__)
