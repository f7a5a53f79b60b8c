"""Issue 22, facts only from what was recorded: the first change of lead social worker on a case
with no lead history. The lead before is put on the history, but when that lead began was never
recorded: coregroup takes the initial conference date and marks the entry as its own inference
(on screen, in the brief, the minutes and the chronology) until the chair types the day with the
`l` form. Pressing keys as a chair does. Fictional data only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import docx
import pytest
from test_facts_recorded import shown, tab_to
from test_lead_workers_corrected import type_into
from tui_helpers import human, wait_until

from meetings.domain import schema
from meetings.domain.records import (
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Case,
    Child,
    LeadWorker,
    Meeting,
    MeetingStatus,
    PlanCategory,
)
from meetings.storage.store import Store
from tui.cli import main
from tui.screens.case import CaseScreen
from tui.screens.leads import LeadWorkersForm
from tui.widgets.forms import RecordForm

D = dt.date
CASE_ID = "LEAD-FIRST-1"
OLD = "Morgan Before (fictional)"
NEW = "Kim After (fictional)"
ICPC = D(2026, 7, 9)
TODAY = D(2026, 11, 20)  # the app's clock in the tests


def no_lead_history() -> Case:
    """A case whose lead social worker is named, with no history of leads, and one core group held."""
    meeting = Meeting(
        number=1, date=D(2026, 9, 22), chair="Sky Chairperson (fictional)", status=MeetingStatus.FINISHED,
        attendees=[Attendee(name=OLD, role="Social worker", agency="Children's services",
                            status=AttendanceStatus.ATTENDED, mode=AttendanceMode.IN_PERSON)],
    )  # fmt: skip
    return Case(
        id=CASE_ID,
        children=[Child(id=1, name="Ash Sample (fictional)", date_of_birth=D(2021, 3, 4))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=ICPC,
        lead_social_worker=OLD,
        meetings=[meeting],
    )


def word_text(path: Path) -> tuple[dict[str, str], str]:
    document = docx.Document(str(path))
    rows = {r.cells[0].text: r.cells[-1].text for t in document.tables for r in t.rows}
    cells = [" | ".join(c.text for c in r.cells) for t in document.tables for r in t.rows]
    return rows, "\n".join([p.text for p in document.paragraphs] + cells)


async def change_lead(pilot: Any, name: str) -> CaseScreen:
    """Open the case from the list, then the plan's details (p), and type the new lead over the old."""
    app = pilot.app
    await human(pilot, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
    screen = app.screen
    assert isinstance(screen, CaseScreen)
    await human(pilot, "p")
    await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
    await tab_to(pilot, "f-lead_social_worker", most=60)
    await human(pilot, "home", "ctrl+k", *name)
    await human(pilot, "ctrl+s")
    await wait_until(pilot, lambda: app.screen is screen)
    return screen


async def test_the_first_change_of_lead_does_not_claim_the_lead_before_began_at_the_conference(
    tmp_path: Path, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(no_lead_history()))
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await change_lead(pilot, NEW)
        await wait_until(pilot, lambda: f"Lead social worker: {NEW} since 20 Nov 2026" in shown(screen, "#case-plan"))
        plan = shown(screen, "#case-plan")
        assert f"{OLD}, from 9 Jul 2026" not in plan  # nobody recorded when Morgan became lead
        assert f"(before: {OLD}, start not recorded)" in plan
        assert "[inferred by coregroup when the lead changed on 20 November 2026" in plan
        assert f"when {OLD} became lead is not recorded (taken as the initial conference date, 9 July 2026)" in plan
        await human(pilot, "ctrl+s")  # everything on disk
    with store.open(CASE_ID, read_only=True) as opened:
        earlier, current = opened.case.lead_workers
    assert (earlier.name, earlier.since) == (OLD, ICPC) and earlier.inferred.startswith("inferred by coregroup")
    assert current == LeadWorker(name=NEW, since=TODAY)

    brief_out, minutes_out, chronology_out = (tmp_path / n for n in ("brief.docx", "minutes.docx", "chron.docx"))
    root = str(store.root)
    assert main(["--store", root, "brief", CASE_ID, "--out", str(brief_out)]) == 0
    assert main(["--store", root, "minutes", CASE_ID, "--meeting", "1", "--out", str(minutes_out)]) == 0
    assert main(["--store", root, "chronology", CASE_ID, "--kind", "lead", "--out", str(chronology_out)]) == 0
    capsys.readouterr()
    rows, _ = word_text(brief_out)
    assert rows["Lead social worker"].startswith(f"{NEW} since 20 Nov 2026 (before: {OLD}, start not recorded) [")
    assert "from 9 Jul 2026" not in rows["Lead social worker"]
    rows, text = word_text(minutes_out)  # core group 1, before the change: Morgan, marked
    assert rows["Lead social worker"].startswith(f"{OLD} [inferred by coregroup when the lead changed")
    assert f"Lead social worker: when {OLD} became lead, and who led before, is not recorded" in text
    _, text = word_text(chronology_out)
    assert f"{NEW} took over as lead social worker from {OLD}, whose start as lead is not recorded." in text
    assert "lead since 9 Jul 2026" not in text


async def test_the_chair_types_when_the_lead_before_began_and_the_mark_goes(tmp_path: Path, make_app: Any) -> None:
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(no_lead_history()))
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await change_lead(pilot, NEW)
        await wait_until(pilot, lambda: "start not recorded" in shown(screen, "#case-plan"))
        await human(pilot, "l")
        await wait_until(pilot, lambda: isinstance(app.screen, LeadWorkersForm))
        await type_into(pilot, "earlier-0-since", "2026-06-01")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        expected = f"Lead social worker: {NEW} since 20 Nov 2026 (before: {OLD}, from 1 Jun 2026)"
        await wait_until(pilot, lambda: expected in shown(screen, "#case-plan"))
        assert "inferred" not in shown(screen, "#case-plan")
        await human(pilot, "ctrl+s")
    with store.open(CASE_ID, read_only=True) as opened:
        assert opened.case.lead_workers == [
            LeadWorker(name=OLD, since=D(2026, 6, 1)),
            LeadWorker(name=NEW, since=TODAY),
        ]
