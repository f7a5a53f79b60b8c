"""Issue 22, points 3 and 4: facts only from what was recorded. A migration invents nothing and
marks what it inferred (on screen, in the chronology, correctable); what coregroup works out
itself is recorded as coregroup's, with the event that triggered it, never as a person's change.
Fictional data only."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widgets import DataTable, Select, Static
from tui_helpers import human, wait_until

from meetings.domain.records import SCHEMA_VERSION
from meetings.storage.store import Store
from tui.cli import main
from tui.screens.case import CaseScreen
from tui.screens.visits import CHILD_CHOICES, VisitForm

OLD_FILE = Path(__file__).parent / "data" / "demo-case-v1.json"
DEMO = Path(__file__).parent.parent / "data" / "demo" / "demo-case.json"


def two_children_v1() -> dict[str, Any]:
    """A version-1 case file with two children. Its meetings answered "child last seen on"
    (29 September 2026 the latest): that day only Wren was seen; Robin had not been seen for
    nine weeks. Version 1 never said which child an answer was about."""
    data: dict[str, Any] = json.loads(OLD_FILE.read_text(encoding="utf-8"))
    robin = copy.deepcopy(data["children"][0])
    robin.update(id=2, name="Robin Example", date_of_birth="2024-05-02", due_date=None, mobility="mobile",
                 seen_by_medical_professional_on=None)  # fmt: skip
    data["children"].append(robin)
    return data


async def tab_to(pilot: Any, widget_id: str, most: int = 30) -> None:
    """Press tab, as a chair does, until the field `widget_id` has the focus."""
    for _ in range(most):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await human(pilot, "tab")
    raise AssertionError(f"tab never reached {widget_id}")


def shown(screen: Any, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


def rows(screen: Any, table_id: str) -> list[list[str]]:
    table = screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_a_version_1_last_seen_answer_claims_no_child_was_seen_and_the_chair_corrects_it(
    tmp_path: Path, make_app: Any
) -> None:
    store = Store(tmp_path / "store")
    case = store.import_data(two_children_v1())
    assert case.schema_version == SCHEMA_VERSION
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        screen = app.screen
        flags = shown(screen, "#case-flags")
        # No flag says a child was seen on a day the record does not say so: each is asked about.
        assert "last seen on 29 September 2026" not in flags
        assert "last seen on 1 September 2026" not in flags
        assert "No visit is recorded at which Robin Example was seen." in flags
        assert "Whether Robin was seen at the visit on 1 September 2026" in flags
        assert (
            "the visit on 29 September 2026 (a visit coregroup inferred from an older case file) is not recorded"
            in flags
        )
        await human(pilot, "2")  # the Children tab: last seen per child, from the visits
        await wait_until(pilot, lambda: len(rows(screen, "#table-children")) == 2)
        for row in rows(screen, "#table-children"):
            assert row[5] == "no visit recorded", row
        await human(pilot, "9")  # the Visits tab: each child "not recorded", the visit marked inferred
        await wait_until(pilot, lambda: len(rows(screen, "#table-visits")) == 2)
        newest = rows(screen, "#table-visits")[0]
        assert newest[0] == "2026-09-29"
        assert "Wren: not recorded; Robin: not recorded" in newest[4]
        assert "inferred by coregroup's migration from version 1" in newest[4]
        for row in rows(screen, "#table-visits"):  # each child's part, before the inferred mark
            assert row[4].split(" [")[0] == "Wren: not recorded; Robin: not recorded", row

        # The chair corrects it: Wren was seen that day, Robin was out.
        await human(pilot, "e")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitForm))
        form = app.screen
        labels = [words for words, _ in CHILD_CHOICES]
        for child_id, words in ((1, "seen, not alone"), (2, "not seen: out")):
            await tab_to(pilot, f"child-{child_id}")
            await human(pilot, "enter", *["down"] * (labels.index(words) + 1), "enter")
            choice = form.query_one(f"#child-{child_id}", Select)
            await wait_until(pilot, lambda choice=choice: choice.value != Select.NULL)  # type: ignore[misc]
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: rows(screen, "#table-visits")[0][4] == "Wren: seen; Robin: not seen (out)")
        await wait_until(
            pilot, lambda: "Wren Example was last seen on 29 September 2026" in shown(screen, "#case-flags")
        )
        assert "Robin Example was last seen" not in shown(screen, "#case-flags")
    with store.open(case.id, read_only=True) as opened:
        corrected = max(opened.case.visits, key=lambda v: v.date)
        other = min(opened.case.visits, key=lambda v: v.date)
    assert corrected.inferred == ""  # the chair's record now, not coregroup's inference
    assert [(c.child_id, c.seen) for c in corrected.children] == [(1, True), (2, False)]
    assert other.inferred.startswith("inferred by coregroup's migration from version 1 on ")
    assert [c.seen for c in other.children] == [None, None]


async def test_after_migration_the_lead_before_is_not_recorded_on_screen_and_in_the_chronology(
    tmp_path: Path, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "store")
    case = store.import_data(two_children_v1())
    [lead] = case.lead_workers
    assert lead.name == "Alex Chair (fictional)"
    assert lead.since > case.icpc_date  # never "lead since the first conference": that was not recorded
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        plan = shown(app.screen, "#case-plan")
        assert "Lead social worker: Alex Chair (fictional) since" in plan
        assert "(before: not recorded before" in plan
        assert "[inferred by coregroup's migration from version 1 on" in plan
    out = tmp_path / "chronology.docx"
    assert main(["--store", str(store.root), "chronology", case.id, "--out", str(out)]) == 0
    text = "\n".join(cell.text for table in docx.Document(str(out)).tables for row in table.rows for cell in row.cells)
    assert "Wren Example seen or not: not recorded" in text
    assert "[inferred by coregroup's migration from version 1 on" in text
    assert "Robin Example seen," not in text


def test_sent_writes_no_breach_as_the_persons_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "store"
    Store(root).import_data(json.loads(DEMO.read_text(encoding="utf-8")))
    case_id = json.loads(DEMO.read_text(encoding="utf-8"))["id"]
    capsys.readouterr()
    code = main(["--store", str(root), "sent", case_id, "--meeting", "2", "--to", "Casey Visitor (fictional)",
                 "--copy", "full", "--on", "2026-10-02"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["--store", str(root), "history", case_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    headings = [i for i, line in enumerate(lines) if not line.startswith("  ")]
    breaches = [i for i, line in enumerate(lines) if line.startswith("  case.breaches")]
    assert breaches, "recording the minutes as sent has coregroup work out the timescales missed"
    for i in breaches:
        heading = lines[max(h for h in headings if h < i)]
        assert (
            "coregroup (worked out when who the minutes of meeting 2 were sent to was recorded; saved with" in heading
        )
    sent = [i for i, line in enumerate(lines) if line.startswith("  meetings[2].distribution")]
    assert sent and all("coregroup" not in lines[max(h for h in headings if h < i)] for i in sent)
    # The record itself says so, as a case file carries it.
    assert main(["--store", str(root), "export", case_id, "--out", "-"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    marked = [c for e in history for c in e["changes"] if c["path"].startswith("case.breaches")]
    assert marked and all(c["worked_out"].startswith("worked out by coregroup when ") for c in marked)
