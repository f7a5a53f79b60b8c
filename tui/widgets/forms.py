"""A form for any record, built from its fields, and small yes/no and text prompts.

The form never changes the record it edits: it returns a new, checked record (or None when
cancelled), so a refused value leaves both the stored record and the user's typing intact.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from meetings.domain import schema
from meetings.domain.schema import InvalidRecord
from meetings.domain.text import many_lines, name_key, one_line
from meetings.domain.wording import choice_words, field_words, humanise
from meetings.storage.base import StoreError

from .footer import KeysFooter
from .text import plain, with_help


def line_value(widget: Input) -> str:
    """What the user typed in a one-line box, cleaned and trimmed."""
    return one_line(widget.value).strip()


# The keys of every form, shown on a line of their own so they are visible on any terminal.
FORM_KEYS = "ctrl+s save · esc cancel · tab next field"


class FormFields(VerticalScroll, can_focus=False):
    """The fields of a form, scrolling on a small screen. It never takes the focus itself, so what
    the chair types into a form that has just opened goes into its first field."""


@dataclass
class FieldSpec:
    name: str
    label: str
    kind: str  # text, multiline, bool, enum, date, due, time, int
    choices: list[tuple[str, str]] = field(default_factory=list)
    suggest: Sequence[str] = ()
    help: str = ""
    fills: tuple[str, dict[str, str]] | None = None  # (field, value by name): picking a name fills it


def specs_for(cls: type, names: Sequence[str], **overrides: dict[str, Any]) -> list[FieldSpec]:
    """The form fields for `names` of record class `cls`, worked out from the field types."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    specs = []
    for name in names:
        tp = hints[name]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else str
        meta = fields[name].metadata
        choices: list[tuple[str, str]] = []
        if tp is bool:
            kind = "bool"
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            kind = "enum"
            choices = [(choice_words(m), str(m.value)) for m in tp]
        elif tp is dt.date:
            kind = "date"
        elif tp is dt.time:
            kind = "time"
        elif tp is int:
            kind = "int"
        elif typing.get_origin(tp) is list:
            kind = "list"
        else:
            kind = "multiline" if meta.get("multiline") else "text"
        spec = FieldSpec(name, humanise(name).capitalize(), kind, choices, help=str(meta.get("doc", "")))
        for key, value in overrides.get(name, {}).items():
            setattr(spec, key, value)
        specs.append(spec)
    return specs


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


FormResult = typing.TypeVar("FormResult")


class FormScreen(ModalScreen[FormResult]):
    """A modal form whose buttons are Save (`form-save`) and Cancel (`form-cancel`). Escape on a
    form with something typed in it asks before throwing it away."""

    def on_mount(self) -> None:
        self._typed_at_start = self._typed()

    def _typed(self) -> tuple[object, ...]:
        values: list[object] = []
        for widget in self.query("Input, TextArea, Checkbox, Select"):
            values.append(widget.text if isinstance(widget, TextArea) else getattr(widget, "value", None))
        return tuple(values)

    @property
    def typed_something(self) -> bool:
        return self.is_mounted and self._typed() != getattr(self, "_typed_at_start", self._typed())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        if getattr(self, "applied", False) or not self.typed_something:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            Confirm("Close without saving? What you typed in this form will be lost.", yes="Discard", no="Keep it"),
            answered,
        )


