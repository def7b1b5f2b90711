"""No import cycle between ``canopy`` modules (static: every ``import`` statement, also inside functions).

``from pkg import name`` counts as importing ``pkg.name`` when that is a module, else ``pkg``; relative
imports are resolved.  Implicit imports of parent packages are not edges (a package ``__init__`` importing
its own submodules is not a cycle of the code's layering).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> dict[str, Path]:
    base = ROOT / package
    out = {}
    for path in base.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    is_pkg = path.name == "__init__.py"
    here = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:  # `import canopy.x.y` of a name inside a module
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def import_graph(package: str = "canopy") -> nx.DiGraph:
    modules = _modules(package)
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        g.add_edges_from((name, t) for t in _imports(name, path, modules))
    return g


def test_the_walker_sees_imports_and_would_see_a_cycle():
    g = import_graph()
    assert g.has_edge("canopy.nas.cells", "canopy.nas._fast")
    assert g.has_edge("canopy.nas._fast", "canopy.spaces.skeleton")
    g.add_edge("canopy.spaces.skeleton", "canopy.nas.cells")  # a planted back edge is found
    assert list(nx.simple_cycles(g))


def _message(cycles):
    return "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def test_no_import_cycle_between_canopy_modules():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, _message(cycles)
