"""Saving never holds up the chair's typing, never drops a change quietly, and never claims
success it did not have; the writer outlives any one bad save.

Unit tests of the writer (meetings/storage/writer.py) with a stand-in case file, then Pilot tests
of what the chair sees and what reaches the disk. A full or stuck disk is simulated at the storage
layer's seam, `CaseFile.write`."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static, TextArea
from tui_helpers import DEMO_ID, burst, human, open_walkthrough, save_now, wait_until

from meetings.domain.records import AttendanceStatus, Case
from meetings.domain.text import many_lines, one_line
from meetings.storage.store import CaseFile, Snapshot, Store, StoreError
from meetings.storage.writer import Writer
from tui.screens.attendance import AttendanceScreen
from tui.screens.case import CaseScreen
from tui.screens.case_list import CaseListScreen
from tui.screens.finish import FinishScreen
from tui.screens.walkthrough import WalkthroughScreen
from tui.widgets.forms import Confirm, RecordForm

Key = tuple[str, str]
Records = dict[Key, dict[str, Any] | None]
DISK_FULL = "the disk is full (test)"


# ----- helpers ----------------------------------------------------------------------------------
class FakeCaseFile:
    """Stands in for a CaseFile: keeps what each write held; `fail` (given the snapshot) returns
    the error a write raises, or None for a write that works."""

    def __init__(self, fail: Callable[[Snapshot], BaseException | None] | None = None) -> None:
        self.fail = fail
        self.writes: list[Records] = []
        self._written = threading.Condition()

    def write(self, snapshot: Snapshot) -> None:
        if self.fail is not None:
            problem = self.fail(snapshot)
            if problem is not None:
                raise problem
        with self._written:
            self.writes.append(dict(snapshot.records))
            self._written.notify_all()

    def on_disk(self) -> Records:
        """Every record as the writes left it, the latest copy of each."""
        merged: Records = {}
        for records in self.writes:
            merged.update(records)
        return merged

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._written:
            return self._written.wait_for(condition, timeout)


def change(table: str, key: str, **fields: Any) -> Snapshot:
    """A snapshot holding one changed record."""
    return Snapshot({(table, key): dict(fields)})


@pytest.fixture
def writers() -> Iterator[Callable[..., Writer]]:
    """Writers on stand-in case files, closed at the end of the test whatever happens."""
    made: list[Writer] = []

    def make(case_file: FakeCaseFile, **options: Any) -> Writer:
        writer = Writer(cast(CaseFile, case_file), **options)
        made.append(writer)
        return writer

    yield make
    for writer in made:
        writer.close()


def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Wait, off the UI, until `condition` holds; False if it never did within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.005)
    return True


def on_disk(store: Store) -> Case:
    """The case as another process would load it from the file now."""
    with Store(store.root).open(DEMO_ID, read_only=True) as case_file:
        return case_file.case


def notices(app: Any) -> str:
    return " | ".join(app.notices)


def question(app: Any) -> str:
    return str(app.screen.query_one("#confirm-question", Static).render())


async def paste(pilot: Any, text: str) -> None:
    """Text pasted into the focused field, as the terminal delivers a paste."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def focus(pilot: Any, selector: str) -> None:
    """Put the cursor in a field, as a click on it does."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await wait_until(pilot, lambda: pilot.app.focused is widget)


def always_failing_meetings(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, no save that holds a meeting gets written: the disk is full."""
    real_write = CaseFile.write

    def write(self: CaseFile, snapshot: Snapshot) -> None:
        if any(table == "meetings" for table, _ in snapshot.records):
            raise StoreError(DISK_FULL)
        real_write(self, snapshot)

    monkeypatch.setattr(CaseFile, "write", write)


# ----- the writer on its own ------------------------------------------------------------------
def test_a_failed_save_stays_queued_and_is_saved_on_retry(writers: Callable[..., Writer]) -> None:
    disk_full = True
    case_file = FakeCaseFile(lambda snapshot: StoreError("the disk is full") if disk_full else None)
    errors: list[str] = []
    writer = writers(case_file, on_error=errors.append, delay=0.2, retry_every=60)

    writer.submit(change("meetings", "3", notes="Robin was seen (fictional)."))
    assert not writer.flush()
    assert case_file.writes == []
    assert writer.has_pending and writer.has_failed  # quitting would ask
    assert writer.last_error == "Not saved: the disk is full"
    assert not writer.flush()  # failing again ...
    assert errors == ["Not saved: the disk is full"]  # ... says nothing new

    disk_full = False
    assert writer.flush()  # the next save (a keystroke, ctrl+s, quitting) tries it again
    assert case_file.on_disk()[("meetings", "3")] == {"notes": "Robin was seen (fictional)."}
    assert not writer.has_pending and not writer.has_failed and writer.last_error is None


