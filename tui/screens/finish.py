"""Finishing a meeting: what is missing, to go back to; or finish with a recorded reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from meetings.domain.finish import Problem, finish_problems
from meetings.domain.lifecycle import next_meeting_date_of
from meetings.domain.records import Meeting, MeetingStatus
from meetings.domain.timescales import next_core_group_rule
from meetings.domain.wording import weekday_date

from ..widgets.footer import KeysFooter
from ..widgets.forms import line_value
from .attendance import AttendanceScreen
from .distribution import minutes_then_distribution

if TYPE_CHECKING:
    from ..app import CoreGroupApp


class ProblemList(OptionList):
    """The missing items. Typing here is the reason for finishing anyway: each printable key goes
    to the reason box (so a reason typed straight away is not lost, however fast it is typed)."""

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            note = self.screen.query_one("#finish-note", Input)
            note.insert_text_at_cursor(event.character)
            note.focus()


@dataclass(frozen=True)
class GoBack:
    """Go back to the step `step_key`, the cursor in the answer `answer_key` (else its notes)."""

    step_key: str
    answer_key: str | None = None


class FinishScreen(Screen["str | GoBack | None"]):
    """What is missing, to go back to; or finish with a recorded reason.

    Dismissed with FINISHED, with where to go back to (`GoBack`), or with None."""

    DEFAULT_CSS = """
    #finish { padding: 0 1; }
    #finish-summary { height: auto; }
    #finish-next { height: auto; margin-bottom: 1; color: $text-muted; }
    #problems { height: 1fr; }
    """

    FINISHED = "\x00finished"  # not a step key: step keys are plain words

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
        self.problems: list[Problem] = []
        self.ready = False  # keys wait until the list or the reason box has the cursor

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="finish"):
            yield Static(id="finish-summary")
            yield Static(id="finish-next")
            yield ProblemList(id="problems")
            yield Label("Reason for finishing with items missing (recorded in the minutes)", classes="form-label")
            yield Input(
                id="finish-note",
                select_on_focus=False,
                placeholder="e.g. family left early; agency updates to follow in writing",
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Finish meeting {self.meeting.number}"
        session = self.app.case_session
        self.problems = finish_problems(session.case, self.meeting, self.app.agenda)
        options = self.query_one("#problems", OptionList)
        options.add_options([Option(Text(("↩ " if p.step_key else "• ") + p.message)) for p in self.problems])
        summary = self.query_one("#finish-summary", Static)
        next_date = next_meeting_date_of(self.meeting)
        rule = next_core_group_rule(self.meeting.date, self.app.settings)
        self.query_one("#finish-next", Static).update(
            Text(f"Next core group: {weekday_date(next_date) if next_date else 'not set'}. {rule}")
        )
        if self.problems:
            things = "1 thing is" if len(self.problems) == 1 else f"{len(self.problems)} things are"
            summary.update(Text(f"{things} missing. Enter on the highlighted one goes back to it; "
                                "or type a reason (it goes in the box below) and press ctrl+f to finish anyway.",
                                style="bold yellow"))  # fmt: skip
            options.highlighted = 0
            options.focus()
        else:
            summary.update(Text("Nothing is missing. Press ctrl+f to finish the meeting.", style="bold green"))
            self.query_one("#finish-note", Input).focus()
        self.ready = True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        problem = self.problems[event.option_index]
        if problem.step_key:
            self.dismiss(GoBack(problem.step_key, problem.answer_key))
        elif problem.goes_to_attendance:
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
        session = self.app.case_session
        carried = session.finish_meeting(self.meeting, note=note)
        words = f" {len(carried)} open action(s) carried forward." if carried else ""
        if session.save_now():
            self.notify(f"Meeting {self.meeting.number} finished and saved.{words} f3 writes the minutes.", timeout=8)
        else:
            self.notify(f"Meeting {self.meeting.number} finished but NOT saved: {session.last_error} "
                        "It will be tried again; ctrl+s tries now.", title="Not saved", severity="error",
                        timeout=20, markup=False)  # fmt: skip
        self.dismiss(self.FINISHED)

    def action_minutes(self) -> None:
        if self.meeting.status is not MeetingStatus.FINISHED:
            self.notify("Finish the meeting first (ctrl+f).")
            return
        minutes_then_distribution(self.app, self.meeting.number)

    def action_back(self) -> None:
        self.dismiss(None)
