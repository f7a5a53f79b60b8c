"""What the chair types lands where it was typed: on the step, the person and the field that had
the focus when it was typed, at human speed and at paste speed (keys with no pause between them).

Each test drives the real keyboard and reads the case file on disk afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import DataTable, Input, TextArea
from tui_helpers import (
    DEMO_ID,
    burst,
    case_on_disk,
    human,
    open_walkthrough,
    save_now,
    step_record,
    wait_until,
)

from meetings.storage.store import Store
from tui.screens.attendance import AttendanceScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

SPEEDS = ["human", "paste"]


async def keys(pilot: Any, speed: str, *pressed: str) -> None:
    if speed == "human":
        await human(pilot, *pressed)
    else:
        await burst(pilot, *pressed)


async def go_to_step(pilot: Any, app: Any, role_key: str) -> WalkthroughScreen:
    walk = app.screen
    assert isinstance(walk, WalkthroughScreen)
    ahead = [s.key for s in walk.meeting.steps].index(role_key) - walk.index
    await burst(pilot, *["ctrl+n"] * ahead)  # the chair knows the agenda: one step after another
    await wait_until(pilot, lambda: walk.step.key == role_key and walk.ready)
    return walk


@pytest.mark.parametrize("speed", SPEEDS)
async def test_an_answer_chosen_just_before_next_step_stays_on_its_step(
    store: Store, make_app: Any, speed: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        chosen = {}
        # "Household changed": yes (down once); then "early review conference needed": no (down twice).
        for step_key, answer_key, down, expected in [
            ("household_changes", "household_changed", 1, True),
            ("new_concerns", "early_review_needed", 2, False),
        ]:
            walk = await go_to_step(pilot, app, step_key)
            # From the notes back to the yes/no answer, open it, pick, and go straight on.
            await keys(pilot, speed, "shift+tab", "enter", *["down"] * down, "enter", "ctrl+n")
            left = step_key  # the walk-through has moved on from this step

            def moved_on(walk: WalkthroughScreen = walk, left: str = left) -> bool:
                return walk.step.key != left

            await wait_until(pilot, moved_on)
            chosen[step_key] = (answer_key, expected)
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    for step_key, (answer_key, expected) in chosen.items():
        assert step_record(meeting, step_key)["answers"].get(answer_key) is expected
        others = [s for s in meeting["steps"] if s["key"] != step_key]
        assert all(answer_key not in s["answers"] for s in others)


@pytest.mark.parametrize("speed", SPEEDS)
async def test_the_next_attendee_starts_as_attended_whatever_the_last_one_was(
    store: Store, make_app: Any, speed: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        assert isinstance(app.screen, AttendanceScreen)
        # The GP sends apologies: name, role, agency, then the status list (down once: apologies).
        await keys(pilot, speed, *"Dr Ada Sample", "tab", *"GP", "tab", *"Surgery", "tab", "enter", "down", "enter")
        await keys(pilot, speed, "shift+tab", "enter")  # back to the agency box; enter adds
        await wait_until(pilot, lambda: len(app.screen.query_one("#attendees", DataTable).rows) == 1)
        # The midwife is here in person: name, role, agency, enter.
        await keys(pilot, speed, *"Mo Example", "tab", *"Midwife", "tab", *"Maternity", "enter")
        await wait_until(pilot, lambda: len(app.screen.query_one("#attendees", DataTable).rows) == 2)
        await save_now(pilot)
        attendees = {a["name"]: a for a in case_on_disk(store, DEMO_ID)["meetings"][-1]["attendees"]}
        assert attendees["Dr Ada Sample"]["status"] == "apologies"
        assert attendees["Mo Example"]["status"] == "attended"
        assert attendees["Mo Example"]["mode"] == "in_person"
        assert attendees["Mo Example"]["role"] == "Midwife"


@pytest.mark.parametrize("speed", SPEEDS)
async def test_after_closing_an_action_form_the_keys_go_back_to_the_actions_list(
    store: Store, make_app: Any, speed: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = await go_to_step(pilot, app, "review_actions")
        table = walk.query_one("#review-table", DataTable)
        assert table.row_count >= 2
        await human(pilot, "shift+tab")
        while not table.has_focus:
            await human(pilot, "shift+tab")
        await keys(pilot, speed, "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        first_form_title = app.screen.title_text
        await keys(pilot, speed, "escape")
        await wait_until(pilot, lambda: app.screen is walk)
        # The chair goes on down the list: the next action's form opens, and what is typed
        # there is its evidence, not a line in the step's notes.
        await keys(pilot, speed, "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        assert form.title_text != first_form_title
        evidence: TextArea = form.query_one("#f-evidence", TextArea)
        assert isinstance(form, RecordForm)
        await human(pilot, "tab")
        while not evidence.has_focus:
            await human(pilot, "tab")
        await keys(pilot, speed, *"Seen at home")
        await wait_until(pilot, lambda: evidence.text == "Seen at home")
        await keys(pilot, speed, "escape", "y")  # typed in: escape asks before throwing it away
        await wait_until(pilot, lambda: app.screen is walk)
        await save_now(pilot)
        step = step_record(case_on_disk(store, DEMO_ID)["meetings"][-1], "review_actions")
        assert step["notes"] == ""
        assert step["restricted_notes"] == ""


@pytest.mark.parametrize("speed", SPEEDS)
async def test_text_and_tab_arriving_together_fill_two_fields(store: Store, make_app: Any, speed: str) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        screen = app.screen
        assert isinstance(screen, AttendanceScreen)
        if speed == "paste":
            app.post_message(events.Paste("Ray Placeholder\tPolice officer\tPolice"))
        else:
            await burst(pilot, *"Ray Placeholder", "tab", *"Police officer", "tab", *"Police")
        await wait_until(pilot, lambda: screen.query_one("#a-agency", Input).value == "Police")
        assert screen.query_one("#a-name", Input).value == "Ray Placeholder"
        assert screen.query_one("#a-role", Input).value == "Police officer"


@pytest.mark.parametrize("speed", SPEEDS)
async def test_people_added_one_after_another_keep_every_letter_in_their_own_record(
    store: Store, make_app: Any, speed: str
) -> None:
    """Enter adds someone and puts the cursor back in the name: the next name's first letter
    goes there, not into the last person's agency."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        screen = app.screen
        assert isinstance(screen, AttendanceScreen)
        people = [
            ("Dana Sample", "GP", "GP surgery"),
            ("Eli Sample", "School nurse", "School"),
            ("Fran Sample", "", ""),
        ]
        for name, role, agency in people:
            await keys(pilot, speed, *name, "tab", *role, "tab", *agency, "enter")
        await wait_until(pilot, lambda: screen.query_one("#attendees", DataTable).row_count == 3)
        await save_now(pilot)
    attendees = case_on_disk(store, DEMO_ID)["meetings"][-1]["attendees"]
    assert [(a["name"], a["role"], a["agency"]) for a in attendees] == people


