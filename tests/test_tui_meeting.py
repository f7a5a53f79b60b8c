"""A chair holds a whole core group meeting in the app, quits, and finds everything again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from textual.widgets import Input, Static, TextArea
from tui_helpers import burst, put, settle, wait_until

from meetings.domain.records import ActionType, AttendanceMode, MeetingMode, MeetingStatus
from meetings.storage.store import Store
from tui.screens.attendance import AttendanceScreen
from tui.screens.case import CaseScreen
from tui.screens.finish import FinishScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

SIZES = [(120, 36), (80, 24)]


async def add_action(pilot: Any, app: Any, text: str, owner: str, due: str, kind: ActionType) -> None:
    await pilot.press("ctrl+t")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, RecordForm)
    put(form, "#f-text", text)
    put(form, "#f-owner", owner)
    put(form, "#f-due", due)
    put(form, "#f-type", kind.value)
    put(form, "#f-outcome", "Robin is safe and well cared for at home")
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, WalkthroughScreen), form.query_one("#form-error", Static).render()


@pytest.mark.parametrize("size", SIZES)
async def test_hold_a_whole_meeting_then_find_everything_after_reopening(
    tmp_path: Any, make_app: Any, size: Any
) -> None:
    store = Store(tmp_path / "empty-store")
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        # A new case, from the empty case list.
        await pilot.press("ctrl+n")
        await pilot.pause()
        for selector, value in {
            "#n-id": "SAMPLE-0002",
            "#n-child": "Robin Example",
            "#n-dob": "01/03/2025",
            "#n-icpc": "2026-11-02",
            "#n-worker": "Alex Sample",
            "#n-agencies": "Children's social care, Health visiting, Housing, Police",
        }.items():
            put(app.screen, selector, value)
        put(app.screen, "#n-plan-neglect", True)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert "Robin Example" in str(app.screen.sub_title)

        # Start the meeting: the walk-through opens with attendance on top.
        await pilot.press("m")
        await pilot.pause()
        put(app.screen, "#s-venue", "Sample Family Centre")
        await pilot.press("ctrl+s")
        await pilot.pause()
        attendance = app.screen
        assert isinstance(attendance, AttendanceScreen)

        people = [
            ("Alex Sample", "Social worker", "Children's social care", "in_person"),
            ("Sam Example", "Mother", "Family", "in_person"),
            ("Jo Placeholder", "Health visitor", "Health visiting", "online"),
            ("Kit Sample", "Housing officer", "Housing", "in_person"),
        ]
        for name, role, agency, mode in people:
            put(attendance, "#a-name", name)
            put(attendance, "#a-role", role)
            put(attendance, "#a-agency", agency)
            put(attendance, "#a-mode", mode)
            attendance.query_one("#a-name", Input).focus()
            await pilot.press("enter")
            await pilot.pause()
        warnings = str(attendance.query_one("#attendance-warnings", Static).render())
        assert "hybrid meeting needs a reason" in warnings
        assert "Police" in warnings  # the expected agency nobody came from
        attendance.query_one("#m-reason", Input).focus()
        await burst(pilot, *"Health visitor unwell")
        await pilot.pause()
        assert "needs a reason" not in str(attendance.query_one("#attendance-warnings", Static).render())
        await pilot.press("escape")
        await pilot.pause()

        # Walk every step: notes typed, required answers given, three actions added.
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        steps = len(walk.meeting.steps)
        for number in range(steps):
            step = walk.step
            await burst(pilot, *f"Notes {number + 1}")
            for spec in app.agenda.step(step.key).answers:
                date = "2026-11-18" if spec.past_only else "2026-12-18"  # a child is last seen before today
                value = {"bool": "yes", "date": date, "int": "2", "text": "x"}[spec.kind]
                put(walk, f"#answer-{spec.key}", value)
            if step.key == "analysis":
                for score in walk.query(".score").results(Input):
                    score.value = "5"
            if step.key == "actions_contingency":
                await add_action(
                    pilot,
                    app,
                    "Complete a parenting assessment of Sam Example",
                    "Alex Sample",
                    "6w",
                    ActionType.PARENTING_ASSESSMENT,
                )
                await add_action(pilot, app, "Visit Robin at home weekly", "Alex Sample", "10wd", ActionType.VISIT)
                await add_action(
                    pilot, app, "Refer Sam to the local parenting group", "Jo Placeholder", "2w", ActionType.REFERRAL
                )
            if number < steps - 1:
                await burst(pilot, "ctrl+n")  # straight on, as a chair who knows the agenda does
                await wait_until(pilot, lambda number=number: walk.index == number + 1 and walk.ready)
        assert walk.index == steps - 1
        await wait_until(pilot, lambda: "15 of 15 steps done" in str(walk.query_one("#progress", Static).render()))

        await pilot.press("ctrl+f")
        await pilot.pause()
        finish = app.screen
        assert isinstance(finish, FinishScreen)
        assert finish.problems == []
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)
        assert "FINISHED" in str(app.screen.query_one("#progress", Static).render())
        assert app.screen.query_one("#notes", TextArea).read_only
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.session is None  # the case was closed and its lock released

    # A new app on the same store: everything is there.
    again = make_app(store)
    async with again.run_test(size=size) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(again.screen, CaseScreen)
        case = again.case_session.case
        (meeting,) = case.meetings
        assert meeting.status is MeetingStatus.FINISHED
        assert meeting.venue == "Sample Family Centre"
        assert [a.name for a in meeting.attendees] == [p[0] for p in people]
        assert [a.mode for a in meeting.attendees].count(AttendanceMode.ONLINE) == 1
        assert meeting.mode is MeetingMode.HYBRID and meeting.mode_reason == "Health visitor unwell"
        assert [s.notes for s in meeting.steps] == [f"Notes {n + 1}" for n in range(steps)]
        assert meeting.next_meeting_date == dt.date(2026, 12, 18)
        assert {s.name: s.score for s in meeting.scaling} == {p[0]: 5 for p in people}
        assert len(case.actions) == 3
        assessment = case.actions[0]
        assert assessment.type is ActionType.PARENTING_ASSESSMENT
        assert assessment.owner == "Alex Sample" and assessment.raised_at == 1
        # 6 weeks from the fixed today, 20 Nov 2026, is New Year's Day: due the next working day.
        assert assessment.due == dt.date(2027, 1, 4)
        assert case.actions[2].owner == "Jo Placeholder"
        await pilot.press("ctrl+q")


async def test_an_open_action_is_carried_forward_into_the_next_meeting(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        case = app.case_session.case
        open_before = {a.number: a.times_carried_forward for a in case.actions if a.is_open}
        assert open_before
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # attendance
        await pilot.pause()
        walk = app.screen
        await walk.go_to("review_actions")
        await pilot.pause()
        table = walk.query_one("#review-table")
        assert table.row_count == len(open_before)
        # An assessment cannot be closed without findings and the decision they informed.
        assessment_row = next(i for i, action in enumerate(table.actions) if action.is_assessment)
        table.focus()
        table.move_cursor(row=assessment_row)
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        put(form, "#f-status", "done")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "cannot be closed without its findings" in str(form.query_one("#form-error", Static).render())
        await pilot.press("escape")  # something is typed: it asks before throwing it away
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("ctrl+f")
        await pilot.pause()
        put(app.screen, "#finish-note", "Short meeting to test carry-forward")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert app.screen is walk
    reopened = Store(store.root).open("DEMO-0001", read_only=True)
    after = {a.number: a.times_carried_forward for a in reopened.case.actions if a.number in open_before}
    assert after == {n: c + 1 for n, c in open_before.items()}
    assert reopened.case.meetings[-1].finish_note == "Short meeting to test carry-forward"
    reopened.close()

    # The next meeting lists the same open actions again for review.
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await app.screen.go_to("review_actions")
        await pilot.pause()
        table = app.screen.query_one("#review-table")
        assert table.row_count == len(open_before)
        carried = [name for name, _ in table.columns_shown].index("Carried")  # the columns that fit its width
        assert str(table.get_row_at(0)[carried]) == str(open_before[min(open_before)] + 1)


async def test_the_minutes_and_chronology_are_written_to_the_folder_typed(
    store: Store, make_app: Any, tmp_path: Any
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")  # the chronology, from the case screen
        await pilot.pause()
        await pilot.press("f")  # the full copy
        await pilot.pause()
        put(app.screen, "#ask-input", str(out))
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("c")  # the latest meeting, finished in the demo case
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await pilot.press("enter")  # the family copy checked: write it
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        put(app.screen, "#ask-input", str(out))
        await pilot.press("enter")
        await settle(pilot, app)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "DEMO-0001-chronology-full.docx",
        "DEMO-0001-core-group-2-family.docx",
        "DEMO-0001-core-group-2-full.docx",
    ]


@pytest.mark.parametrize("size", SIZES)
async def test_attendance_opens_first_then_the_walkthrough_and_f2_comes_back_to_the_same_step(
    store: Store, make_app: Any, size: Any
) -> None:
    """ctrl+s on the start form shows attendance alone (quick); escape opens the walk-through at
    step 1; f2 and escape later come back to the same walk-through, not a second one."""
    from tui_helpers import open_walkthrough

    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        depth = len(app.screen_stack)
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        walk = app.screen
        assert len(app.screen_stack) == depth  # attendance was replaced by the walk-through
        await burst(pilot, "ctrl+n", "ctrl+n", "f2")
        await wait_until(pilot, lambda: isinstance(app.screen, AttendanceScreen))
        await burst(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready)
        assert len(app.screen_stack) == depth
        assert walk.index == 2
