"""Every notebook in ``notebooks/`` runs top to bottom (nbclient), and is committed without outputs.

Notebooks whose metadata says ``canopy.needs_data`` get ``CANOPY_DATA_DIR`` from the ``data_dir`` fixture and
are skipped (loudly) without the benchmark data.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def test_there_are_five_notebooks():
    names = [p.name[:2] for p in NOTEBOOKS]
    assert names == ["01", "02", "03", "04", "05"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_defines_no_library_code(path):
    book = _read(path)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"{path.name}: outputs in git"
            assert "class " not in cell.source, f"{path.name}: notebooks are narrative only"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, request, monkeypatch):
    import nbformat  # noqa: F401
    from nbclient import NotebookClient

    book = _read(path)
    if book.metadata.get("canopy", {}).get("needs_data"):
        data_dir = request.getfixturevalue("data_dir")  # skips loudly without data
        monkeypatch.setenv("CANOPY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=dict(os.environ))
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
