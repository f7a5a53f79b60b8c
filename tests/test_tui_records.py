"""What the minutes print is typed in the app; who was sent them is logged; attendees, the
chronology and services can be corrected; the case list shows when the next core group is due."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import docx
from rich.text import Text
from textual.widgets import DataTable, Input, ProgressBar, Select, Static, TabbedContent, TextArea
from tui_helpers import burst, put, settle, wait_until

from meetings.domain.locations import data_dir
from meetings.domain.records import AttendanceMode, AttendanceStatus, CopyType, Impact, MeetingMode
from meetings.exports.minutes import write_minutes
from meetings.storage.store import Store
from tui.screens.attendance import AttendanceScreen
from tui.screens.case import CaseScreen
from tui.screens.distribution import DistributionScreen
from tui.screens.finish import FinishScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

DEMO_ID = "DEMO-0001"
TODAY = dt.date(2026, 11, 20)  # conftest's FIXED_NOW


async def type_into(pilot: Any, screen: Any, selector: str, text: str) -> None:
    screen.query_one(selector).focus()
    await pilot.pause()
    await burst(pilot, *text)  # typed fast, as a chair does: every key lands in this field


async def start_meeting(pilot: Any) -> WalkthroughScreen:
    await pilot.press("enter")  # the demo case
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.press("escape")  # attendance, for the walk-through
    await pilot.pause()
    assert isinstance(pilot.app.screen, WalkthroughScreen)
    return pilot.app.screen


def word_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


async def test_decisions_dissent_contingency_and_next_meeting_reach_the_minutes(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        walk = await start_meeting(pilot)
        await walk.go_to("actions_contingency")
        await pilot.pause()
        await type_into(pilot, walk, "#meeting-contingency_plan", "If Jo misses two visits, call a strategy meeting")
        await walk.go_to("dissent")
        await pilot.pause()
        await type_into(pilot, walk, "#meeting-dissent", "Health disagreed with stepping down visits")
        await walk.go_to("next_dates")
        await pilot.pause()
        await type_into(pilot, walk, "#meeting-decisions", "The plan continues; weekly visits stay")
        put(walk, "#answer-next_meeting_date", "2026-12-18")
        await type_into(pilot, walk, "#next-meeting-time", "14:30")
        await type_into(pilot, walk, "#next-meeting-venue", "Sample Family Centre")
        put(walk, "#next-meeting-mode", "online")
        await pilot.pause(0.3)  # the writer saves within its delay
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FinishScreen)
        put(app.screen, "#finish-note", "Test meeting: most steps left empty")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)
        # Finished: the fields are still shown, and cannot be changed.
        assert app.screen.query_one("#meeting-decisions", TextArea).read_only
        await pilot.press("ctrl+q")
        await pilot.pause()

    again = make_app(store)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        case = again.case_session.case
        meeting = case.meetings[-1]
        assert meeting.contingency_plan == "If Jo misses two visits, call a strategy meeting"
        assert meeting.dissent == "Health disagreed with stepping down visits"
        assert meeting.decisions == "The plan continues; weekly visits stay"
        assert meeting.next_meeting_date == dt.date(2026, 12, 18)
        assert meeting.next_meeting_time == dt.time(14, 30)
        assert meeting.next_meeting_venue == "Sample Family Centre"
        assert meeting.next_meeting_mode is MeetingMode.ONLINE
        out = write_minutes(case, meeting.number, tmp_path / "minutes.docx", copy=CopyType.FULL)
        await pilot.press("ctrl+q")
    text = word_text(out)
    for typed in (
        "If Jo misses two visits, call a strategy meeting",
        "Health disagreed with stepping down visits",
        "The plan continues; weekly visits stay",
        "18 December 2026 at 14:30, Sample Family Centre",
    ):
        assert typed in text


async def test_after_the_minutes_are_written_the_chair_logs_who_was_sent_which_copy(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")  # meeting 2, finished in the demo case
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await pilot.press("enter")  # the family copy checked: write it
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        put(app.screen, "#ask-input", str(out))
        await pilot.press("enter")
        await settle(pilot, app)
        log = app.screen
        assert isinstance(log, DistributionScreen)
        assert "Not yet sent: Alex Chair (fictional), Jo Example" in str(log.query_one("#not-sent", Static).render())

        put(log, "#d-pick", "1")  # Jo Example, a parent: the family copy by default
        await pilot.pause()
        assert log.query_one("#d-recipient", Input).value == "Jo Example"
        assert str(log.query_one("#d-copy", Select).value) == "family"
        assert log.query_one("#d-sent", Input).value == TODAY.isoformat()
        await type_into(pilot, log, "#d-how", "by hand at home")
        await pilot.press("enter")
        await pilot.pause()

        put(log, "#d-pick", "3")  # Casey Visitor, Community Health: the full copy
        await pilot.pause()
        assert log.query_one("#d-agency", Input).value == "Community Health"
        put(log, "#d-sent", "19/11/2026")
        put(log, "#d-how", "secure email")
        await pilot.press("ctrl+s")
        await pilot.pause()
        table = log.query_one("#sent", DataTable)
        assert table.row_count == 2
        assert [str(c) for c in table.get_row_at(1)] == [
            "2", "Casey Visitor (fictional)", "Community Health", "full", "2026-11-19", "secure email", "",
        ]  # fmt: skip
        assert "Jo Example" not in str(log.query_one("#not-sent", Static).render())

        put(log, "#d-sent", "the other day")  # refused, nothing recorded
        put(log, "#d-recipient", "Pat Example")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not recorded" in str(log.query_one("#form-error", Static).render())
        assert table.row_count == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)
        await pilot.press("f5")  # the log again, straight from the finished meeting
        await pilot.pause()
        assert isinstance(app.screen, DistributionScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()

    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        sent = case_file.case.meetings[-1].distribution
    assert [(d.recipient, d.copy_type, d.sent_on, d.how, d.agency) for d in sent] == [
        ("Jo Example", CopyType.FAMILY, TODAY, "by hand at home", "Family"),
        ("Casey Visitor (fictional)", CopyType.FULL, dt.date(2026, 11, 19), "secure email", "Community Health"),
    ]


async def test_an_attendee_can_be_corrected_without_removing_them(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        attendance = app.screen
        assert isinstance(attendance, AttendanceScreen)
        put(attendance, "#a-name", "Robyn Exampel")  # typed in a hurry
        put(attendance, "#a-role", "Aunt")
        attendance.query_one("#a-name", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        attendance.query_one("#attendees", DataTable).focus()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        put(form, "#f-name", "Robin Example")
        put(form, "#f-role", "Maternal aunt")
        put(form, "#f-agency", "Family")
        put(form, "#f-relationship_to_child", "aunt")
        put(form, "#f-needs", "Interpreter (Welsh)")
        put(form, "#f-copy_type", "family")
        put(form, "#f-mode", "phone")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is attendance
        row = [str(c) for c in attendance.query_one("#attendees", DataTable).get_row_at(0)]
        assert row == [
            "Robin Example",
            "attended",
            "phone",
            "",
            "Maternal aunt",
            "Family",
            "family",
            "Interpreter (Welsh)",
        ]

        # Enter on the highlighted person opens the same form; a refused change keeps the old values.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        app.screen.query_one("#f-mode", Select).clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "say how they attended" in str(app.screen.query_one("#form-error", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        (attendee,) = case_file.case.meetings[-1].attendees
    assert (attendee.name, attendee.role, attendee.needs, attendee.copy_type.value) == (
        "Robin Example", "Maternal aunt", "Interpreter (Welsh)", "family",
    )  # fmt: skip
    assert attendee.status is AttendanceStatus.ATTENDED and attendee.mode is AttendanceMode.PHONE


async def open_tab(pilot: Any, app: Any, tab: str) -> DataTable[Any]:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CaseScreen)
    app.screen.query_one(TabbedContent).active = tab
    await pilot.pause()
    table = app.screen.query_one(f"#table-{tab}", DataTable)
    table.focus()
    return table


async def save_form(pilot: Any, app: Any, values: dict[str, Any]) -> None:
    form = app.screen
    assert isinstance(form, RecordForm)
    for name, value in values.items():
        put(form, f"#f-{name}", value)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, CaseScreen), form.query_one("#form-error", Static).render()


async def test_the_chronology_tab_adds_and_edits_entries_newest_first(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tab(pilot, app, "chronology")
        await pilot.press("f8")  # an entry not shareable with the family is shown only once asked
        await pilot.pause()
        before = table.row_count
        assert [str(c) for c in table.get_row_at(0)][:2] == ["12 Nov 2026", "Concern received"]  # newest first
        await pilot.press("a")
        await pilot.pause()
        await save_form(pilot, app, {
            "date": "today", "source": "Sample School", "event": "Robin seen alone; said home is calm",
            "impact": "positive", "shareable": False,
        })  # fmt: skip
        assert table.row_count == before + 1
        row = [str(c) for c in table.get_row_at(0)]
        assert [row[0], row[5], row[3], row[2]] == ["20 Nov 2026", "Sample School", "positive", "no"]
        table.move_cursor(row=0)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one("#f-event", TextArea).text == "Robin seen alone; said home is calm"
        await save_form(pilot, app, {"event": "Robin seen alone twice; said home is calm", "end_date": "2026-11-27"})
        assert str(table.get_row_at(0)[0]) == "20 Nov to 27 Nov 2026"
        await pilot.press("ctrl+q")
        await pilot.pause()
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        entry = case_file.case.chronology[-1]
    assert entry.id == 2 and entry.impact is Impact.POSITIVE and not entry.shareable  # the demo has 1 typed entry
    assert entry.event == "Robin seen alone twice; said home is calm" and entry.recorded_on == TODAY


async def test_the_services_tab_flags_a_service_ending_with_nothing_after_it(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tab(pilot, app, "services")
        before = table.row_count
        await pilot.press("a")
        await pilot.pause()
        await save_form(pilot, app, {
            "name": "Family support worker", "agency": "Early Help", "for_whom": "Jo Example",
            "start_date": "2026-09-01", "end_date": "2026-12-31",
        })  # fmt: skip
        assert table.row_count == before + 1
        last = table.get_row_at(before)
        assert isinstance(last[-1], Text) and last[-1].plain == "nothing follows" and "red" in str(last[-1].style)
        table.move_cursor(row=before)
        await pilot.press("e")
        await pilot.pause()
        await save_form(pilot, app, {"successor": "Parenting group at the children's centre"})
        assert str(table.get_row_at(before)[-1]) == "Parenting group at the children's centre"
        await pilot.press("ctrl+q")
        await pilot.pause()
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        service = case_file.case.services[-1]
    assert (service.name, service.end_date, service.successor) == (
        "Family support worker", dt.date(2026, 12, 31), "Parenting group at the children's centre",
    )  # fmt: skip


async def test_a_long_chronology_export_shows_its_progress(store: Store, make_app: Any, tmp_path: Path) -> None:
    # Five years of school attendance checks: a long chronology, imported in one go.
    data = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    data["id"] = "LONG-0001"
    first = max(e["id"] for e in data["chronology"]) + 1
    data["chronology"] += [
        {"id": first + i, "date": (dt.date(2020, 1, 1) + dt.timedelta(days=4 * i)).isoformat(),
         "source": "Sample School", "event": f"Attendance check {i}"}
        for i in range(450)
    ]  # fmt: skip
    total = len(data["chronology"])
    store = Store(tmp_path / "long")
    store.import_data(data)
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        bar = screen.query_one("#export-progress", ProgressBar)
        seen: list[float] = []
        screen.watch(bar, "progress", lambda value: seen.append(value), init=False)  # every move of the bar
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("f")  # the full copy
        await pilot.pause()
        put(app.screen, "#ask-input", str(out))
        await pilot.press("enter")
        await settle(pilot, app)
        assert screen.query_one("#export-row").display
        assert bar.progress == bar.total >= total, list(app.notices)  # every entry, and the record's events
        assert "Chronology written" in str(screen.query_one("#export-label").render())
    assert len(seen) >= 4 and seen[-1] == bar.total, seen  # the bar moved as rows were written
    assert (out / "LONG-0001-chronology-full.docx").exists()


async def test_the_case_list_shows_the_timescale_due_date_in_red_once_passed(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#case-table", DataTable)
        due = table.get_row_at(0)[4]
        # The demo's last meeting (1 October) set 29 October; on 20 November that has passed.
        assert isinstance(due, Text) and due.plain == "2026-10-29 late" and "red" in str(due.style)
        await pilot.press("ctrl+q")

    early = make_app(store, now=dt.datetime(2026, 10, 20, 9, 0))
    async with early.run_test(size=(80, 24)) as pilot:
        assert str(early.screen.query_one("#case-table", DataTable).get_row_at(0)[4]) == "2026-10-29"
        await pilot.press("ctrl+q")
