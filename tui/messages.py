"""Messages the app sends its screens. Screens react to them; none of them polls the case."""

from __future__ import annotations

from textual.message import Message

from meetings.session import CaseChanged


class CaseUpdated(Message):
    """Something in the open case changed (through the session): what, and in which meeting."""

    def __init__(self, change: CaseChanged) -> None:
        super().__init__()
        self.change = change


class SaveProblem(Message):
    """A save failed. Posted from the writer's thread, which never waits for the screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
