"""Minutes true to their day, and timescale breaches kept (issue 10, points 8 and 9): what a
meeting recorded is what its minutes say a month later; a timescale missed stays on the record,
in the next minutes, once the flag for it has gone. Fictional cases only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import docx
from textual.widgets import DataTable, Static
from tui_helpers import DEMO_ID, Clock, burst, case_on_disk, human, save_now, wait_until

from meetings.domain.agenda import load_agenda
from meetings.domain.locations import data_dir
from meetings.domain.records import ActionStatus, BreachKind, Case
from meetings.domain.settings import Settings
from meetings.exports.minutes import write_minutes
from meetings.session import CaseSession
from meetings.storage.store import Store
from tui.screens.walkthrough import WalkthroughScreen


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def action_row(path: Path, number: int) -> str:
    """The minutes' action table row for action `number`, its cells joined."""
    document = docx.Document(str(path))
    for table in document.tables:
        if table.rows and table.rows[0].cells[0].text == "No.":
            for row in table.rows[1:]:
                if row.cells[0].text == str(number):
                    return " | ".join(c.text for c in row.cells)
    raise AssertionError(f"no row for action {number}")


async def finish_a_meeting(pilot: Any, app: Any, reason: str) -> None:
    """From the case screen: start a meeting today (m, ctrl+s), leave attendance, finish it with a
    reason for what is missing, and come back to the case screen."""
    await human(pilot, "m")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
    await burst(pilot, "ctrl+s")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
    await burst(pilot, "escape")
    await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
    walk = app.screen
    await burst(pilot, "ctrl+f")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "FinishScreen")
    await burst(pilot, *reason, "ctrl+f")
    await wait_until(pilot, lambda: app.screen is walk and walk.locked and walk.ready)
    await save_now(pilot)


def as_an_earlier_release_wrote_it(store: Store) -> None:
    """The demo case as a release before meetings kept their actions wrote it: no such fields."""
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    for meeting in data["meetings"]:
        for field in ("actions_at_finish", "flags_at_finish", "recorded_at_finish"):
            del meeting[field]
    store.import_data(data, replace=True)


async def test_minutes_of_meeting_two_say_what_was_true_at_meeting_two_after_meeting_three(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    """The demo's parenting assessment (action 1) was carried forward once by meeting 2. Meeting 3
    is held and finished in the app; meeting 2's minutes, exported after, still say once (before:
    "2 times", today's count), and meeting 3's minutes keep saying twice after the action is done.
    Meeting 2 here is from an earlier release's file, which kept nothing: it is worked out."""
    as_an_earlier_release_wrote_it(store)
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await finish_a_meeting(pilot, app, "Trial meeting for the minutes")
    with Store(store.root).open(DEMO_ID, read_only=True) as opened:
        case: Case = opened.case
    assert next(a for a in case.actions if a.number == 1).times_carried_forward == 2  # counted at meeting 3
    two = write_minutes(case, 2, tmp_path / "m2.docx", settings=Settings())
    row = action_row(two, 1)
    assert "carried forward once" in row and "2 times" not in row
    assert "earlier version of coregroup" in docx_text(two)  # meeting 2 kept no record: it says so
    three = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert three["recorded_at_finish"] and [a["number"] for a in three["actions_at_finish"]] == [1, 3, 4, 5, 6, 7]

    # The assessment is completed after meeting 3: meeting 3's minutes still say what it was then.
    session = CaseSession(
        Store(store.root).open(DEMO_ID), agenda=load_agenda(), settings=Settings(),
        clock=lambda: dt.datetime(2026, 11, 25, 9, 0), delay=0.01,
    )  # fmt: skip
    action = next(a for a in session.case.actions if a.number == 1)
    done = session.copy_of_case().actions[0]
    done.status, done.evidence, done.decision_informed = ActionStatus.DONE, "Findings (fictional)", "Plan kept"
    session.update(action, done, ["status", "evidence", "decision_informed"])
    assert session.close()
    with Store(store.root).open(DEMO_ID, read_only=True) as opened:
        case = opened.case
    row = action_row(write_minutes(case, 3, tmp_path / "m3.docx", settings=Settings()), 1)
    assert "In progress" in row and "carried forward 2 times" in row and "Done" not in row
    assert "earlier version" not in docx_text(tmp_path / "m3.docx")


async def test_an_actions_form_shows_its_history_meeting_by_meeting(store: Store, make_app: Any) -> None:
    as_an_earlier_release_wrote_it(store)
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await finish_a_meeting(pilot, app, "Trial meeting for the history")
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "4")  # the actions tab: action 1 is first
        await wait_until(pilot, lambda: app.screen.query_one("#table-actions", DataTable).row_count > 0)
        app.screen.query_one("#table-actions", DataTable).focus()
        await human(pilot, "e")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        notes = str(app.screen.query_one("#form-notes", Static).render())
    assert "Meeting 2, 1 October 2026: in progress, carried forward once" in notes
    assert "Meeting 3, 20 November 2026: in progress, carried forward 2 times" in notes
    assert "worked out" in notes.split("Meeting 3")[0] and "worked out" not in notes.split("Meeting 3")[1]


def breaches_on_disk(store: Store, case_id: str) -> list[dict[str, Any]]:
    breaches: list[dict[str, Any]] = case_on_disk(store, case_id)["case"][0]["breaches"]
    return breaches


def late_case(store: Store) -> None:
    """A fictional case whose conference was on Tuesday 1 September 2026: the first core group is
    due within 10 working days, by Tuesday 15 September."""
    store.import_data(
        {
            "id": "late-1",
            "children": [{"id": 1, "name": "Robin Example", "date_of_birth": "2024-02-02", "mobility": "mobile"}],
            "plan_categories": ["neglect"],
            "icpc_date": "2026-09-01",
            "lead_social_worker": "Alex Sample (fictional)",
        }
    )


