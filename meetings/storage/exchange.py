"""Case files in and out: the JSON that `coregroup import` reads and `coregroup export` writes.

The canonical form is the one `export` writes: every field of every record, in declaration
order, two-space indented, UTF-8, with a final newline. The format is described by
`data/case.schema.json` and docs/case-file-format.md.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import orjson

from ..domain.changes import history_json_schema
from ..domain.records import Case
from ..domain.schema import json_schema
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


# The largest case file `import` reads: a ten-year case is under 4 MB, so this is far beyond any
# real case, and refuses an endless file (/dev/zero) before it fills the memory.
MAX_CASE_FILE_BYTES = 100 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def _read(path: Path) -> bytes:
    """The bytes of a case file to import: a regular file (not a pipe or a device, which could
    hang or never end), of at most MAX_CASE_FILE_BYTES, without a UTF-8 byte-order mark."""
    try:
        info = path.stat()
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path} is not a file (a folder, a pipe or a device?); nothing was imported")
    if info.st_size > MAX_CASE_FILE_BYTES:
        raise StoreError(
            f"{path} is {info.st_size / 1024 / 1024:,.0f} MB; a case file is at most "
            f"{MAX_CASE_FILE_BYTES // 1024 // 1024} MB. Nothing was imported."
        )
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_CASE_FILE_BYTES + 1)
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_CASE_FILE_BYTES:
        raise StoreError(f"{path} is larger than a case file can be; nothing was imported")
    return raw[len(_BOM) :] if raw.startswith(_BOM) else raw


def read_case_file(path: Path) -> Any:
    return _parse(path, _read(path))


def import_case_file(store: CaseStore, path: Path, *, replace: bool = False) -> Case:
    """`coregroup import FILE`: read FILE, check every field, and save the case in `store`.

    The file is read by json, refusing an object that names the same field twice (json would
    keep the last silently), a nesting too deep to be a case and a number too long to be one."""
    return store.import_data(_parse(path, _read(path)), replace=replace)


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Duplicate(key)
        found[key] = value
    return found


def _parse(path: Path, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path} is not UTF-8 text (byte {exc.start + 1}); nothing was imported") from None
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; nothing was imported"
        ) from None
    except _Duplicate as exc:
        raise StoreError(
            f"{path} names the field {str(exc)[:80]!r} twice in one record; nothing was imported"
        ) from None
    except RecursionError:
        raise StoreError(f"{path} nests records deeper than a case file can; nothing was imported") from None
    except ValueError:  # a number of thousands of digits (Python's limit on reading them)
        raise StoreError(f"{path} holds a number far too long for a case file; nothing was imported") from None


def case_schema() -> dict[str, Any]:
    found = json_schema(Case, "coregroup case file")
    found["properties"]["history"] = history_json_schema()  # optional: written only when there is one
    return found
