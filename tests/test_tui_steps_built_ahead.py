"""The steps either side of the current one are built in advance, hidden, so that ctrl+n is quick.
A step built in advance must never show (or save back) what the records no longer hold."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea
from tui_helpers import (
    DEMO_ID,
    burst,
    case_on_disk,
    human,
    open_walkthrough,
    save_now,
    shown_body,
    step_record,
    wait_until,
)

from meetings.storage.store import Store
from tui.screens.walkthrough import WalkthroughScreen


def step_index(walk: WalkthroughScreen, key: str) -> int:
    return [s.key for s in walk.meeting.steps].index(key)


async def test_a_person_added_at_attendance_gets_a_scaling_row_at_a_step_built_before(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        analysis = step_index(walk, "analysis")
        await walk.show_step(analysis - 1)
        await wait_until(pilot, lambda: analysis in walk.bodies)  # built ahead, while the chair talks
        await human(pilot, "f2")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        await burst(pilot, *"Quinn Placeholder", "tab", *"Youth worker", "tab", *"Example Youth Service", "enter")
        await wait_until(pilot, lambda: any(a.name == "Quinn Placeholder" for a in walk.meeting.attendees))
        await human(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready)
        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == analysis and walk.ready)
        rows = [str(label.render()) for label in shown_body(walk).query(".answer-row .answer-label")]
        assert "Quinn Placeholder" in rows


async def test_notes_written_at_a_step_and_left_stay_when_it_is_shown_again(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, *"First step words", "ctrl+n")
        await wait_until(pilot, lambda: walk.index == 1 and walk.ready)
        await wait_until(pilot, lambda: 0 in walk.bodies and 2 in walk.bodies)  # kept and built ahead
        await burst(pilot, *"Second step words", "ctrl+b", *" and more")
        await wait_until(pilot, lambda: walk.index == 0 and walk.step.notes.endswith("and more"))
        assert walk.query_one("#notes", TextArea).text.endswith("First step words and more")
        await burst(pilot, "ctrl+n", "ctrl+n", *"Third")
        await wait_until(pilot, lambda: walk.index == 2 and walk.step.notes.endswith("Third"))
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert step_record(meeting, "welcome")["notes"].endswith("First step words and more")
    assert step_record(meeting, "membership")["notes"].endswith("Second step words")
    assert step_record(meeting, "reason_for_plan")["notes"].endswith("Third")
    assert "Third" not in step_record(meeting, "membership")["notes"]


async def test_the_next_meeting_date_set_at_finish_is_not_undone_by_a_step_built_before(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        last = len(walk.meeting.steps) - 1
        await walk.show_step(last - 1)
        await wait_until(pilot, lambda: last in walk.bodies)
        walk.session.answer(walk.meeting, walk.meeting.steps[last], "next_meeting_date", "2026-12-18")
        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == last and walk.ready)
        assert walk.query_one("#answer-next_meeting_date", Input).value == "2026-12-18"
        await burst(pilot, "ctrl+b")
        await wait_until(pilot, lambda: walk.index == last - 1 and walk.ready)
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert step_record(meeting, "next_dates")["answers"]["next_meeting_date"] == "2026-12-18"
