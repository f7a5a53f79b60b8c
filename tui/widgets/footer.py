"""The footer of every screen: the keys that work here.

Textual's footer rebuilds all its keys whenever the screen says its bindings may have changed,
which it says on every change of focus. Moving to the next agenda step moves the focus twice (off
the old notes, on to the new), and each rebuild restyles every key: most of the time a step took
to appear. This footer rebuilds only when the keys it shows have really changed, and makes each
key in the footer's style from the start: Textual's keys start compact and are restyled at once
to the footer's style, each on its own.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

NARROW = 100  # below this many columns the keys are drawn close together, without the palette key


def shown_keys(screen: Screen[Any]) -> tuple[tuple[str, str, str, bool, str], ...]:
    """What a footer on this screen would show: each key, its words, and whether it works now."""
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show or binding.key == screen.app.COMMAND_PALETTE_BINDING
    )


class KeysFooter(Footer):
    """A footer that is rebuilt only when the keys it shows change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.showing: tuple[tuple[str, str, str, bool, str], ...] | None = None

    def on_resize(self, event: events.Resize) -> None:
        """On a small terminal (80x24) every key must still fit: close together, and the command
        palette's key (ctrl+p still works) gives its place to the meeting's keys."""
        narrow = event.size.width < NARROW
        self.compact = narrow
        self.show_command_palette = not narrow

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # Each key bound to the footer's `compact` is made as it would be once mounted (the
            # command palette's key is not bound to it: Textual leaves it compact).
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # nothing is rebuilt now: the next change must rebuild
            return
        keys = shown_keys(screen)
        if keys == self.showing:
            return
        self.showing = keys
        super().bindings_changed(screen)
