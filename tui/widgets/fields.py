"""Fields bound to what they record. Each widget is made with the intent that records its value
(a step's notes, one question's answer, one person's score) and calls it itself, as soon as its
value changes. The target is fixed when the widget is made, so what is typed in it can only land
where it was typed, however late its change is handled and whatever step the screen shows by then.

Leaving a step, `keep` records what a field holds if its last change is not recorded yet (a key
typed just before ctrl+n), or if the record holds nothing for it yet (`recorded=False`: a question
never answered is recorded as unanswered the first time its step is left). A field whose value
was recorded, or built from the record, records nothing again: leaving a step changes nothing
that did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Select, Static, TextArea

from meetings.domain.schema import InvalidRecord
from meetings.session import Parsed
from meetings.storage.base import StoreError

from .text import plain

Recorder = Callable[[Any], Parsed | None]
NOTHING = object()  # what a field has recorded when the record holds nothing for it yet


def _record(widget: Input | Select[Any] | TextArea, record: Recorder, value: Any, hint: Static | None) -> None:
    try:
        parsed = record(value)
    except (InvalidRecord, StoreError) as problem:
        parsed = Parsed(False, str(problem))
    if hint is not None:
        hint.update(plain(parsed.hint if parsed is not None else ""))  # it may quote what was typed
    elif parsed is not None and not parsed.stored:
        widget.notify(parsed.hint, severity="warning", markup=False)


class BoundInput(Input):
    """A one-line box whose every change is recorded by `record`; `hint` shows what it says back."""

    def __init__(
        self, value: str = "", *, record: Recorder, hint: Static | None = None, recorded: bool = True, **options: Any
    ) -> None:
        super().__init__(value, **options)
        self.record = record
        self.hint = hint
        self.recorded: object = self.value if recorded else NOTHING  # built from the record

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self and not self.disabled:
            self.recorded = event.value
            _record(self, self.record, event.value, self.hint)

    def keep(self) -> None:
        """Record what the box holds, unless it was recorded already."""
        if self.value != self.recorded:
            self.recorded = self.value
            self.record(self.value)


class BoundTextArea(TextArea):
    """A notes box whose every change is recorded by `record`."""

    def __init__(self, text: str = "", *, record: Recorder, **options: Any) -> None:
        super().__init__(text, **options)
        self.record = record
        self.recorded: object = self.text  # built from the record

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self and not self.read_only:
            self.recorded = self.text
            _record(self, self.record, self.text, None)

    def keep(self) -> None:
        """Record what the box holds, unless it was recorded already."""
        if self.text != self.recorded:
            self.recorded = self.text
            self.record(self.text)


class BoundSelect(Select[Any]):
    """A list to pick from; the choice (None when cleared) is recorded by `record`."""

    def __init__(
        self, options: Any, *, record: Recorder, hint: Static | None = None, recorded: bool = True, **kw: Any
    ) -> None:
        super().__init__(options, **kw)
        self.record = record
        self.hint = hint
        chosen = kw.get("value", Select.NULL)
        self.recorded: object = (None if chosen is Select.NULL else chosen) if recorded else NOTHING

    @property
    def chosen(self) -> Any:
        """The value chosen, None when none is."""
        return None if self.value is Select.NULL else self.value

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select is self and not self.disabled:
            value = None if event.value is Select.NULL else event.value
            self.recorded = value
            _record(self, self.record, value, self.hint)

    def keep(self) -> None:
        """Record the choice, unless it was recorded already."""
        if self.chosen != self.recorded:
            self.recorded = self.chosen
            self.record(self.chosen)
