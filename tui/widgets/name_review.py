"""The check before a family copy is written: the places a restricted name was found (withheld)
and the near misses left in, in the words `meetings.domain.name_review` makes. Enter writes the
family copy; escape writes nothing."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from meetings.domain.name_review import NameReview

from .footer import KeysFooter

#: At most this many places are listed; a line says how many more (the command line lists all).
SHOWN_PLACES = 40


class NameReviewScreen(ModalScreen[bool]):
    """The name guard's findings before a family copy is written: True to write it, False not to."""

    DEFAULT_CSS = """
    NameReviewScreen #review-box { max-width: 110; }
    NameReviewScreen #review-lines { height: auto; max-height: 60vh; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", "Write", tooltip="Write the family copy, as checked"),
        Binding("escape", "answer(False)", "Cancel", tooltip="Write nothing"),
    ]

    def __init__(self, review: NameReview, what: str) -> None:
        super().__init__()
        self.review = review
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="review-box"):
            yield Static(Text(f"Before the family copy of {self.what} is written", style="bold"), id="form-title")
            with VerticalScroll(id="review-lines"):
                yield Static(Text("\n".join(self.review.words(SHOWN_PLACES))), id="review-words")
            yield Static(Text("Check each place left in. Enter writes the family copy; escape writes nothing."),
                         id="confirm-question")  # fmt: skip
            with Horizontal(id="form-buttons"):
                yield Button("Write (enter)", variant="primary", id="yes")
                yield Button("Cancel (escape)", id="no")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#review-lines").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
