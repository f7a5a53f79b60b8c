"""Issue 22: the attendance list asks the one visibility rule too.

A chair holding an online meeting shares the screen while recording who is there. A restricted
person on the list (here the demo's Max Fictional, whose whereabouts the family must not learn)
must not be named on the screen before f8, nor at all while sharing the screen; the row stays, so
the chair can still edit the list by row."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from tui_helpers import burst, human, wait_until

from meetings.storage.store import Store
from tui.screens.attendance import AttendanceScreen
from tui.screens.case import CaseScreen

RESTRICTED = "Max Fictional"


def rows(screen: Any) -> str:
    table = screen.query_one("#attendees", DataTable)
    return "\n".join(" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


async def test_a_restricted_attendee_is_not_named_on_the_attendance_list_before_f8_or_while_sharing(
    store: Store, make_app: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        await human(pilot, "m")
        await wait_until(pilot, lambda: not isinstance(app.screen, CaseScreen))
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AttendanceScreen))
        await burst(pilot, *RESTRICTED)
        await human(pilot, "enter")
        await wait_until(pilot, lambda: "restricted attendee" in rows(app.screen))
        listed = rows(app.screen)
        assert RESTRICTED not in listed and "Fictional" not in listed
        await human(pilot, "f8")
        await wait_until(pilot, lambda: RESTRICTED in rows(app.screen))
        await human(pilot, "f12")  # sharing the screen: out of view again, and f8 cannot bring it back
        await wait_until(pilot, lambda: RESTRICTED not in rows(app.screen))
        await human(pilot, "f8")
        await pilot.pause()
        assert RESTRICTED not in rows(app.screen) and "restricted attendee" in rows(app.screen)
