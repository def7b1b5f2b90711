"""Helpers to open benchmark files with one clear :class:`~canopy.errors.DataFileError` per problem."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from canopy.errors import DataFileError


def data_file(data_dir: Path, relpath: str) -> Path:
    """``data_dir / relpath``, or DataFileError naming the missing file."""
    path = Path(data_dir) / relpath
    if not path.is_file():
        raise DataFileError(f"benchmark data file {path} is missing (expected {relpath} under {data_dir})")
    return path


def read_csv(path: Path, required: tuple[str, ...], expected_rows: int | None = None) -> list[dict[str, str]]:
    """Read a CSV as a list of dicts; check the header and the row count."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise DataFileError(f"benchmark data file {path} is corrupt: missing column(s) {missing}")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFileError(f"cannot read benchmark data file {path}: {exc}") from None
    if expected_rows is not None and len(rows) != expected_rows:
        raise DataFileError(
            f"benchmark data file {path} is truncated or corrupt: {len(rows)} rows, expected {expected_rows}"
        )
    for r, row in enumerate(rows):
        if None in row or any(row.get(c) is None for c in required):
            raise DataFileError(f"benchmark data file {path} is corrupt: row {r + 2} has a wrong number of fields")
    return rows


def to_float(path: Path, row: int, column: str, text: str, *, allow_empty: bool = False) -> float:
    """Parse one numeric field or raise DataFileError naming file, row and column."""
    if allow_empty and text == "":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise DataFileError(
            f"benchmark data file {path} is corrupt: row {row + 2} column {column!r} is not a number: {text!r}"
        ) from None


def verify_sha256(data_dir: Path, relpaths) -> None:
    """Check files against ``data_dir/SHA256SUMS`` (if that file exists); DataFileError on a mismatch."""
    sums_path = Path(data_dir) / "SHA256SUMS"
    if not sums_path.is_file():
        return
    expected = {}
    for line in sums_path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            expected[parts[1].lstrip("*")] = parts[0]
    for rel in relpaths:
        if rel not in expected:
            continue
        h = hashlib.sha256()
        with open(Path(data_dir) / rel, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != expected[rel]:
            raise DataFileError(f"benchmark data file {Path(data_dir) / rel} does not match its SHA256SUMS entry")
