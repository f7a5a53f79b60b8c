"""Case files in and out: the JSON that `coregroup import` reads and `coregroup export` writes.

The canonical form is the one `export` writes: every field of every record, in declaration
order, two-space indented, UTF-8, with a final newline. The format is described by
`data/case.schema.json` and docs/case-file-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from ..domain.records import Case
from ..domain.schema import InvalidRecord, json_schema
from .base import CaseStore
from .files import StoreError


def export_text(data: dict[str, Any]) -> str:
    return export_bytes(data).decode("utf-8")


def export_bytes(data: dict[str, Any]) -> bytes:
    """The canonical form of `data` (a case as `schema.dump` gives it), encoded as UTF-8.

    orjson writes the same bytes as `json.dumps(data, indent=2, ensure_ascii=False)` for the
    values a case holds (text, whole numbers, true / false, null, lists and objects with text
    keys; tests/test_store_speedups.py compares them); for anything else it cannot write, json
    does, as before."""
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
    except (orjson.JSONEncodeError, TypeError):
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_case_file(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}") from None
    return _parse(path, raw)


def import_case_file(store: CaseStore, path: Path, *, replace: bool = False) -> Case:
    """`coregroup import FILE`: read FILE, check every field, and save the case in `store`.

    orjson reads the file (several times faster than json). For a file it reads without error it
    gives what json gives, except that json keeps a whole number too large for 64 bits as a
    number where orjson makes it a fraction; either way such a file is refused, and when a file
    is refused it is read again by json, so that the problem is said exactly as before."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return store.import_data(_parse(path, raw), replace=replace)
    try:
        return store.import_data(data, replace=replace)
    except InvalidRecord:
        return store.import_data(_parse(path, raw), replace=replace)


def _parse(path: Path, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path} is not UTF-8 text (byte {exc.start + 1}); nothing was imported") from None
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; nothing was imported"
        ) from None


def case_schema() -> dict[str, Any]:
    return json_schema(Case, "coregroup case file")
