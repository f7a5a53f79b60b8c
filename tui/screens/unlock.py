"""The passphrase of an encrypted case store, asked for once when the app starts."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from meetings.storage.base import StoreError

from ..widgets.footer import KeysFooter

if TYPE_CHECKING:
    from ..app import CoreGroupApp


class UnlockScreen(Screen[bool]):
    """A password box: enter unlocks the store and goes on to the case list; escape quits."""

    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    #unlock-box { width: 76; max-width: 100%; height: auto; border: round $primary; padding: 1 2; }
    #unlock-title { text-style: bold; margin-bottom: 1; }
    #unlock-about { margin-bottom: 1; }
    #unlock-problem { color: $error; margin-top: 1; height: auto; }
    """

    app: CoreGroupApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.quit", "Quit", tooltip="Quit without opening the cases", id="unlock-quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="unlock-box"):
            yield Static("This case store is encrypted", id="unlock-title")
            yield Static(
                f"Type its passphrase to open the cases in {self.app.store.describe()}. "
                "If the passphrase is lost, type the recovery key instead.",
                id="unlock-about",
                markup=False,
            )
            yield Input(password=True, placeholder="Passphrase", id="unlock-passphrase")
            yield Static("", id="unlock-problem", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = "Encrypted store"
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value
        box = self.query_one(Input)
        box.value = ""  # never left in the box, whatever happens
        if not typed:
            self.query_one("#unlock-problem", Static).update("Type the passphrase, then press enter.")
            return
        try:
            self.app.store.unlock(passphrase=typed)
        except StoreError as wrong:
            self.query_one("#unlock-problem", Static).update(str(wrong))
            return
        self.dismiss(True)