class RecordForm(FormScreen[Any]):
    """Edit some fields of a record. Dismisses with the new, checked record, or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Check and save this form"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        title: str,
        cls: type,
        record: Any | None,
        specs: Sequence[FieldSpec],
        *,
        defaults: dict[str, Any] | None = None,
        parse_due: Callable[[str], dt.date] | None = None,
        check: Callable[[Any], None] | None = None,
        read_only: bool = False,
        save: Callable[[Any], Any] | None = None,
        notes: str = "",
    ) -> None:
        super().__init__()
        self.notes = notes  # read-only lines shown above the fields (an action's history)
        self.save = save  # records the checked record, returning what was saved; may refuse it
        self.applied = False
        self._initial: dict[str, Any] = {}
        self.title_text = title
        self.cls = cls
        self.specs = list(specs)
        # A new record starts from the record's own defaults, so every choice has a value.
        self.data: dict[str, Any] = schema.dump(record if record is not None else cls(**(defaults or {})))
        self.parse_due = parse_due
        self.extra_check = check
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(plain(self.title_text), id="form-title")  # a title may name a person
            with FormFields(id="form-fields"):
                if self.notes:
                    yield Static(Text(self.notes), id="form-notes")
                for spec in self.specs:
                    value = self.data.get(spec.name)
                    wid = f"f-{spec.name}"
                    if spec.kind == "bool":
                        yield Checkbox(plain(spec.label), bool(value), id=wid, disabled=self.read_only)
                        continue
                    yield Label(with_help(spec.label, spec.help), classes="form-label")
                    if spec.kind == "enum":
                        yield Select(
                            [(plain(words), choice) for words, choice in spec.choices],  # names of people
                            value=value if value is not None else Select.NULL,
                            # A required choice (an action's type) cannot be emptied by a stray
                            # arrow key; an optional one (how someone attended) can be.
                            allow_blank=type(None) in typing.get_args(typing.get_type_hints(self.cls)[spec.name]),
                            id=wid,
                            disabled=self.read_only,
                        )
                    elif spec.kind == "multiline":
                        yield TextArea(_shown(value), id=wid, classes="form-multiline", read_only=self.read_only)
                    else:
                        placeholder = {
                            "date": "YYYY-MM-DD or DD/MM/YYYY",
                            "due": "2w, 10wd (working days), 1m, or a date",
                            "time": "HH:MM",
                            "list": "separate with commas",
                        }.get(spec.kind, "")
                        suggester = SuggestFromList(spec.suggest, case_sensitive=False) if spec.suggest else None
                        yield Input(
                            _shown(value), placeholder=placeholder, id=wid, suggester=suggester, disabled=self.read_only
                        )
                        if spec.kind in ("date", "due"):  # what the typed date means, as it is typed
                            yield Static("", id=f"{wid}-means", classes="date-means")
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(FORM_KEYS, classes="form-keys")
                yield Button("Save (ctrl+s)", variant="primary", id="form-save", disabled=self.read_only)
                yield Button("Cancel (esc)", id="form-cancel")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._initial = self._raw()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A date shows the day it means ('2w' = Tue 29 Dec 2026); a known name fills its agency."""
        spec = next((s for s in self.specs if f"f-{s.name}" == event.input.id), None)
        if spec is None:
            return
        if spec.kind in ("date", "due"):
            means = self.query_one(f"#f-{spec.name}-means", Static)
            typed = line_value(event.input)
            if not typed or self.parse_due is None:
                means.update("")
                return
            try:
                day = self.parse_due(typed)
            except InvalidRecord as problem:
                means.update(Text(problem.problem, style="italic"))
            else:
                means.update(Text(f"= {day:%a} {day.day} {day:%b %Y}", style="bold"))
        if spec.fills is not None:
            target, values = spec.fills
            found = values.get(name_key(event.input.value))
            for box in self.query(f"#f-{target}").results(Input):  # a form may leave the field out
                if found and not box.value.strip():
                    box.value = found

    def _raw(self) -> dict[str, Any]:
        """What each field shows now, as typed (to tell whether anything was changed)."""
        raw: dict[str, Any] = {}
        for spec in self.specs:
            with contextlib.suppress(Exception):
                widget = self.query_one(f"#f-{spec.name}")
                raw[spec.name] = widget.text if isinstance(widget, TextArea) else getattr(widget, "value", None)
        return raw

    @property
    def has_changes(self) -> bool:
        """Something was typed in this form that is not saved."""
        return not self.read_only and not self.applied and self.is_mounted and self._raw() != self._initial

    def _value(self, spec: FieldSpec) -> Any:
        widget = self.query_one(f"#f-{spec.name}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, TextArea):
            return many_lines(widget.text)
        assert isinstance(widget, Input)
        text = line_value(widget)
        if spec.kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if spec.kind in ("date", "due"):
            if not text:
                return None
            if self.parse_due is not None:
                return self.parse_due(text).isoformat()
            return text
        if spec.kind == "time":
            return text or None
        if spec.kind == "int":
            if not text and type(None) in typing.get_args(typing.get_type_hints(self.cls)[spec.name]):
                return None  # an optional number left empty (an age not known) stays empty
            try:
                return int(text or 0)
            except ValueError:
                raise InvalidRecord(spec.name, f"{text!r} is not a whole number") from None
        return one_line(widget.value)

    def as_recorded(self, data: dict[str, Any]) -> dict[str, Any]:
        """The fields as typed, as the record is to hold them: a form for a record whose rules
        move one field on with another (a birth recorded) says so here, through the domain."""
        return data

    def checked_record(self) -> Any:
        """The record as typed, checked; raises InvalidRecord naming the field at fault."""
        data = dict(self.data)
        for spec in self.specs:
            try:
                data[spec.name] = self._value(spec)
            except InvalidRecord as problem:
                raise InvalidRecord(spec.name, problem.problem) from None
        record: Any = schema.load(self.cls, self.as_recorded(data))
        if self.extra_check is not None:
            self.extra_check(record)
        return record

    def save_on_the_way_out(self) -> bool:
        """The app is closing: save what was typed if it passes its checks. True if nothing is lost."""
        if not self.has_changes:
            return True
        if self.save is None:
            return False
        try:
            self.save(self.checked_record())
        except (InvalidRecord, StoreError):
            return False
        self.applied = True
        return True

    def action_save(self) -> None:
        if self.read_only or self.applied:
            return
        error = self.query_one("#form-error", Static)
        try:
            record = self.checked_record()
            saved = self.save(record) if self.save is not None else record
        except InvalidRecord as problem:
            field_name = problem.path.split(".")[-1]
            labels = {spec.name: spec.label for spec in self.specs}
            error.update(
                Text.assemble(("Not saved. ", "bold"), f"{field_words(problem.path, labels)}: {problem.problem}")
            )
            error.add_class("shown")
            for widget in self.query(f"#f-{field_name}") if field_name.isidentifier() else ():
                widget.focus()
            return
        except StoreError as problem:
            error.update(Text.assemble(("Not saved. ", "bold"), str(problem)))
            error.add_class("shown")
            return
        self.applied = True
        self.dismiss(saved)


class Confirm(ModalScreen[bool]):
    """A yes/no question. y / enter for yes, n / escape for no.

    `check`, if given, runs when yes is chosen; if it returns (question, yes label) the same
    box asks that instead (e.g. "still not saved: quit anyway?") rather than answering yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Yes"),
        Binding("n,escape", "answer(False)", "No", tooltip="No"),
    ]

    def __init__(
        self,
        question: str,
        yes: str = "Yes",
        no: str = "No",
        *,
        check: Callable[[], tuple[str, str] | None] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question), id="confirm-question")  # names and paths are never markup
            with Horizontal(id="form-buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button(f"{self.no} (n)", id="no")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#yes").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        if answer and self.check is not None:
            check, self.check = self.check, None
            again = check()
            if again is not None:
                self.question, self.yes = again
                self.query_one("#confirm-question", Static).update(Text(self.question))
                self.query_one("#yes", Button).label = f"{self.yes} (y)"
                return
        self.dismiss(answer)


class Ask(ModalScreen[str | None]):
    """Ask for one line of text (a reason, a folder). Enter to accept, escape to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without answering")]

    def __init__(self, question: str, value: str = "", *, required: bool = True) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question), id="confirm-question")  # names and paths are never markup
            yield Input(self.value, id="ask-input")
            yield Static("", id="form-error")
            yield Static("enter accept · esc cancel", classes="form-keys")
        yield KeysFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = one_line(event.value).strip()
        if self.required and not answer:
            error = self.query_one("#form-error", Static)
            error.update("Please type an answer, or press escape.")
            error.add_class("shown")
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Choose(ModalScreen[str | None]):
    """Pick one of a few answers, by its key or its button; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without choosing")]

    def __init__(self, question: str, choices: Sequence[tuple[str, str, str]]) -> None:
        """`choices`: (key, label, value) for each answer."""
        super().__init__()
        self.question = question
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question), id="confirm-question")
            with Horizontal(id="form-buttons"):
                for i, (key, label, _) in enumerate(self.choices):
                    yield Button(f"{label} ({key})", variant="primary" if i == 0 else "default", id=f"choice-{i}")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#choice-0").focus()

    def on_key(self, event: Any) -> None:
        for key, _, value in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        index = int((event.button.id or "choice-0").split("-")[1])
        self.dismiss(self.choices[index][2])

    def action_cancel(self) -> None:
        self.dismiss(None)
