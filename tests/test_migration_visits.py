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
    assert [(w.name, w.since) for w in case.lead_workers] == [("Alex Chair (fictional)", dt.date(2026, 7, 9))]


def test_an_answer_that_is_not_a_date_is_left_alone(tmp_path: Path) -> None:
    data = json.loads(OLD_FILE.read_text(encoding="utf-8"))
    for meeting in data["meetings"]:
        for step in meeting["steps"]:
            if "child_last_seen_on" in step["answers"]:
                step["answers"]["child_last_seen_on"] = None
    store = Store(tmp_path / "store")
    case = store.import_data(data)
    assert case.visits == []
