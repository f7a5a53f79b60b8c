"""The coregroup app: a chair holds a core group meeting in the terminal.

The app holds the store, the council's settings, a clock (injectable, so tests and snapshots
see a fixed day) and, while a case is open, its CaseFile and the one Writer that saves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from meetings.domain.agenda import Agenda, load_agenda
from meetings.domain.settings import Settings, load_settings
from meetings.storage.store import CaseFile, CaseLocked, Store, StoreError
from meetings.storage.writer import Writer

from .commands import ScreenCommands
from .widgets.forms import Confirm, RecordForm

Clock = Callable[[], dt.datetime]


class WriterProblem(Message):
    """A save failed: posted from the writer's thread, which never waits for the screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CoreGroupApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "coregroup"
    SUB_TITLE = "core group meetings"
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-wide")]
    COMMANDS: ClassVar = App.COMMANDS | {ScreenCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="List every key on every screen", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help-q"),
        Binding("f10", "toggle_theme", "Light/dark", tooltip="Switch between the light and dark theme", id="theme"),
        Binding("ctrl+s", "save_now", "Save now", show=False, tooltip="Save every change now", id="save"),
        Binding(
            "ctrl+q", "quit", "Quit", tooltip="Quit (asks only if a save is still pending)", id="quit", priority=True
        ),
    ]

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        writer_delay: float = 0.25,
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings if settings is not None else load_settings()
        self.clock: Clock = clock or dt.datetime.now
        self.writer_delay = writer_delay
        self.case_file: CaseFile | None = None
        self.writer: Writer | None = None
        self._agenda: Agenda | None = None
        self.show_restricted = False  # restricted flags stay hidden until the chair reveals them
        self.theme = "textual-dark"

    # ----- time and settings --------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()

    @property
    def agenda(self) -> Agenda:
        if self._agenda is None:
            self._agenda = load_agenda(self.settings.agenda_template)
        return self._agenda

    # ----- lifecycle ----------------------------------------------------------------------
    def on_mount(self) -> None:
        from .screens.case_list import CaseListScreen

        self._install_signal_handlers()
        self.push_screen(CaseListScreen())

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is not None:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self._save_and_exit)

    def _save_and_exit(self) -> None:
        """The terminal closed or we were asked to stop: save first (an open form too, if it
        passes its checks), then go. Nothing claims to be saved that was not."""
        forms_saved = self.save_open_forms()
        if self.writer is not None:
            self.writer.flush()
        if not forms_saved or (self.writer is not None and self.writer.has_failed):
            self._exit_renderables.append(
                Text("coregroup stopped with changes NOT saved (an open form with a problem, or a failed save).")
            )
        self.exit()

    # ----- what is not saved yet ----------------------------------------------------------
    def open_forms(self) -> list[RecordForm]:
        """Forms on the screen stack with something typed that is not saved."""
        return [s for s in self.screen_stack if isinstance(s, RecordForm) and s.has_changes]

    def save_open_forms(self) -> bool:
        """Save every open, changed form that passes its checks. True if nothing typed is lost."""
        return all([form.save_on_the_way_out() for form in self.open_forms()])

    @property
    def unsaved(self) -> bool:
        return bool(self.open_forms()) or (self.writer is not None and self.writer.has_pending)

    def on_unmount(self) -> None:
        self.close_case()

    # ----- cases --------------------------------------------------------------------------
    def open_case(self, case_id: str, *, read_only: bool = False) -> None:
        from .screens.case import CaseScreen

        try:
            case_file = self.store.open(case_id, read_only=read_only)
        except CaseLocked as locked:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.open_case(case_id, read_only=True)

            self.push_screen(Confirm(f"{locked}\n\nOpen it read-only?", yes="Open read-only", no="Cancel"), answered)
            return
        except StoreError as problem:
            self.notify(str(problem), title="Cannot open the case", severity="error", timeout=10)
            return
        self.case_file = case_file
        if not case_file.read_only:
            self.writer = Writer(case_file, on_error=self._writer_error, delay=self.writer_delay)
        self.push_screen(CaseScreen())

    def adopt_case(self, case_file: CaseFile) -> None:
        """Work on a case just created (and so already open for editing)."""
        from .screens.case import CaseScreen

        self.case_file = case_file
        self.writer = Writer(case_file, on_error=self._writer_error, delay=self.writer_delay)
        self.push_screen(CaseScreen())

    def close_case(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.case_file is not None:
            self.case_file.close()
            self.case_file = None

    def leave_case(self) -> None:
        """Close the case and go back to the case list. If a save has failed, ask first, as quit
        does: closing would drop the change that could not be saved."""
        writer = self.writer
        if writer is not None:
            writer.flush()  # try once more now: if it works, there is nothing to ask

        def close() -> None:
            self.close_case()
            self.pop_screen()

        if writer is None or not writer.has_failed:
            close()
            return

        def save_first() -> tuple[str, str] | None:
            if self.writer is not None:
                self.writer.flush()
                if self.writer.has_failed:
                    return (
                        f"Still not saved:\n{self.writer.last_error}\nClose the case anyway and lose these changes?",
                        "Close, losing them",
                    )
            return None

        def answered(yes: bool | None) -> None:
            if yes:
                close()

        question = f"Some changes could not be saved:\n{writer.last_error}\nTry to save them again and close the case?"
        self.push_screen(Confirm(question, yes="Save and close", no="Stay", check=save_first), answered)

    @property
    def read_only(self) -> bool:
        return self.case_file is None or self.case_file.read_only

    def _writer_error(self, message: str) -> None:
        """Called by the writer, from any thread, after it has released its lock. Never waits:
        from another thread the message is posted (thread-safe) and shown when the UI is free."""
        if threading.get_ident() == self._thread_id:
            self._show_writer_problem(message)
        else:
            with contextlib.suppress(RuntimeError):
                self.post_message(WriterProblem(message))

    def on_writer_problem(self, event: WriterProblem) -> None:
        self._show_writer_problem(event.text)

    def _show_writer_problem(self, message: str) -> None:
        self.notify(message, title="Not saved", severity="error", timeout=15)

    # ----- actions ------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_save_now(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            if self.writer.has_failed:
                self.notify(self.writer.last_error or "Not saved.", title="Not saved", severity="error", timeout=15)
            else:
                self.notify("Saved.", timeout=2)

    async def action_quit(self) -> None:
        if not self.unsaved:
            self.exit()  # the case is closed (and its lock released) as the app unmounts
            return
        forms = self.open_forms()
        writer = self.writer
        if forms:
            question = f"“{forms[-1].title_text}” is open with changes you have not saved.\nSave them and quit?"
        elif writer is not None and writer.has_failed:
            question = f"Some changes could not be saved:\n{writer.last_error}\nTry to save them again and quit?"
        else:
            question = "Your last changes are still being saved.\nSave them now and quit?"

        def save_first() -> tuple[str, str] | None:
            """Save what can be saved; if anything is still not saved, what to ask instead."""
            for form in self.open_forms():
                if not form.save_on_the_way_out():
                    return (
                        f"“{form.title_text}” has a problem and cannot be saved as it is.\n"
                        "Quit anyway and lose what is typed in it? (n: stay and correct it)",
                        "Quit, losing it",
                    )
            if self.writer is not None:
                self.writer.flush()
                if self.writer.has_failed:
                    return (
                        f"Still not saved:\n{self.writer.last_error}\nQuit anyway and lose these changes?",
                        "Quit, losing them",
                    )
            return None

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(Confirm(question, yes="Save and quit", no="Stay", check=save_first), answered)

    # ----- no case data in a crash report -------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._fatal_error()

    def _fatal_error(self) -> None:
        """Textual prints a traceback with local variables, which would show a child's details.
        Save what we can, then print only the kind of error and where it happened."""
        import sys
        import traceback

        saved = False
        with contextlib.suppress(Exception):
            if self.writer is not None:
                self.writer.flush()
            saved = self.writer is None or not self.writer.has_failed
        _, error, tb = sys.exc_info()
        if error is None:
            error = self._exception
            tb = error.__traceback__ if error is not None else None
        where = ""
        if tb is not None:
            frame = traceback.extract_tb(tb)[-1]
            where = f" in {Path(frame.filename).name}, line {frame.lineno} ({frame.name})"
        kind = type(error).__name__ if error is not None else "error"
        self.bell()
        self._exit_renderables.append(
            Text(
                f"coregroup stopped because of an unexpected {kind}{where}.\n"
                + ("Everything typed up to the last second was saved." if saved else "Some changes could NOT be saved.")
                + " No case details are shown here.\n"
                "Please report the two lines above to your system administrator."
            )
        )
        self._close_messages_no_wait()