async def test_typing_straight_after_clicking_add_goes_into_the_next_name(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app, attendance=True)
        screen = app.screen
        assert isinstance(screen, AttendanceScreen)
        await burst(pilot, *"Morgan Example", "tab", *"Mother", "tab", *"Family")
        await pilot.click("#a-add")
        await burst(pilot, *"Nia Sample", "enter")
        await wait_until(pilot, lambda: screen.query_one("#attendees", DataTable).row_count == 2)
        await save_now(pilot)
    attendees = case_on_disk(store, DEMO_ID)["meetings"][-1]["attendees"]
    assert [a["name"] for a in attendees] == ["Morgan Example", "Nia Sample"]
    assert attendees[0]["agency"] == "Family"


async def test_typing_straight_after_a_reopening_reason_goes_into_the_notes(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")  # the demo case
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await human(pilot, "c")  # the latest meeting, finished
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen) and app.screen.ready)
        await burst(pilot, "ctrl+r", *"Dates corrected", "enter", *"Zed")
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await wait_until(pilot, lambda: walk.step.notes.endswith("Zed"))
        await save_now(pilot)
    meeting = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert meeting["status"] == "in_progress"
    assert meeting["steps"][0]["notes"].endswith("Zed")
    assert "Reopened: Dates corrected" in meeting["finish_note"]
