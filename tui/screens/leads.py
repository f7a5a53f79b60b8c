"""The case's lead social workers, corrected by the chair: when the current lead became lead, and
who led before from when. A start coregroup inferred (an older case file's migration) is shown
as not recorded until the chair types it; the rules are `meetings.domain.lead_workers`'."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from meetings.domain.lead_workers import EarlierLead, lead_history_words
from meetings.domain.records import LeadWorker
from meetings.domain.schema import InvalidRecord
from meetings.domain.text import name_key
from meetings.domain.wording import short_date
from meetings.storage.base import StoreError

from ..widgets.footer import KeysFooter
from ..widgets.forms import FORM_KEYS, FormFields, FormScreen, line_value
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp

BLANK_ROWS = 2  # rows to add earlier leads in; saved again, the form offers two more
DATE_HINT = "YYYY-MM-DD or DD/MM/YYYY"


class LeadWorkersForm(FormScreen[list[LeadWorker] | None]):
    """When the current lead became lead, then each earlier lead (name, and the day they became
    lead), oldest first, and blank rows to add one. A row emptied is taken off."""

    app: CoreGroupApp

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Check and save the lead social workers"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.applied = False

    def compose(self) -> ComposeResult:
        case = self.app.case_session.case
        workers = case.lead_workers
        current = case.lead_social_worker.strip() or (workers[-1].name if workers else "")
        recorded = workers[-1] if workers and name_key(workers[-1].name) == name_key(current) else None
        self.shown = list(workers[:-1]) if recorded is not None else list(workers)
        read_only = self.app.read_only
        with Vertical(id="form-box"):
            yield Label(plain(f"Lead social workers for case {case.id}"), id="form-title")
            with FormFields(id="form-fields"):
                yield Static(
                    Text(f"Recorded now: {lead_history_words(case) or 'no lead social worker'}"), id="form-notes"
                )
                yield Label(plain(f"When {current or 'the lead social worker'} became lead"), classes="form-label")
                yield Input(
                    str(recorded.since) if recorded is not None and not recorded.inferred else "",
                    placeholder=_not_recorded(recorded),
                    id="lead-since",
                    disabled=read_only,
                )
                yield Label("Who led before, and the day each became lead (oldest first)", classes="form-label")
                for i, worker in enumerate([*self.shown, *[None] * BLANK_ROWS]):
                    with Horizontal(classes="lead-row"):
                        yield Input(worker.name if worker else "", placeholder="name", id=f"earlier-{i}-name",
                                    disabled=read_only)  # fmt: skip
                        since = str(worker.since) if worker and not worker.inferred else ""
                        yield Input(since, placeholder=_not_recorded(worker), id=f"earlier-{i}-since",
                                    disabled=read_only)  # fmt: skip
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(FORM_KEYS, classes="form-keys")
                yield Button("Save (ctrl+s)", variant="primary", id="form-save", disabled=read_only)
                yield Button("Cancel (esc)", id="form-cancel")
        yield KeysFooter()

    DEFAULT_CSS = """
    LeadWorkersForm .lead-row { height: auto; }
    LeadWorkersForm .lead-row Input { width: 1fr; }
    """

    def _date(self, widget_id: str, path: str) -> dt.date | None:
        typed = line_value(self.query_one(f"#{widget_id}", Input))
        if not typed:
            return None
        try:
            return self.app.case_session.parse_date(typed)
        except InvalidRecord as problem:
            raise InvalidRecord(path, problem.problem) from None

    def action_save(self) -> None:
        if self.app.read_only or self.applied:
            return
        error = self.query_one("#form-error", Static)
        try:
            since = self._date("lead-since", "since")
            earlier = [
                EarlierLead(
                    name=line_value(self.query_one(f"#earlier-{i}-name", Input)),
                    since=self._date(f"earlier-{i}-since", f"earlier[{i}]"),
                    was=worker,
                )
                for i, worker in enumerate([*self.shown, *[None] * BLANK_ROWS])
            ]
            saved = self.app.case_session.correct_lead_workers(since, earlier)
        except (InvalidRecord, StoreError) as problem:
            words = problem.problem if isinstance(problem, InvalidRecord) else str(problem)
            error.update(Text.assemble(("Not saved. ", "bold"), words))
            error.add_class("shown")
            return
        self.applied = True
        self.dismiss(saved)


def _not_recorded(worker: LeadWorker | None) -> str:
    """The empty date box of an entry coregroup inferred: what the record says of its start."""
    if worker is not None and worker.inferred:
        return f"not recorded (coregroup's record begins {short_date(worker.since)}): type the day"
    return DATE_HINT


def edit_lead_workers(app: CoreGroupApp, done: Any = None) -> None:
    app.push_screen(LeadWorkersForm(), done)
