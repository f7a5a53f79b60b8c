"""Holding a meeting: start it, take attendance, walk the agenda, finish."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from meetings.domain import rules
from meetings.domain.agenda import AnswerSpec
from meetings.domain.records import (
    AgendaStep,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Scaling,
)
from meetings.domain.schema import InvalidRecord, parse_time
from meetings.domain.timescales import parse_due

from ..widgets.forms import FORM_KEYS, Ask, FormScreen, humanise, line_value, many_lines, one_line
from . import editing
from .case import RESTRICTED_KEY, flags_text, hidden_line, toggle_restricted, visible_flags

if TYPE_CHECKING:
    from ..app import CoreGroupApp

# The flags each step should bring up; the overview shows them all.
# Each kind (or prefix) sits where the chair acts on it: the minutes of earlier meetings not yet
# sent are raised at the welcome, where the chair says who the minutes go to.
FLAG_STEPS: dict[str, tuple[str, ...]] = {
    "welcome": ("minutes_not_circulated",),
    "membership": (
        "man_", "adult_", "online", "attended_only_online", "gender_not_recorded", "not_invited_for_safety",
    ),
    "childs_voice": ("child_not_seen", "baby_checks", "pre_birth"),
    "review_actions": ("action_overdue", "assessment_"),
    "assessments": ("assessment_", "man_", "adult_", "pre_birth"),
    "household_changes": ("man_", "adult_", "gender_not_recorded"),
    "analysis": ("over_optimism",),
    "new_concerns": ("concern_", "service_ending"),
    "next_dates": (
        "core_group_overdue", "review_overdue", "plan_drift", "next_date_beyond_interval", "core_group_before_review",
    ),
}  # fmt: skip


# Labels of the meeting's own text fields; rules.STEP_MEETING_FIELDS says at which step each is typed.
MEETING_FIELD_LABELS: dict[str, str] = {
    "contingency_plan": "Contingency plan (printed in the minutes)",
    "dissent": "Dissent: who disagreed, and why (printed in the minutes)",
    "decisions": "Decisions of the core group (printed in the minutes)",
}


def _case(app: CoreGroupApp) -> Any:
    assert app.case_file is not None
    return app.case_file.case


def _people_text(app: CoreGroupApp, people: list[Any], words: Any) -> str:
    """People named on the screen: restricted people only when the chair has revealed them."""
    shown = [p for p in people if app.show_restricted or not p.restricted]
    parts = [words(p) + (" (restricted)" if p.restricted else "") for p in shown]
    hidden = len(people) - len(shown)
    if hidden:
        parts.append(hidden_line(hidden))
    return ", ".join(parts)


# ----- start ----------------------------------------------------------------------------------
class StartMeetingForm(FormScreen[None]):
    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Start", tooltip="Start the meeting and take attendance"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without starting a meeting"),
    ]

    def compose(self) -> ComposeResult:
        case = _case(self.app)
        now = self.app.now()
        with Vertical(id="form-box"):
            yield Label(f"Start core group meeting {case.next_number('meetings')}", id="form-title")
            with VerticalScroll(id="form-fields"):
                yield Label("Date", classes="form-label")
                yield Input(now.date().isoformat(), id="s-date")
                yield Label("Start time (HH:MM)", classes="form-label")
                yield Input(now.strftime("%H:%M"), id="s-time")
                yield Label("Venue", classes="form-label")
                yield Input(id="s-venue")
                yield Label("Chair", classes="form-label")
                yield Input(case.lead_social_worker, id="s-chair")
                yield Label("Minute-taker", classes="form-label")
                yield Input(id="s-minutes")
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(FORM_KEYS.replace("save", "start"), classes="form-keys")
                yield Button("Start (ctrl+s)", variant="primary", id="form-save")
                yield Button("Cancel (esc)", id="form-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#s-venue", Input).focus()

    def action_save(self) -> None:
        app = self.app
        value = lambda wid: line_value(self.query_one(wid, Input))  # noqa: E731
        try:
            date = parse_due(value("#s-date"), app.today(), app.settings)
            start = parse_time(value("#s-time"), "start time") if value("#s-time") else None
        except InvalidRecord as problem:
            error = self.query_one("#form-error", Static)
            error.update(f"[b]Not started.[/] {problem}")
            error.add_class("shown")
            return
        case = _case(app)
        meeting = rules.start_meeting(
            case, app.agenda, date=date, start_time=start, venue=value("#s-venue"),
            chair=value("#s-chair"), minute_taker=value("#s-minutes"),
        )  # fmt: skip
        assert app.writer is not None
        with app.writer.lock:
            case.meetings.append(meeting)
            app.writer.changed(meeting)
        self.dismiss(None)
        app.push_screen(WalkthroughScreen(meeting))
        app.push_screen(AttendanceScreen(meeting))


# ----- attendance -----------------------------------------------------------------------------
STATUS_CHOICES = [(humanise(s.value), s.value) for s in AttendanceStatus]
MODE_CHOICES = [(humanise(m.value), m.value) for m in AttendanceMode]
MEETING_MODE_CHOICES = [("follow the attendees", "auto")] + [(humanise(m.value), m.value) for m in MeetingMode]


class AttendanceScreen(Screen[None]):
    """Who is here, how, and who is missing."""

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+a", "focus_add", "Add person", tooltip="Type a new attendee (names are suggested)", priority=True
        ),
        Binding(
            "s", "cycle_status", "Status", tooltip="Attended / apologies / did not attend for the highlighted person"
        ),
        Binding("o", "cycle_mode", "Mode", tooltip="In person / online / phone for the highlighted person"),
        Binding("r", "toggle_report", "Report", tooltip="Written report received from the highlighted person"),
        Binding(
            "e", "edit_attendee", "Edit", tooltip="Edit the highlighted person: name, role, agency, needs, copy type"
        ),
        Binding("delete", "remove", "Remove", tooltip="Remove the highlighted person from the list"),
        Binding(
            RESTRICTED_KEY,
            "toggle_restricted",
            "Restricted",
            show=False,
            tooltip="Show or hide restricted people in the warnings (hidden at first: the family may see the screen)",
        ),
        Binding("escape", "done", "Walk-through", tooltip="Back to the agenda walk-through"),
    ]

    def __init__(self, meeting: Meeting) -> None:
        super().__init__()
        self.meeting = meeting
        self.mode_choice = "auto"

    def compose(self) -> ComposeResult:
        choices = rules.attendee_choices(_case(self.app))
        self.choices = {c.name.casefold(): c for c in choices}
        read_only = self.app.read_only or self.meeting.status is MeetingStatus.FINISHED
        yield Header()
        with VerticalScroll(id="attendance"):
            yield DataTable(id="attendees", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Type a name (→ takes the suggestion), enter adds. Shift+tab to the list: "
                "e or enter edits · s status · o mode · r report · delete removes.",
                classes="hint",
            )
            with Horizontal(id="add-attendee", classes="row"):
                yield Input(placeholder="Name (type to pick)", id="a-name", disabled=read_only,
                            suggester=SuggestFromList([c.name for c in choices], case_sensitive=False))  # fmt: skip
                yield Input(placeholder="Role", id="a-role", disabled=read_only)
                yield Input(placeholder="Agency", id="a-agency", disabled=read_only)
            with Horizontal(classes="row"):
                yield Select(STATUS_CHOICES, value="attended", id="a-status", allow_blank=False, disabled=read_only)
                yield Select(MODE_CHOICES, value="in_person", id="a-mode", allow_blank=False, disabled=read_only)
                yield Checkbox("Report received", id="a-report", disabled=read_only)
                yield Button("Add", id="a-add", disabled=read_only)
            with Horizontal(classes="row"):
                yield Label("Meeting mode", classes="inline-label")
                yield Select(MEETING_MODE_CHOICES, value="auto", id="m-mode", allow_blank=False, disabled=read_only)
            yield Input(self.meeting.mode_reason, placeholder="Why not in person? (needed for an online or hybrid meeting)",
                        id="m-reason", disabled=read_only)  # fmt: skip
            yield Static(id="attendance-warnings", classes="flags")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Attendance, meeting {self.meeting.number}"
        table = self.query_one("#attendees", DataTable)
        # Status and mode first: at 80 columns they must stay in view, role and agency can scroll.
        for name in ("Name", "Status", "Mode", "Report", "Role", "Agency", "Copy", "Needs"):
            table.add_column(name)
        self.refresh_table()
        self.query_one("#a-name", Input).focus()

    def refresh_table(self) -> None:
        table = self.query_one("#attendees", DataTable)
        row = table.cursor_row
        table.clear()
        for a in self.meeting.attendees:
            table.add_row(a.name, humanise(a.status.value), humanise(a.mode.value) if a.mode else "",
                          "yes" if a.report_received else "", a.role, a.agency,
                          a.copy_type.value, a.needs)  # fmt: skip
        if self.meeting.attendees:
            table.move_cursor(row=min(max(row, 0), len(self.meeting.attendees) - 1))
        self.refresh_warnings()

    def _wanted_mode(self) -> MeetingMode:
        if self.mode_choice == "auto":
            return rules.meeting_mode_from(self.meeting.attendees)
        return MeetingMode(self.mode_choice)

    def action_toggle_restricted(self) -> None:
        toggle_restricted(self.app)
        self.refresh_warnings()

    def refresh_warnings(self) -> None:
        case = _case(self.app)
        text = Text()
        wanted = self._wanted_mode()
        reason = line_value(self.query_one("#m-reason", Input))
        text.append(f"Meeting mode: {humanise(wanted.value)}\n", style="bold")
        if wanted is not MeetingMode.IN_PERSON and not reason:
            text.append(f"● A {humanise(wanted.value)} meeting needs a reason: type it above.\n", style="bold red")
        missing = rules.missing_agencies(case, self.meeting)
        if missing:
            text.append("● Expected agencies missing (nobody here, no report): ", style="bold yellow")
            text.append(", ".join(missing) + "\n")
        else:
            text.append("● Every expected agency is here or sent a report.\n", style="green")
        words = lambda p: f"{p.name} ({rules.relationship_words(p)})"  # noqa: E731
        men = rules.men_not_invited(case, self.meeting)
        kept_away = rules.men_not_invited_for_safety(case, self.meeting)
        if men:
            text.append("● Fathers and male carers not on the list: ", style="bold yellow")
            text.append(_people_text(self.app, men, words) + "\n")
        elif kept_away:
            text.append("● Every other father and male carer known to the case is on the list.\n", style="green")
        else:
            text.append("● Every father and male carer known to the case is on the list.\n", style="green")
        if kept_away:
            text.append("● Not invited for safety (see them separately): ", style="bold yellow")
            text.append(_people_text(self.app, kept_away, words) + "\n")
        self.query_one("#attendance-warnings", Static).update(text)

    def _apply_mode(self) -> None:
        """The meeting's mode follows the attendees (or the chair's choice); it is only recorded
        as online or hybrid once there is a reason, so the meeting can always be saved."""
        writer = self.app.writer
        if writer is None:
            return
        wanted = self._wanted_mode()
        reason = line_value(self.query_one("#m-reason", Input))
        with writer.lock:
            self.meeting.mode_reason = reason
            self.meeting.mode = wanted if (wanted is MeetingMode.IN_PERSON or reason) else MeetingMode.IN_PERSON
            writer.changed(self.meeting)

    @on(Input.Changed, "#a-name")
    def fill_from_choice(self, event: Input.Changed) -> None:
        choice = self.choices.get(one_line(event.value).strip().casefold())
        if choice is not None:
            role, agency = self.query_one("#a-role", Input), self.query_one("#a-agency", Input)
            if not role.value:
                role.value = choice.role
            if not agency.value:
                agency.value = choice.agency

    @on(Input.Submitted, "#a-name, #a-role, #a-agency")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_add()

    @on(Button.Pressed, "#a-add")
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_add()

    @on(Select.Changed, "#m-mode")
    def meeting_mode(self, event: Select.Changed) -> None:
        self.mode_choice = str(event.value)
        self._apply_mode()
        self.refresh_warnings()

    @on(Input.Changed, "#m-reason")
    def reason(self, event: Input.Changed) -> None:
        self._apply_mode()
        self.refresh_warnings()

    def action_add(self) -> None:
        writer = self.app.writer
        name_input = self.query_one("#a-name", Input)
        name = line_value(name_input)
        if writer is None or not name:
            self.notify("Type a name first.", severity="warning")
            return
        choice = self.choices.get(name.casefold())
        status = AttendanceStatus(str(self.query_one("#a-status", Select).value))
        attendee = Attendee(
            name=name if choice is None else choice.name,
            role=line_value(self.query_one("#a-role", Input)),
            agency=line_value(self.query_one("#a-agency", Input)),
            relationship_to_child=choice.relationship_to_child if choice else "",
            person_id=choice.person_id if choice else None,
            status=status,
            mode=AttendanceMode(str(self.query_one("#a-mode", Select).value))
            if status is AttendanceStatus.ATTENDED
            else None,
            report_received=self.query_one("#a-report", Checkbox).value,
            copy_type=choice.copy_type if choice else Attendee(name="x").copy_type,
        )
        with writer.lock:
            self.meeting.attendees.append(attendee)
            writer.changed(self.meeting)
        for wid in ("#a-name", "#a-role", "#a-agency"):
            self.query_one(wid, Input).value = ""
        self.query_one("#a-report", Checkbox).value = False
        self._apply_mode()
        self.refresh_table()
        name_input.focus()

    def _highlighted(self) -> Attendee | None:
        row = self.query_one("#attendees", DataTable).cursor_row
        return self.meeting.attendees[row] if 0 <= row < len(self.meeting.attendees) else None

    def _change(self, change: Any) -> None:
        writer = self.app.writer
        attendee = self._highlighted()
        if writer is None or attendee is None or self.meeting.status is MeetingStatus.FINISHED:
            return
        with writer.lock:
            change(attendee)
            if attendee.status is AttendanceStatus.ATTENDED and attendee.mode is None:
                attendee.mode = AttendanceMode.IN_PERSON
            writer.changed(self.meeting)
        self._apply_mode()
        self.refresh_table()

    def action_cycle_status(self) -> None:
        order = [
            AttendanceStatus.ATTENDED,
            AttendanceStatus.APOLOGIES,
            AttendanceStatus.DID_NOT_ATTEND,
            AttendanceStatus.INVITED,
        ]
        self._change(lambda a: setattr(a, "status", order[(order.index(a.status) + 1) % len(order)]))

    def action_cycle_mode(self) -> None:
        order = list(AttendanceMode)
        self._change(
            lambda a: setattr(a, "mode", order[(order.index(a.mode) + 1) % len(order)] if a.mode else order[0])
        )

    def action_toggle_report(self) -> None:
        self._change(lambda a: setattr(a, "report_received", not a.report_received))

    def action_edit_attendee(self) -> None:
        attendee = self._highlighted()
        if attendee is None:
            self.notify("Nobody on the list yet: type a name to add someone.")
            return
        if self.app.read_only or self.meeting.status is MeetingStatus.FINISHED:
            self.notify("This meeting is finished: ctrl+r on the walk-through reopens it.", severity="warning")
            return

        def done(_: Any) -> None:
            self._apply_mode()
            self.refresh_table()

        editing.edit_attendee(self.app, attendee, self.meeting, done=done)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "attendees":
            event.stop()
            self.action_edit_attendee()

    def action_remove(self) -> None:
        attendee = self._highlighted()
        writer = self.app.writer
        if attendee is None or writer is None or self.meeting.status is MeetingStatus.FINISHED:
            return
        with writer.lock:
            self.meeting.attendees.remove(attendee)
            writer.changed(self.meeting)
        self._apply_mode()
        self.refresh_table()

    def action_focus_add(self) -> None:
        self.query_one("#a-name", Input).focus()

    def action_done(self) -> None:
        self.app.pop_screen()


# ----- the walk-through -----------------------------------------------------------------------
def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class WalkthroughScreen(Screen[None]):
    """The agenda, one step at a time: prompts, notes, answers, and what the step needs."""

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next_step", "Next step", tooltip="Go to the next agenda step", priority=True),
        Binding("ctrl+b", "previous_step", "Prev step", tooltip="Go back to the previous agenda step", priority=True),
        Binding(
            "ctrl+t",
            "new_action",
            "New action",
            tooltip="Add a new action (owner, due date, type, outcome)",
            priority=True,
        ),
        Binding("f2", "attendance", "Attendance", tooltip="Who is here, how, and who is missing"),
        Binding("f4", "new_concern", "Concern", tooltip="Record a concern or information received"),
        Binding("ctrl+f", "finish", "Finish", tooltip="Check what is missing and finish the meeting", priority=True),
        Binding("ctrl+r", "reopen", "Reopen", tooltip="Reopen a finished meeting (asks why)"),
        Binding("f3", "minutes", "Minutes", tooltip="Write the minutes (full and family copies) to Word"),
        Binding("f5", "distribution", "Sent to", tooltip="Record who was sent which copy of the minutes, and when"),
        Binding(
            RESTRICTED_KEY,
            "toggle_restricted",
            "Restricted",
            show=False,  # the footer is full; the "hidden" line on the screen names the key
            tooltip="Show or hide restricted flags (hidden at first: the family may see the screen)",
        ),
        Binding("escape", "close", "Case", tooltip="Back to the case (everything is saved)"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        finished = self.meeting.status is MeetingStatus.FINISHED
        if action in ("reopen", "minutes", "distribution"):
            return finished
        if action in ("new_action", "new_concern", "finish"):
            return not finished and not self.app.read_only
        return True

    def __init__(self, meeting: Meeting, step: int = 0) -> None:
        super().__init__()
        self.meeting = meeting
        self.index = step
        self.step_entered: dt.datetime | None = None
        self.opened_at: dt.datetime | None = None
        self._showing = asyncio.Lock()
        self._review: list[Any] = []

    @property
    def step(self) -> AgendaStep:
        return self.meeting.steps[self.index]

    @property
    def locked(self) -> bool:
        return self.app.read_only or self.meeting.status is MeetingStatus.FINISHED

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="walk"):
            with Vertical(id="sidebar"):
                yield Static(id="progress")
                yield OptionList(id="steps")
            with Vertical(id="step-main"):
                yield Static(id="step-title")
                yield Static(id="step-clock")
                yield VerticalScroll(id="step-body")
        yield Footer()

    async def on_mount(self) -> None:
        self.opened_at = self.app.now()
        self.refresh_sidebar()
        await self.show_step(self.index)
        self.set_interval(1, self.tick)

    async def on_screen_resume(self) -> None:
        if self.app.case_file is None:
            return
        self.refresh_sidebar()
        await self.show_step(self.index, record_time=False)

    # -- sidebar and clock
    def _step_done(self, step: AgendaStep) -> bool:
        return rules.step_complete(self.meeting, step, self.app.agenda)

    def _marks(self) -> tuple[object, ...]:
        return (self.index, self.meeting.status, *(self._step_done(s) for s in self.meeting.steps))

    def refresh_sidebar(self) -> None:
        self._shown_marks = self._marks()
        steps = self.query_one("#steps", OptionList)
        steps.clear_options()
        for i, step in enumerate(self.meeting.steps):
            mark = "▶" if i == self.index else ("✓" if self._step_done(step) else "·")
            steps.add_option(Option(f"{mark} {i + 1}. {step.title}", id=f"step-{i}"))
        steps.highlighted = self.index
        done = sum(self._step_done(s) for s in self.meeting.steps)
        status = "FINISHED, read-only" if self.meeting.status is MeetingStatus.FINISHED else "in progress"
        self.query_one("#progress", Static).update(
            f"Meeting {self.meeting.number}, {self.meeting.date}\n{status}\n{done} of {len(self.meeting.steps)} steps done"
        )

    def tick(self) -> None:
        if self._marks() != getattr(self, "_shown_marks", None):
            self.refresh_sidebar()  # the writer has applied what was typed: show the step as done
        now = self.app.now()
        if (
            self.meeting.start_time
            and self.meeting.date == now.date()
            and self.meeting.status is MeetingStatus.IN_PROGRESS
        ):
            meeting_seconds = (now - dt.datetime.combine(now.date(), self.meeting.start_time)).total_seconds()
        else:
            meeting_seconds = sum(s.seconds_spent for s in self.meeting.steps)
        step_seconds = self.step.seconds_spent + self._in_step(now)
        self.query_one("#step-clock", Static).update(
            f"Meeting {_clock(meeting_seconds)}   This step {_clock(step_seconds)}"
        )

    def _in_step(self, now: dt.datetime) -> float:
        if self.step_entered is None or self.locked:
            return 0
        return (now - self.step_entered).total_seconds()

    def _leave_step(self) -> None:
        writer = self.app.writer
        if writer is None or self.locked or self.step_entered is None:
            return
        spent = int(self._in_step(self.app.now()))
        if spent > 0:
            writer.set(self.meeting, self.step, "seconds_spent", self.step.seconds_spent + spent)

    # -- showing a step
    async def show_step(self, index: int, *, record_time: bool = True) -> None:
        async with self._showing:  # a resume and a callback may both ask to show a step
            await self._show_step(index, record_time=record_time)

    async def _show_step(self, index: int, *, record_time: bool) -> None:
        if record_time:
            self._leave_step()
        self.index = max(0, min(index, len(self.meeting.steps) - 1))
        step = self.step
        self.step_entered = self.app.now()
        writer = self.app.writer
        if writer is not None and not self.locked and step.started_at is None:
            writer.set(self.meeting, step, "started_at", self.step_entered.replace(microsecond=0))
        template = self.app.agenda.step(step.key)
        self.sub_title = f"{_case(self.app).child_names()}: meeting {self.meeting.number}" + (
            " (finished: read-only, ctrl+r reopens)" if self.meeting.status is MeetingStatus.FINISHED else ""
        )
        self.query_one("#step-title", Static).update(
            Text(f"Step {self.index + 1} of {len(self.meeting.steps)}: {step.title}", style="bold")
        )
        body = self.query_one("#step-body", VerticalScroll)
        await body.remove_children()
        widgets: list[Any] = []
        if template and template.prompts:
            widgets.append(Static("\n".join(f"• {p}" for p in template.prompts), classes="prompts"))
        flags = flags_text(self.app, FLAG_STEPS[step.key]) if step.key in FLAG_STEPS else None
        shown, hidden = visible_flags(self.app, FLAG_STEPS[step.key]) if flags is not None else ([], 0)
        if shown or hidden:
            count = Text(f"⚑ {len(shown)} flag(s) for this step, listed below the notes", style="bold yellow")
            if hidden:
                count.append(f"; {hidden_line(hidden)}", style="italic")
            widgets.append(Static(count))
        for spec in template.answers if template else ():
            widgets.append(self._answer_row(spec, step.answers.get(spec.key)))
        section = self._section(step.key)
        if step.key in ("review_actions", "actions_contingency"):
            widgets += section  # the actions are this step's business: show them first
            section = []
        widgets += self._meeting_fields(step.key)
        widgets.append(Label("Notes", classes="form-label"))
        notes = TextArea(step.notes, id="notes", classes="notes", read_only=self.locked)
        widgets.append(notes)
        widgets.append(Label("Restricted notes: left out of the family copy", classes="form-label restricted-label"))
        widgets.append(
            TextArea(step.restricted_notes, id="restricted", classes="notes restricted", read_only=self.locked)
        )
        if step.key == "membership":
            widgets.append(Static(self._membership_text(), classes="flags"))
        if flags is not None:
            widgets.append(Static(flags, classes="flags"))
        widgets += section
        await body.mount_all(widgets)
        for table in body.query("#review-table").results(DataTable):
            for name in ("No.", "Action", "Type", "Owner", "Due", "Status", "Carried"):
                table.add_column(name)
            self._fill_review(table)
        self.refresh_sidebar()
        self.refresh_bindings()
        self.tick()
        notes.focus(scroll_visible=False)
        notes.move_cursor(notes.document.end)  # carry on writing after what is already there
        body.scroll_home(animate=False)
        # On a small terminal the notes may be below the prompts: bring them into view, at once.
        self.call_after_refresh(body.scroll_to_widget, notes, animate=False, top=False)

    def _membership_text(self) -> Text:
        case = _case(self.app)
        text = Text()
        missing = rules.missing_agencies(case, self.meeting)
        text.append("Agencies missing: ", style="bold yellow" if missing else "bold green")
        text.append((", ".join(missing) or "none") + "\n")
        men = rules.men_not_invited(case, self.meeting)
        text.append("Fathers and male carers not invited: ", style="bold yellow" if men else "bold green")
        text.append(_people_text(self.app, men, lambda p: p.name) or "none")
        return text

    def _meeting_fields(self, key: str) -> list[Any]:
        """The meeting's own fields that the minutes print, at the step where they are agreed."""
        m = self.meeting
        widgets: list[Any] = []
        for name in rules.STEP_MEETING_FIELDS.get(key, ()):
            widgets.append(Label(MEETING_FIELD_LABELS[name], classes="form-label meeting-label"))
            widgets.append(TextArea(getattr(m, name), id=f"mf-{name}", classes="meeting-field", read_only=self.locked))
        if key == "next_dates":
            mode = Select.NULL if m.next_meeting_mode is None else m.next_meeting_mode.value
            widgets += [
                Horizontal(
                    Label("Next meeting time", classes="answer-label"),
                    Input(f"{m.next_meeting_time:%H:%M}" if m.next_meeting_time else "", placeholder="HH:MM",
                          id="mf-next_meeting_time", classes="answer", disabled=self.locked),
                    Static("", id="hint-next_meeting_time", classes="answer-hint"),
                    classes="answer-row",
                ),
                Horizontal(
                    Label("Next meeting venue", classes="answer-label"),
                    Input(m.next_meeting_venue, id="mf-next_meeting_venue", classes="answer", disabled=self.locked,
                          placeholder="where (or the video link's name)", max_length=300),
                    classes="answer-row",
                ),
                Horizontal(
                    Label("Next meeting held", classes="answer-label"),
                    Select([(humanise(v.value), v.value) for v in MeetingMode], value=mode, prompt="in person / online",
                           id="mf-next_meeting_mode", classes="answer", disabled=self.locked),
                    classes="answer-row",
                ),
            ]  # fmt: skip
        return widgets

    def _answer_row(self, spec: AnswerSpec, value: Any) -> Horizontal:
        wid = f"ans-{spec.key}"
        label = Label(spec.label + (" *" if spec.required else ""), classes="answer-label")
        widget: Any
        if spec.kind == "bool":
            current = Select.NULL if value is None else ("yes" if value else "no")
            widget = Select([("yes", "yes"), ("no", "no")], value=current, id=wid, disabled=self.locked,
                            classes="answer", prompt="yes / no")  # fmt: skip
        else:
            placeholder = {"date": "YYYY-MM-DD, DD/MM/YYYY, 2w ...", "int": "a number"}.get(spec.kind, "")
            widget = Input("" if value is None else str(value), placeholder=placeholder, id=wid,
                           disabled=self.locked, classes="answer", type="integer" if spec.kind == "int" else "text")  # fmt: skip
        return Horizontal(label, widget, Static("", id=f"hint-{spec.key}", classes="answer-hint"), classes="answer-row")

    def _section(self, key: str) -> list[Any]:
        case = _case(self.app)
        if key == "review_actions":
            actions = rules.actions_to_review(case, self.meeting)
            table: DataTable[Any] = DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
            self._review = actions
            widgets: list[Any] = [Label(f"Open actions from earlier meetings ({len(actions)}): enter to update status, "
                                        "evidence and impact", classes="form-label")]  # fmt: skip
            return [*widgets, table]
        if key == "actions_contingency":
            self._review = rules.actions_raised_at(case, self.meeting)
            return [Label(f"Actions raised at this meeting ({len(self._review)}): ctrl+t adds one, enter edits",
                          classes="form-label"), DataTable(id="review-table", cursor_type="row")]  # fmt: skip
        if key == "new_concerns":
            unanswered = [c for c in case.concerns if not c.answered]
            text = Text(f"Concerns without a response: {len(unanswered)} (f4 records a new one)\n", style="bold")
            for c in unanswered:
                text.append(
                    f"● {c.received_on} {c.source or humanise(c.source_kind.value)}: {' '.join(c.reported.split())[:100]}\n"
                )
            return [Static(text, classes="flags")]
        if key == "analysis":
            rows: list[Any] = [Label("Scaling 0 (certain harm) to 10 (safe enough to close), for each person present",
                                     classes="form-label")]  # fmt: skip
            scores = {s.name.casefold(): s for s in self.meeting.scaling}
            for i, a in enumerate(a for a in self.meeting.attendees if a.status is AttendanceStatus.ATTENDED):
                s = scores.get(a.name.casefold())
                rows.append(Horizontal(
                    Label(a.name, classes="answer-label"),
                    Input("" if s is None else str(s.score), id=f"score-{i}", type="integer", max_length=2,
                          classes="score", disabled=self.locked, placeholder="0-10"),
                    Input("" if s is None else s.reason, id=f"why-{i}", classes="answer", disabled=self.locked,
                          placeholder="why this score?"),
                    classes="answer-row",
                ))  # fmt: skip
            if rules.scaling_rose(case, self.meeting):
                risks = rules.open_risks_detailed(case)
                shown_risks = [r for r in risks if self.app.show_restricted or not r.restricted]
                lines = [f"● {'(restricted) ' if r.restricted else ''}{r.text}" for r in shown_risks]
                if len(risks) > len(shown_risks):
                    lines.append(hidden_line(len(risks) - len(shown_risks)))
                rows.append(Static(Text("Scaling has risen. Risks still open:\n" + "\n".join(lines),
                                        style="bold yellow"), classes="flags"))  # fmt: skip
            return rows
        return []

    def _fill_review(self, table: DataTable[Any]) -> None:
        table.clear()
        for a in self._review:
            table.add_row(str(a.number), " ".join(a.text.split())[:50], rules.action_type_words(a), a.owner,
                          str(a.due or ""), humanise(a.status.value), str(a.times_carried_forward))  # fmt: skip

    # -- typing: every change goes to the writer, nothing is saved here
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        writer = self.app.writer
        if writer is None or self.locked:
            return
        wid = event.text_area.id or ""
        field = {"notes": "notes", "restricted": "restricted_notes"}.get(wid)
        if field:
            writer.set(self.meeting, self.step, field, many_lines(event.text_area.text))
        elif wid.startswith("mf-"):
            writer.set(self.meeting, self.meeting, wid[3:], many_lines(event.text_area.text))

    def on_input_changed(self, event: Input.Changed) -> None:
        writer = self.app.writer
        wid = event.input.id or ""
        if writer is None or self.locked:
            return
        if wid.startswith("ans-"):
            key = wid[4:]
            template = self.app.agenda.step(self.step.key)
            spec = next((a for a in template.answers if a.key == key), None) if template else None
            text = one_line(event.value).strip()
            value: Any = text or None
            hint = ""
            if spec is not None and spec.kind == "date" and text:
                try:
                    value = parse_due(text, self.meeting.date, self.app.settings).isoformat()
                    hint = f"= {value}" if value != text else ""
                except InvalidRecord as problem:
                    hint = problem.problem  # the typed text is kept as it is
            elif spec is not None and spec.kind == "int" and text:
                try:
                    value = int(text)
                except ValueError:
                    hint = "not a number"
            self.query_one(f"#hint-{key}", Static).update(hint)
            writer.set(self.meeting, self.step.answers, key, value)
        elif wid.startswith(("score-", "why-")):
            self._scaling(wid)
        elif wid == "mf-next_meeting_venue":
            writer.set(self.meeting, self.meeting, "next_meeting_venue", one_line(event.value).strip())
        elif wid == "mf-next_meeting_time":
            text = one_line(event.value).strip()
            try:
                when = parse_time(text, "next meeting time") if text else None
            except InvalidRecord as problem:
                self.query_one("#hint-next_meeting_time", Static).update(problem.problem)
                return  # the typed text stays on the screen; the last good time stays saved
            self.query_one("#hint-next_meeting_time", Static).update("")
            writer.set(self.meeting, self.meeting, "next_meeting_time", when)

    def _scaling(self, wid: str) -> None:
        writer = self.app.writer
        assert writer is not None
        i = int(wid.split("-")[1])
        present = [a for a in self.meeting.attendees if a.status is AttendanceStatus.ATTENDED]
        name = present[i].name
        score_text = line_value(self.query_one(f"#score-{i}", Input))
        reason = one_line(self.query_one(f"#why-{i}", Input).value)
        if score_text and not (score_text.isdigit() and 0 <= int(score_text) <= 10):
            self.notify("A score is a whole number from 0 to 10.", severity="warning")
            return
        with writer.lock:
            scaling = next((s for s in self.meeting.scaling if s.name.casefold() == name.casefold()), None)
            if scaling is None:
                if not score_text:
                    return
                scaling = Scaling(name=name)
                self.meeting.scaling.append(scaling)
            scaling.score = int(score_text) if score_text else scaling.score
            scaling.reason = reason
            writer.changed(self.meeting)

    def on_select_changed(self, event: Select.Changed) -> None:
        writer = self.app.writer
        wid = event.select.id or ""
        if writer is None or self.locked:
            return
        if wid == "mf-next_meeting_mode":
            mode = None if event.value is Select.NULL else MeetingMode(str(event.value))
            writer.set(self.meeting, self.meeting, "next_meeting_mode", mode)
            return
        if not wid.startswith("ans-"):
            return
        value = None if event.value is Select.NULL else event.value == "yes"
        writer.set(self.meeting, self.step.answers, wid[4:], value)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_index != self.index:
            await self.show_step(event.option_index)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "review-table" or not self._review:
            return
        action = self._review[event.cursor_row]
        review = self.step.key == "review_actions"

        def done(_: Any) -> None:
            self._fill_review(event.data_table)

        if self.locked:
            self.notify("This meeting is finished: ctrl+r reopens it.", severity="warning")
            return
        editing.edit_action(self.app, action, self.meeting, review=review, done=done)

    # -- keys
    async def action_next_step(self) -> None:
        if self.index < len(self.meeting.steps) - 1:
            await self.show_step(self.index + 1)
        else:
            self.notify("That was the last step: ctrl+f to finish.")

    async def action_previous_step(self) -> None:
        if self.index > 0:
            await self.show_step(self.index - 1)

    async def go_to(self, step_key: str | None) -> None:
        for i, step in enumerate(self.meeting.steps):
            if step.key == step_key:
                await self.show_step(i)
                return

    def action_new_action(self) -> None:
        if self.locked:
            self.notify("This meeting is finished: ctrl+r reopens it.", severity="warning")
            return

        async def done(action: Any) -> None:
            self.notify(f"Action {action.number} added.")
            if self.step.key in ("actions_contingency",):
                await self.show_step(self.index, record_time=False)

        editing.edit_action(self.app, None, self.meeting, done=done)

    def action_new_concern(self) -> None:
        if self.locked:
            return

        async def done(_: Any) -> None:
            await self.show_step(self.index, record_time=False)

        editing.edit_concern(self.app, None, self.meeting, done=done)

    def action_attendance(self) -> None:
        self.app.push_screen(AttendanceScreen(self.meeting))

    def action_finish(self) -> None:
        if self.locked:
            self.notify("This meeting is already finished." if not self.app.read_only else "Read-only.")
            return
        self._leave_step()
        self.step_entered = self.app.now()

        async def back(result: str | None) -> None:
            if result == "finished":
                self.refresh_sidebar()
                await self.show_step(self.index, record_time=False)
            elif result:
                await self.go_to(result)

        self.app.push_screen(FinishScreen(self.meeting), back)

    def action_reopen(self) -> None:
        if self.meeting.status is not MeetingStatus.FINISHED or self.app.writer is None:
            return

        async def answered(reason: str | None) -> None:
            writer = self.app.writer
            if not reason or writer is None:
                return
            with writer.lock:
                rules.reopen_meeting(self.meeting, reason=reason)
                writer.changed(self.meeting)
            self.notify(f"Meeting {self.meeting.number} reopened.")
            await self.show_step(self.index, record_time=False)

        self.app.push_screen(Ask("Why are you reopening this finished meeting?"), answered)

    def action_minutes(self) -> None:
        minutes_then_distribution(self.app, self.meeting.number)

    def action_distribution(self) -> None:
        from .distribution import DistributionScreen

        self.app.push_screen(DistributionScreen(self.meeting.number))

    async def action_toggle_restricted(self) -> None:
        toggle_restricted(self.app)
        await self.show_step(self.index, record_time=False)

    def action_close(self) -> None:
        self._leave_step()
        self.app.pop_screen()


