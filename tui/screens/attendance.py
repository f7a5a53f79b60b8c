"""Taking attendance: who is here, how, and who is missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Button, Checkbox, DataTable, Header, Input, Label, Select, Static

from meetings.domain import lifecycle
from meetings.domain.records import (
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
)
from meetings.domain.schema import InvalidRecord
from meetings.domain.text import name_key, one_line
from meetings.domain.visibility import Visibility
from meetings.domain.wording import humanise, relationship_words

from ..messages import CaseUpdated
from ..widgets.breakpoints import size_classes_now
from ..widgets.flags import RESTRICTED_KEY, SHARING_KEY, hidden_line
from ..widgets.footer import KeysFooter
from ..widgets.forms import Confirm, line_value
from ..widgets.text import for_audience
from ..widgets.worked_out import flags_now
from . import editing

if TYPE_CHECKING:
    from ..app import CoreGroupApp

STATUS_CHOICES = [(humanise(s.value), s.value) for s in AttendanceStatus]
MODE_CHOICES = [(humanise(m.value), m.value) for m in AttendanceMode]
AUTO = "auto"
MEETING_MODE_CHOICES = [("follow the attendees", AUTO)] + [(humanise(m.value), m.value) for m in MeetingMode]
# What the add row goes back to after each person is added: the next person starts afresh.
NEW_STATUS = AttendanceStatus.ATTENDED
WORK_AHEAD_AFTER = 0.4  # seconds of quiet before the flags the meeting's steps show are worked out
NEW_MODE = AttendanceMode.IN_PERSON


def people_text(people: list[Person], words: Callable[[Person], str], visibility: Visibility) -> str:
    """People named on the screen: restricted people only when the chair has revealed them."""
    shown, hidden = visibility.shown(people)
    parts = [words(p) + (" (restricted)" if visibility.marked(p) else "") for p in shown]
    if hidden:
        parts.append(hidden_line(hidden))
    return ", ".join(parts)


class AttendanceScreen(Screen[None]):
    """Who is here, how, and who is missing."""

    DEFAULT_CSS = """
    #attendance { padding: 0 1; }
    #attendees { height: auto; max-height: 12; }
    .inline-label { padding: 1 1 0 0; }
    #attendance-warnings { margin-top: 1; }
    """

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
        Binding(
            "ctrl+l", "same_as_last", "Same as last time", priority=True,
            tooltip="Put everyone from the last meeting's list on this one, as invited (mark who came with s)",
        ),
        Binding(
            "ctrl+k", "safety", "Safety", priority=True,
            tooltip="Say how two people who must not meet are kept apart at this meeting",
        ),
        Binding("escape", "done", "Walk-through", tooltip="Back to the agenda walk-through"),
    ]  # fmt: skip

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "same_as_last":
            case = self.app.case_session.case
            previous = lifecycle.previous_meeting(case, self.meeting)
            return not self.locked and previous is not None and bool(previous.attendees)
        if action == "safety":
            return not self.locked and bool(lifecycle.unhandled_clashes(self.app.case_session.case, self.meeting))
        return True

    def __init__(self, meeting: Meeting) -> None:
        super().__init__()
        size_classes_now(self)  # styled once, not again when first sized
        self.meeting = meeting
        self.asked: set[str] = set()  # safety clashes asked about once already (escape leaves a warning)
        self.sharing_offered = False  # sharing the screen is offered once, when the meeting goes online
        self._ahead_timer: Timer | None = None

    @property
    def locked(self) -> bool:
        return self.app.read_only or self.meeting.status is MeetingStatus.FINISHED

    def compose(self) -> ComposeResult:
        choices = lifecycle.attendee_choices(self.app.case_session.case)
        self.choices = {name_key(c.name): c for c in choices}
        locked = self.locked
        chosen = AUTO if self.meeting.mode is lifecycle.meeting_mode_from(self.meeting.attendees) else self.meeting.mode
        yield Header()
        with VerticalScroll(id="attendance"):
            yield DataTable(id="attendees", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Type a name (→ takes the suggestion), enter adds. Shift+tab to the list: "
                "e or enter edits · s status · o mode · r report · delete removes.",
                classes="hint",
            )
            yield Static(id="same-as-last", classes="hint")
            with Horizontal(id="add-attendee", classes="row"):
                yield Input(placeholder="Name (type to pick)", id="a-name", disabled=locked, max_length=200,
                            suggester=SuggestFromList([c.name for c in choices], case_sensitive=False))  # fmt: skip
                yield Input(placeholder="Role", id="a-role", disabled=locked, max_length=200)
                yield Input(placeholder="Agency", id="a-agency", disabled=locked, max_length=200)
            with Horizontal(classes="row"):
                yield Select(STATUS_CHOICES, value=NEW_STATUS.value, id="a-status", allow_blank=False, disabled=locked)
                yield Select(MODE_CHOICES, value=NEW_MODE.value, id="a-mode", allow_blank=False, disabled=locked)
                yield Checkbox("Report received", id="a-report", disabled=locked)
                yield Button("Add", id="a-add", disabled=locked)
            with Horizontal(classes="row"):
                yield Label("Meeting mode", classes="inline-label")
                yield Select(MEETING_MODE_CHOICES, value=str(chosen), id="m-mode", allow_blank=False, disabled=locked)
            yield Input(self.meeting.mode_reason, placeholder="Why not in person? (needed for an online or hybrid meeting)",
                        id="m-reason", disabled=locked)  # fmt: skip
            yield Static(id="attendance-warnings", classes="flags")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show_sub_title()
        table = self.query_one("#attendees", DataTable)
        # Status and mode first: at 80 columns they must stay in view, role and agency can scroll.
        for name in ("Name", "Status", "Mode", "Report", "Role", "Agency", "Copy", "Needs"):
            table.add_column(name)
        self.refresh_table()
        for shown in ("show_restricted", "sharing_screen"):  # f8, or sharing the screen
            self.watch(self.app, shown, self._privacy_changed, init=False)
        self._offer_same_as_last()
        self.query_one("#a-name", Input).focus()
        self._work_ahead_later()

    def on_case_updated(self, event: CaseUpdated) -> None:
        self._work_ahead_later()

    def _work_ahead_later(self) -> None:
        """Once the chair pauses, work out the case's flags (kept until the case changes), so that
        the meeting's step shows them at once when the chair goes on from here."""
        if self._ahead_timer is not None:
            self._ahead_timer.stop()
        self._ahead_timer = self.set_timer(WORK_AHEAD_AFTER, self._work_ahead)

    def _work_ahead(self) -> None:
        self._ahead_timer = None
        app = self.app
        if app.session is not None and self.is_attached and not self.locked:
            flags_now(app.case_session, app.settings, app.today())

    def _offer_same_as_last(self) -> None:
        """At meeting two and after: offer last time's list while this one is empty."""
        line = self.query_one("#same-as-last", Static)
        previous = lifecycle.previous_meeting(self.app.case_session.case, self.meeting)
        offer = not self.locked and not self.meeting.attendees and previous is not None and bool(previous.attendees)
        line.display = offer
        if offer and previous is not None:
            line.update(
                Text(
                    f"ctrl+l: the same core group as meeting {previous.number} ({len(previous.attendees)} people, "
                    "as invited, with their agencies and how they took part); then s marks who came.",
                    style="bold",
                )
            )

    def action_same_as_last(self) -> None:
        if self.locked:
            return
        added = self.app.case_session.add_same_core_group(self.meeting)
        self.notify(f"{len(added)} added from the last meeting, as invited: s marks who came." if added
                    else "Everyone from the last meeting is already on the list.")  # fmt: skip
        self._apply_mode()
        self.refresh_table()
        self._offer_same_as_last()
        self.refresh_bindings()
        self.query_one("#a-name", Input).focus()  # shift+tab goes to the list, as the hint says
        self._ask_about_clashes()

    def _ask_about_clashes(self) -> None:
        """Two people who must not meet are both on the list: ask at once how it is handled."""
        from ..widgets.forms import Ask

        session = self.app.case_session
        clash = next(
            (c for c in lifecycle.unhandled_clashes(session.case, self.meeting) if c.names not in self.asked), None
        )
        if clash is None:
            return
        self.asked.add(clash.names)
        if not self.app.visibility().shows(clash):
            question = (f"A safety note applies to two people on this list (restricted: {RESTRICTED_KEY} shows "
                        "who). How will this be handled at this meeting (different times, separate rooms)?")  # fmt: skip
        else:
            question = (f"Safety: {clash.noted.name}'s record says \u201c{clash.note}\u201d, and {clash.other.name} "
                        "is also on this meeting's list. How will this be handled (different times, separate rooms)?")  # fmt: skip

        def answered(how: str | None) -> None:
            if how:
                session.record_safety_arrangement(self.meeting, clash, how)
                self.notify("Recorded: how they are kept apart at this meeting.")
            self.refresh_warnings()
            self.refresh_bindings()
            self._ask_about_clashes()

        self.app.push_screen(Ask(question), answered)

    def action_safety(self) -> None:
        self.asked.clear()
        self._ask_about_clashes()

    def refresh_table(self) -> None:
        table = self.query_one("#attendees", DataTable)
        row = table.cursor_row
        table.clear()
        shown = self.app.visibility()  # a restricted attendee stays a row: the list is edited by row
        for a in self.meeting.attendees:
            if not shown.shows(a):
                table.add_row(Text(f"a restricted attendee ({RESTRICTED_KEY} shows)"), humanise(a.status.value),
                              humanise(a.mode.value) if a.mode else "", "yes" if a.report_received else "",
                              "", "", a.copy_type.value, "")  # fmt: skip
                continue
            table.add_row(Text(shown.text(a.name)), humanise(a.status.value),
                          humanise(a.mode.value) if a.mode else "", "yes" if a.report_received else "",
                          Text(shown.text(a.role)), Text(shown.text(a.agency)), a.copy_type.value,
                          Text(shown.text(a.needs)))  # fmt: skip
        if self.meeting.attendees:
            table.move_cursor(row=min(max(row, 0), len(self.meeting.attendees) - 1))
        self.refresh_warnings()

    def _chosen_mode(self) -> MeetingMode | None:
        value = str(self.query_one("#m-mode", Select).value)
        return None if value == AUTO else MeetingMode(value)

    def action_toggle_restricted(self) -> None:
        self.app.toggle_restricted()

    def _privacy_changed(self) -> None:
        self._show_sub_title()
        self.refresh_table()  # and the warnings

    def _show_sub_title(self) -> None:
        self.sub_title = f"Attendance, meeting {self.meeting.number}" + self.app.privacy_words()

    def refresh_warnings(self) -> None:
        case = self.app.case_session.case
        visibility = self.app.visibility()
        text = Text()
        chosen = self._chosen_mode()
        wanted = chosen or lifecycle.meeting_mode_from(self.meeting.attendees)
        reason = line_value(self.query_one("#m-reason", Input))
        text.append(f"Meeting mode: {humanise(wanted.value)}\n", style="bold")
        if wanted is not MeetingMode.IN_PERSON and not reason:
            article = "An" if humanise(wanted.value)[:1] in "aeiou" else "A"  # "An online meeting"
            text.append(f"● {article} {humanise(wanted.value)} meeting needs a reason: type it above.\n",
                        style="bold red")  # fmt: skip
        missing = lifecycle.missing_agencies(case, self.meeting)
        if missing:
            text.append("● Expected agencies missing (nobody here, no report): ", style="bold yellow")
            text.append(", ".join(missing) + "\n")
        else:
            text.append("● Every expected agency is here or sent a report.\n", style="green")

        def words(p: Person) -> str:
            return f"{p.name} ({relationship_words(p)})"

        men = lifecycle.men_not_invited(case, self.meeting)
        kept_away = lifecycle.men_not_invited_for_safety(case, self.meeting)
        if men:
            text.append("● Fathers and male carers not on the list: ", style="bold yellow")
            text.append(people_text(men, words, visibility) + "\n")
        elif kept_away:
            text.append("● Every other father and male carer known to the case is on the list.\n", style="green")
        else:
            text.append("● Every father and male carer known to the case is on the list.\n", style="green")
        if kept_away:
            text.append("● Not invited for safety (see them separately): ", style="bold yellow")
            text.append(people_text(kept_away, words, visibility) + "\n")
        for clash in lifecycle.unhandled_clashes(case, self.meeting):
            who = clash.names if visibility.shows(clash) else f"two people (restricted, {RESTRICTED_KEY} shows)"
            text.append(f"● Safety: {who} must not attend together; say how it is handled (ctrl+k).\n",
                        style="bold red")  # fmt: skip
        if self.meeting.safety_arrangements.strip() and (
            all(visibility.shows(c) for c in lifecycle.safety_clashes(case, self.meeting))
        ):
            text.append("● Kept apart: ", style="bold green")
            text.append(one_line(self.meeting.safety_arrangements) + "\n")
        self.query_one("#attendance-warnings", Static).update(for_audience(visibility, text))  # the name guard

    def _apply_mode(self) -> None:
        """The meeting's mode follows the attendees (or the chair's choice)."""
        if self.locked:
            return
        self.app.case_session.set_meeting_mode(
            self.meeting, chosen=self._chosen_mode(), reason=self.query_one("#m-reason", Input).value
        )

    @on(Input.Changed, "#a-name")
    def fill_from_choice(self, event: Input.Changed) -> None:
        choice = self.choices.get(name_key(one_line(event.value)))
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
        self._apply_mode()
        self.refresh_warnings()
        self._offer_sharing()

    def _offer_sharing(self) -> None:
        """An online or hybrid meeting often has the family on the call while the chair shares the
        screen: offer, once, to lock everything restricted out of view."""
        mode = self._chosen_mode() or lifecycle.meeting_mode_from(self.meeting.attendees)
        if self.sharing_offered or self.app.sharing_screen or mode is MeetingMode.IN_PERSON:
            return
        self.sharing_offered = True

        def chosen(share: bool | None) -> None:
            if share:
                self.app.set_sharing(True)

        question = (f"A {humanise(mode.value)} meeting: will you share this screen with the family? "
                    f"Sharing the screen keeps everything restricted out of view, f8 too, until {SHARING_KEY}.")  # fmt: skip
        self.app.push_screen(Confirm(question, "Share the screen", "Not sharing"), chosen)

    @on(Input.Changed, "#m-reason")
    def reason(self, event: Input.Changed) -> None:
        self._apply_mode()
        self.refresh_warnings()

    def action_add(self) -> None:
        name_input = self.query_one("#a-name", Input)
        name = line_value(name_input)
        if self.locked:
            self.notify("This meeting is finished: ctrl+r on the walk-through reopens it.", severity="warning")
            return
        if not name:
            self.notify("Type a name first.", severity="warning")
            name_input.focus()
            return
        status = AttendanceStatus(str(self.query_one("#a-status", Select).value))
        try:
            self.app.case_session.add_attendee(
                self.meeting,
                name=name,
                role=line_value(self.query_one("#a-role", Input)),
                agency=line_value(self.query_one("#a-agency", Input)),
                status=status,
                mode=AttendanceMode(str(self.query_one("#a-mode", Select).value)),
                report_received=self.query_one("#a-report", Checkbox).value,
            )
        except InvalidRecord as problem:
            self.notify(f"Not added: {problem}", severity="error", markup=False)
            return
        # The next person starts afresh: nothing chosen for this one carries over to them.
        for selector in ("#a-name", "#a-role", "#a-agency"):
            self.query_one(selector, Input).value = ""
        self.query_one("#a-status", Select).value = NEW_STATUS.value
        self.query_one("#a-mode", Select).value = NEW_MODE.value
        self.query_one("#a-report", Checkbox).value = False
        self._apply_mode()
        self.refresh_table()
        self._offer_same_as_last()
        self.refresh_bindings()
        name_input.focus()
        self._ask_about_clashes()

    def _highlighted(self) -> Attendee | None:
        row = self.query_one("#attendees", DataTable).cursor_row
        return self.meeting.attendees[row] if 0 <= row < len(self.meeting.attendees) else None

    def _change(self, change: Callable[[Meeting, Attendee], None]) -> None:
        table = self.query_one("#attendees", DataTable)
        if not table.has_focus:  # never change a person the chair cannot see highlighted
            self.notify("Shift+tab to the list first, then move to the person.")
            return
        attendee = self._highlighted()
        if attendee is None or self.locked:
            return
        try:
            change(self.meeting, attendee)
        except InvalidRecord as problem:
            self.notify(problem.problem, severity="warning", markup=False)
            return
        self._apply_mode()
        self.refresh_table()

    def action_cycle_status(self) -> None:
        self._change(self.app.case_session.next_status)

    def action_cycle_mode(self) -> None:
        self._change(self.app.case_session.next_mode)

    def action_toggle_report(self) -> None:
        session = self.app.case_session
        self._change(lambda m, a: session.change_attendee(m, a, report_received=not a.report_received))

    def action_edit_attendee(self) -> None:
        attendee = self._highlighted()
        if attendee is None:
            self.notify("Nobody on the list yet: type a name to add someone.")
            return
        if self.locked:
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
        self._change(self.app.case_session.remove_attendee)

    def action_focus_add(self) -> None:
        self.query_one("#a-name", Input).focus()

    def action_done(self) -> None:
        self.dismiss(None)
