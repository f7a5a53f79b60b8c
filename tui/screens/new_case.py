"""Create a case: the child, the plan and the ICPC date; the rest is added on the case screen."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from meetings.domain import schema
from meetings.domain.records import Case, PlanCategory
from meetings.domain.schema import InvalidRecord
from meetings.domain.timescales import check_not_future
from meetings.domain.wording import field_words, humanise
from meetings.storage.base import StoreError

from ..widgets.footer import KeysFooter
from ..widgets.forms import FORM_KEYS, FormFields, FormScreen, line_value

if TYPE_CHECKING:
    from ..app import CoreGroupApp


def new_case(app: CoreGroupApp) -> None:
    def created(case: Case | None) -> None:
        if case is not None:
            try:
                case_file = app.store.create(case)
            except (StoreError, InvalidRecord) as problem:
                app.notify(str(problem), title="Case not created", severity="error", timeout=10)
                return
            app.adopt_case(case_file)

    app.push_screen(NewCaseForm(), created)


class NewCaseForm(FormScreen[Case | None]):
    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Create", tooltip="Check and create the case"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without creating a case"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label("New case", id="form-title")
            with FormFields(id="form-fields"):
                yield Label("Case id (letters, digits, - and _)", classes="form-label")
                yield Input(id="n-id", placeholder="e.g. SAMPLE-0002")
                yield Label("Child's name (or 'Unborn baby of ...')", classes="form-label")
                yield Input(id="n-child")
                yield Label("Date of birth, or due date if unborn (YYYY-MM-DD or DD/MM/YYYY)", classes="form-label")
                yield Input(id="n-dob")
                yield Checkbox("Unborn (the date above is the due date)", id="n-unborn")
                yield Label("Plan categories", classes="form-label")
                for category in PlanCategory:
                    yield Checkbox(humanise(category.value), id=f"n-plan-{category.value}")
                yield Label("ICPC date", classes="form-label")
                yield Input(id="n-icpc")
                yield Label("Lead social worker", classes="form-label")
                yield Input(id="n-worker")
                yield Label("Expected agencies (separate with commas)", classes="form-label")
                yield Input(id="n-agencies", placeholder="Children's social care, Health visiting, Housing ...")
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(FORM_KEYS.replace("save", "create"), classes="form-keys")
                yield Button("Create (ctrl+s)", variant="primary", id="form-save")
                yield Button("Cancel (esc)", id="form-cancel")
        yield KeysFooter()

    def _date(self, widget_id: str, label: str) -> str | None:
        from meetings.domain.timescales import parse_due

        text = line_value(self.query_one(widget_id, Input))
        if not text:
            return None
        try:
            return parse_due(text, self.app.today(), self.app.settings).isoformat()
        except InvalidRecord as problem:
            raise InvalidRecord(label, problem.problem) from None

    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)

        def value(selector: str) -> str:
            return line_value(self.query_one(selector, Input))

        try:
            born = self._date("#n-dob", "date_of_birth")
            unborn = self.query_one("#n-unborn", Checkbox).value
            if born and not unborn:  # a child already born was born by today; an unborn one is due later
                check_not_future(dt.date.fromisoformat(born), self.app.today(), "Date of birth")
            child: dict[str, Any] = {"id": 1, "name": value("#n-child")}
            if unborn:
                child.update(due_date=born, mobility="unborn")
            else:
                child["date_of_birth"] = born
            data = {
                "id": value("#n-id"),
                "children": [child],
                "plan_categories": [
                    c.value for c in PlanCategory if self.query_one(f"#n-plan-{c.value}", Checkbox).value
                ],
                "icpc_date": self._date("#n-icpc", "icpc_date"),
                "lead_social_worker": value("#n-worker"),
                "expected_agencies": [a.strip() for a in value("#n-agencies").split(",") if a.strip()],
            }
            case = schema.load(Case, data)
            case.check()
            if self.app.store.exists(case.id):
                raise InvalidRecord("id", f"a case {case.id} already exists")
        except InvalidRecord as problem:
            labels = {"id": "Case id", "name": "Child's name", "date_of_birth": "Date of birth", "due_date": "Due date",
                      "plan_categories": "Plan categories", "icpc_date": "ICPC date",
                      "lead_social_worker": "Lead social worker", "expected_agencies": "Expected agencies",
                      "children": "Child"}  # fmt: skip
            error.update(
                Text.assemble(("Not created. ", "bold"), f"{field_words(problem.path, labels)}: {problem.problem}")
            )
            error.add_class("shown")
            return
        self.dismiss(case)
