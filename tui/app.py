"""The coregroup app: a chair holds a core group meeting in the terminal.

The app holds the store, the council's settings, a clock (injectable, so tests and snapshots
see a fixed day) and, while a case is open, the `CaseSession` that owns it: every change the
screens make goes through the session's intents, on this thread, and the session's writer saves
it. The screens are told what changed by a `CaseUpdated` message.

Keys are handled in the order they were pressed, whatever the speed: a key is passed on only
once the widget that took the previous key has dealt with it (see `on_event`), so text typed
before a Tab, an Enter or ctrl+n lands in the field, the step and the person it was typed for.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import signal
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.errors import NoWidget
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, TextArea

from meetings.domain import timescales
from meetings.domain.agenda import Agenda, load_agenda
from meetings.domain.locations import export_folder
from meetings.domain.settings import Settings, load_settings
from meetings.domain.visibility import Audience, Visibility
from meetings.exports.wordfile import remove_stale_temps
from meetings.session import CaseChanged, CaseSession
from meetings.storage.base import CaseLocked, CaseStore, OpenCase, ReadOnly, StoreError, use_settings
from meetings.storage.writer import SAVED_BUT

from .commands import ScreenCommands
from .messages import CaseUpdated, SaveProblem
from .widgets.flags import SHARING_KEY, sharing_notice, toggled_notice
from .widgets.forms import Confirm, RecordForm

Clock = Callable[[], dt.datetime]

# How many hand-offs a key may set off (a key, the message it posts, the message that one
# bubbles to its parent ...) before the next key is let through; and the longest wait for them.
KEY_HAND_OFFS = 6
KEY_WAIT_SECONDS = 0.5
SCREEN_WAIT_TURNS = 1000  # about a second at most
SETTLE_TURNS = 3  # turns of the app's queue let pass after a key that moves on
STORE_WATCH_SECONDS = 1.0  # how often a read-only view asks whether its editor saved
ORDERED_EVENTS = (events.Key, events.Paste, events.MouseDown, events.MouseUp)


class NoCaseOpen(RuntimeError):
    pass


class CoreGroupApp(App[None]):
    # What the family copy leaves out is on screen only while `show_restricted` (f8); never while
    # `sharing_screen`. Screens watch both and ask `visibility()` what they may show.
    show_restricted: reactive[bool] = reactive(False, init=False)
    sharing_screen: reactive[bool] = reactive(False, init=False)

    CSS_PATH = "app.tcss"
    TITLE = "coregroup"
    SUB_TITLE = "core group meetings"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMMANDS: ClassVar = App.COMMANDS | {ScreenCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="List every key on every screen", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help-q"),
        Binding("f10", "toggle_theme", "Light/dark", tooltip="Switch between the light and dark theme", id="theme"),
        Binding("ctrl+s", "save_now", "Save now", show=False, tooltip="Save every change now", id="save"),
        Binding(
            SHARING_KEY,
            "toggle_sharing",
            "Sharing screen",
            show=False,  # the header says when it is on; the palette and help list the key
            tooltip="Sharing the screen with the family: lock everything restricted (and f8) out of view, or unlock",
            id="sharing",
        ),
        Binding(
            "ctrl+q", "quit", "Quit", tooltip="Quit (asks only if a save is still pending)", id="quit", priority=True
        ),
    ]

    def __init__(
        self,
        store: CaseStore,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        save_delay: float = 0.25,
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings if settings is not None else load_settings()
        use_settings(self.settings)  # the report's items in each case's summary follow the council's timescales
        self.clock: Clock = clock or dt.datetime.now
        self.save_delay = save_delay
        self.session: CaseSession | None = None
        self._agenda: Agenda | None = None
        self.theme = "textual-dark"
        self._key_target: MessagePump | None = None
        self._keys: deque[events.Event] = deque()
        self._settle_turns = 0
        self.notices: deque[str] = deque(maxlen=50)
        self.slow_keys = 0  # keys handed on before the one before them was dealt with (a timeout)
        self._store_watch: Timer | None = None
        self._connection_state = ""

    # ----- messages to the chair ----------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a message, and keep it in `notices` (the last few, newest last): a message that
        has faded from the screen can still be read back, by a test or a support check.

        Every message is shown as written, never read as markup (`markup` is ignored): none of
        ours uses it, and many quote a name, a path or a value typed, which may hold brackets."""
        self.notices.append(f"{title}: {message}" if title else message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

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

    @property
    def case_session(self) -> CaseSession:
        """The open case's session (screens that show a case are only open while there is one)."""
        if self.session is None:
            raise NoCaseOpen("no case is open")
        return self.session

    # ----- keys in the order they were pressed --------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        """Keys, pastes and clicks are handed on one at a time, in the order they came, each
        only once the one before has been dealt with. Textual hands a key straight to the
        focused widget's own queue, so keys arriving together (a paste, fast typing over a
        remote desktop, typing straight after Enter or a click) would otherwise reach a field
        before an earlier Tab, Enter or click had moved the focus, or reach ctrl+n before the
        text and choices typed ahead of it were recorded."""
        if isinstance(event, ORDERED_EVENTS) and not event.is_forwarded:
            self._keys.append(event)
            if len(self._keys) == 1:
                self.call_later(self._hand_on_next_key)
            return
        await super().on_event(event)

    async def _hand_on_next_key(self) -> None:
        if not self._keys:
            return
        if self._settle_turns:
            # After a key that moves on (Enter, Tab, escape, a binding, a click), what it set off
            # may pass through this app's own queue (a binding, a change of focus, a screen
            # closing and its result): let the queue turn, and wait for the widgets again.
            self._settle_turns -= 1
            await self._key_handled(full=True)
            self.call_later(self._hand_on_next_key)
            return
        event = self._keys[0]
        try:
            await self._screen_ready()
            typing = self._is_typing(event)
            if isinstance(event, events.Paste) and "\t" in event.text and isinstance(self.focused, Input):
                await self._paste_across_fields(event.text)
            else:
                self._key_target = self._target_of(event)
                await super().on_event(event)
                await self._key_handled(full=not typing)
        finally:
            self._keys.popleft()
        self._settle_turns = 0 if typing else SETTLE_TURNS
        if self._keys:
            self.call_later(self._hand_on_next_key)

    def _is_typing(self, event: events.Event) -> bool:
        """A character typed into a text box: it only adds to the text where the cursor is."""
        return (
            isinstance(event, events.Key)
            and event.is_printable
            and isinstance(self.focused, Input | TextArea)
            and not self.focused.disabled
        )

    def _target_of(self, event: events.Event) -> MessagePump:
        if isinstance(event, events.MouseEvent):
            with contextlib.suppress(NoWidget):
                return self.get_widget_at(event.x, event.y)[0]
            return self.screen
        return self.focused or self.screen

    async def _screen_ready(self) -> None:
        """A screen that is still building what it shows (the walk-through moving to a step)
        says so with `ready`; keys wait for it, so none lands in a field about to be replaced."""
        waited = 0
        while not getattr(self.screen, "ready", True) and waited < SCREEN_WAIT_TURNS:
            await asyncio.sleep(0.001)
            waited += 1

    async def _key_handled(self, *, full: bool) -> None:
        """Wait until the widget the key went to has dealt with it, and with what it set off:
        for a character typed into a text box, the box itself; otherwise every widget from it
        up to the screen (a message is handed up one level a turn) and the focused widget."""
        target = self._key_target
        if target is None:
            return
        rounds = KEY_HAND_OFFS if full else 2
        for _ in range(rounds):
            pumps: list[MessagePump] = [target]
            if full:
                pumps += [*getattr(target, "ancestors", []), self.screen]
                if self.focused is not None:
                    pumps.append(self.focused)
            waits = []
            for pump in dict.fromkeys(pumps):
                if pump is self:
                    continue
                handled = asyncio.Event()
                if pump.call_later(handled.set):
                    waits.append(handled.wait())
            if not waits:
                break
            try:
                await asyncio.wait_for(asyncio.gather(*waits), KEY_WAIT_SECONDS)
            except TimeoutError:
                self.slow_keys += 1  # counted, so that a test or a benchmark can see it never happens
                break

    async def _paste_across_fields(self, text: str) -> None:
        """A paste with tabs in it (a row copied from a table): each part goes in a field of its
        own, the tab moving on to the next field, as typing it would."""
        for n, part in enumerate(text.split("\t")):
            if n:
                self.screen.focus_next()
                await asyncio.sleep(0)  # the focus moves on this app's queue
                await self._settle_focus()
            target = self.focused or self.screen
            if part:
                self._key_target = target
                target.post_message(events.Paste(part))
                await self._key_handled(full=True)

    async def _settle_focus(self) -> None:
        """Let a change of focus asked for on this app's queue take effect."""
        moved = asyncio.Event()
        self.screen.call_later(moved.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(moved.wait(), KEY_WAIT_SECONDS)

    # ----- lifecycle ----------------------------------------------------------------------
    def on_mount(self) -> None:
        from .screens.case_list import CaseListScreen
        from .screens.unlock import UnlockScreen

        self._install_signal_handlers()
        if self.store.locked:  # an encrypted store: its passphrase first, then the case list
            self.push_screen(UnlockScreen(), lambda _: self.push_screen(CaseListScreen()))
        else:
            self.push_screen(CaseListScreen())
        for warning in self.store.warnings():  # a folder others can read, or one that cannot be written
            self.notify(warning, title="The case store", severity="warning", timeout=12, markup=False)
        # While the chair looks at the list: the first case opened need not wait for the calendar.
        settings, today = self.settings, self.today()
        self.run_worker(lambda: timescales.warm_up(settings, today), thread=True, exit_on_error=False)
        # What an export killed while writing left in the folder exports go to (it holds names).
        self.run_worker(lambda: remove_stale_temps(export_folder()), thread=True, exit_on_error=False)

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is not None:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self.save_and_exit)

    def save_and_exit(self) -> None:
        """The terminal closed or we were asked to stop (SIGTERM, SIGHUP): save first (an open
        form too, if it passes its checks), then go. Nothing claims to be saved that was not."""
        forms_saved = self.save_open_forms()
        saved = self.session.save_now() if self.session is not None else True
        if not forms_saved or not saved:
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
        return bool(self.open_forms()) or (self.session is not None and self.session.unsaved)

    def on_unmount(self) -> None:
        self.close_case()

    # ----- cases --------------------------------------------------------------------------
    def open_case(self, case_id: str, *, read_only: bool = False) -> None:
        try:
            case_file = self.store.open(case_id, read_only=read_only)
        except CaseLocked as locked:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.open_case(case_id, read_only=True)

            self.push_screen(Confirm(f"{locked}\n\nOpen it read-only?", yes="Open read-only", no="Cancel"), answered)
            return
        except ReadOnly as refused:
            if read_only:
                raise
            # The store allows this sign-in to read the case, not to edit it (a team manager, say).
            self.notify(f"{refused} It is opened read-only.", title="Read-only", timeout=8, markup=False)
            self.open_case(case_id, read_only=True)
            return
        except StoreError as problem:
            self.notify(str(problem), title="Cannot open the case", severity="error", timeout=10, markup=False)
            return
        self.adopt_case(case_file)

    def adopt_case(self, case_file: OpenCase) -> None:
        """Work on a case just opened or created: the session owns it from now on."""
        from .screens.case import CaseScreen

        self.session = CaseSession(
            case_file,
            agenda=self.agenda,
            settings=self.settings,
            clock=self.clock,
            on_change=self._case_changed,
            on_error=self._save_failed,
            delay=self.save_delay,
        )
        self.session.record_breaches()  # timescales missed since it was last open stay on its record
        # A five-year case is a few hundred thousand objects that live as long as it is open.
        # Python's collector would otherwise walk them all again and again while Textual builds
        # each screen (the time grew with the case's history); frozen, it leaves them alone.
        gc.freeze()
        self.push_screen(CaseScreen())
        if self.session.distribution_only:
            self.notify(
                "You take the minutes of this case: open a finished meeting (c, or the Meetings tab) and press f5 "
                "to record who was sent which copy. The rest of the case is read-only for you.",
                title="Minute-taker",
                timeout=12,
                markup=False,
            )
        self._connection_state = self.session.connection_state
        if self.session.read_only or self._connection_state:
            # A read-only view follows its editor's saves; a team's store's connection is watched.
            self._store_watch = self.set_interval(STORE_WATCH_SECONDS, self._watch_store)

    def _watch_store(self) -> None:
        session = self.session
        if session is None:
            return
        if session.refresh_from_store():
            self.notify("The case's editor saved it: you are seeing the latest.", timeout=4, markup=False)
        state = session.connection_state
        if state == self._connection_state:
            return
        self._connection_state = state
        if state == "offline" and session.read_only:
            self.notify(
                "The team's store cannot be reached: what you see may not be the latest. It follows the "
                "editor's saves again when the connection comes back.",
                title="Offline",
                severity="warning",
                timeout=15,
                markup=False,
            )
        elif state == "connected" and session.read_only:
            self.notify("Connected again: you are seeing the latest, and following the editor's saves.", timeout=6)
        elif state == "offline":
            self.notify(
                "The connection to the team's store is lost. Keep typing: every change is kept on this computer "
                "and written to the store when the connection comes back.",
                title="Offline",
                severity="warning",
                timeout=15,
                markup=False,
            )
        elif state == "connected":
            self.notify("Connected again: everything typed meanwhile is saved in the team's store.", timeout=6)
        elif state.startswith("conflict"):
            self.notify(state.removeprefix("conflict: "), title="Not saved to the team's store", severity="error",
                        timeout=30, markup=False)  # fmt: skip
        for screen in self.screen_stack:
            screen.post_message(CaseUpdated(CaseChanged(frozenset({"case"}), None)))

    def close_case(self) -> None:
        if self._store_watch is not None:
            self._store_watch.stop()
            self._store_watch = None
        if self.session is not None:
            session, self.session = self.session, None
            session.close()
            gc.unfreeze()  # what the closed case held can be collected again

    def leave_case(self) -> None:
        """Close the case and go back to the case list. If a save has failed, ask first, as quit
        does: closing would drop the change that could not be saved."""
        session = self.session

        def close() -> None:
            self.close_case()
            self.pop_screen()

        if session is None or session.save_now():  # try once more now: if it works, nothing to ask
            close()
            return

        def save_first() -> tuple[str, str] | None:
            if session.save_now():
                return None
            return (
                f"Still not saved:\n{session.last_error}\nClose the case anyway and lose these changes?",
                "Close, losing them",
            )

        def answered(yes: bool | None) -> None:
            if yes:
                close()

        question = f"Some changes could not be saved:\n{session.last_error}\nTry to save them again and close the case?"
        self.push_screen(Confirm(question, yes="Save and close", no="Stay", check=save_first), answered)

    @property
    def read_only(self) -> bool:
        return self.session is None or self.session.read_only

    def _case_changed(self, change: CaseChanged) -> None:
        """Called by the session, on this thread, after every intent: tell the screens."""
        for screen in self.screen_stack:
            screen.post_message(CaseUpdated(change))

    def _save_failed(self, message: str) -> None:
        """Called by the writer, from any thread. Never waits: from another thread the message
        is posted (thread-safe) and shown when the UI is free."""
        if threading.get_ident() == self._thread_id:
            self._show_save_problem(message)
        else:
            with contextlib.suppress(RuntimeError):
                self.post_message(SaveProblem(message))

    def on_save_problem(self, event: SaveProblem) -> None:
        self._show_save_problem(event.text)

    def _show_save_problem(self, message: str) -> None:
        if message.startswith(SAVED_BUT):  # on disk; its history entry waits in the case file
            self.notify(message, title="Saved; history not written", severity="warning", timeout=15, markup=False)
            return
        words = message.removeprefix("Not saved: ")  # the title says it already
        self.notify(words, title="Not saved", severity="error", timeout=15, markup=False)

    # ----- actions ------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(type(self.screen)))

    def audience(self) -> Audience:
        """Who the screen is for now: restricted items hidden (the family may see it) or shown (f8).
        Asked where no case is open (the kept saves of the case list, f7)."""
        return Audience.SCREEN_SHOWN if self.show_restricted else Audience.SCREEN_HIDDEN

    def visibility(self) -> Visibility:
        """What the screen may show of the open case now: the one rule, for this screen's audience."""
        return Visibility.of(self.case_session.case, self.audience())

    def toggle_restricted(self) -> None:
        """f8 on any screen: show or hide what the family copy leaves out (never while sharing)."""
        if self.sharing_screen:
            self.notify(sharing_notice(locked=True), severity="warning", timeout=6)
            return
        self.show_restricted = not self.show_restricted
        message, severity = toggled_notice(self.show_restricted)
        self.notify(message, severity=severity, timeout=6 if self.show_restricted else 3)  # type: ignore[arg-type]

    def action_toggle_sharing(self) -> None:
        """Sharing the screen on or off: on, everything restricted is hidden and f8 does nothing."""
        self.set_sharing(not self.sharing_screen)

    def set_sharing(self, on: bool) -> None:
        if on:
            self.show_restricted = False
        self.sharing_screen = on
        self.notify(sharing_notice(on=on), severity="warning" if on else "information", timeout=6)

    def watch_sharing_screen(self, on: bool) -> None:
        # The title is every screen's (none sets its own): the header says so, whatever the screen.
        self.title = (
            f"{self.TITLE}: SHARING THE SCREEN, restricted locked away ({SHARING_KEY} ends)" if on else self.TITLE
        )

    def privacy_words(self) -> str:
        """What the header says of the screen's privacy: sharing, or restricted items shown."""
        if self.sharing_screen:
            return f"  SHARING THE SCREEN: restricted locked away ({SHARING_KEY} ends)"
        if self.show_restricted:
            return "  RESTRICTED SHOWN (f8 hides)"
        return ""

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_save_now(self) -> None:
        if self.session is None:
            return
        if self.session.save_now():
            self.notify("Saved.", timeout=2)
        else:
            self._show_save_problem(self.session.last_error or "Not saved.")

    async def action_quit(self) -> None:
        if not self.unsaved:
            self.exit()  # the case is closed (and its lock released) as the app unmounts
            return
        forms = self.open_forms()
        session = self.session
        if forms:
            question = f"“{forms[-1].title_text}” is open with changes you have not saved.\nSave them and quit?"
        elif session is not None and session.save_failed:
            question = f"Some changes could not be saved:\n{session.last_error}\nTry to save them again and quit?"
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
            if self.session is not None and not self.session.save_now():
                return (
                    f"Still not saved:\n{self.session.last_error}\nQuit anyway and lose these changes?",
                    "Quit, losing them",
                )
            return None

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(Confirm(question, yes="Save and quit", no="Stay", check=save_first), answered)

    # ----- no case data in a crash report -------------------------------------------------
    # Textual has no public hook for an unhandled error: it prints a traceback with the local
    # variables, which would show a child's details. These two overrides of Textual's private
    # methods replace that report; tests/test_textual_internals.py fails if Textual renames them.
    def _handle_exception(self, error: Exception) -> None:
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._fatal_error()

    def _fatal_error(self) -> None:
        """Save what we can, then print only the kind of error and where it happened."""
        import sys
        import traceback

        saved = False
        with contextlib.suppress(Exception):
            saved = self.session.save_now() if self.session is not None else True
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
