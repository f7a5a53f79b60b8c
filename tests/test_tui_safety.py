"""Never lose a word, never show case data in an error, and share a case safely."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from textual.widgets import Static, TextArea

from meetings.domain.settings import Settings
from meetings.storage.store import Store
from tui.app import CoreGroupApp
from tui.screens.case import CaseScreen
from tui.screens.meeting import WalkthroughScreen
from tui.widgets.forms import Confirm

DEMO_ID = "DEMO-0001"
FIXED_NOW = dt.datetime(2026, 11, 20, 10, 0, 0)


async def start_meeting(pilot: Any) -> WalkthroughScreen:
    await pilot.press("enter")  # open the demo case
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    await pilot.press("escape")  # leave attendance for the walk-through
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WalkthroughScreen)
    return screen


def notes_on_disk(store: Store) -> str:
    """What another process would read from the case file right now."""
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        return case_file.case.meetings[-1].steps[0].notes


async def test_typing_is_on_disk_within_a_second_without_a_clean_exit(store: Store) -> None:
    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW)  # the real writer delay
    async with app.run_test(size=(120, 36)) as pilot:
        await start_meeting(pilot)
        await pilot.press(*"Robin was seen alone at school")
        await pilot.pause(1.1)
        # The app is still running: nothing has been closed or flushed on the way out.
        assert notes_on_disk(store) == "Robin was seen alone at school"
        assert app.case_file is not None


async def test_sigterm_saves_before_exiting(store: Store, make_app: Any) -> None:
    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW, writer_delay=30)  # a save is still pending
    async with app.run_test(size=(120, 36)) as pilot:
        await start_meeting(pilot)
        await pilot.press(*"Typed just before the terminal closed")
        await pilot.pause()
        assert app.writer is not None and app.writer.has_pending
        app._save_and_exit()  # what the SIGTERM / SIGHUP handler runs
        await pilot.pause()
    assert notes_on_disk(store) == "Typed just before the terminal closed"


async def test_quit_asks_only_when_a_save_is_pending(store: Store) -> None:
    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW, writer_delay=30)
    async with app.run_test(size=(120, 36)) as pilot:
        await start_meeting(pilot)
        await pilot.press("x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "still being saved" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await pilot.pause()
    assert notes_on_disk(store) == "x"

    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+q")  # nothing pending: no question
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)
    assert app.return_code == 0


async def test_a_case_open_elsewhere_is_offered_read_only(store: Store, make_app: Any) -> None:
    elsewhere = Store(store.root).open(DEMO_ID)  # another chair has it open for editing
    try:
        app = make_app(store)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "open for editing by" in str(app.screen.query_one("#confirm-question", Static).render())
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, CaseScreen)
            assert "READ-ONLY" in app.screen.sub_title
            await pilot.press("c")  # the latest meeting, read-only
            await pilot.pause()
            assert app.screen.query_one("#notes", TextArea).read_only
    finally:
        elsewhere.close()


async def test_a_crash_report_shows_no_case_data(
    store: Store, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(store)

    def boom() -> None:
        child = app.case_file.case.child_names()  # a local holding case data
        raise ValueError(f"unexpected state for {child}")

    with pytest.raises(ValueError):
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            app.call_later(boom)
            await pilot.pause()
    shown = " ".join(capsys.readouterr().err.split())
    assert "ValueError" in shown and "No case details are shown" in shown
    assert "Wren" not in shown and "child" not in shown.replace("child's", "")
