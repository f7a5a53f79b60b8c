"""Saving never freezes the screen, never drops a change quietly, and never claims success it
did not have; the writer outlives any one bad save. (Unit tests of tui/autosave.py, and Pilot
tests of what the chair sees.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Any

from textual.widgets import Input, Static, TextArea

from meetings.domain.records import AttendanceStatus
from meetings.domain.settings import Settings
from meetings.storage.store import CaseFile, Store, StoreError
from meetings.storage.writer import Writer
from tui.app import CoreGroupApp
from tui.screens.case import CaseScreen
from tui.screens.case_list import CaseListScreen
from tui.screens.meeting import AttendanceScreen, FinishScreen, WalkthroughScreen
from tui.widgets.forms import Confirm, RecordForm, many_lines, one_line

DEMO_ID = "DEMO-0001"
FIXED_NOW = dt.datetime(2026, 11, 20, 10, 0, 0)


# ----- helpers ----------------------------------------------------------------------------------
class FakeCaseFile:
    """Stands in for a CaseFile: records what was saved; `fail` decides whether a save fails."""

    def __init__(self, fail: Any = None) -> None:
        self.saved: list[Any] = []
        self.fail = fail
        self.saved_one = threading.Event()

    def save(self, record: Any = None) -> None:
        if self.fail is not None:
            problem = self.fail(record)
            if problem is not None:
                raise problem
        self.saved.append(record)
        self.saved_one.set()


class Record:
    def __init__(self, name: str) -> None:
        self.name = name


class TimedLock:
    """The writer's lock, but giving up after a few seconds: a deadlock fails the test instead
    of hanging it."""

    def __init__(self, lock: Any) -> None:
        self.inner = lock

    def __enter__(self) -> TimedLock:
        if not self.inner.acquire(timeout=5):
            raise RuntimeError("deadlock: the writer's lock was never released")
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.release()


def notifications(app: Any) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


def on_disk(store: Store) -> Any:
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        return case_file.case


async def to_attendance(pilot: Any, venue: str = "Sample Family Centre") -> AttendanceScreen:
    await pilot.press("enter")  # the demo case
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    pilot.app.screen.query_one("#s-venue", Input).value = venue
    await pilot.press("ctrl+s")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AttendanceScreen)
    return screen


async def add_attendee(pilot: Any, screen: AttendanceScreen, name: str, role: str = "", agency: str = "") -> None:
    screen.query_one("#a-name", Input).value = name
    screen.query_one("#a-role", Input).value = role
    screen.query_one("#a-agency", Input).value = agency
    await pilot.pause()
    screen.action_add()
    await pilot.pause()


# ----- the writer on its own ------------------------------------------------------------------
def test_a_failed_save_stays_queued_and_is_saved_on_retry() -> None:
    failures = [StoreError("the disk is full")]
    case_file = FakeCaseFile(lambda record: failures.pop() if failures else None)
    errors: list[str] = []
    writer = Writer(case_file, on_error=errors.append, delay=0.01, retry_every=60)  # type: ignore[arg-type]
    try:
        meeting = Record("meeting 3")
        with writer.lock:
            writer.changed(meeting)
        writer.flush()
        assert case_file.saved == []
        assert writer.has_pending and writer.has_failed  # quitting would ask
        assert writer.last_error == "Not saved: the disk is full"
        assert errors == ["Not saved: the disk is full"]
        writer.flush()  # the next save (a keystroke, ctrl+s, quitting) tries it again
        assert case_file.saved[-1] is meeting
        assert not writer.has_pending and writer.last_error is None
    finally:
        writer.close()


def test_the_writer_reports_errors_only_after_releasing_its_lock() -> None:
    case_file = FakeCaseFile(lambda record: StoreError("the disk is full"))
    lock_was_free: list[bool] = []
    writer: Writer

    def on_error(message: str) -> None:
        # Another thread (the UI, adding an attendee) takes the lock while the error is reported.
        def ui() -> None:
            got = writer.lock.acquire(timeout=2)
            lock_was_free.append(got)
            if got:
                writer.lock.release()

        thread = threading.Thread(target=ui)
        thread.start()
        thread.join()

    writer = Writer(case_file, on_error=on_error, delay=0.01, retry_every=60)  # type: ignore[arg-type]
    try:
        with writer.lock:
            writer.changed(Record("meeting"))
        writer.flush()
        assert lock_was_free == [True]  # reported once, with nobody holding the lock
    finally:
        case_file.fail = None
        writer.close()


def test_the_writer_thread_survives_an_unexpected_error_and_names_only_its_kind() -> None:
    failures = [ValueError("Robin Example's address is wrong")]  # an error holding case data
    case_file = FakeCaseFile(lambda record: failures.pop() if failures and record.name == "first" else None)
    errors: list[str] = []
    reported = threading.Event()

    def on_error(message: str) -> None:
        errors.append(message)
        reported.set()

    writer = Writer(case_file, on_error=on_error, delay=0.01, retry_every=60)  # type: ignore[arg-type]
    try:
        first = Record("first")
        writer.changed(first)
        assert reported.wait(5)
        assert "ValueError" in errors[0] and "Robin" not in errors[0] and "address" not in errors[0]
        assert writer.has_failed  # kept, not dropped
        assert writer._thread.is_alive()
        # The thread carries on: the next change is saved, and the failed record with it.
        second = Record("second")
        writer.changed(second)
        for _ in range(500):
            if first in case_file.saved and second in case_file.saved:
                break
            threading.Event().wait(0.01)
        assert first in case_file.saved and second in case_file.saved
        assert not writer.has_pending
    finally:
        writer.close()


def test_control_characters_become_spaces() -> None:
    assert one_line("Sample\tFamily\r\nCentre\x1b") == "Sample Family  Centre "
    assert many_lines("line one\r\nline\ttwo\x0cthree") == "line one\nline\ttwo three"


# ----- in the app -------------------------------------------------------------------------------
async def test_a_failed_save_never_freezes_the_screen(store: Store, make_app: Any, monkeypatch: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_attendance(pilot)
        await add_attendee(pilot, screen, "Alex Sample", "Health visitor", "Sample Health")
        app.writer.flush()
        app.writer.lock = TimedLock(app.writer.lock)

        real_save = CaseFile.save
        in_save, go_on = threading.Event(), threading.Event()
        failures = [StoreError("the disk is full (test)")]

        def save_once_failing(self: CaseFile, record: Any = None) -> None:
            if failures:
                in_save.set()
                go_on.wait(5)  # the writer holds its lock here while the chair presses a key
                raise failures.pop()
            real_save(self, record)

        monkeypatch.setattr(CaseFile, "save", save_once_failing)

        async def chair_changes_status_during_a_failing_save() -> None:
            app.writer.changed(screen.meeting)  # a keystroke's save
            assert await asyncio.to_thread(in_save.wait, 5)
            threading.Timer(0.3, go_on.set).start()
            screen.action_cycle_status()  # takes the writer's lock on the UI thread
            await pilot.pause()
            await pilot.pause()
            app.writer.flush()  # the retry

        await asyncio.wait_for(chair_changes_status_during_a_failing_save(), timeout=20)
        assert "the disk is full (test)" in notifications(app)
        assert not app.writer.has_pending
    attendee = on_disk(store).meetings[-1].attendees[-1]
    assert (attendee.name, attendee.status) == ("Alex Sample", AttendanceStatus.APOLOGIES)


async def test_a_pasted_tab_does_not_stop_the_meeting_being_saved(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await to_attendance(pilot, venue="Sample\tFamily Centre")
        await add_attendee(pilot, screen, "Alex\tSample", "Health\tvisitor", "Sample\x1bHealth")
        await pilot.press("escape")
        await pilot.pause()
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await walk.go_to("next_dates")
        await pilot.pause()
        walk.query_one("#mf-next_meeting_venue", Input).value = "Sample\tSchool"
        await pilot.pause()
        await pilot.press("ctrl+t")  # an action whose owner was pasted with a tab
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-text", TextArea).text = "Alex Sample visits weekly"
        form.query_one("#f-owner", Input).value = "Alex\tSample"
        form.query_one("#f-due", Input).value = "2w"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm), form.query_one("#form-error", Static).render()
        app.writer.flush()
        assert not app.writer.has_failed, app.writer.last_error
    meeting = on_disk(store).meetings[-1]
    assert meeting.venue == "Sample Family Centre"
    assert meeting.next_meeting_venue == "Sample School"
    attendee = meeting.attendees[-1]
    assert (attendee.name, attendee.role, attendee.agency) == ("Alex Sample", "Health visitor", "Sample Health")
    assert on_disk(store).actions[-1].owner == "Alex Sample"


def _always_failing_meetings(monkeypatch: Any) -> None:
    real_save = CaseFile.save

    def save(self: CaseFile, record: Any = None) -> None:
        if type(record).__name__ == "Meeting":
            raise StoreError("the disk is full (test)")
        real_save(self, record)

    monkeypatch.setattr(CaseFile, "save", save)


async def test_quit_asks_when_a_save_failed_and_finish_does_not_say_saved(store: Store, monkeypatch: Any) -> None:
    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW, writer_delay=0.05)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_attendance(pilot)
        await pilot.press("escape")
        await pilot.pause()
        _always_failing_meetings(monkeypatch)
        await pilot.press(*"Robin was seen")
        app.writer.flush()
        await pilot.pause()
        assert app.writer.has_failed

        # Finishing does not claim the meeting was saved.
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, FinishScreen)
        app.screen.query_one("#finish-note", Input).value = "Test of a failing disk"
        await pilot.press("ctrl+f")
        await pilot.pause()
        shown = notifications(app)
        assert "NOT saved" in shown and "finished and saved" not in shown
        await pilot.pause(0.3)  # the walk-through shows the finished meeting

        # Quitting asks, and asks again rather than pretending the retry worked.
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "could not be saved" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "Quit anyway" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        monkeypatch.undo()  # the disk has room again: ctrl+s saves, and says so
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.writer.has_pending
    assert on_disk(store).meetings[-1].steps[0].notes == "Robin was seen"


async def test_quit_asks_about_an_open_changed_form_and_saves_it(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_attendance(pilot)
        await pilot.press("escape")
        await pilot.pause()
        app.writer.flush()
        await pilot.press("ctrl+t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-text", TextArea).text = "Alex Sample to visit every week"
        await pilot.pause()
        assert not app.writer.has_pending  # nothing queued: only the form holds the typing
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "not saved" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await pilot.pause()
    assert on_disk(store).actions[-1].text == "Alex Sample to visit every week"


async def test_an_unopened_form_does_not_make_quit_ask(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("p")  # the plan form, opened but not changed
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)
    assert app.return_code == 0


async def test_sighup_saves_an_open_form_and_never_claims_an_invalid_one(
    store: Store, make_app: Any, capsys: Any
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("TabbedContent").active = "services"
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-name", Input).value = "Family support worker"
        form.query_one("#f-end_date", Input).value = "not a date"  # fails its check
        await pilot.pause()
        app._save_and_exit()  # what SIGTERM / SIGHUP run
        await pilot.pause()
    said = " ".join(capsys.readouterr().err.split())
    assert "NOT saved" in said
    assert "Family support worker" not in [s.name for s in on_disk(store).services]


async def test_closing_the_case_asks_when_a_save_failed_like_quit(store: Store, monkeypatch: Any) -> None:
    app = CoreGroupApp(store, Settings(), clock=lambda: FIXED_NOW, writer_delay=0.05)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_attendance(pilot)
        await pilot.press("escape")  # the walk-through
        await pilot.pause()
        _always_failing_meetings(monkeypatch)
        await pilot.press(*"Robin was seen")
        app.writer.flush()
        await pilot.pause()
        assert app.writer.has_failed
        await pilot.press("escape")  # back to the case
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)

        # Escape to the case list asks, and asks again rather than pretending the retry worked.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "could not be saved" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "Close the case anyway" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen) and app.case_file is not None  # still open, change kept

        monkeypatch.undo()  # the disk has room again: escape saves and closes without asking
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseListScreen) and app.case_file is None
    assert on_disk(store).meetings[-1].steps[0].notes == "Robin was seen"
