"""The README and the guide pages (docs/guide/*.md): their Python examples run, their links resolve.

The README is the overview and stays short; the detail lives in ``docs/guide/*.md`` (built into the Sphinx site by
``tests/test_docs.py``).  Here:

* every relative link of README.md and of every guide page points to a file that exists, and every ``#anchor`` to a
  heading of the target (GitHub's slug rule, which MyST's ``myst_heading_anchors`` follows);
* every ``python`` block of the README runs, and a ``print(...)  # text`` line must print ``text`` (the whole line,
  or its last words: ``# 96470.91`` after a labelled f-string);
* every ``python`` block of every guide page runs (one fresh process per page, the page's blocks in order in one
  namespace, as a reader would paste them); pages whose examples read the benchmark data skip without it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = sorted((ROOT / "docs" / "guide").glob("*.md"))
README_MAX_BYTES = 40_000  # the README is the overview: move long sections into docs/guide/*.md

_FENCE = re.compile(r"^```(\w*)\s*$")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_PRINT = re.compile(r"^(\s*)print\((.*)\)\s+#\s(.*?)\s*$")


def code_blocks(path: Path, language: str = "python") -> list[tuple[int, str]]:
    """The fenced blocks of ``language`` in ``path`` as (first line number, code)."""
    blocks, current, start, lang = [], None, 0, ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _FENCE.match(line)
        if m and current is None:
            current, start, lang = [], number + 1, m.group(1)
        elif line.startswith("```") and current is not None:
            if lang == language:
                blocks.append((start, "\n".join(current) + "\n"))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _prose(path: Path) -> str:
    """The text of ``path`` outside fenced code blocks."""
    out, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            out.append(line)
    return "\n".join(out)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {github_slug(line.lstrip("#")) for line in _prose(path).splitlines() if re.match(r"#{1,6} ", line)}


@pytest.mark.parametrize("page", [README, *GUIDE], ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    bad = []
    for target in _LINK.findall(_prose(page)):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading with anchor #{anchor} in {dest.name}")
    assert not bad, f"{page.name}: " + "; ".join(bad)


def test_readme_is_an_overview_that_links_every_guide_page():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, (
        f"README.md is {size:,} bytes (limit {README_MAX_BYTES:,}): move detail into a page of docs/guide/")
    assert GUIDE, "docs/guide/ has no pages"
    linked = set(_LINK.findall(_prose(README)))
    missing = [p.name for p in GUIDE if f"docs/guide/{p.name}" not in linked]
    assert not missing, f"README.md links no guide page {missing}"


def _expecting_prints(code: str) -> str:
    """Turn each ``print(args)  # text`` line into a call that checks the printed line ends with ``text``."""
    lines = []
    for line in code.splitlines():
        m = _PRINT.match(line)
        if m:
            indent, args, expected = m.groups()
            line = f"{indent}__expect({expected!r})({args})"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _expect(expected: str):
    def check(*args: object) -> None:
        got = " ".join(str(a) for a in args)
        assert got == expected or got.endswith(" " + expected), f"printed {got!r}, the README says {expected!r}"
    return check


@pytest.mark.parametrize("start,code", code_blocks(README), ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_readme_python_examples_run_and_print_what_they_say(start, code, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    namespace = {"__name__": "__readme__", "__expect": _expect}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_expecting_prints(code), f"README.md:{start}", "exec"), namespace)  # noqa: S102


def test_print_expectations_are_checked():
    """The checker fails on a wrong comment (so the test above can fail)."""
    code = _expecting_prints("print(1 + 1)  # 3\n")
    with pytest.raises(AssertionError, match="the README says '3'"):
        exec(code, {"__expect": _expect})  # noqa: S102


_NEEDS_DATA = ("../shared/data", "ground_truth(")


@pytest.mark.slow
@pytest.mark.parametrize("page", GUIDE, ids=lambda p: p.name)
def test_guide_python_examples_run(page, tmp_path):
    blocks = code_blocks(page)
    if not blocks:
        pytest.skip(f"{page.name} has no python example")
    source = "\n".join(
        f"# --- {page.name}, line {start}\n{code}" for start, code in blocks)
    data = os.environ.get("CANOPY_DATA_DIR")
    if any(marker in source for marker in _NEEDS_DATA):
        if not data or not Path(data).is_dir():
            pytest.skip(f"SKIPPED: {page.name}'s examples read the benchmark data; set CANOPY_DATA_DIR")
        # the examples are written from a clone beside the shared folder: ../shared/data
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "data").symlink_to(Path(data).resolve())
    work = tmp_path / "clone"
    work.mkdir()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", source], cwd=work, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, textwrap.shorten(proc.stderr[-3000:], 3000)
