"""A screen's size classes (the app's `HORIZONTAL_BREAKPOINTS`, such as `-narrow` below 100
columns), given before the screen is first styled.

Textual gives a screen these classes once it has been mounted and sized, and a class that changes
then restyles every widget on it a second time: a step of the walk-through, pushed after
attendance, took a fifth longer to appear for it. A screen made with the classes the terminal's
size gives is styled once; should the size differ by the time it is shown, Textual corrects the
classes as before.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def _classes(size: int, breakpoints: list[tuple[int, str]]) -> set[str]:
    """As Textual decides: the class of the largest breakpoint the size reaches, if any."""
    for breakpoint, name in sorted(breakpoints, reverse=True):
        if size >= breakpoint:
            return {name}
    return set()


def size_classes_now(screen: Screen[Any]) -> None:
    """Give `screen`, not yet mounted, the breakpoint classes of the terminal's size now (made
    outside a running app, it gets them when mounted, as any screen)."""
    try:
        app = screen.app
    except RuntimeError:  # Textual's NoActiveAppError
        return
    horizontal = (app.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is None else screen.HORIZONTAL_BREAKPOINTS) or []  # fmt: skip
    vertical = (app.VERTICAL_BREAKPOINTS if screen.VERTICAL_BREAKPOINTS is None else screen.VERTICAL_BREAKPOINTS) or []  # fmt: skip
    width, height = app.size
    for name in _classes(width, horizontal) | _classes(height, vertical):
        screen.add_class(name, update=False)
