"""Starting a meeting: its date, time, venue, chair and minute-taker."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from meetings.domain import lifecycle
from meetings.domain.schema import InvalidRecord, parse_time
from meetings.domain.wording import humanise, weekday_date

from ..widgets.footer import KeysFooter
from ..widgets.forms import FORM_KEYS, Choose, FormScreen, line_value
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp


class StartMeetingForm(FormScreen[None]):
    """Start a core group meeting, then take attendance."""

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Start", tooltip="Start the meeting and take attendance"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without starting a meeting"),
    ]

    def compose(self) -> ComposeResult:
        case = self.app.case_session.case
        now = self.app.now()
        # Meeting two and after start from what the last meeting set for this one.
        planned = lifecycle.planned_next(case)
        # A date set that has passed is not this meeting's: it is held late, today.
        day = planned.date if planned and planned.date and planned.date >= now.date() else now.date()
        time = planned.time if planned and planned.time else now.time()
        with Vertical(id="form-box"):
            yield Label(f"Start core group meeting {case.next_number('meetings')}", id="form-title")
            if planned is not None and (planned.date or planned.venue):
                words = f"Set at meeting {planned.by_meeting}: {weekday_date(planned.date)}"
                words += f" at {planned.time:%H:%M}" if planned.time else ""
                words += f", {planned.venue}" if planned.venue else ""
                words += f", {humanise(planned.mode.value)}" if planned.mode else ""
                if planned.date and planned.date < now.date():
                    words += f". That date has passed: today's date is filled in ({weekday_date(now.date())})."
                elif planned.date and planned.date > now.date():
                    words += f". Today is {weekday_date(now.date())}: change the date if it is held today."
                yield Static(Text(words), classes="hint", id="s-planned")
            with VerticalScroll(id="form-fields"):
                yield Label("Date", classes="form-label")
                yield Input(day.isoformat(), id="s-date")
                yield Label("Start time (HH:MM)", classes="form-label")
                yield Input(time.strftime("%H:%M"), id="s-time")
                yield Label("Venue", classes="form-label")
                yield Input(planned.venue if planned else "", id="s-venue", max_length=300)
                yield Label("Chair", classes="form-label")
                yield Input(case.lead_social_worker, id="s-chair", max_length=200)
                yield Label("Minute-taker", classes="form-label")
                yield Input(id="s-minutes", max_length=200)
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(FORM_KEYS.replace("save", "start"), classes="form-keys")
                yield Button("Start (ctrl+s)", variant="primary", id="form-save")
                yield Button("Cancel (esc)", id="form-cancel")
        yield KeysFooter()

    date_confirmed = False  # the chair said to keep a date other than today

    def on_mount(self) -> None:
        self.query_one("#s-venue", Input).focus()

    def action_save(self) -> None:
        from .attendance import AttendanceScreen
        from .walkthrough import WalkthroughScreen

        session = self.app.case_session

        def value(selector: str) -> str:
            return line_value(self.query_one(selector, Input))

        try:
            date = session.parse_date(value("#s-date"))
            start = parse_time(value("#s-time"), "start time") if value("#s-time") else None
        except InvalidRecord as problem:
            error = self.query_one("#form-error", Static)
            error.update(plain(f"Not started. {problem}"))  # it quotes what was typed
            error.add_class("shown")
            return
        if date != self.app.today() and not self.date_confirmed:
            # A meeting dated on another day than today is asked about: a planned date filled in
            # from the last meeting must not silently date today's meeting.
            def chosen(answer: str | None) -> None:
                if answer == "today":
                    self.query_one("#s-date", Input).value = self.app.today().isoformat()
                if answer in ("today", "keep"):
                    self.date_confirmed = True
                    self.action_save()

            self.app.push_screen(
                Choose(
                    f"This meeting is dated {weekday_date(date)}, and today is {weekday_date(self.app.today())}.",
                    [("t", f"Date it today ({self.app.today():%d %b})", "today"),
                     ("k", f"Keep {date:%d %b %Y}", "keep")],
                ),
                chosen,
            )  # fmt: skip
            return
        try:
            meeting = session.start_meeting(
                date=date, start_time=start, venue=value("#s-venue"), chair=value("#s-chair"),
                minute_taker=value("#s-minutes"),
            )  # fmt: skip
        except InvalidRecord as problem:
            error = self.query_one("#form-error", Static)
            error.update(plain(f"Not started. {problem}"))  # it quotes what was typed
            error.add_class("shown")
            return
        self.dismiss(None)
        app = self.app
        # Attendance comes first and alone: the walk-through is built once the chair closes it,
        # so ctrl+s shows attendance without composing two screens.
        app.push_screen(AttendanceScreen(meeting), lambda _: app.push_screen(WalkthroughScreen(meeting)))