async def test_a_late_first_core_group_stays_on_the_record_and_in_the_next_minutes(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    """The day after it was due the flag says the first core group is late; the meeting is held,
    the flag goes, and the breach stays: on the case, with how late, and in meeting 1's minutes."""
    late_case(store)
    clock = Clock(dt.datetime(2026, 9, 16, 9, 0))
    app = make_app(store, now=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "slash", *"Robin", "enter", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await save_now(pilot)
        running = breaches_on_disk(store, "late-1")
        assert [(b["kind"], b["happened_on"], b["working_days_late"]) for b in running] == [
            ("first_core_group_late", None, 1)
        ]
        clock.now = dt.datetime(2026, 9, 22, 10, 0)  # held on Tuesday 22nd: 5 working days late
        await finish_a_meeting(pilot, app, "Trial of a late meeting")
    kept = breaches_on_disk(store, "late-1")
    assert [(b["kind"], b["due_on"], b["happened_on"], b["working_days_late"]) for b in kept] == [
        ("first_core_group_late", "2026-09-15", "2026-09-22", 5)
    ]
    with Store(store.root).open("late-1", read_only=True) as opened:
        case = opened.case
    text = docx_text(write_minutes(case, 1, tmp_path / "m1.docx", settings=Settings()))
    section = text.split("Timescales missed since the last meeting")[1]
    assert "The first core group" in section and "held on 22 September 2026, 5 working days late" in section

    # Later, with the meeting long held, the breach is still there to see (and now the minutes
    # of meeting 1, never sent, are late too).
    app = make_app(Store(store.root), now=dt.datetime(2026, 10, 1, 9, 0))
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "slash", *"Robin", "enter", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await save_now(pilot)
    assert [b["kind"] for b in breaches_on_disk(store, "late-1")] == [
        BreachKind.FIRST_CORE_GROUP_LATE.value,
        BreachKind.MINUTES_LATE.value,
    ]


def test_minutes_sent_late_and_a_gap_between_core_groups_are_kept_once_each(store: Store) -> None:
    """The demo's meeting 2 (1 October) set no date within 4 weeks and its minutes were never
    sent: both are breaches still running; recording the minutes as sent ends one, with how late."""
    session = CaseSession(
        store.open(DEMO_ID), agenda=load_agenda(), settings=Settings(),
        clock=lambda: dt.datetime(2026, 11, 20, 9, 0), delay=0.01,
    )  # fmt: skip
    assert session.record_breaches()
    assert not session.record_breaches()  # nothing new: recorded once
    kinds = {b.key: b for b in session.case.breaches}
    assert kinds["minutes:2"].happened_on is None and kinds["core_group_after:2"].happened_on is None
    from meetings.domain.records import CopyType

    meeting = session.case.meetings[1]
    session.record_distribution(meeting, "Sam Sample", CopyType.FAMILY, sent_on=dt.date(2026, 10, 13))
    minutes = next(b for b in session.case.breaches if b.key == "minutes:2")
    assert minutes.happened_on == dt.date(2026, 10, 13) and minutes.working_days_late == 3
    assert session.close()
    assert any(b["key"] == "minutes:2" and b["working_days_late"] == 3 for b in breaches_on_disk(store, DEMO_ID))


def test_the_chairs_brief_lists_timescales_missed_since_the_last_meeting(store: Store) -> None:
    """Read, not opened for editing: the brief still finds what the record shows was missed."""
    from meetings.domain.brief import build_brief

    with store.open(DEMO_ID, read_only=True) as opened:
        brief = build_brief(opened.case, Settings(), dt.date(2026, 11, 20))
    missed = [c for c in brief.changes if c.startswith("Timescale missed")]
    assert any("minutes of meeting 2 of 1 October 2026" in c and "not yet sent" in c for c in missed)
    assert any("core group after meeting 2" in c for c in missed)
    assert not any("first core group" in c for c in missed)  # before meeting 2: in meeting 1's minutes


def test_a_late_pre_birth_conference_is_kept_as_a_breach() -> None:
    """Due at week 34 (six weeks before the expected date of delivery), held at week 36."""
    from meetings.domain.breaches import breach_words, record_breaches
    from meetings.domain.records import Child, PlanCategory

    case = Case(
        id="pb-1",
        children=[Child(id=1, name="Unborn baby of Jo Sample (fictional)", due_date=dt.date(2027, 3, 5))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=dt.date(2027, 2, 5),
        pre_birth_conference_on=dt.date(2027, 2, 5),
    )
    assert record_breaches(case, Settings(), dt.date(2027, 2, 10))
    (breach,) = case.breaches
    assert (breach.kind, breach.due_on, breach.happened_on) == (
        BreachKind.PRE_BIRTH_CONFERENCE_LATE, dt.date(2027, 1, 22), dt.date(2027, 2, 5),
    )  # fmt: skip
    assert "by week 34 of the pregnancy) was due by 22 January 2027: held on 5 February 2027" in breach_words(breach)


def test_the_demo_meetings_kept_what_was_true_so_their_minutes_need_no_working_out(
    store: Store, tmp_path: Path
) -> None:
    with store.open(DEMO_ID, read_only=True) as opened:
        case = opened.case
    text = docx_text(write_minutes(case, 1, tmp_path / "m1.docx", settings=Settings()))
    assert "earlier version" not in text
    section = text.split("What the core group was asked to look at")[1].split("The meeting, step by step")[0]
    assert "is being held only online" in section and "Max Fictional" in section  # full copy: restricted too
    assert "received 10 November" not in section  # a concern that came after the meeting is not in its flags
