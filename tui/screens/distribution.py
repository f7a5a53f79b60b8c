"""Who received which copy of the minutes, and when: the distribution log of one meeting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Select, Static

from meetings.domain.lifecycle import DistributionRefused, distribution_list, find_meeting
from meetings.domain.records import AttendanceStatus, Attendee, CopyType, Meeting
from meetings.domain.schema import InvalidRecord
from meetings.domain.wording import humanise

from ..exports import export_minutes
from ..widgets.footer import KeysFooter
from ..widgets.forms import Ask, Confirm, line_value
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp

COPY_CHOICES = [("full copy", CopyType.FULL.value), ("family copy (no restricted notes)", CopyType.FAMILY.value)]


def _pick_words(a: Attendee) -> str:
    """A recipient as the picker shows them: who, from where, and whether they came."""
    if a.name == a.agency and a.status is AttendanceStatus.INVITED and not a.role:
        return f"{a.name} (expected agency, not at the meeting)"
    where = a.agency or a.role
    came = "" if a.status is AttendanceStatus.ATTENDED else humanise(a.status.value)
    details = ", ".join(d for d in (where, came) if d)
    return f"{a.name} ({details})" if details else a.name


class DistributionScreen(Screen[None]):
    """Record each copy of the minutes sent: recipient, agency, copy, date and how."""

    DEFAULT_CSS = """
    #distribution { padding: 0 1; }
    #sent { height: auto; max-height: 10; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "record", "Record sent", tooltip="Record that this person was sent this copy", priority=True),
        Binding("w", "withdraw", "Withdraw", tooltip="Withdraw the highlighted entry as a mistake (asks why; kept)"),
        Binding("escape", "close", "Done", tooltip="Back (every entry is already saved)"),
    ]

    def __init__(self, meeting_number: int) -> None:
        super().__init__()
        self.meeting_number = meeting_number

    @property
    def meeting(self) -> Meeting:
        return find_meeting(self.app.case_session.case, self.meeting_number)

    def compose(self) -> ComposeResult:
        meeting = self.meeting
        read_only = not self.app.case_session.may_record_distribution  # a minute-taker may
        self.recipients = distribution_list(self.app.case_session.case, meeting)
        people = [(plain(_pick_words(a)), str(i)) for i, a in enumerate(self.recipients)]
        yield Header()
        with VerticalScroll(id="distribution"):
            yield Label(f"Minutes of meeting {meeting.number} ({meeting.date}): who was sent which copy",
                        classes="form-label")  # fmt: skip
            yield DataTable(id="sent", cursor_type="row", zebra_stripes=True)
            yield Static(id="not-sent", classes="hint")
            yield Static("Pick who was invited (their copy type follows) or type a name; then the date sent and how. "
                         "ctrl+s or enter records it.", classes="hint")  # fmt: skip
            with Horizontal(classes="row"):
                yield Select(people, prompt="Pick who was invited", id="d-pick", disabled=read_only)
                yield Input(placeholder="Recipient", id="d-recipient", disabled=read_only, max_length=200)
            with Horizontal(classes="row"):
                yield Input(placeholder="Agency", id="d-agency", disabled=read_only, max_length=200)
                yield Select(COPY_CHOICES, value=CopyType.FULL.value, allow_blank=False, id="d-copy",
                             disabled=read_only)  # fmt: skip
            with Horizontal(classes="row"):
                yield Input(self.app.today().isoformat(), placeholder="Sent on (date, 'today')", id="d-sent",
                            disabled=read_only)  # fmt: skip
                yield Input(placeholder="How: secure email, by hand, post ...", id="d-how", disabled=read_only,
                            max_length=200)  # fmt: skip
                yield Button("Record (ctrl+s)", id="d-record", variant="primary", disabled=read_only)
            yield Static("", id="form-error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Minutes sent, meeting {self.meeting_number}"
        table = self.query_one("#sent", DataTable)
        for name in ("No.", "Recipient", "Agency", "Copy", "Sent on", "How", "Note"):
            table.add_column(name)
        self.refresh_table()
        self.query_one("#d-pick", Select).focus()

    def refresh_table(self) -> None:
        meeting = self.meeting
        table = self.query_one("#sent", DataTable)
        table.clear()
        for number, d in enumerate(meeting.distribution, start=1):
            style = "strike dim" if not d.live else ""
            note = (f"withdrawn {d.withdrawn_on}: {d.withdrawn_reason}" if not d.live
                    else f"full copy because: {d.full_copy_reason}" if d.full_copy_reason
                    else "not invited (confirmed)" if d.new_recipient else "")  # fmt: skip
            table.add_row(str(number), Text(d.recipient, style=style), Text(d.agency, style=style),
                          Text(d.copy_type.value, style=style), Text(str(d.sent_on or ""), style=style),
                          Text(d.how, style=style), Text(note))  # fmt: skip
        sent = {d.recipient.casefold() for d in meeting.distribution if d.live}
        waiting = [a.name for a in self.recipients if a.name.casefold() not in sent]
        text = Text()
        if waiting:
            text.append("Not yet sent: ", style="bold yellow")
            text.append(", ".join(waiting))
        else:
            text.append("Everyone invited, and every expected agency, has been sent a copy.", style="green")
        self.query_one("#not-sent", Static).update(text)

    @on(Select.Changed, "#d-pick")
    def picked(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        attendee = self.recipients[int(str(event.value))]
        self.query_one("#d-recipient", Input).value = attendee.name
        self.query_one("#d-agency", Input).value = attendee.agency
        self.query_one("#d-copy", Select).value = attendee.copy_type.value

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_record()

    @on(Button.Pressed, "#d-record")
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_record()

    def _error(self, message: str) -> None:
        error = self.query_one("#form-error", Static)
        error.update(Text.assemble(("Not recorded. ", "bold"), message))
        error.add_class("shown")

    def action_record(self) -> None:
        session = self.app.case_session
        if not session.may_record_distribution:
            self.notify("This case is open read-only.", severity="warning")
            return

        def value(selector: str) -> str:
            return line_value(self.query_one(selector, Input))

        recipient = value("#d-recipient")
        if not recipient:
            self._error("Pick an attendee or type who received the minutes.")
            self.query_one("#d-pick", Select).focus()
            return
        try:
            sent_on = session.parse_date(value("#d-sent") or "today")
        except InvalidRecord as problem:
            self._error(f"Sent on: {problem.problem}")
            self.query_one("#d-sent", Input).focus()
            return
        copy = CopyType(str(self.query_one("#d-copy", Select).value))
        self._record(recipient, copy, value("#d-agency"), sent_on, value("#d-how"))

    def _record(
        self, recipient: str, copy: CopyType, agency: str, sent_on: dt.date, how: str,
        *, new_recipient: bool = False, reason: str = "",
    ) -> None:  # fmt: skip
        """Record it; a name nobody invited is asked about, and a full copy with restricted text
        to the family or a restricted person needs a reason, which is recorded."""
        session = self.app.case_session
        try:
            entry = session.record_distribution(self.meeting, recipient, copy, agency=agency, sent_on=sent_on,
                                                how=how, new_recipient=new_recipient, reason=reason)  # fmt: skip
        except DistributionRefused as refused:
            if refused.needs == "new_recipient":

                def confirmed(yes: bool | None) -> None:
                    if yes:
                        self._record(recipient, copy, agency, sent_on, how, new_recipient=True, reason=reason)

                self.app.push_screen(Confirm(f"{refused.problem[:1].upper()}{refused.problem[1:]}.\n\nRecord it anyway?",
                                             yes="Record", no="Check the name"), confirmed)  # fmt: skip
            else:

                def answered(why: str | None) -> None:
                    if why:
                        self._record(recipient, copy, agency, sent_on, how, new_recipient=new_recipient, reason=why)

                self.app.push_screen(Ask(f"Not yet recorded: {refused.problem}. Why must the full copy go to them?"),
                                     answered)  # fmt: skip
            return
        except (InvalidRecord, ValueError) as problem:
            self._error(problem.problem if isinstance(problem, InvalidRecord) else str(problem))
            return
        self.query_one("#form-error", Static).remove_class("shown")
        for wid in ("#d-recipient", "#d-agency"):
            self.query_one(wid, Input).value = ""
        self.query_one("#d-pick", Select).clear()
        self.notify(f"Recorded: {copy.value} copy sent to {entry.recipient} on {sent_on}.", timeout=4, markup=False)
        self.refresh_table()
        self.query_one("#d-pick", Select).focus()

    def action_withdraw(self) -> None:
        """Withdraw the highlighted entry as a mistake, with a reason (it stays in the history)."""
        table = self.query_one("#sent", DataTable)
        entries = self.meeting.distribution
        if not entries or not 0 <= table.cursor_row < len(entries) or not self.app.case_session.may_record_distribution:
            self.notify("Highlight an entry in the log first (shift+tab to the list).")
            return
        number = table.cursor_row + 1
        entry = entries[number - 1]

        def answered(why: str | None) -> None:
            if not why:
                return
            try:
                self.app.case_session.withdraw_distribution(self.meeting, number, reason=why)
            except InvalidRecord as problem:
                self._error(problem.problem)
                return
            self.notify(f"Entry {number} withdrawn; it stays in the history.", timeout=4)
            self.refresh_table()

        self.app.push_screen(Ask(f"Withdraw entry {number} ({entry.recipient}, {entry.sent_on}) as a mistake: why?"),
                             answered)  # fmt: skip

    def action_close(self) -> None:
        self.app.pop_screen()


def minutes_then_distribution(app: CoreGroupApp, number: int) -> None:
    """Write the minutes, then open the log of who was sent which copy."""
    export_minutes(app, number, then=lambda: app.push_screen(DistributionScreen(number)))
