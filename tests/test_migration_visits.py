"""Schema version 2 (issue 12): a case file from version 1 still imports and opens; each core
group's "child last seen on" answer becomes a visit, and the lead social worker the first of the
lead workers. Fictional data only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from meetings.domain.records import SCHEMA_VERSION
from meetings.storage.store import Store

OLD_FILE = Path(__file__).parent / "data" / "demo-case-v1.json"


def test_a_version_1_case_file_imports_with_its_last_seen_answers_as_visits(tmp_path: Path) -> None:
    data = json.loads(OLD_FILE.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and "visits" not in data
    store = Store(tmp_path / "store")
    store.import_data(data)
    with store.open(data["id"], read_only=True) as opened:
        case = opened.case
    assert case.schema_version == SCHEMA_VERSION
    seen = [(v.date, v.from_meeting, [(c.child_id, c.seen, c.seen_alone) for c in v.children]) for v in case.visits]
    assert seen == [
        (dt.date(2026, 9, 1), 1, [(1, True, False)]),
        (dt.date(2026, 9, 29), 2, [(1, True, False)]),
    ]
    # Version 1 kept only the current lead: who led before, and from when, is not recorded.
    [lead] = case.lead_workers
    assert lead.name == "Alex Chair (fictional)" and lead.since > dt.date(2026, 7, 9)
    assert "who led before" in lead.inferred and "is not recorded" in lead.inferred
    assert all(v.inferred.startswith("inferred by coregroup's migration from version 1 on ") for v in case.visits)


def test_a_version_2_file_from_an_earlier_release_loses_what_its_migration_invented(tmp_path: Path) -> None:
    """A case file written by an earlier release, whose migration from version 1 had every child
    seen at each "child last seen" visit and the lead since the conference, still imports: each
    child there is "not recorded", the visit and the lead marked inferred; a visit a person
    recorded is left as it was."""
    data = json.loads(OLD_FILE.read_text(encoding="utf-8"))
    data["children"].append({**data["children"][0], "id": 2, "name": "Robin Example", "date_of_birth": "2024-05-02",
                             "due_date": None, "mobility": "mobile", "seen_by_medical_professional_on": None})  # fmt: skip
    both = [{"child_id": 1, "seen": True, "seen_alone": False}, {"child_id": 2, "seen": True, "seen_alone": False}]
    data.update(
        schema_version=2,
        visits=[
            {"id": 1, "date": "2026-09-29", "children": both, "from_meeting": 2,
             "notes": "Recorded at core group 2 as when the child was last seen."},
            {"id": 2, "date": "2026-10-20", "children": both, "visited_by": "Jordan Pike (fictional)"},
        ],
        lead_workers=[{"name": "Alex Chair (fictional)", "since": "2026-07-09"}],
    )  # fmt: skip
    case = Store(tmp_path / "store").import_data(data)
    made, recorded = sorted(case.visits, key=lambda v: v.id)
    assert [c.seen for c in made.children] == [None, None] and "was not recorded" in made.inferred
    assert [c.seen for c in recorded.children] == [True, True] and recorded.inferred == ""
    [lead] = case.lead_workers
    assert lead.since > dt.date(2026, 7, 9) and "who led before" in lead.inferred


def test_an_answer_that_is_not_a_date_is_left_alone(tmp_path: Path) -> None:
    data = json.loads(OLD_FILE.read_text(encoding="utf-8"))
    for meeting in data["meetings"]:
        for step in meeting["steps"]:
            if "child_last_seen_on" in step["answers"]:
                step["answers"]["child_last_seen_on"] = None
    store = Store(tmp_path / "store")
    case = store.import_data(data)
    assert case.visits == []