def minutes_then_distribution(app: CoreGroupApp, number: int) -> None:
    """Write the minutes, then open the log of who was sent which copy."""
    from .distribution import DistributionScreen
    from .exports import export_minutes

    export_minutes(app, number, then=lambda: app.push_screen(DistributionScreen(number)))


# ----- finish ---------------------------------------------------------------------------------
class FinishScreen(Screen[str | None]):
    """What is missing, to go back to; or finish with a recorded reason."""

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+f",
            "finish",
            "Finish meeting",
            tooltip="Finish (a reason is needed if anything is missing)",
            priority=True,
        ),
        Binding("f3", "minutes", "Minutes", tooltip="Write the minutes to Word (after finishing)"),
        Binding("escape", "back", "Back", tooltip="Back to the walk-through"),
    ]

    def __init__(self, meeting: Meeting) -> None:
        super().__init__()
        self.meeting = meeting
        self.problems: list[rules.Problem] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="finish"):
            yield Static(id="finish-summary")
            yield OptionList(id="problems")
            yield Label("Reason for finishing with items missing (recorded in the minutes)", classes="form-label")
            yield Input(id="finish-note", placeholder="e.g. family left early; agency updates to follow in writing")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Finish meeting {self.meeting.number}"
        self.problems = rules.finish_problems(_case(self.app), self.meeting, self.app.agenda)
        options = self.query_one("#problems", OptionList)
        for p in self.problems:
            options.add_option(Option(("↩ " if p.step_key else "• ") + p.message))
        summary = self.query_one("#finish-summary", Static)
        if self.problems:
            summary.update(Text(f"{len(self.problems)} things are missing. Enter on one goes back to its step; "
                                "or type a reason below and press ctrl+f to finish anyway.", style="bold yellow"))  # fmt: skip
            options.focus()
        else:
            summary.update(Text("Nothing is missing. Press ctrl+f to finish the meeting.", style="bold green"))
            self.query_one("#finish-note", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        problem = self.problems[event.option_index]
        if problem.step_key:
            self.dismiss(problem.step_key)
        elif problem.kind in ("mode_reason", "mode_mismatch", "attendee_mode", "no_attendees"):
            self.dismiss(None)
            self.app.push_screen(AttendanceScreen(self.meeting))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_finish()

    def action_finish(self) -> None:
        note = line_value(self.query_one("#finish-note", Input))
        if self.problems and not note:
            self.notify("Type why you are finishing with items missing, or go back to them.", severity="warning")
            self.query_one("#finish-note", Input).focus()
            return
        writer = self.app.writer
        assert writer is not None
        writer.flush()
        case = _case(self.app)
        now = self.app.now()
        with writer.lock:
            if self.meeting.end_time is None and self.meeting.date == now.date():
                end = now.time().replace(second=0, microsecond=0)
                if self.meeting.start_time is None or end >= self.meeting.start_time:
                    self.meeting.end_time = end
            changed = rules.finish_meeting(case, self.meeting, now=now.replace(microsecond=0), note=note)
            for action in changed:
                writer.changed(action)
            writer.changed(self.meeting)
        writer.flush()
        carried = f" {len(changed)} open action(s) carried forward." if changed else ""
        if writer.has_failed:
            self.notify(f"Meeting {self.meeting.number} finished but NOT saved: {writer.last_error} "
                        "It will be tried again; ctrl+s tries now.", title="Not saved", severity="error",
                        timeout=20)  # fmt: skip
        else:
            self.notify(f"Meeting {self.meeting.number} finished and saved.{carried} f3 writes the minutes.", timeout=8)
        self.dismiss("finished")

    def action_minutes(self) -> None:
        if self.meeting.status is not MeetingStatus.FINISHED:
            self.notify("Finish the meeting first (ctrl+f).")
            return
        minutes_then_distribution(self.app, self.meeting.number)

    def action_back(self) -> None:
        self.dismiss(None)
