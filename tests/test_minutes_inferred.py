"""Issue 22, point 3: the minutes say, in a minute-taker's neutral words, what the record holds
that coregroup inferred from an older case file and no one has confirmed: only when there is
any, and in the family copy only what it may hold. Written through the CLI as a minute-taker
does, read back with python-docx. Fictional data only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from test_facts_recorded import two_children_v1

from meetings.domain.locations import data_dir
from meetings.domain.records import ChildAtVisit, NotSeenReason
from meetings.storage.store import Store
from tui.cli import main

HEADING = "Inferred by coregroup, not yet confirmed"


def section(store: Store, case_id: str, tmp_path: Path, copy: str) -> list[str]:
    """The paragraphs of the minutes of meeting 2 under the heading, until the next heading."""
    out = tmp_path / f"minutes-{copy}.docx"
    args = ["--store", str(store.root), "minutes", case_id, "--meeting", "2", "--copy", copy, "--out", str(out)]
    assert main(args) == 0
    paragraphs = docx.Document(str(out)).paragraphs
    starts = [i for i, p in enumerate(paragraphs) if p.style is not None and p.style.name == "Heading 1"]
    at = next((i for i in starts if paragraphs[i].text == HEADING), None)
    if at is None:
        return []
    end = next((i for i in starts if i > at), len(paragraphs))
    return [p.text for p in paragraphs[at + 1 : end]]


def test_the_minutes_list_what_coregroup_inferred_and_the_family_copy_only_what_it_may_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "store")
    case = store.import_data(two_children_v1())
    with store.open(case.id) as case_file:  # the chair marks the first visit restricted
        first = min(case_file.case.visits, key=lambda v: v.date)
        first.restricted = True
        case_file.save(first)
    full = section(store, case.id, tmp_path, "full")
    assert full[0].startswith("The record holds the following entries that coregroup inferred from an older case file")
    lead = [line for line in full if line.startswith("Lead social worker: ")]
    assert lead and "Alex Chair (fictional)" in lead[0] and "who led before, is not recorded" in lead[0]
    visits = [line for line in full if line.startswith("Visit on ")]
    assert visits == [
        'Visit on 1 September 2026 (from core group 1\'s answer "child last seen on"): Wren Example seen or not: '
        "not recorded; Robin Example seen or not: not recorded.",
        'Visit on 29 September 2026 (from core group 2\'s answer "child last seen on"): Wren Example seen or not: '
        "not recorded; Robin Example seen or not: not recorded.",
    ]
    family = section(store, case.id, tmp_path, "family")
    assert [line for line in family if line.startswith("Visit on ")] == visits[1:]  # the restricted visit left out
    assert any(line.startswith("Lead social worker: ") for line in family)

    # The chair records each child at both visits and when the lead began: nothing is left inferred.
    with store.open(case.id) as case_file:
        for visit in case_file.case.visits:
            visit.children = [
                ChildAtVisit(child_id=1, seen=True),
                ChildAtVisit(child_id=2, seen=False, not_seen_reason=NotSeenReason.OUT),
            ]
            visit.inferred = ""
            case_file.save(visit)
        case_file.case.lead_workers[0].since = dt.date(2026, 7, 9)
        case_file.case.lead_workers[0].inferred = ""
        case_file.save()
    assert section(store, case.id, tmp_path, "full") == []


def test_minutes_of_a_case_nothing_was_inferred_in_have_no_such_section(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.import_data(json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))
    [summary] = store.list_cases()
    assert section(store, summary.id, tmp_path, "full") == []
    assert section(store, summary.id, tmp_path, "family") == []