def test_the_newer_copy_of_a_record_wins_and_a_burst_is_saved_together(writers: Callable[..., Writer]) -> None:
    case_file = FakeCaseFile()
    writer = writers(case_file, delay=0.2, retry_every=60)
    writer.submit(change("meetings", "3", notes="R"))
    writer.submit(change("meetings", "3", notes="Robin"))
    writer.submit(change("actions", "7", text="Book a home visit (fictional)."))
    assert writer.flush()
    assert case_file.writes == [
        {("meetings", "3"): {"notes": "Robin"}, ("actions", "7"): {"text": "Book a home visit (fictional)."}}
    ]
    assert not writer.has_pending


def test_whoever_is_told_of_a_failed_save_can_go_on_editing_and_saving(writers: Callable[..., Writer]) -> None:
    """The writer reports a problem holding nothing that editing or saving needs: the UI, told
    from the writer's thread, may submit and save at once without waiting on the writer."""
    disk_full = True
    case_file = FakeCaseFile(lambda snapshot: StoreError("the disk is full") if disk_full else None)
    went_on: list[bool] = []
    writer: Writer

    def on_error(message: str) -> None:
        def ui() -> None:  # another thread edits and saves while the problem is being reported
            writer.submit(change("actions", "7", text="Book a home visit (fictional)."))
            writer.flush()

        thread = threading.Thread(target=ui)
        thread.start()
        thread.join(timeout=2)
        went_on.append(not thread.is_alive())

    writer = writers(case_file, on_error=on_error, delay=0.2, retry_every=60)
    writer.submit(change("meetings", "3", notes="Robin was seen (fictional)."))
    assert not writer.flush()
    assert went_on == [True]  # reported once, and the other thread never waited
    assert writer.has_failed

    disk_full = False
    assert writer.flush()
    assert case_file.on_disk() == {
        ("meetings", "3"): {"notes": "Robin was seen (fictional)."},
        ("actions", "7"): {"text": "Book a home visit (fictional)."},
    }


def test_the_writer_thread_survives_an_unexpected_error_and_names_only_its_kind(
    writers: Callable[..., Writer],
) -> None:
    failures = [ValueError("Robin Example's address is wrong")]  # an error holding case data

    def fail(snapshot: Snapshot) -> BaseException | None:
        return failures.pop() if failures and ("people", "1") in snapshot.records else None

    case_file = FakeCaseFile(fail)
    errors: list[str] = []
    reported = threading.Event()

    def on_error(message: str) -> None:
        errors.append(message)
        reported.set()

    writer = writers(case_file, on_error=on_error, delay=0.01, retry_every=60)
    writer.submit(change("people", "1", name="Robin Example"))  # saved by the writer's own thread
    assert reported.wait(5)
    assert "ValueError" in errors[0] and "Robin" not in errors[0] and "address" not in errors[0]
    assert writer.has_failed  # kept, not dropped
    assert writer.running
    # The thread carries on: the next change is saved, and the failed record with it.
    writer.submit(change("actions", "7", text="Book a home visit (fictional)."))
    assert case_file.wait_for(lambda: len(case_file.on_disk()) == 2)
    assert case_file.writes[-1].keys() == {("people", "1"), ("actions", "7")}
    assert eventually(lambda: not writer.has_pending)
    assert writer.running and writer.last_error is None


def test_the_writer_saves_the_copy_taken_when_the_change_was_made(store: Store) -> None:
    """The writer never reads the records being edited: what it saves is the snapshot."""
    with store.open(DEMO_ID) as case_file:
        writer = Writer(case_file, delay=0.01, retry_every=60)
        try:
            action = case_file.case.actions[1]
            action.outcome = "Checks back (fictional)."
            writer.submit(Snapshot.of(case_file.case, [action]))
            action.outcome = "Typed after the change was handed over (fictional)."  # not submitted
            assert writer.flush()
            assert eventually(lambda: not writer.has_pending)
        finally:
            assert writer.close()
        assert Store(store.root).export_data(DEMO_ID)["actions"][1]["outcome"] == "Checks back (fictional)."


def test_control_characters_become_spaces() -> None:
    assert one_line("Sample\tFamily\r\nCentre\x1b") == "Sample Family  Centre "
    assert many_lines("line one\r\nline\ttwo\x0cthree") == "line one\nline\ttwo three"


