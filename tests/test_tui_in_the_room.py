"""What a chair found missing or wrong in the room (issue 9, the meeting part), pressed as keys at
120x36 and 80x24: the meeting clock, the finish screen, dissent typed as notes, dates that have
happened."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import docx
import pytest
from textual.widgets import Input, OptionList, Static, TextArea
from tui_helpers import DEMO_ID, Clock, burst, case_on_disk, human, open_walkthrough, save_now, shown_body, wait_until

from meetings.domain.records import Case
from meetings.domain.settings import Settings
from meetings.exports.minutes import write_minutes
from meetings.storage.store import Store
from tui.screens.finish import FinishScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.actions import ActionTable

SIZES = [(120, 36), (80, 24)]


def clock_text(walk: WalkthroughScreen) -> str:
    return str(walk.query_one("#step-clock", Static).render())


@pytest.mark.parametrize("size", SIZES)
async def test_the_meeting_clock_counts_from_the_recorded_start_through_finishing_and_reopening(
    store: Store, make_app: Any, size: Any
) -> None:
    clock = Clock(dt.datetime(2026, 11, 20, 11, 55))
    app = make_app(store, now=clock)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app, attendance=True)  # started at 11:55, as the form says
        clock.now = dt.datetime(2026, 11, 20, 11, 58)  # three minutes taking attendance
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        clock.now = dt.datetime(2026, 11, 20, 12, 3)
        await wait_until(pilot, lambda: "Meeting 0:08:00" in clock_text(walk))

        await burst(pilot, "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        await burst(pilot, *"Trial of the clock", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready and walk.locked)
        clock.now = dt.datetime(2026, 11, 20, 12, 20)
        await wait_until(pilot, lambda: "Meeting 0:08:00" in clock_text(walk))  # 11:55-12:03, as the minutes say

        await burst(pilot, "ctrl+r", *"Dates corrected", "enter")
        await wait_until(pilot, lambda: walk.ready and not walk.locked)
        clock.now = dt.datetime(2026, 11, 20, 12, 21)
        await wait_until(pilot, lambda: "Meeting 0:08:00" in clock_text(walk))
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert (meeting["start_time"], meeting["end_time"]) == ("11:55", "12:03")


@pytest.mark.parametrize("size", SIZES)
async def test_a_reason_typed_straight_away_at_the_finish_screen_finishes_the_meeting(
    store: Store, make_app: Any, size: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app)
        await burst(pilot, "ctrl+f", *"Family left early", "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.locked)
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["status"] == "finished"
    assert meeting["finish_note"] == "Family left early"


@pytest.mark.parametrize("size", SIZES)
async def test_enter_at_the_finish_screen_goes_back_to_the_first_missing_item_and_its_field(
    store: Store, make_app: Any, size: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app)
        await burst(pilot, *"Everyone introduced", "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        finish = app.screen
        assert finish.query_one("#problems", OptionList).highlighted == 0
        summary = str(finish.query_one("#finish-summary", Static).render())
        assert "things are missing" in summary or "1 thing is missing" in summary
        await burst(pilot, "enter")  # the first: step 1's required answer, not its notes (written)
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        assert walk.index == 0
        assert app.focused is not None and app.focused.id == "answer-confidentiality_explained"


@pytest.mark.parametrize("size", SIZES)
async def test_a_date_that_has_happened_counts_back_and_refuses_the_future(
    store: Store, make_app: Any, size: Any
) -> None:
    """'Child's views last gathered on: 3d' is three days before the meeting, not after; a future
    date is refused with a message, and the earlier answer stays."""
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, "ctrl+n", "ctrl+n", "ctrl+n")
        await wait_until(pilot, lambda: walk.index == 3 and walk.ready)
        box = shown_body(walk).query_one("#answer-views_gathered_on", Input)
        box.focus()
        step = walk.step
        meeting_day = walk.meeting.date
        await human(pilot, *"2027-01-05", "tab")
        hints = " ".join(str(h.render()) for h in shown_body(walk).query(".answer-hint"))
        assert "Child's views last gathered on cannot be in the future" in hints
        assert step.answers.get("views_gathered_on") is None  # refused: not stored
        box.focus()
        await human(pilot, *["backspace"] * 10, *"3d", "tab")
        await wait_until(pilot, lambda: step.answers.get("views_gathered_on") is not None)
        assert step.answers["views_gathered_on"] == (meeting_day - dt.timedelta(days=3)).isoformat()
        await save_now(pilot)
    steps = case_on_disk(store, DEMO_ID)["meetings"][-1]["steps"]
    seen = next(s for s in steps if s["key"] == "childs_voice")["answers"]["views_gathered_on"]
    assert seen == (dt.date(2026, 11, 20) - dt.timedelta(days=3)).isoformat()


async def test_notes_typed_at_the_dissent_step_are_the_dissent_in_the_minutes(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        dissent = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "dissent")
        await burst(pilot, *["ctrl+n"] * dissent, *"Sam Example disagrees with the plan")
        await wait_until(pilot, lambda: walk.index == dissent and walk.step.notes.endswith("plan"))
        await save_now(pilot)
    with Store(store.root).open(DEMO_ID, read_only=True) as opened:
        case: Case = opened.case
        out = write_minutes(case, case.meetings[-1].number, tmp_path / "m.docx", settings=Settings())
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    after = paragraphs[paragraphs.index("Dissent") + 1]
    assert after == "Sam Example disagrees with the plan"


def headings(table: ActionTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


@pytest.mark.parametrize(
    ("size", "wanted"),
    [
        ((120, 36), ["No.", "Action", "Owner", "Due", "Status", "Carried"]),
        ((80, 24), ["No.", "Action", "Due", "Status"]),
    ],
)
async def test_action_tables_show_what_matters_at_each_size(
    store: Store, make_app: Any, size: Any, wanted: list[str]
) -> None:
    """The Actions tab and the review step show owner, due, status and times carried at 120
    columns, and at least due and status at 80, every column fully on screen; enter shows the
    action's full text."""
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        case_screen = app.screen
        await pilot.click("#--content-tab-actions")  # the Actions tab
        await pilot.pause()
        table = case_screen.query_one("#table-actions", ActionTable)
        await wait_until(pilot, lambda: table.row_count > 0 and table.size.width > 0)
        assert set(wanted) <= set(headings(table))
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width

        await human(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        await burst(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        review = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "review_actions")
        await burst(pilot, *["ctrl+n"] * review)
        await wait_until(pilot, lambda: walk.index == review and walk.ready)
        steps_table = shown_body(walk).query_one("#review-table", ActionTable)
        await wait_until(pilot, lambda: steps_table.row_count > 0 and steps_table.size.width > 0)
        assert set(wanted) <= set(headings(steps_table))
        assert sum(c.get_render_width(steps_table) for c in steps_table.columns.values()) <= steps_table.size.width
        longest = max(steps_table.actions, key=lambda a: len(a.text))
        steps_table.focus()
        steps_table.move_cursor(row=steps_table.actions.index(longest))
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        assert app.screen.query_one("#f-text", TextArea).text == longest.text


def keys_in_view(app: Any) -> str:
    """The footer's keys drawn wholly inside the terminal."""
    width = app.size.width
    return " ".join(
        str(key.render()) for key in app.screen.query("FooterKey") if key.region.width and key.region.right <= width
    )


async def test_at_80x24_the_footer_shows_finish_then_minutes_and_sent_to(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        await wait_until(pilot, lambda: "Finish" in keys_in_view(app))
        await burst(pilot, "ctrl+f", *"Trial at 80 columns", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk and walk.locked and walk.ready)
        await wait_until(pilot, lambda: "Minutes" in keys_in_view(app) and "Sent to" in keys_in_view(app))


async def test_the_overview_flags_fold_so_the_plan_is_in_view_and_number_keys_open_tabs(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
        case_screen = app.screen
        plan = case_screen.query_one("#case-plan", Static)
        assert plan.region.y >= app.size.height - 1 or not plan.region.height  # below the flags, out of view
        await human(pilot, "f")
        await wait_until(pilot, lambda: 0 < plan.region.y < app.size.height - 6)
        assert "folded away" in str(case_screen.query_one("#case-flags", Static).render())
        await human(pilot, "4")
        await wait_until(pilot, lambda: case_screen.query_one("TabbedContent").active == "actions")


async def test_one_due_by_rule_shown_where_the_next_date_is_chosen_and_a_review_conference_recorded(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    """A meeting on Friday 27 November 2026: four weeks on is Christmas Day, so both '4w' and the
    date due are Tuesday 29 December; the rule is shown at the step and on the finish screen. A
    review conference date typed there is the case's, and the minutes print it."""
    app = make_app(store, now=dt.datetime(2026, 11, 27, 10, 0))
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        last = len(walk.meeting.steps) - 1
        await burst(pilot, *["ctrl+n"] * last)
        await wait_until(pilot, lambda: walk.index == last and walk.ready)
        body = shown_body(walk)
        rule = str(body.query_one(".due-rule", Static).render())
        assert "Due by Tue 29 December 2026" in rule and "25 December 2026 is not a working day" in rule
        body.query_one("#answer-next_meeting_date", Input).focus()
        await human(pilot, *"4w", "tab", *"2027-01-20", "tab")
        await wait_until(pilot, lambda: walk.step.answers.get("review_conference_date") == "2027-01-20")
        assert walk.step.answers["next_meeting_date"] == "2026-12-29"
        await burst(pilot, "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        shown = str(app.screen.query_one("#finish-next", Static).render())
        assert "Tuesday 29 December 2026" in shown and "Due by Tue 29 December 2026" in shown
        await burst(pilot, *"Trial of the dates", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk and walk.locked)
        await save_now(pilot)
    with Store(store.root).open(DEMO_ID, read_only=True) as opened:
        case: Case = opened.case
        assert dt.date(2027, 1, 20) in case.review_conferences
        out = write_minutes(case, case.meetings[-1].number, tmp_path / "m.docx", settings=Settings())
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Next review conference: Wednesday 20 January 2027" in text
    from meetings.domain.timescales import next_core_group_due

    assert next_core_group_due(case, Settings()) == dt.date(2026, 12, 29)


@pytest.mark.parametrize("size", SIZES)
async def test_a_steps_flags_are_one_key_away_and_tab_reaches_them(store: Store, make_app: Any, size: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, "ctrl+n", "ctrl+n", "ctrl+n")  # the child's voice: the demo child is not seen
        await wait_until(pilot, lambda: walk.index == 3 and walk.ready)
        body = shown_body(walk)
        assert "f6 goes to them" in str(body.query_one("#flag-count", Static).render())
        box = body.query_one("#step-flags")
        await burst(pilot, "f6")
        await wait_until(pilot, lambda: app.focused is box)
        await wait_until(pilot, lambda: box.region.height > 0 and box.region.y < app.size.height - 1)
        assert "Sky Example was last seen on 27 October 2026" in str(box.render())
        await burst(pilot, "f6")
        await wait_until(pilot, lambda: app.focused is body.query_one("#notes"))
        await burst(pilot, "tab")
        await wait_until(pilot, lambda: app.focused is box)


@pytest.mark.parametrize("size", SIZES)
async def test_meeting_three_starts_from_meeting_two(store: Store, make_app: Any, size: Any) -> None:
    """The start form takes the date, time and venue meeting 2 set; attendance offers the same
    core group (as invited, with agencies and modes); the distribution list is everyone invited
    and every expected agency, whether they came or not."""
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        form = app.screen
        # Meeting 2 set 29 October, which has passed (the clock says 20 November): held late, today.
        assert form.query_one("#s-date", Input).value == "2026-11-20"
        assert "That date has passed" in str(form.query_one("#s-planned", Static).render())
        assert form.query_one("#s-venue", Input).value == "Sample Family Centre"
        assert "Set at meeting 2" in str(form.query_one("#s-planned", Static).render())
        await burst(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        attendance = app.screen
        # The hint is filled once the screen has worked out the last meeting: wait for it (under
        # load the screen is shown a moment before), never read it early.
        await wait_until(
            pilot,
            lambda: (
                "ctrl+l: the same core group as meeting 2 (7 people"
                in str(attendance.query_one("#same-as-last", Static).render())
            ),
        )
        await burst(pilot, "ctrl+l")
        await wait_until(pilot, lambda: len(attendance.meeting.attendees) == 7)
        statuses = {a.name: (a.status.value, a.agency) for a in attendance.meeting.attendees}
        assert statuses["Casey Visitor (fictional)"][0] == "invited"
        assert statuses["Sam Sample"][0] == "invited"
        assert attendance.meeting.attendees[0].mode is not None  # how they took part last time
        await burst(pilot, "shift+tab", "s")  # to the list: the highlighted first person came
        await wait_until(pilot, lambda: attendance.meeting.attendees[0].status.value == "attended")
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["date"] == "2026-11-20"
    assert [a["status"] for a in meeting["attendees"]].count("invited") == 6


async def test_the_distribution_list_is_everyone_invited_and_every_expected_agency(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "6")  # the meetings tab
        table = app.screen.query_one("#table-meetings")
        table.focus()
        table.move_cursor(row=1)  # meeting 2, finished
        await human(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        await human(pilot, "f5")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DistributionScreen")
        waiting = str(app.screen.query_one("#not-sent", Static).render())
    for name in ("PC Jordan Badge (fictional)", "Sam Sample", "Example Street Surgery"):
        assert name in waiting  # apologies, and expected agencies nobody came from


@pytest.mark.parametrize("speed", ["human", "burst"])
async def test_a_safety_note_asks_at_once_how_two_people_are_kept_apart(
    store: Store, make_app: Any, speed: str
) -> None:
    """Sam Sample's record says he is not to attend at the same time as Lee Placeholder: adding
    both asks how it is handled, and the answer is recorded with both names."""
    press = human if speed == "human" else burst
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        attendance = app.screen
        await press(pilot, *"Sam Sample", "enter")
        await wait_until(pilot, lambda: len(attendance.meeting.attendees) == 1)
        assert app.screen is attendance  # no clash yet
        await press(pilot, *"Lee Placeholder", "enter", *"Lee joins at 11:00 after Sam has left", "enter")
        await wait_until(pilot, lambda: "after Sam has left" in attendance.meeting.safety_arrangements)
        await wait_until(pilot, lambda: app.screen is attendance)
        warnings = str(attendance.query_one("#attendance-warnings", Static).render())
        assert "Kept apart: Sam Sample and Lee Placeholder: Lee joins at 11:00" in warnings
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["safety_arrangements"] == "Sam Sample and Lee Placeholder: Lee joins at 11:00 after Sam has left"


async def test_a_next_meeting_date_still_to_come_fills_the_start_form(store: Store, make_app: Any) -> None:
    app = make_app(store, now=dt.datetime(2026, 10, 20, 9, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        form = app.screen
        assert form.query_one("#s-date", Input).value == "2026-10-29"
        assert form.query_one("#s-venue", Input).value == "Sample Family Centre"
        assert "change the date if it is held today" in str(form.query_one("#s-planned", Static).render())


async def test_forms_speak_english(store: Store, make_app: Any) -> None:
    """Errors name the field's label, choices read as words, the due date shows the day it means,
    and picking an owner fills their agency."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "ctrl+n")  # a new case, from the case list
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NewCaseForm")
        await human(pilot, "ctrl+s")
        error = str(app.screen.query_one("#form-error", Static).render())
        assert error.startswith("Not created. Case id:") and "id:" not in error.removeprefix("Not created. Case id:")
        app.screen.query_one("#n-id", Input).focus()
        await human(pilot, *"SAMPLE-0003", "tab", *"Robin Example", "tab", *"2099-01-01", "ctrl+s")
        error = str(app.screen.query_one("#form-error", Static).render())
        assert "Date of birth cannot be in the future" in error and "children[0]" not in error
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ != "NewCaseForm")
        if type(app.screen).__name__ == "Confirm":  # half-typed form: it asks before throwing it away
            await human(pilot, "y")

        await open_walkthrough(pilot, app)
        await human(pilot, "ctrl+t")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        form = app.screen
        form.query_one("#f-type").focus()
        await human(pilot, "enter")  # the drop-down opens: its choices as a chair reads them
        overlay = form.query_one("#f-type").query_one(OptionList)
        kinds = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert "pre-birth assessment" in kinds and "father / male carer assessment" in kinds
        await human(pilot, "escape")
        form.query_one("#f-owner", Input).focus()
        await human(pilot, *"Casey Visitor (fictional)", "tab")
        assert form.query_one("#f-agency", Input).value == "Community Health"
        form.query_one("#f-due", Input).focus()
        await human(pilot, *"2w")
        assert str(form.query_one("#f-due-means", Static).render()) == "= Fri 4 Dec 2026"


async def test_minutes_go_to_a_new_folder_when_asked_and_the_folder_is_remembered(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    out = tmp_path / "minutes" / "2026"
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")  # the latest meeting, finished
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        await human(pilot, "f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await human(pilot, "enter")  # the family copy checked: write it
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        offered = app.screen.query_one("#ask-input", Input).value
        assert offered != str(Path.cwd())  # a documents folder, not wherever the app was started
        app.screen.query_one("#ask-input", Input).value = ""
        await human(pilot, *str(out), "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        assert "does not exist. Create it?" in str(app.screen.query_one("#confirm-question", Static).render())
        await human(pilot, "y")
        await wait_until(pilot, lambda: out.is_dir() and len(list(out.iterdir())) == 2)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DistributionScreen")
        await human(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
        await human(pilot, "f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        assert app.screen.query_one("#ask-input", Input).value == str(out.resolve())
    assert sorted(p.name for p in out.iterdir()) == [
        "DEMO-0001-core-group-2-family.docx",
        "DEMO-0001-core-group-2-full.docx",
    ]


async def test_the_distribution_screen_asks_before_a_new_name_or_a_full_copy_to_family_and_withdraws(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")  # meeting 2, finished
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        await human(pilot, "f5")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DistributionScreen")
        screen = app.screen
        screen.query_one("#d-recipient", Input).focus()
        await human(pilot, *"Nobody Fictional", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "y")
        await wait_until(pilot, lambda: len(walk.meeting.distribution) == 1)
        screen.query_one("#d-recipient", Input).focus()
        await human(pilot, *"Jo Example", "enter")  # the full copy is chosen: it holds restricted text
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        await human(pilot, *"Court directed", "enter")
        await wait_until(pilot, lambda: len(walk.meeting.distribution) == 2)
        assert walk.meeting.distribution[1].full_copy_reason == "Court directed"
        table = screen.query_one("#sent")
        table.focus()
        table.move_cursor(row=0)
        await human(pilot, "w")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        await human(pilot, *"Wrong name", "enter")
        await wait_until(pilot, lambda: not walk.meeting.distribution[0].live)
        await save_now(pilot)
    log = case_on_disk(store, DEMO_ID)["meetings"][1]["distribution"]
    assert [(d["recipient"], d["withdrawn_reason"]) for d in log] == [
        ("Nobody Fictional", "Wrong name"),
        ("Jo Example", ""),
    ]


async def test_reopening_minutes_already_sent_amends_them_and_asks_for_them_to_be_sent_again(
    store: Store, make_app: Any, tmp_path: Path
) -> None:
    from meetings.domain.flags import case_flags

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")  # meeting 2, finished
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await human(pilot, "f5")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DistributionScreen")
        app.screen.query_one("#d-recipient", Input).focus()
        await human(pilot, *"Casey Visitor (fictional)", "enter")
        await wait_until(pilot, lambda: len(walk.meeting.distribution) == 1)
        await human(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is walk)
        await burst(pilot, "ctrl+r", *"Dates corrected", "enter")
        await wait_until(pilot, lambda: walk.ready and not walk.locked)
        await burst(pilot, "ctrl+f", *"Only the dates changed", "ctrl+f")
        await wait_until(pilot, lambda: app.screen is walk and walk.locked and walk.ready)
        flags = [f.message for f in case_flags(walk.session.case, app.settings, app.today())]
        assert any("amended (version 2: Dates corrected)" in m and "Casey Visitor (fictional)" in m for m in flags)
        await save_now(pilot)
    with Store(store.root).open(DEMO_ID, read_only=True) as opened:
        case: Case = opened.case
        out = write_minutes(case, 2, tmp_path / "m.docx", settings=Settings())
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Amended (version 2, reason: Dates corrected)" in text
    from meetings.domain.lifecycle import awaiting_amended_copy, record_distribution
    from meetings.domain.records import CopyType

    meeting = case.meetings[1]
    assert awaiting_amended_copy(meeting) == ["Casey Visitor (fictional)"]
    record_distribution(case, meeting, "Casey Visitor (fictional)", CopyType.FULL, today=dt.date(2026, 11, 20),
                        holds_restricted=True, sent_on=dt.date(2026, 11, 20))  # fmt: skip
    assert awaiting_amended_copy(meeting) == [] and meeting.distribution[-1].version == 2


async def test_the_chair_writes_the_brief_from_the_case_screen(store: Store, make_app: Any, tmp_path: Path) -> None:
    out = tmp_path / "briefs"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "b")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Choose")
        await human(pilot, "y")  # the family copy
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await human(pilot, "enter")  # checked: write it
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        app.screen.query_one("#ask-input", Input).value = ""
        await human(pilot, *str(out), "enter")
        await wait_until(pilot, lambda: (out / "DEMO-0001-brief-family.docx").exists())
    document = docx.Document(str(out / "DEMO-0001-brief-family.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Chair's brief: core group 3" in text and "Max Fictional" not in text


async def test_small_things_a_chair_hit_in_the_first_week(store: Store, make_app: Any) -> None:
    """Escape on a half-typed form asks first; the meeting's details can be corrected after it
    started (f7); someone added from the family gets the family copy; an action marked done at
    the review stays listed; continuing a meeting carries on where nothing is written yet."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        attendance = app.screen
        await human(pilot, *"Nia Sample", "tab", *"Aunt", "tab", *"Family", "enter")
        await wait_until(pilot, lambda: len(attendance.meeting.attendees) == 1)
        assert attendance.meeting.attendees[0].copy_type.value == "family"
        await human(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)

        await human(pilot, "ctrl+t", *"Half an action")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        await human(pilot, "escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "n")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        assert "Half an action" in app.screen.query_one("#f-text", TextArea).text
        await human(pilot, "escape", "y")
        await wait_until(pilot, lambda: app.screen is walk)

        await human(pilot, "f7")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        app.screen.query_one("#f-venue", Input).value = ""
        app.screen.query_one("#f-venue", Input).focus()
        await human(pilot, *"Sample Family Centre, Room 3", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk and walk.meeting.venue == "Sample Family Centre, Room 3")

        await burst(pilot, *"Welcome done", "ctrl+n", *"Membership checked", "ctrl+n")
        await wait_until(pilot, lambda: walk.index == 2 and walk.ready)
        review = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "review_actions")
        await burst(pilot, *["ctrl+n"] * (review - 2))
        await wait_until(pilot, lambda: walk.index == review and walk.ready)
        table = shown_body(walk).query_one("#review-table", ActionTable)
        police = next(a for a in walk.session.case.actions if a.number == 5)  # weekly visits, in progress
        assert police in table.actions
        table.focus()
        table.move_cursor(row=table.actions.index(police))
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        form = app.screen
        form.query_one("#f-status").value = "done"
        form.query_one("#f-evidence", TextArea).text = "Visits happened weekly (fictional)."
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready)
        await wait_until(pilot, lambda: police.status.value == "done")
        assert police in shown_body(walk).query_one("#review-table", ActionTable).actions  # still listed, as done

        await human(pilot, "escape")  # to the case; then continue the meeting
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        assert app.screen.index == 2  # steps 1 and 2 have notes: it carries on at step 3
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["venue"] == "Sample Family Centre, Room 3"
    assert len(case_on_disk(store, DEMO_ID)["actions"]) == 7  # the half-typed action was not added


async def test_at_80x24_every_word_of_every_step_title_is_in_the_agenda_list(store: Store, make_app: Any) -> None:
    from textual.geometry import Region

    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, "ctrl+n", "ctrl+n")
        await wait_until(pilot, lambda: walk.index == 2 and walk.ready)
        steps = walk.query_one("#steps", OptionList)
        await pilot.pause()
        lines = steps.render_lines(Region(0, 0, steps.size.width, steps.virtual_size.height))
        shown = " ".join(" ".join(strip.text for strip in lines).split())
        visible = [(n, s) for n, s in enumerate(walk.meeting.steps, start=1) if f" {n}. " in f" {shown}"]
        assert len(visible) >= 5
        for number, step in visible[:-1]:  # the last may run on below the bottom of the list
            assert f"{number}. {step.title}" in shown, f"step {number}'s title is cut: {step.title!r}"


async def test_an_assessment_action_names_the_person_it_assesses(store: Store, make_app: Any) -> None:
    """Raising 'assess Max Fictional' with Max as the person assessed turns the flag from 'who
    will assess them?' into 'an assessment is planned (action 8)'."""
    from meetings.domain.flags import case_flags

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)

        def max_flag() -> str:
            flags = case_flags(walk.session.case, app.settings, app.today())
            return next(f.message for f in flags if f.message.startswith("Max Fictional"))

        assert "Who will assess them" in max_flag()
        await human(pilot, "f8", "ctrl+t")  # restricted people shown: Max is restricted
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        form = app.screen
        form.query_one("#f-text", TextArea).text = "Assess Max Fictional's role in Wren's care (fictional)."
        form.query_one("#f-type").value = "father_assessment"
        form.query_one("#f-person_id").value = 4
        form.query_one("#f-owner", Input).value = "Alex Chair (fictional)"
        form.query_one("#f-due", Input).value = "2w"
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk)
        assert "An assessment is planned (action 8)" in max_flag()
        await save_now(pilot)
    action = case_on_disk(store, DEMO_ID)["actions"][-1]
    assert (action["number"], action["person_id"]) == (8, 4)


async def test_the_membership_step_tells_men_not_invited_from_men_invited_but_not_here(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == 1 and walk.ready)
        text = str(shown_body(walk).query_one("#membership", Static).render())
        not_invited = text.split("Fathers and male carers not invited: ")[1].split("\n")[0]
        invited = text.split("Invited, not on the list: ")[1].split("\n")[0]
        assert "Sam Sample" in invited and "Sam Sample" not in not_invited  # invited in the register
        assert "Lee Placeholder" in not_invited


async def test_what_the_family_copy_leaves_out_is_hidden_on_every_tab_until_f8(store: Store, make_app: Any) -> None:
    """The demo's unshareable anonymous concern and its referral route, and the restricted
    person, are off the Concerns, People and Chronology tabs and the new-concerns step until f8;
    the header says how many are hidden, and says when they are shown."""
    from textual.widgets import DataTable

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
        case_screen = app.screen

        def tab_text(tab: str) -> str:
            table = case_screen.query_one(f"#table-{tab}", DataTable)
            return " ".join(str(cell) for i in range(table.row_count) for cell in table.get_row_at(i))

        assert "restricted items hidden (f8 shows)" in str(case_screen.sub_title)
        for number, tab in (("5", "concerns"), ("3", "people"), ("7", "chronology")):
            await human(pilot, number)
            await wait_until(pilot, lambda tab=tab: case_screen.query_one("TabbedContent").active == tab)  # type: ignore[misc]
            await pilot.pause()
            text = tab_text(tab)
            for secret in ("Max Fictional", "contact centre", "Shouting and a baby crying"):
                assert secret not in text, f"{secret!r} on the {tab} tab"
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "RESTRICTED SHOWN" in str(case_screen.sub_title))
        await human(pilot, "3")
        await wait_until(pilot, lambda: "Max Fictional" in tab_text("people"))
        await human(pilot, "f8")
        await wait_until(pilot, lambda: "hidden (f8 shows)" in str(case_screen.sub_title))

        await open_walkthrough_from_case(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        step = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "new_concerns")
        await burst(pilot, *["ctrl+n"] * step)
        await wait_until(pilot, lambda: walk.index == step and walk.ready)
        concerns = str(shown_body(walk).query_one("#concerns", Static).render())
        assert "Shouting and a baby crying" not in concerns and "contact centre" not in concerns


async def open_walkthrough_from_case(pilot: Any, app: Any) -> None:
    await human(pilot, "m")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
    await burst(pilot, "ctrl+s")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
    await burst(pilot, "escape")
    await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)


async def test_what_a_trial_chair_tripped_over(store: Store, make_app: Any) -> None:
    """A planned date other than today is asked about at ctrl+s; s and o change a person only
    when the list has the cursor; a core group under way is not 'due and not held'."""
    from meetings.domain.flags import case_flags

    app = make_app(store, now=dt.datetime(2026, 10, 20, 9, 30))  # meeting 2 set 29 October
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        await burst(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Choose")
        await human(pilot, "t")  # date it today
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        attendance = app.screen
        assert attendance.meeting.date == dt.date(2026, 10, 20)
        await burst(pilot, "ctrl+l")
        await wait_until(pilot, lambda: len(attendance.meeting.attendees) == 7)
        attendance.query_one("#m-mode").focus()
        await human(pilot, "s")
        assert attendance.meeting.attendees[0].status.value == "invited"  # not the list: nobody changed
        flags = [f.message for f in case_flags(attendance.app.case_session.case, app.settings, dt.date(2026, 11, 20))]
        assert not any("has not been held" in m for m in flags)


async def test_an_online_meeting_is_worded_an_online_meeting(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        attendance = app.screen
        attendance.query_one("#m-mode").value = "online"
        await wait_until(
            pilot,
            lambda: "An online meeting needs a reason" in str(attendance.query_one("#attendance-warnings").render()),
        )


async def test_an_assessment_of_someone_with_recorded_needs_asks_how_it_is_adapted(store: Store, make_app: Any) -> None:
    """Jo Example's record notes learning needs and time in care: the parenting assessment of Jo
    is flagged until the action says how it is adapted to her; the form shows her needs."""
    from meetings.domain.flags import case_flags

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)

        def adapted_flags() -> list[str]:
            flags = case_flags(walk.session.case, app.settings, app.today())
            return [f.message for f in flags if "adapted to them" in f.message]

        assert any("Jo Example's record notes additional needs" in m for m in adapted_flags())
        review = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "review_actions")
        await burst(pilot, *["ctrl+n"] * review)
        await wait_until(pilot, lambda: walk.index == review and walk.ready)
        table = shown_body(walk).query_one("#review-table", ActionTable)
        table.focus()
        table.move_cursor(row=[a.number for a in table.actions].index(1))
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        form = app.screen
        labels = " ".join(str(label.render()) for label in form.query(".form-label"))
        assert "Jo Example: Mild learning disability" in labels
        form.query_one("#f-adapted_for", TextArea).focus()
        await human(pilot, *"Easy-read letters, sessions at home with an advocate")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk)
        assert adapted_flags() == []


async def test_each_persons_needs_are_shown_where_decisions_about_them_are_made(store: Store, make_app: Any) -> None:
    """The overview's people summary and the assessments step show what Jo Example's record
    says (additional needs, trauma history, mental health, risks, protective factors)."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
        plan = str(app.screen.query_one("#case-plan", Static).render())
        assert "People in the child's life" in plan and "Additional needs: Mild learning disability" in plan
        assert "Max Fictional" not in plan  # restricted: hidden until f8
        await open_walkthrough_from_case(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        step = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "assessments")
        await burst(pilot, *["ctrl+n"] * step)
        await wait_until(pilot, lambda: walk.index == step and walk.ready)
        text = str(shown_body(walk).query_one("#assessments", Static).render())
        assert "Action 1: parenting assessment of Jo Example" in text
        assert "Trauma history: Spent time in care" in text and "Adapted: not recorded yet" in text


async def test_an_adult_records_an_age_and_regular_presence_apart_from_living_there(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "3", "a")  # the People tab, add
        await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
        form = app.screen
        form.query_one("#f-name", Input).value = "Ray Placeholder"
        form.query_one("#f-relationship").value = "regular_visitor"
        form.query_one("#f-gender").value = "male"
        form.query_one("#f-age", Input).value = "34"
        form.query_one("#f-regularly_present").value = True
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await save_now(pilot)
    ray = case_on_disk(store, DEMO_ID)["people"][-1]
    assert (ray["name"], ray["age"], ray["regularly_present"], ray["lives_in_household"], ray["date_of_birth"]) == (
        "Ray Placeholder",
        34,
        True,
        False,
        None,
    )


async def test_an_unborn_baby_is_not_asked_when_the_child_was_last_seen(tmp_path: Path, make_app: Any) -> None:
    """Before the birth, the child's-voice step does not ask 'child last seen' or 'seen alone',
    and finishing does not require them."""
    store = Store(tmp_path / "store")
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await human(pilot, "ctrl+n")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NewCaseForm")
        form = app.screen
        for selector, value in {"#n-id": "SAMPLE-0010", "#n-child": "Unborn baby of Kit Sample",
                                "#n-dob": "2027-03-01", "#n-icpc": "2026-11-18", "#n-worker": "Alex Sample",
                                "#n-agencies": "Midwifery"}.items():  # fmt: skip
            form.query_one(selector, Input).value = value
        form.query_one("#n-unborn").value = True
        form.query_one("#n-plan-neglect").value = True
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await open_walkthrough_from_case(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        step = next(i for i, s in enumerate(walk.meeting.steps) if s.key == "childs_voice")
        await burst(pilot, *["ctrl+n"] * step)
        await wait_until(pilot, lambda: walk.index == step and walk.ready)
        assert not shown_body(walk).query("#answer-views_gathered_on")
        await burst(pilot, "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        missing = " ".join(p.message for p in app.screen.problems)
        assert "Child's views last gathered on" not in missing
