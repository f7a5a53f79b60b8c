"""Case files in and out: the JSON that `coregroup import` reads and `coregroup export` writes.

The canonical form is the one `export` writes: every field of every record, in declaration
order, two-space indented, UTF-8, with a final newline. The format is described by
`data/case.schema.json` and docs/case-file-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..domain.records import Case
from ..domain.schema import json_schema
from .files import StoreError


def export_text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def read_case_file(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror}") from None
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
