"""Never lose a word, never show case data in an error, and share a case safely."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from textual.widgets import Static, TextArea
from tui_helpers import DEMO_ID, case_on_disk, human, open_walkthrough, wait_until

from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.widgets.forms import Confirm

APP_SAVE_DELAY = 0.25  # the app's own delay, as a chair runs it


def notes_on_disk(store: Store) -> str:
    """The first step's notes of the latest meeting, as another process would read the case file now."""
    notes: str = case_on_disk(store, DEMO_ID)["meetings"][-1]["steps"][0]["notes"]
    return notes


def question(app: Any) -> str:
    return str(app.screen.query_one("#confirm-question", Static).render())


async def test_typing_is_on_disk_within_a_second_without_a_clean_exit(store: Store, make_app: Any) -> None:
    app = make_app(store, save_delay=APP_SAVE_DELAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        await human(pilot, *"Robin was seen alone at school")
        typed_at = time.monotonic()
        await wait_until(pilot, lambda: notes_on_disk(store) == "Robin was seen alone at school", timeout=1.0)
        assert time.monotonic() - typed_at < 1.0
        # The app is still running with the case open: nothing was closed or flushed on the way out.
        assert app.is_running and app.session is not None


async def test_sigterm_saves_before_exiting(store: Store, make_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(store, save_delay=30)  # the writer would wait 30 s: a save is still pending
    before = signal.getsignal(signal.SIGTERM)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        await human(pilot, *"Typed just before the terminal closed")
        assert app.unsaved
        assert "Typed just before" not in store.case_path(DEMO_ID).read_text(encoding="utf-8")
        # The app put its own handler in place: a real SIGTERM reaches it rather than killing this process.
        assert signal.getsignal(signal.SIGTERM) not in (before, signal.SIG_DFL, None)
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: not app.is_running)
    assert notes_on_disk(store) == "Typed just before the terminal closed"
    assert "NOT saved" not in capsys.readouterr().err


async def test_quit_asks_only_when_a_save_is_pending(store: Store, make_app: Any) -> None:
    app = make_app(store, save_delay=30)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        await human(pilot, "x", "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "still being saved" in question(app)
        await human(pilot, "y")
    assert notes_on_disk(store) == "x"

    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "ctrl+q")  # nothing pending: no question
        assert not isinstance(app.screen, Confirm)
    assert app.return_code == 0


async def test_a_case_open_elsewhere_is_offered_read_only(store: Store, make_app: Any) -> None:
    elsewhere = Store(store.root).open(DEMO_ID)  # another chair has it open for editing
    try:
        app = make_app(store)
        async with app.run_test(size=(120, 36)) as pilot:
            await human(pilot, "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
            assert "open for editing by" in question(app)
            await human(pilot, "y")
            await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
            assert "READ-ONLY" in app.screen.sub_title
            await human(pilot, "c")  # the latest meeting, read-only
            await wait_until(pilot, lambda: bool(app.screen.query("#notes")))
            assert app.screen.query_one("#notes", TextArea).read_only
            assert app.read_only
    finally:
        elsewhere.close()


async def test_a_crash_report_shows_no_case_data(
    store: Store, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(store)

    def boom() -> None:
        child = app.case_session.case.child_names()  # a local holding case data
        raise ValueError(f"unexpected state for {child}")

    with pytest.raises(ValueError):
        async with app.run_test(size=(120, 36)) as pilot:
            await human(pilot, "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
            app.call_later(boom)  # a bug in the app, while a case is open
            await pilot.pause()
    shown = " ".join(capsys.readouterr().err.split())
    assert "ValueError" in shown and "No case details are shown" in shown
    assert "Wren" not in shown and "child" not in shown.replace("child's", "")
