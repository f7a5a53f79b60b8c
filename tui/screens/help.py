"""Every key on every screen, in one place (F1 or ?)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.forms import RecordForm
from .attendance import AttendanceScreen
from .case import CaseScreen
from .case_list import CaseListScreen
from .distribution import DistributionScreen
from .finish import FinishScreen
from .start import StartMeetingForm
from .walkthrough import WalkthroughScreen


def key_screens(app: type) -> list[tuple[str, type]]:
    return [
        ("Everywhere", app),
        ("Case list", CaseListScreen),
        ("Case", CaseScreen),
        ("Start meeting", StartMeetingForm),
        ("Attendance", AttendanceScreen),
        ("Meeting walk-through", WalkthroughScreen),
        ("Finish", FinishScreen),
        ("Minutes sent", DistributionScreen),
        ("Forms", RecordForm),
    ]


def key_name(key: str) -> str:
    return ", ".join(k.replace("question_mark", "?").replace("slash", "/") for k in key.split(","))


def bindings_of(cls: type) -> list[Binding]:
    return [b for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding)]


class HelpScreen(ModalScreen[None]):
    """Every key on every screen."""

    DEFAULT_CSS = """
    #help-box { width: 95%; height: 90%; background: $panel; border: thick $primary; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "close", "Close help", tooltip="Close this help")]

    def __init__(self, here: type | None = None) -> None:
        """`here`: the screen F1 was pressed on; its keys come first."""
        super().__init__()
        self.here = here

    def compose(self) -> ComposeResult:
        table = Table(title="Keys (ctrl+p opens the command palette with this screen's commands)", expand=True)
        table.add_column("Screen", style="bold", no_wrap=True)
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("What it does")
        screens = key_screens(type(self.app))
        screens.sort(key=lambda item: item[1] is not self.here)  # the keys of this screen first
        for name, cls in screens:
            title = f"{name} (this screen)" if cls is self.here else name
            for i, b in enumerate(bindings_of(cls)):
                table.add_row(
                    title if i == 0 else "",
                    key_name(b.key),
                    f"{b.description}: {b.tooltip}" if b.tooltip else b.description,
                )
        self.keys_table = table
        with VerticalScroll(id="help-box"):
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
