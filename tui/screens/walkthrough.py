"""The agenda walk-through: one step at a time, its prompts, notes, answers and flags.

Every field on a step is made bound to that step (see `tui.widgets.fields`): what the chair types
is recorded there the moment it changes, however fast the chair then moves on. Each step has its
own body of widgets, built from the records and never reused for another step, so nothing on
screen (an answer, a choice, the focus) carries over from one step to the next. Coming back from
a form or another screen leaves the step as it was, the focus where it was, and refreshes only
what changed.

Building a step's widgets takes Textual a tenth of a second or more, so while the chair talks the
steps either side of the current one are built in the background, hidden; ctrl+n then only shows
the next body. A body kept or built in advance is used only if the records it was built from are
unchanged (`StepBody.stamp`); otherwise it is built again from the records.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Header, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from meetings.domain import analysis, finish, lead_workers, lifecycle, timescales
from meetings.domain.agenda import MEETING_TEXTS, AnswerKind, AnswerSpec, MeetingText, StepRole
from meetings.domain.flags import drift, flags_at
from meetings.domain.records import (
    Action,
    AgendaStep,
    AttendanceStatus,
    Meeting,
    MeetingMode,
    MeetingStatus,
)
from meetings.domain.visibility import Visibility
from meetings.domain.wording import action_type_words, humanise, person_profile, short
from meetings.session import CaseSession, Parsed

from ..messages import CaseUpdated
from ..widgets.actions import ActionTable
from ..widgets.breakpoints import size_classes_now
from ..widgets.concerns import concern_source_words, referrer_words
from ..widgets.fields import BoundInput, BoundSelect, BoundTextArea
from ..widgets.flags import FLAGS_KEY, RESTRICTED_KEY, FlagsBox, flags_text, hidden_line
from ..widgets.footer import KeysFooter
from ..widgets.forms import Ask
from ..widgets.text import connection_words, for_audience, plain
from ..widgets.trend import trend_text
from ..widgets.worked_out import case_as_now, flags_now, timing_only
from . import editing
from .attendance import people_text
from .visits import edit_visit, visits_since_text

if TYPE_CHECKING:
    from ..app import CoreGroupApp

FLAGS_AFTER_TYPING = 0.3  # seconds of quiet before the step's flags are worked out again
BUILD_AHEAD_AFTER = 0.4  # seconds of quiet before the steps either side are built, hidden


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _same(shown: object, content: Text | str) -> bool:
    """Whether `content` would show as `shown` does: the same words in the same styles."""
    if isinstance(shown, Text) and isinstance(content, Text):
        return (shown.plain, shown.spans, shown.style, shown.justify, shown.overflow, shown.no_wrap, shown.end) == (
            content.plain, content.spans, content.style, content.justify, content.overflow, content.no_wrap,
            content.end,
        )  # fmt: skip
    return type(shown) is type(content) and shown == content


class StepBody(VerticalScroll):
    """One step's widgets, bound to that step. `stamp` is what the records held when they were
    built (or last left): a body whose stamp no longer matches the records is built again."""

    def __init__(self, index: int, stamp: object, widgets: list[Widget], *, locked: bool) -> None:
        super().__init__(*widgets, classes="step-body")
        self.index = index
        self.stamp = stamp
        self.locked = locked  # built read-only (a finished meeting): never shown once it is reopened
        self.filled: object = None  # what its flags and lists were last filled from (`_fill_key`)
        self._shown: dict[Widget, object] = {}
        self._notes: Widget | None = None

    def put(self, box: Static, content: Text | str) -> None:
        """Show `content` in `box`, unless it shows that already: an update lays the step out again."""
        if box in self._shown and _same(self._shown[box], content):
            return
        app = cast("CoreGroupApp", self.app)
        content = for_audience(app.visibility(), content)  # the name guard
        self._shown[box] = content.copy() if isinstance(content, Text) else content
        box.update(content)

    def true_to(self, stamp: object, *, locked: bool) -> bool:
        return self.stamp == stamp and self.locked == locked

    def notes_into_view(self, notes: Widget) -> None:
        """On a small terminal the notes may be below the prompts: bring them into view, once
        Textual has laid the body out (a body just shown is laid out at its first resize)."""
        self._notes = notes
        self.scroll_home(animate=False)
        self.call_after_refresh(self._scroll_to_notes)

    def _scroll_to_notes(self) -> None:
        if self._notes is not None:
            self.scroll_to_widget(self._notes, animate=False, top=False)

    def on_resize(self) -> None:
        self._scroll_to_notes()
        self._notes = None


class WalkthroughScreen(Screen[None]):
    """The agenda, one step at a time: prompts, notes, answers, and what the step needs."""

    SCOPED_CSS = False  # the small-terminal rules name the screen's own -narrow class
    DEFAULT_CSS = """
    #walk { height: 1fr; }
    #sidebar { width: 34; border-right: vkey $primary; }
    #progress { height: auto; padding: 0 1; background: $boost; }
    #steps { height: 1fr; border: none; scrollbar-gutter: stable; }  /* wrapped titles keep every line */
    #step-main { width: 1fr; }
    #step-title { height: auto; padding: 0 1; background: $primary-muted; }
    #step-clock { height: 1; padding: 0 1; color: $text-muted; }
    #step-bodies { height: 1fr; }
    .step-body { height: 1fr; padding: 0 1; }
    .prompts { color: $text-muted; margin-bottom: 1; height: auto; }
    .answer-row { height: auto; }
    .answer-label { width: 30; padding: 1 1 0 0; }
    .answer { width: 1fr; }
    .score { width: 10; }
    .answer-hint { width: auto; max-width: 30; padding: 1 0 0 1; color: $warning; }
    .notes { height: 8; }
    .restricted { height: 4; border: tall $error; }
    .restricted-label { margin-top: 1; color: $error; }
    .review-table { height: auto; max-height: 10; }
    .meeting-field { height: 5; }
    .meeting-label { margin-top: 1; color: $accent; }
    /* Small terminals: a narrower sidebar, shorter notes. */
    WalkthroughScreen.-narrow #sidebar { width: 22; }
    WalkthroughScreen.-narrow .answer-label { width: 18; }
    WalkthroughScreen.-narrow .notes { height: 6; }
    WalkthroughScreen.-narrow .restricted { height: 4; }
    WalkthroughScreen.-narrow .meeting-field { height: 4; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        # In the order a chair needs them: at 80 columns the footer shows the first ones.
        Binding("ctrl+n", "next_step", "Next step", tooltip="Go to the next agenda step", priority=True),
        Binding("ctrl+b", "previous_step", "Prev step", tooltip="Go back to the previous agenda step", priority=True),
        Binding("ctrl+f", "finish", "Finish", tooltip="Check what is missing and finish the meeting", priority=True),
        Binding("ctrl+r", "reopen", "Reopen", tooltip="Reopen a finished meeting (asks why)"),
        Binding("f3", "minutes", "Minutes", tooltip="Write the minutes (full and family copies) to Word"),
        Binding("f5", "distribution", "Sent to", tooltip="Record who was sent which copy of the minutes, and when"),
        Binding(
            "ctrl+t",
            "new_action",
            "New action",
            tooltip="Add a new action (owner, due date, type, outcome)",
            priority=True,
        ),
        Binding("f2", "attendance", "Attendance", tooltip="Who is here, how, and who is missing"),
        Binding(
            "f7",
            "details",
            "Details",
            priority=True,  # before the text box's own f7 (select all)
            show=False,
            tooltip="Correct the meeting's date, times, venue, chair or minute-taker",
        ),
        Binding("f4", "new_concern", "Concern", tooltip="Record a concern or information received"),
        Binding(
            "f9",
            "new_visit",
            "Visit",
            show=False,  # the footer is full; the visits step names the key
            tooltip="Record a visit: each child seen or not (and why not), seen alone or not",
        ),
        Binding(
            FLAGS_KEY,
            "flags",
            "Flags",
            priority=True,  # before the text box's own f6 (select line)
            show=False,  # the footer is full; the line at the top of the step names the key
            tooltip="Go to this step's flags below the notes, and back to the notes",
        ),
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
        if action in ("new_action", "new_concern", "new_visit", "finish"):
            return not finished and not self.app.read_only
        return True

    def __init__(self, meeting: Meeting, step: int = 0) -> None:
        super().__init__()
        size_classes_now(self)  # styled once, not again when first sized
        self.meeting = meeting
        self.index = step
        self.step_entered: dt.datetime | None = None
        self._showing = asyncio.Lock()
        self._refresh_timer: Timer | None = None
        self._progress_shown = ""
        self._bindings_for: MeetingStatus | None = None
        self.shown: AgendaStep | None = None  # the step whose fields are on the screen, once built
        self.bodies: dict[int, StepBody] = {}  # the step shown, and those built around it
        self._ahead_timer: Timer | None = None

    @property
    def session(self) -> CaseSession:
        return self.app.case_session

    @property
    def step(self) -> AgendaStep:
        return self.meeting.steps[self.index]

    @property
    def role(self) -> StepRole:
        return self.app.agenda.role_of(self.step)

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
                yield Vertical(id="step-bodies")
        yield KeysFooter()

    async def on_mount(self) -> None:
        self.refresh_sidebar()
        for shown in ("show_restricted", "sharing_screen"):  # f8, or sharing the screen
            self.watch(self.app, shown, self._privacy_changed, init=False)
        self.set_interval(1, self.tick)
        if self.app.screen is self:
            await self.show_step(self.index)
        else:  # a new meeting opens at attendance: build the first step while the chair is there
            self._build_ahead_later()

    async def on_screen_resume(self) -> None:
        """Back from a form, attendance or the finish screen: the step stays as it was, with the
        focus where the chair left it; only what may have changed is refreshed."""
        if self.app.session is None or self._follow_new_copy():
            return
        if self.body is None:  # first shown now (the meeting was started at attendance)
            await self.show_step(self.index)
        else:
            self.refresh_step()

    def on_case_updated(self, event: CaseUpdated) -> None:
        """The step's marks follow what is typed at once; the flags (which read the whole case)
        once typing pauses, so a keystroke never waits for them."""
        if self.app.session is None or self.app.screen is not self:  # else on_screen_resume refreshes
            return
        if self._follow_new_copy():
            return
        self.refresh_sidebar()
        self._show_sub_title()  # the connection to a team's store may have come or gone
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        self._refresh_timer = self.set_timer(FLAGS_AFTER_TYPING, self._refresh_if_open)
        self._build_ahead_later()

    def _follow_new_copy(self) -> bool:
        """A read-only view was given a new copy of the case (its editor saved): the meeting shown is
        the new copy's, and the step is built again from it at once (its notes included)."""
        if any(m is self.meeting for m in self.session.case.meetings):
            return False
        same = next((m for m in self.session.case.meetings if m.number == self.meeting.number), None)
        if same is None:  # the meeting is gone from the case (deleted as entered in error)
            return False
        self.meeting = same
        self.run_worker(self._show_again(), group="follow")  # never cut short: each waits its turn
        return True

    async def _show_again(self) -> None:
        async with self._showing:
            self.index = min(self.index, len(self.meeting.steps) - 1)
            await self._show_body()
        self.refresh_sidebar()

    def _refresh_if_open(self) -> None:
        self._refresh_timer = None
        if self.app.session is not None:
            self.refresh_step()

    # -- sidebar and clock
    def _step_done(self, step: AgendaStep) -> bool:
        all_unborn = all(c.unborn for c in self.session.case.children)
        return finish.step_complete(self.meeting, step, self.app.agenda, all_unborn=all_unborn)

    def refresh_sidebar(self) -> None:
        steps = self.query_one("#steps", OptionList)
        marks = [
            "▶" if i == self.index else ("✓" if self._step_done(s) else "·") for i, s in enumerate(self.meeting.steps)
        ]
        prompts = [
            f"{mark} {i + 1}. {step.title}"
            for i, (mark, step) in enumerate(zip(marks, self.meeting.steps, strict=True))
        ]
        if [str(o.prompt) for o in steps.options] != prompts:
            steps.clear_options()
            steps.add_options([Option(Text(p), id=f"step-{i}") for i, p in enumerate(prompts)])
        if steps.highlighted != self.index:
            steps.highlighted = self.index
        done = sum(self._step_done(s) for s in self.meeting.steps)
        status = "FINISHED, read-only" if self.meeting.status is MeetingStatus.FINISHED else "in progress"
        progress = f"Meeting {self.meeting.number}, {self.meeting.date}\n{status}\n{done} of {len(self.meeting.steps)} steps done"
        if progress != self._progress_shown:  # an update lays the screen out again: not on every key
            self._progress_shown = progress
            self.query_one("#progress", Static).update(progress)

    def tick(self) -> None:
        now = self.app.now()
        meeting_seconds = lifecycle.meeting_seconds(self.meeting, now)
        step_seconds = self.step.seconds_spent + self._in_step(now)
        self.query_one("#step-clock", Static).update(
            f"Meeting {_clock(meeting_seconds)}   This step {_clock(step_seconds)}"
        )

    def _in_step(self, now: dt.datetime) -> float:
        if self.step_entered is None or self.locked:
            return 0
        return (now - self.step_entered).total_seconds()

    def _leave_step(self) -> None:
        """Record the time spent at the step being left, and what its fields hold now."""
        body = self.body
        if self.locked or self.step_entered is None or body is None:
            return
        for field in body.query("BoundInput, BoundTextArea, BoundSelect"):
            if isinstance(field, BoundTextArea | BoundInput | BoundSelect):
                field.keep()  # a change not recorded yet (a key typed just before ctrl+n)
        with timing_only(self.session):  # the flags and lists worked out stay true
            self.session.leave_step(self.meeting, self.step, seconds=self._in_step(self.app.now()))
        self.step_entered = self.app.now()
        body.stamp = self._stamp(body.index)  # the fields hold what the records hold

    # -- showing a step
    @property
    def body(self) -> StepBody | None:
        """The widgets of the step on the screen (None until the first is built)."""
        body = self.bodies.get(self.index)
        return body if body is not None and body.display else None

    async def show_step(self, index: int) -> None:
        async with self._showing:  # a key, a callback and the building ahead may all want the steps
            self._leave_step()
            self.index = max(0, min(index, len(self.meeting.steps) - 1))
            await self._show_body()

    @property
    def ready(self) -> bool:
        """The current step's fields are built and on the screen (the cursor goes to its notes
        next). Keys wait while it is False: none lands in a field about to be replaced."""
        return self.shown is self.step

    def _stamp(self, index: int) -> object:
        """What a step's widgets are built from: if any of it changes, they are built again."""
        meeting, step = self.meeting, self.meeting.steps[index]
        role = self.app.agenda.role_of(step)
        texts = tuple(getattr(meeting, f.value) for f in MEETING_TEXTS.get(role, ()))
        stamp: tuple[object, ...] = (step.notes, step.restricted_notes, repr(step.answers), texts)
        if self.locked:  # its fields read only, shown as the visibility rule says (`_kept`)
            stamp += (self.app.visibility().audience,)
        if role is StepRole.NEXT_MEETING:
            stamp += (meeting.next_meeting_time, meeting.next_meeting_venue, meeting.next_meeting_mode)
        if role is StepRole.ANALYSIS:
            restricted = self.app.visibility().restricted
            stamp += (
                tuple((a.name, a.status, restricted(a)) for a in meeting.attendees),
                tuple((s.name, s.score, s.reason) for s in meeting.scaling),
            )
        return stamp

    def _fresh(self, index: int) -> bool:
        """The step's widgets are built and still true to the records."""
        body = self.bodies.get(index)
        return body is not None and body.true_to(self._stamp(index), locked=self.locked)

    async def _body_for(self, index: int) -> StepBody:
        """The step's widgets, hidden: those already built if still true to the records."""
        if self._fresh(index):
            return self.bodies[index]
        stale = self.bodies.pop(index, None)
        if stale is not None:
            await stale.remove()
        body = StepBody(index, self._stamp(index), self._step_widgets(index), locked=self.locked)
        body.display = False
        self.bodies[index] = body
        await self.query_one("#step-bodies").mount(body)
        self._fill(body)  # hidden: showing it later changes nothing on it unless the case changed
        return body

    async def _show_body(self) -> None:
        step, meeting = self.step, self.meeting
        self.shown = None
        self.step_entered = self.app.now()
        if not self.locked:
            with timing_only(self.session):  # the flags and lists worked out stay true
                self.session.enter_step(meeting, step)
        body = await self._body_for(self.index)
        holder = self.query_one("#step-bodies")
        if holder.children[0] is not body:  # first, so that a query for "#notes" finds this step's
            holder.move_child(body, before=0)
        self._show_sub_title()
        self.query_one("#step-title", Static).update(
            Text(f"Step {self.index + 1} of {len(meeting.steps)}: {step.title}", style="bold")
        )
        body.display = True
        self.refresh_step()
        if self._bindings_for != self.meeting.status:  # the footer's keys follow finished / in progress
            self._bindings_for = self.meeting.status
            self.refresh_bindings()
        self.tick()
        notes = body.query_one("#notes", BoundTextArea)
        notes.focus(scroll_visible=False)
        notes.move_cursor(notes.document.end)  # carry on writing after what is already there
        for other in self.bodies.values():
            if other is not body:
                other.display = False
        body.notes_into_view(notes)
        self.shown = step
        self._build_ahead_later()

    def _build_ahead_later(self) -> None:
        """Once the chair pauses, build the steps either side, so that ctrl+n or ctrl+b only
        shows them."""
        if self._ahead_timer is not None:
            self._ahead_timer.stop()
        self._ahead_timer = self.set_timer(BUILD_AHEAD_AFTER, self._build_ahead)

    async def _build_ahead(self) -> None:
        self._ahead_timer = None
        if self.app.session is None or not self.is_attached:
            return
        async with self._showing:
            around = (self.index + 1, self.index - 1) if self.body else (self.index, self.index + 1)
            wanted = [i for i in around if 0 <= i < len(self.meeting.steps)]
            for index in [i for i in self.bodies if i != self.index and i not in wanted]:
                await self.bodies.pop(index).remove()  # kept to three bodies: the step and either side
            for index in wanted:
                if not self._fresh(index):
                    await self._body_for(index)
                    self._build_ahead_later()  # one body per pause: a key typed now waits for one only
                    return
                if self.bodies[index].filled != self._fill_key():  # the case changed since it was filled
                    self._fill(self.bodies[index])
                    self._build_ahead_later()
                    return

    def _step_widgets(self, index: int) -> list[Widget]:
        """A step's widgets, each field bound to the step (built hidden, shown by `_show_body`)."""
        meeting = self.meeting
        step = meeting.steps[index]
        role = self.app.agenda.role_of(step)
        template = self.app.agenda.template_of(step)
        widgets: list[Widget] = []
        if template and template.prompts:
            widgets.append(Static(Text("\n".join(f"• {p}" for p in template.prompts)), classes="prompts"))
        if index == 0 and lead_workers.new_lead_since_last_core_group(self.session.case, meeting):
            widgets.append(Static(id="handover", classes="plan"))  # a new lead social worker: the history
        if role is StepRole.REASON_FOR_PLAN:
            widgets.append(Static(id="plan-text", classes="plan"))  # filled by `_fill`: f8 changes it
        if role is StepRole.ANALYSIS:  # each person's scaling across the meetings, this one included
            widgets.append(Static(id="scaling-trend", classes="plan"))
        widgets.append(Static(id="flag-count"))
        for spec in template.answers if template else ():
            if not finish.asked(self.session.case, spec):
                continue  # a question about a born child, while every child is unborn
            widgets.append(self._answer_row(step, spec, step.answers.get(spec.key)))
        section = self._section(role)
        if role in (StepRole.REVIEW_OF_ACTIONS, StepRole.ACTIONS_AND_CONTINGENCY):
            widgets += section  # the actions are this step's business: show them first
            section = []
        widgets += self._meeting_fields(role)
        widgets.append(Label("Notes", classes="form-label"))
        notes = BoundTextArea(
            self._kept(step.notes), id="notes", classes="notes", read_only=self.locked,
            record=lambda typed: self.session.set_notes(meeting, step, typed),
        )  # fmt: skip
        widgets.append(notes)
        widgets.append(Label("Restricted notes: left out of the family copy", classes="restricted-label"))
        widgets.append(
            BoundTextArea(
                step.restricted_notes, id="restricted", classes="notes restricted", read_only=self.locked,
                record=lambda typed: self.session.set_notes(meeting, step, typed, restricted=True),
            )
        )  # fmt: skip
        widgets.append(Static(id="restricted-hidden", classes="hint"))
        if role is StepRole.MEMBERSHIP:
            widgets.append(Static(id="membership", classes="flags"))
        widgets.append(FlagsBox(id="step-flags", classes="flags"))
        widgets += section
        return widgets

    def refresh_step(self) -> None:
        """Refresh, in place, what the step shows of the rest of the case: its flags, the actions
        and concerns it lists, the sidebar. The fields, the cursor and the focus are left alone."""
        body = self.body
        if body is None:
            return
        self._fill(body)
        self.refresh_sidebar()

    def _fill_key(self) -> tuple[object, ...]:
        """What a step's flags and lists are worked out from: the case as it is now, the day, the
        settings and whether restricted items are shown."""
        app = self.app
        return (case_as_now(self.session), app.today(), app.settings, app.visibility().audience, self.locked)

    def _fill(self, body: StepBody) -> None:
        """Fill a step's body (on the screen, or built ahead and hidden) with what it shows of the
        rest of the case; nothing is worked out or laid out again while that is unchanged."""
        key = self._fill_key()
        if body.filled == key:
            return
        body.filled = key
        case, role, visibility = (
            self.session.case,
            self.app.agenda.role_of(self.meeting.steps[body.index]),
            self.app.visibility(),
        )
        flags = flags_at(role, flags_now(self.session, self.app.settings, self.app.today()))
        shown, hidden = visibility.shown(flags)
        for count in body.query("#flag-count").results(Static):
            many = "flag" if len(shown) == 1 else "flags"
            line = Text(
                f"⚑ {len(shown)} {many} for this step, below the notes: {FLAGS_KEY} goes to them (and back)",
                style="bold yellow",
            )
            if hidden:
                line.append(f"; {hidden_line(hidden)}", style="italic")
            body.put(count, line)
            count.display = bool(shown or hidden)
        for flag_box in body.query("#step-flags").results(FlagsBox):
            body.put(flag_box, flags_text(flags, visibility))
            flag_box.display = bool(flags)
        self._show_restricted_notes(body, visibility)
        self._show_restricted_scaling(body, visibility)
        for box in body.query("#membership").results(Static):
            body.put(box, self._membership_text())
        for box in body.query("#plan-text").results(Static):
            body.put(box, self._plan_text())
        for box in body.query("#handover").results(Static):
            body.put(box, self._handover_text())
        for table in body.query(".review-table").results(ActionTable):
            self._fill_review(table, role)
        for box in body.query("#review-open").results(Static):
            body.put(box, self._review_open_text())
        for box in body.query("#concerns").results(Static):
            body.put(box, self._concerns_text())
        for box in body.query("#visits-list").results(Static):
            body.put(box, visits_since_text(case, self.meeting, visibility))
        for box in body.query("#assessments").results(Static):
            body.put(box, self._assessments_text())
        for box in body.query("#scaling-trend").results(Static):
            trends = analysis.scaling_trends(case, self.meeting)
            body.put(box, trend_text(trends, visibility))
        for box in body.query("#scaling-risks").results(Static):
            risks = self._risks_text()
            body.put(box, risks or "")
            box.display = bool(risks)

    def _show_restricted_scaling(self, body: StepBody, visibility: Visibility) -> None:
        """A restricted person's scaling row stays off the screen until f8, as the family copy
        leaves it out; a line says how many are hidden."""
        rows = list(body.query(".restricted-row"))
        for row in rows:
            row.display = not visibility.withholds
        hidden = len(rows) if visibility.withholds else 0
        for line in body.query("#scaling-hidden").results(Static):
            line.display = bool(hidden)
            body.put(line, Text(hidden_line(hidden), style="italic") if hidden else "")

    def _show_restricted_notes(self, body: StepBody, visibility: Visibility) -> None:
        """The restricted notes are left out of the family copy, so they stay off the screen too
        (the family may see it) until the chair presses f8."""
        show = not visibility.withholds
        for box in body.query("#restricted").results(BoundTextArea):
            box.display = show
            written = bool(box.text.strip())
            for line in body.query("#restricted-hidden").results(Static):
                line.display = not show
                hidden = "Hidden while the family may see the screen"
                body.put(
                    line,
                    Text(
                        f"Written, and {hidden.lower()}: {RESTRICTED_KEY} shows them."
                        if written
                        else f"None yet. {hidden}: {RESTRICTED_KEY} to write them.",
                        style="italic",
                    ),
                )

    def _handover_text(self) -> Text:
        """For a lead social worker new since the last core group: the plan's history in brief."""
        summary = lead_workers.handover(
            self.session.case, self.meeting, self.app.settings, self.app.today(),
            show_restricted=not self.app.visibility().withholds,
        )  # fmt: skip
        text = Text()
        if summary is None:
            return text
        text.append(
            f"New lead social worker: {summary.lead.name} since {summary.lead.since.day} {summary.lead.since:%b %Y} "
            f"(before: {summary.before}). The plan so far:\n",
            style="bold yellow",
        )
        for heading, lines in (
            ("Chronology since the plan began", summary.chronology),
            ("Open actions and how they were carried forward", summary.actions),
            ("Flags outstanding", summary.flags),
        ):
            text.append(f"{heading}:\n", style="bold")
            text.append("".join(f"  • {line}\n" for line in lines) or "  none\n")
        if summary.hidden:
            text.append(f"{summary.hidden} restricted items hidden: {RESTRICTED_KEY} shows them.\n", style="italic")
        return text

    def _plan_text(self) -> Text:
        case = self.session.case
        text = Text()
        text.append("Danger statement: ", style="bold")
        text.append((case.danger_statement.strip() or "not recorded") + "\n")
        text.append("Safety goal: ", style="bold")
        text.append(case.safety_goal.strip() or "not recorded")
        return text

    def _membership_text(self) -> Text:
        case = self.session.case
        text = Text()
        missing = lifecycle.missing_agencies(case, self.meeting)
        text.append("Agencies missing: ", style="bold yellow" if missing else "bold green")
        text.append((", ".join(missing) or "none") + "\n")
        men = lifecycle.men_not_invited(case, self.meeting)
        invited = [p for p in men if p.invited_to_core_group]  # invited in the register, not on today's list
        not_invited = [p for p in men if not p.invited_to_core_group]
        visibility = self.app.visibility()
        text.append("Fathers and male carers not invited: ", style="bold yellow" if not_invited else "bold green")
        text.append((people_text(not_invited, lambda p: p.name, visibility) or "none") + "\n")
        if invited:
            text.append("Invited, not on the list: ", style="bold yellow")
            text.append(people_text(invited, lambda p: p.name, visibility) + "\n")
        kept = lifecycle.men_not_invited_for_safety(case, self.meeting)
        if kept:
            text.append("Not invited for safety (see them separately): ", style="bold yellow")
            text.append(people_text(kept, lambda p: p.name, visibility))
        return text

    def _meeting_fields(self, role: StepRole) -> list[Widget]:
        """The meeting's own fields that the minutes print, at the step where they are agreed."""
        m, session = self.meeting, self.session
        widgets: list[Widget] = []
        for field in MEETING_TEXTS.get(role, ()):
            widgets.append(Label(field.label, classes="meeting-label"))
            widgets.append(
                BoundTextArea(
                    self._kept(getattr(m, field.value)), id=f"meeting-{field.value}", classes="meeting-field",
                    read_only=self.locked, record=self._meeting_text_recorder(field),
                )
            )  # fmt: skip
        if role is StepRole.NEXT_MEETING:
            rule = timescales.next_core_group_rule(m.date, self.app.settings)
            widgets.insert(
                0,
                Static(Text(rule + " Type '4w' or a date for the next core group.", style="bold"), classes="due-rule"),
            )
            mode = Select.NULL if m.next_meeting_mode is None else m.next_meeting_mode.value
            time_hint = Static("", id="hint-next_meeting_time", classes="answer-hint")
            widgets += [
                Horizontal(
                    Label("Next meeting time", classes="answer-label"),
                    BoundInput(f"{m.next_meeting_time:%H:%M}" if m.next_meeting_time else "", placeholder="HH:MM",
                               id="next-meeting-time", classes="answer", disabled=self.locked, hint=time_hint,
                               record=lambda typed: session.set_next_meeting(m, time=typed)),
                    time_hint,
                    classes="answer-row",
                ),
                Horizontal(
                    Label("Next meeting venue", classes="answer-label"),
                    BoundInput(m.next_meeting_venue, id="next-meeting-venue", classes="answer", disabled=self.locked,
                               placeholder="where (or the video link's name)", max_length=300,
                               record=lambda typed: session.set_next_meeting(m, venue=typed)),
                    classes="answer-row",
                ),
                Horizontal(
                    Label("Next meeting held", classes="answer-label"),
                    BoundSelect([(humanise(v.value), v.value) for v in MeetingMode], value=mode,
                                prompt="in person / online", id="next-meeting-mode", classes="answer",
                                disabled=self.locked,
                                record=lambda chosen: session.set_next_meeting(
                                    m, mode=MeetingMode(chosen) if chosen else None)),
                    classes="answer-row",
                ),
            ]  # fmt: skip
        return widgets

    def _kept(self, typed: str) -> str:
        """What a field of the step holds as it is built: in a finished meeting (read only, nothing
        typed there) as the visibility rule lets the screen show it, the names the family copy
        withholds withheld; while the chair can type in it, exactly as typed (never rewritten)."""
        return self.app.visibility().text(typed) if self.locked else typed

    def _meeting_text_recorder(self, field: MeetingText) -> Any:
        meeting = self.meeting
        return lambda typed: self.session.set_meeting_text(meeting, field, typed)

    def _answer_row(self, step: AgendaStep, spec: AnswerSpec, value: Any) -> Horizontal:
        meeting, session = self.meeting, self.session
        required = " *" if spec.required else ""
        label = Label(plain(spec.label + required), classes="answer-label")  # the council's words, as written
        hint = Static("", classes="answer-hint")

        def record(typed: Any) -> Parsed:
            if spec.kind is AnswerKind.YES_NO:
                typed = None if typed is None else typed == "yes"
            return session.answer(meeting, step, spec.key, typed)

        widget: Widget
        recorded = spec.key in step.answers  # else recorded as unanswered when the step is first left
        if spec.kind is AnswerKind.YES_NO:
            current = Select.NULL if value is None else ("yes" if value else "no")
            widget = BoundSelect([("yes", "yes"), ("no", "no")], value=current, id=f"answer-{spec.key}",
                                 disabled=self.locked, classes="answer", prompt="yes / no", record=record, hint=hint,
                                 recorded=recorded)  # fmt: skip
        else:
            placeholder = {AnswerKind.DATE: "YYYY-MM-DD, DD/MM/YYYY, 2w ...", AnswerKind.INT: "a number"}.get(
                spec.kind, ""
            )
            widget = BoundInput("" if value is None else self._kept(str(value)), placeholder=placeholder, id=f"answer-{spec.key}",
                                disabled=self.locked, classes="answer", record=record, hint=hint, recorded=recorded,
                                type="integer" if spec.kind is AnswerKind.INT else "text")  # fmt: skip
        return Horizontal(label, widget, hint, classes="answer-row")

    def _section(self, role: StepRole) -> list[Widget]:
        case = self.session.case
        if role is StepRole.REVIEW_OF_ACTIONS:
            count = len(lifecycle.actions_to_review(case, self.meeting))
            return [
                Label(f"Open actions from earlier meetings ({count}): enter to update status, evidence and impact",
                      classes="form-label"),
                ActionTable(id="review-table", classes="review-table"),
                Static(id="review-open", classes="hint"),
            ]  # fmt: skip
        if role is StepRole.ACTIONS_AND_CONTINGENCY:
            return [
                Label("Actions raised at this meeting: ctrl+t adds one, enter edits", classes="form-label"),
                ActionTable(id="review-table", classes="review-table"),
            ]
        if role is StepRole.NEW_CONCERNS:
            return [Static(id="concerns", classes="flags")]
        if role is StepRole.VISITS:
            return [Static(id="visits-list", classes="flags")]
        if role is StepRole.ASSESSMENTS:
            return [Static(id="assessments", classes="flags")]
        if role is StepRole.ANALYSIS:
            return [*self._scaling_rows(), Static(id="scaling-risks", classes="flags")]
        return []

    def _scaling_rows(self) -> list[Widget]:
        """A score and a reason for each person present. A restricted person's row is left out of
        the family copy, so it is off the screen until f8 (`_show_restricted_scaling`)."""
        meeting, session, visibility = self.meeting, self.session, self.app.visibility()
        rows: list[Widget] = [
            Label(
                "Scaling 0 (certain harm) to 10 (safe enough to close), for each person present", classes="form-label"
            )
        ]
        scores = {s.name.casefold(): s for s in meeting.scaling}
        for a in (a for a in meeting.attendees if a.status is AttendanceStatus.ATTENDED):
            s = scores.get(a.name.casefold())
            score = BoundInput("" if s is None else str(s.score), type="integer", max_length=2, classes="score",
                               disabled=self.locked, placeholder="0-10", record=lambda _: None)  # fmt: skip
            reason = BoundInput("" if s is None else self._kept(s.reason), classes="answer", disabled=self.locked,
                                placeholder="why this score?", record=lambda _: None)  # fmt: skip

            def record(_: Any, name: str = a.name, score: BoundInput = score, reason: BoundInput = reason) -> Parsed:
                return session.set_scaling(meeting, name, score=score.value, reason=reason.value)

            score.record = record
            reason.record = record
            row_classes = "answer-row" + (" restricted-row" if visibility.restricted(a) else "")
            rows.append(Horizontal(Label(Text(a.name), classes="answer-label"), score, reason, classes=row_classes))
        rows.append(Static(id="scaling-hidden", classes="hint"))
        return rows

    def _risks_text(self) -> Text | None:
        case = self.session.case
        if not analysis.scaling_rose(case, self.meeting):
            return None
        visibility = self.app.visibility()
        risks, hidden = visibility.shown(analysis.open_risks_detailed(case))
        lines = [f"● {'(restricted) ' if visibility.marked(r) else ''}{r.text}" for r in risks]
        if hidden:
            lines.append(hidden_line(hidden))
        return Text("Scaling has risen. Risks still open:\n" + "\n".join(lines), style="bold yellow")

    def _assessments_text(self) -> Text:
        """Each assessment in the plan beside what its person's record says it must take into
        account (needs, trauma, mental health, risks, strengths), and how it is adapted."""
        case, visibility = self.session.case, self.app.visibility()
        people = {p.id: p for p in case.people}
        text = Text("Assessments and the people they assess\n", style="bold")
        hidden = 0
        listed = [a for a in case.actions if a.is_assessment and (a.is_open or a.completed_on == self.meeting.date)]
        for a in listed:
            person = people.get(a.person_id) if a.person_id is not None else None
            if not visibility.shows(a):  # a restricted action, or one about a restricted person
                hidden += 1
                continue
            who = person.name if person else "no person linked (the action form's 'Person assessed')"
            due = f", due {a.due}" if a.due else ""
            text.append(f"● Action {a.number}: {action_type_words(a)} of {who} ({humanise(a.status.value)}{due})\n")
            for label, words in person_profile(person) if person else []:
                text.append(f"    {label}: ", style="italic")
                text.append(short(visibility.text(words), 160) + "\n")  # the name guard before it is cut
            if person is not None and person_profile(person):
                text.append("    Adapted: ", style="italic")
                text.append((a.adapted_for.strip() or "not recorded yet") + "\n",
                            style="" if a.adapted_for.strip() else "bold yellow")  # fmt: skip
        if not listed:
            text.append("No assessment is planned (ctrl+t raises one).\n")
        if hidden:
            text.append(hidden_line(hidden), style="italic")
        return text

    def _concerns_text(self) -> Text:
        visibility = self.app.visibility()
        unanswered = [c for c in self.session.case.concerns if not c.answered]
        shown, hidden = visibility.shown(unanswered)  # as the family copy: not shareable, hidden
        text = Text(f"Concerns without a response: {len(shown)} (f4 records a new one)\n", style="bold")
        clean = visibility.cleaner()
        for c in shown:  # who referred, or passed an anonymous referral on, stays off the screen until f8
            text.append(f"● {c.received_on} {concern_source_words(c, visibility)}")
            referrer = referrer_words(c, visibility)
            if referrer:
                text.append(", referred by: ")
                text.append(referrer)
            if c.contacts > 1:
                text.append(f", {c.contacts} contacts" + (f" since {c.contacts_since}" if c.contacts_since else ""))
            text.append(f": {short(clean(c.reported), 100)}\n")
        hidden += sum(1 for c in shown if visibility.hides_referrer(c))
        if hidden:
            text.append(hidden_line(hidden), style="italic")
        return text

    def _review_open_text(self) -> Text:
        """Under the review's table: how long each open action has been open and at how many
        meetings it was carried; for each closed since the meeting before, the question to test it."""
        case, today = self.session.case, self.app.today()
        shown = self.app.visibility().shows

        lines = [
            Text(f"Action {a.number}: {drift.open_for_words(case, a, today)}")
            for a in lifecycle.actions_to_review(case, self.meeting)
            if shown(a)
        ]
        lines += [
            Text(
                f"Action {a.number} ({short(self.app.visibility().text(a.text), 50)}) is closed: {drift.TEST_IT}",
                style="bold",
            )
            for a in drift.closed_since_previous(case, self.meeting)
            if shown(a)
        ]
        return Text("\n").join(lines)

    def _fill_review(self, table: ActionTable, role: StepRole) -> None:
        """The actions a step lists, refreshed in place: the cursor stays on its row."""
        case = self.session.case
        if role is StepRole.REVIEW_OF_ACTIONS:  # one marked done here stays listed, as done
            listed = lifecycle.actions_reviewed_at(case, self.meeting)
        else:
            listed = lifecycle.actions_raised_at(case, self.meeting)
        visibility = self.app.visibility()
        table.show(visibility.shown(listed)[0], visibility)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "steps" and event.option_index != self.index:
            await self.show_step(event.option_index)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if table.id != "review-table" or not isinstance(table, ActionTable) or not table.actions:
            return
        if self.locked:
            self.notify("This meeting is finished: ctrl+r reopens it.", severity="warning")
            return
        action = table.actions[event.cursor_row]
        review = self.role is StepRole.REVIEW_OF_ACTIONS
        editing.edit_action(self.app, action, self.meeting, review=review)

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

        def done(action: Action) -> None:
            self.notify(f"Action {action.number} added.")

        editing.edit_action(self.app, None, self.meeting, done=done)

    def action_new_concern(self) -> None:
        if not self.locked:
            editing.edit_concern(self.app, None, self.meeting)

    def action_new_visit(self) -> None:
        if not self.locked:
            edit_visit(self.app, None)

    def action_attendance(self) -> None:
        from .attendance import AttendanceScreen

        self.app.push_screen(AttendanceScreen(self.meeting))

    def action_finish(self) -> None:
        from .finish import FinishScreen, GoBack

        if self.locked:
            self.notify("This meeting is already finished." if not self.app.read_only else "Read-only.")
            return
        self._leave_step()

        async def back(result: str | GoBack | None) -> None:
            if result == FinishScreen.FINISHED:
                await self.show_step(self.index)
            elif isinstance(result, GoBack):
                await self.go_to(result.step_key)
                body = self.body
                if result.answer_key and body is not None:  # the cursor goes where the answer is missing
                    for field in body.query(f"#answer-{result.answer_key}"):
                        field.focus()
                        body.scroll_to_widget(field, animate=False)
            self.shown = self.shown or self.step

        self.shown = None  # what the finish screen decides may rebuild the step: keys wait for it
        self.app.push_screen(FinishScreen(self.meeting), back)

    def action_reopen(self) -> None:
        if self.meeting.status is not MeetingStatus.FINISHED or self.app.read_only:
            return

        async def answered(reason: str | None) -> None:
            if reason:
                self.session.reopen_meeting(self.meeting, reason=reason)
                self.notify(f"Meeting {self.meeting.number} reopened.")
                await self.show_step(self.index)
            self.shown = self.step

        self.shown = None  # reopening rebuilds the step, editable: keys typed after the reason wait for it
        self.app.push_screen(Ask("Why are you reopening this finished meeting?"), answered)

    def action_minutes(self) -> None:
        from .distribution import minutes_then_distribution

        minutes_then_distribution(self.app, self.meeting.number)

    def action_distribution(self) -> None:
        from .distribution import DistributionScreen

        self.app.push_screen(DistributionScreen(self.meeting.number))

    def _show_sub_title(self) -> None:
        meeting = self.meeting
        self.sub_title = (
            f"{self.session.case.child_names()}: meeting {meeting.number}"
            + (" (finished: read-only, ctrl+r reopens)" if meeting.status is MeetingStatus.FINISHED else "")
            + self.app.privacy_words()
            + connection_words(self.session.connection_state, read_only=self.app.read_only)
        )

    def action_toggle_restricted(self) -> None:
        self.app.toggle_restricted()

    def _privacy_changed(self) -> None:
        """f8 pressed, or sharing the screen begun or ended: the step as the screen may show it now."""
        self._show_sub_title()
        self.refresh_step()
        body = self.body
        if body is None or self.locked or self.app.screen is not self:
            return
        restricted = body.query_one("#restricted", BoundTextArea)
        if not self.app.visibility().withholds:  # shown to be written in: what is typed next goes in it
            restricted.focus()
            restricted.move_cursor(restricted.document.end)
        elif self.focused is restricted:
            body.query_one("#notes", BoundTextArea).focus()

    def action_details(self) -> None:
        if self.locked:
            self.notify("This meeting is finished: ctrl+r reopens it.", severity="warning")
            return

        def done(_: Any) -> None:
            self.notify("Meeting details saved.")
            self.refresh_step()

        editing.edit_meeting_details(self.app, self.meeting, done=done)

    def action_flags(self) -> None:
        """To the step's flags (scrolled into view), or back to the notes from them."""
        body = self.body
        if body is None:
            return
        box = body.query_one("#step-flags", FlagsBox)
        if self.focused is box or not box.display:
            if not box.display:
                self.notify("No flags for this step.")
            body.query_one("#notes", BoundTextArea).focus()
            return
        box.focus()
        body.scroll_to_widget(box, animate=False, top=True)

    def action_close(self) -> None:
        self._leave_step()
        self.app.pop_screen()
