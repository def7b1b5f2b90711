"""``canopy regions`` / ``canopy verify`` take the exact backend and the guidance switch; results are identical."""

from __future__ import annotations

import json

import pytest
from _backends import BACKENDS

from canopy.cli import main
from tropical import backend as B
from tropical.backend import get_backend, guided, set_backend, set_guided


@pytest.fixture(autouse=True)
def restore_backend():
    old, was, comp = get_backend(), guided(), B._state["compiled"]
    yield
    set_backend(old)
    set_guided(was)
    B._state["compiled"] = comp


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_regions_same_counts_on_every_path(capsys, backend):
    args = ["regions", "--input", "2", "--widths", "4,3", "--json"]
    ref = run_json(capsys, args + ["--backend", "python", "--no-guided", "--no-compiled"])
    assert not B.compiled()  # --no-compiled switched the kernel off
    B._state["compiled"] = None  # back to the default (the kernel when it is built)
    got = run_json(capsys, args + ["--backend", backend])
    for key in ("activation_regions", "linear_regions", "distinct_affine_maps"):
        assert got[key] == ref[key]
    assert got["stopped"] is None and not got["partial"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify_passes_on_every_path(capsys, backend):
    assert main(["verify", "--widths", "3,3", "--points", "5", "--backend", backend, "--json"]) == 0
    assert main(["verify", "--widths", "3,3", "--points", "5", "--no-guided", "--json"]) == 0


def test_unknown_backend_is_an_argparse_error(capsys):
    assert main(["regions", "--backend", "gmp"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and err.count("\n") == 1
