"""Sphinx configuration of CANOPY's API reference (built from the numpydoc docstrings).

The narrative guide is ``docs/guide/*.md`` (Markdown through MyST; every page there joins the site through
the ``guide/*`` glob in ``index.rst``).  Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (CI runs it with warnings as
errors, through ``tests/test_docs.py``).  The per-module pages are generated at build time from the packages
themselves (every public module of ``tropical`` and ``canopy``), so a moved or new module is documented
without editing this folder; the generated sources and the built HTML are not committed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

project = "CANOPY"
author = "The CANOPY developers"
copyright = "2026, The CANOPY developers"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode", "myst_parser"]
# the narrative guide pages (docs/guide/*.md) are Markdown, read by MyST; "#bad-input"-style links resolve to headings
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 4
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections carry the types
html_theme = "alabaster"
exclude_patterns = ["_build"]
# a package re-exports names (its façade); their documentation lives on the defining module's page
suppress_warnings = ["autodoc.import_object", "ref.python",
                     # a guide page may link a repository file outside docs/ (../../proofs/local.md), which is no
                     # document of this site; tests/test_guide.py checks that every such link and anchor resolves
                     "myst.xref_missing"]

GENERATED = Path(__file__).resolve().parent / "api"


def _public_modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return sorted(names)


def _write_api_pages() -> None:
    GENERATED.mkdir(exist_ok=True)
    index = ["API reference", "=============", "",
             "One page per public module, generated from the docstrings.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    for package in ("tropical", "canopy"):
        for name in _public_modules(package):
            if name.endswith("__main__"):
                continue
            title = f"``{name}``"
            is_package = hasattr(importlib.import_module(name), "__path__")
            body = [title, "=" * len(title), "", f".. automodule:: {name}"]
            if is_package:
                # the package page shows its docstring; its re-exported names are documented where defined
                body += ["   :no-members:"]
            (GENERATED / f"{name}.rst").write_text("\n".join(body) + "\n", encoding="utf-8")
            index.append(f"   {name}")
    (GENERATED / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")


_write_api_pages()
