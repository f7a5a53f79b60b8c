"""Fields bound to what they record. Each widget is made with the intent that records its value
(a step's notes, one question's answer, one person's score) and calls it itself, as soon as its
value changes. The target is fixed when the widget is made, so what is typed in it can only land
where it was typed, however late its change is handled and whatever step the screen shows by then.
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

    def __init__(self, value: str = "", *, record: Recorder, hint: Static | None = None, **options: Any) -> None:
        super().__init__(value, **options)
        self.record = record
        self.hint = hint

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self and not self.disabled:
            _record(self, self.record, event.value, self.hint)


class BoundTextArea(TextArea):
    """A notes box whose every change is recorded by `record`."""

    def __init__(self, text: str = "", *, record: Recorder, **options: Any) -> None:
        super().__init__(text, **options)
        self.record = record

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self and not self.read_only:
            _record(self, self.record, self.text, None)


class BoundSelect(Select[Any]):
    """A list to pick from; the choice (None when cleared) is recorded by `record`."""

    def __init__(self, options: Any, *, record: Recorder, hint: Static | None = None, **kw: Any) -> None:
        super().__init__(options, **kw)
        self.record = record
        self.hint = hint

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select is self and not self.disabled:
            value = None if event.value is Select.NULL else event.value
            _record(self, self.record, value, self.hint)
