"""The JSON Schema shipped for other tools describes exactly the format `export` writes."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from meetings.domain.locations import data_dir
from meetings.storage.exchange import case_schema

SHIPPED = json.loads((data_dir() / "case.schema.json").read_text(encoding="utf-8"))
DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def test_the_shipped_schema_is_the_one_the_records_describe() -> None:
    assert case_schema() == SHIPPED, "run `python scripts/refresh_data.py` after changing the records"


def test_the_shipped_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SHIPPED)


def test_the_demo_case_validates_against_the_shipped_schema() -> None:
    validator = jsonschema.Draft202012Validator(SHIPPED, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(DEMO)] == []


def _zoom(case: dict[str, Any]) -> None:
    case["meetings"][0]["attendees"][0]["mode"] = "zoom"


@pytest.mark.parametrize(
    "change",
    [
        _zoom,
        lambda c: c.update(colour="red"),
        lambda c: c.pop("icpc_date"),
        lambda c: c["children"][0].update(name=""),
        lambda c: c["people"][0].update(name="Jo\nExample"),
        lambda c: c.update(icpc_date="9 July 2026"),
    ],
    ids=["unknown enum value", "unknown field", "missing field", "empty name", "line break", "date form"],
)
def test_other_tools_refuse_what_coregroup_refuses(change: Any) -> None:
    case = copy.deepcopy(DEMO)
    change(case)
    assert not jsonschema.Draft202012Validator(SHIPPED).is_valid(case)
