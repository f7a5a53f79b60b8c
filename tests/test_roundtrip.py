"""A case goes into the store and comes out exactly as it went in."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from case_strategies import valid_cases
from hypothesis import HealthCheck, given, settings

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.records import Case
from meetings.storage.exchange import export_text
from meetings.storage.store import Store

DEMO_PATH = data_dir() / "demo" / "demo-case.json"
DEMO_TEXT = DEMO_PATH.read_text(encoding="utf-8")


def test_demo_file_imports_and_exports_to_the_same_content(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.import_data(json.loads(DEMO_TEXT))
    assert store.export_data("DEMO-0001") == json.loads(DEMO_TEXT)


def test_export_of_a_case_just_imported_gives_back_the_file_exactly(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.import_data(json.loads(DEMO_TEXT))
    assert export_text(store.export_data("DEMO-0001")) == DEMO_TEXT


def test_a_case_saved_record_by_record_exports_the_same_as_it_reads(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.import_data(json.loads(DEMO_TEXT))
    with store.open("DEMO-0001") as case_file:
        for action in case_file.case.actions:
            case_file.save(action)
        case_file.save()
    assert export_text(store.export_data("DEMO-0001")) == DEMO_TEXT


# ----- generated cases (tests/case_strategies.py) -----------------------------------------------
_PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(valid_cases())
def test_dump_load_dump_gives_the_same_data(data: dict[str, Any]) -> None:
    canonical = schema.dump(schema.load(Case, data))
    assert schema.dump(schema.load(Case, json.loads(export_text(canonical)))) == canonical


@_PROPERTY
@given(valid_cases())
def test_store_import_then_export_gives_the_same_case(data: dict[str, Any]) -> None:
    canonical = schema.dump(schema.load(Case, data))
    folder = Path(tempfile.mkdtemp(prefix="coregroup-test-"))
    try:
        store = Store(folder)
        store.import_data(json.loads(export_text(canonical)))
        exported = store.export_data(canonical["id"])
        assert exported == canonical
        assert export_text(exported) == export_text(canonical)
    finally:
        shutil.rmtree(folder)
