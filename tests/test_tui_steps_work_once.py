"""Moving between the agenda's steps records nothing that did not change, and what a step shows of
the rest of the case (worked out once for each change, and filled in ahead for the steps either
side) follows every change, wherever in the meeting it was made."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static, TextArea
from tui_helpers import DEMO_ID, burst, case_on_disk, human, open_walkthrough, save_now, step_record, wait_until

from meetings.storage.store import Store
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm


def words(walk: WalkthroughScreen, selector: str) -> str:
    assert walk.body is not None
    return " ".join(str(walk.body.query_one(selector, Static).render()).split())


async def test_going_back_and_forth_between_steps_records_no_change(store: Store, make_app: Any) -> None:
    app = make_app(store)  # the clock stands still: no time is spent at a step either
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        keys = [s.key for s in walk.meeting.steps]
        dates = keys.index("next_dates")  # the next meeting's time, venue and mode, and dates to answer
        await walk.show_step(dates - 1)
        await burst(pilot, "ctrl+n", "ctrl+b", "ctrl+n")  # each step entered, and left, once
        await wait_until(pilot, lambda: walk.index == dates and walk.ready)
        await save_now(pilot)
        left_once = step_record(case_on_disk(store, DEMO_ID)["meetings"][-1], "next_dates")["answers"]
        assert left_once == {} or set(left_once.values()) == {None}  # unanswered, recorded as such
        changes = app.case_session.revision
        await burst(pilot, "ctrl+b", "ctrl+n", "ctrl+b", "ctrl+n", "ctrl+b", "ctrl+n")
        await wait_until(pilot, lambda: walk.index == dates and walk.ready)
        assert app.case_session.revision == changes  # nothing changed: nothing recorded, nothing saved
        await burst(pilot, *"Said at the next-meeting step", "ctrl+b")  # typed just before moving on
        await wait_until(pilot, lambda: walk.index == dates - 1 and walk.ready)
        assert walk.meeting.steps[dates].notes.endswith("Said at the next-meeting step")
        assert app.case_session.revision > changes
        await human(pilot, "ctrl+q")


async def test_a_question_left_unanswered_is_recorded_as_unanswered_when_its_step_is_first_left(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        asked = [i for i, s in enumerate(walk.meeting.steps) if i > 0 and app.agenda.template_of(s).answers]
        first = asked[0]
        key = app.agenda.template_of(walk.meeting.steps[first]).answers[0].key
        await walk.show_step(first)
        assert key not in walk.step.answers
        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == first + 1 and walk.ready)
        await save_now(pilot)  # as before: the minutes list the question, unanswered
        assert (
            step_record(case_on_disk(store, DEMO_ID)["meetings"][-1], walk.meeting.steps[first].key)["answers"][key]
            is None
        )
        await human(pilot, "ctrl+q")


async def test_a_concern_recorded_a_step_before_shows_at_the_new_concerns_step_built_ahead(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        concerns = [s.key for s in walk.meeting.steps].index("new_concerns")
        await walk.show_step(concerns - 1)
        await wait_until(pilot, lambda: concerns in walk.bodies)  # built ahead, and filled in, hidden
        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == concerns and walk.ready)
        before = words(walk, "#concerns")
        assert "Wren Placeholder rang" not in before
        await burst(pilot, "ctrl+b")
        await wait_until(pilot, lambda: walk.index == concerns - 1 and walk.ready)

        await human(pilot, "f4")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        for field, text in (("source", "Sample Housing Association"), ("reported", "Wren Placeholder rang.")):
            form.query_one(f"#f-{field}").focus()
            await burst(pilot, *text)
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is walk and walk.ready)

        await burst(pilot, "ctrl+n")
        await wait_until(pilot, lambda: walk.index == concerns and walk.ready)
        assert "Sample Housing Association" in words(walk, "#concerns")
        assert "Wren Placeholder rang" in words(walk, "#concerns")
        assert walk.body is not None and walk.body.query_one("#notes", TextArea).has_focus
        await human(pilot, "ctrl+q")
