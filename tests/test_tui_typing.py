"""A form that has just opened takes what the chair types: the first field has the focus, not the
scrolling box around the fields (a chair presses ctrl+t and starts typing the action at once)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Select, TextArea
from textual.widgets.select import InvalidSelectValueError

from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import RecordForm

DEMO_ID = "DEMO-0001"


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])
    await pilot.pause()


async def test_typing_straight_into_a_new_case_a_new_meeting_and_a_new_action(store: Store, make_app: Any) -> None:
    app: Any = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "SAMPLE-9")
        assert app.screen.query_one("#n-id", Input).value == "SAMPLE-9"
        await pilot.press("escape")
        await pilot.pause()

        app.open_case(DEMO_ID)
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("m")
        await pilot.pause()
        # Date, time and chair are filled in already; the venue is where the chair types first.
        await type_text(pilot, "Room 2")
        assert app.screen.query_one("#s-venue", Input).value == "Room 2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # attendance, then on to the walk-through
        await pilot.pause()
        assert isinstance(app.screen, WalkthroughScreen)

        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "Visit weekly")
        assert app.screen.query_one("#f-text", TextArea).text == "Visit weekly"
        # The action's type always has a value: a stray arrow key in its list cannot empty it.
        kind = app.screen.query_one("#f-type", Select)
        with pytest.raises(InvalidSelectValueError):
            kind.clear()
        assert kind.value == "other"


async def test_attendance_keeps_status_and_mode_in_view_and_f8_reveals_restricted_men(
    store: Store, make_app: Any
) -> None:
    from textual.widgets import DataTable, Static

    from tui.screens.attendance import AttendanceScreen

    app: Any = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_case(DEMO_ID)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AttendanceScreen)
        labels = [str(c.label) for c in screen.query_one("#attendees", DataTable).columns.values()]
        assert labels[:4] == ["Name", "Status", "Mode", "Report"]
        warnings = screen.query_one("#attendance-warnings", Static)
        assert "Max Fictional" not in str(warnings.render())  # a restricted man in the demo case
        assert "hidden (f8 shows them)" in str(warnings.render())
        await pilot.press("f8")
        await pilot.pause()
        assert "Max Fictional" in str(warnings.render())