# ----- in the app -------------------------------------------------------------------------------
async def test_a_save_stuck_on_a_slow_or_full_disk_never_holds_up_typing(
    store: Store, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that hangs (a network share gone quiet) and then fails: all the while the chair adds
    someone, changes their status, types notes and moves on, and sees each key at once; afterwards
    the problem is shown and everything typed is on disk."""
    real_write = CaseFile.write
    stuck, unstuck = threading.Event(), threading.Event()

    def stuck_then_full(self: CaseFile, snapshot: Snapshot) -> None:
        if not stuck.is_set():
            stuck.set()
            unstuck.wait(15)  # the disk hangs until the test lets it go
            raise StoreError(DISK_FULL)
        real_write(self, snapshot)

    app = make_app(store)
    watchdog = threading.Timer(60, unstuck.set)  # never leave the writer hanging if the test fails
    watchdog.start()
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await open_walkthrough(pilot, app, attendance=True)
            await save_now(pilot)
            assert not app.unsaved
            monkeypatch.setattr(CaseFile, "write", stuck_then_full)

            await human(pilot, *"Alex Sample", "tab", *"Health visitor", "tab", *"Sample Health", "enter")
            assert await asyncio.to_thread(stuck.wait, 5)  # the writer is in the stuck save
            table = app.screen.query_one("#attendees", DataTable)
            await wait_until(pilot, lambda: "Alex Sample" in str(table.get_row_at(table.row_count - 1)[0]), 15)

            await human(pilot, "shift+tab", "ctrl+end", "s")  # the list; the new person; apologies
            await wait_until(pilot, lambda: table.get_row_at(table.row_count - 1)[1] == "apologies", 15)

            await human(pilot, "escape", *"Robin was seen")  # the walk-through's first step
            await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen), 15)
            walk = app.screen
            await wait_until(pilot, lambda: walk.query_one("#notes", TextArea).text == "Robin was seen", 15)
            await human(pilot, "ctrl+n", *"Sam")
            await wait_until(pilot, lambda: walk.index == 1 and walk.query_one("#notes", TextArea).text == "Sam", 15)

            # All of that happened while the save was stuck, and none of it waited for the disk.
            assert stuck.is_set() and not unstuck.is_set()
            assert app.unsaved

            unstuck.set()  # the stuck save fails: the chair is told, and the writer tries again
            await wait_until(pilot, lambda: DISK_FULL in notices(app))
            await wait_until(pilot, lambda: not app.unsaved)
            await save_now(pilot)
            assert notices(app).endswith("Saved.")
    finally:
        unstuck.set()
        watchdog.cancel()
    meeting = on_disk(store).meetings[-1]
    alex = meeting.attendees[-1]
    assert (alex.name, alex.role, alex.agency, alex.status) == (
        "Alex Sample",
        "Health visitor",
        "Sample Health",
        AttendanceStatus.APOLOGIES,
    )
    assert [s.notes for s in meeting.steps[:2]] == ["Robin was seen", "Sam"]


async def test_pasted_control_characters_do_not_stop_the_meeting_being_saved(store: Store, make_app: Any) -> None:
    """Text pasted from another program may hold escapes, bells and tabs: one-line fields get
    spaces for them, notes keep their tabs, and every record is saved."""
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter", "m")  # the demo case; start a meeting (the cursor is in the venue)
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "s-venue")
        await paste(pilot, "Sample\x1bFamily Centre")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AttendanceScreen))
        await paste(pilot, "Alex\x1bSample")
        await human(pilot, "tab")
        await paste(pilot, "Health\x07visitor")
        await human(pilot, "tab")
        await paste(pilot, "Sample\x1bHealth")
        await human(pilot, "enter", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        await burst(pilot, *["ctrl+n"] * (len(walk.meeting.steps) - 1))  # straight to the last step
        await wait_until(pilot, lambda: walk.step.key == "next_dates" and walk.ready)
        await focus(pilot, "#next-meeting-venue")
        await paste(pilot, "Sample\x1bSchool")
        await human(pilot, "ctrl+t")  # an action, its text pasted with a tab, its owner with an escape
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        await focus(pilot, "#f-text")
        await paste(pilot, "Alex Sample visits\tweekly")
        await focus(pilot, "#f-owner")
        await paste(pilot, "Alex\x1bSample")
        await focus(pilot, "#f-due")
        await human(pilot, "2", "w", "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, RecordForm))
        assert "Action" in notices(app), form.query_one("#form-error", Static).render()
        await save_now(pilot)
        assert notices(app).endswith("Saved.")
        assert not app.case_session.save_failed, app.case_session.last_error
    case = on_disk(store)
    meeting = case.meetings[-1]
    assert meeting.venue == "Sample Family Centre"
    assert meeting.next_meeting_venue == "Sample School"
    attendee = meeting.attendees[-1]
    assert (attendee.name, attendee.role, attendee.agency) == ("Alex Sample", "Health visitor", "Sample Health")
    assert (case.actions[-1].text, case.actions[-1].owner) == ("Alex Sample visits\tweekly", "Alex Sample")


async def test_quit_asks_when_a_save_failed_and_finish_does_not_say_saved(
    store: Store, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        always_failing_meetings(monkeypatch)
        await burst(pilot, *"Robin was seen", "ctrl+s")
        await wait_until(pilot, lambda: DISK_FULL in notices(app))
        assert app.case_session.save_failed

        # Finishing does not claim the meeting was saved.
        await human(pilot, "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FinishScreen))
        await human(pilot, "ctrl+f")  # items are missing: the cursor goes to the reason
        await wait_until(pilot, lambda: app.focused is app.screen.query_one("#finish-note"))
        await burst(pilot, *"Test of a failing disk", "ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
        shown = notices(app)
        assert "NOT saved" in shown and "finished and saved" not in shown

        # Quitting asks, and asks again rather than pretending the retry worked.
        await human(pilot, "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "could not be saved" in question(app)
        await human(pilot, "y")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm) and "Quit anyway" in question(app))
        await human(pilot, "n")
        await wait_until(pilot, lambda: not isinstance(app.screen, Confirm))
        assert app.is_running and app.unsaved
        monkeypatch.undo()  # the disk has room again: ctrl+s saves, and says so
        await save_now(pilot)
        assert notices(app).endswith("Saved.")
        assert not app.unsaved
    meeting = on_disk(store).meetings[-1]
    assert meeting.steps[0].notes == "Robin was seen"
    assert meeting.status.value == "finished"


async def test_quit_asks_about_an_open_changed_form_and_saves_it(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        await human(pilot, "ctrl+s", "ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        await focus(pilot, "#f-text")
        await burst(pilot, *"Alex Sample to visit every week")
        assert not app.case_session.unsaved  # nothing handed to the writer: only the form holds the typing
        assert app.unsaved
        await human(pilot, "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "not saved" in question(app)
        await human(pilot, "y")
    assert on_disk(store).actions[-1].text == "Alex Sample to visit every week"
    assert app.return_code == 0


async def test_an_unopened_form_does_not_make_quit_ask(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await human(pilot, "p")  # the plan form, opened but not changed
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert not app.unsaved
        await human(pilot, "ctrl+q")
        assert not isinstance(app.screen, Confirm)
    assert app.return_code == 0


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs SIGHUP")
async def test_sighup_saves_an_open_form_and_never_claims_an_invalid_one(
    store: Store, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(store)
    before = signal.getsignal(signal.SIGHUP)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        app.screen.query_one("TabbedContent").active = "services"
        await human(pilot, "a")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        await focus(pilot, "#f-name")
        await burst(pilot, *"Family support worker")
        await focus(pilot, "#f-end_date")
        await burst(pilot, *"not a date")  # fails its check
        assert app.screen.query_one("#f-end_date", Input).value == "not a date"
        # The app put its own handler in place: a real SIGHUP (the terminal closed) reaches it.
        assert signal.getsignal(signal.SIGHUP) not in (before, signal.SIG_DFL, None)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(pilot, lambda: not app.is_running)
    said = " ".join(capsys.readouterr().err.split())
    assert "NOT saved" in said
    assert "Family support worker" not in [s.name for s in on_disk(store).services]


async def test_closing_the_case_asks_when_a_save_failed_like_quit(
    store: Store, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        always_failing_meetings(monkeypatch)
        await burst(pilot, *"Robin was seen", "ctrl+s")
        await wait_until(pilot, lambda: DISK_FULL in notices(app))
        assert app.case_session.save_failed
        await human(pilot, "escape")  # back to the case
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))

        # Escape to the case list asks, and asks again rather than pretending the retry worked.
        await human(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "could not be saved" in question(app)
        await human(pilot, "y")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm) and "Close the case anyway" in question(app))
        await human(pilot, "n")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert app.session is not None and app.unsaved  # still open, change kept

        monkeypatch.undo()  # the disk has room again: escape saves and closes without asking
        await human(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseListScreen))
        assert app.session is None
    assert on_disk(store).meetings[-1].steps[0].notes == "Robin was seen"
