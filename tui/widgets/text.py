"""Text from a case, a file or the chair's typing, shown exactly as it was typed.

Textual and Rich read square brackets in a plain string as markup: a child named
`Unborn baby [name TBC]` would show as "Unborn baby ", and `Wren [/] Example` would stop the app.
Whatever may hold a name, a note, a value typed or a path is given to a widget as a `Text` built
here, never as a string (our own styling is a style on the `Text`, never markup around it).
"""

from __future__ import annotations

from typing import overload

from rich.text import Text

from meetings.domain.visibility import WITHHELD, Visibility


def plain(text: str, style: str = "") -> Text:
    """`text` as typed, in `style`: square brackets and backslashes shown, never read as markup."""
    return Text(text, style=style, end="")


@overload
def for_audience(visibility: Visibility, content: str) -> str: ...
@overload
def for_audience(visibility: Visibility, content: Text) -> Text: ...
def for_audience(visibility: Visibility, content: str | Text) -> str | Text:
    """What a read-only display shows of the case's free text, as the visibility rule says: where
    restricted items are hidden, the names the family copy withholds replaced by WITHHELD (a `Text`
    keeps its styling); with them shown, as typed. Never for a field the chair is editing."""
    if isinstance(content, str):
        return visibility.text(content)
    spans = visibility.withheld_spans(content.plain)
    if not spans:
        return content
    cleaned, at = Text(end=content.end, justify=content.justify, no_wrap=content.no_wrap), 0
    cleaned.style = content.style
    for start, end in spans:
        cleaned.append_text(content[at:start])
        piece = content[start:end]
        cleaned.append(WITHHELD, style=piece.spans[0].style if piece.spans else "")
        at = end
    cleaned.append_text(content[at:])
    return cleaned


def with_help(label: str, help_text: str = "") -> Text:
    """A field's label and, dimmed after it, its help (which may name people: never markup)."""
    return Text.assemble(label, ("  (" + help_text + ")", "dim")) if help_text else plain(label)


def connection_words(state: str, *, read_only: bool = False) -> str:
    """For a screen's title: how the team's store is reached, when that is worth saying. A read-only
    view out of reach is not following its editor's saves, and says so."""
    if state == "offline":
        return (
            "  OFFLINE: not following the editor's saves" if read_only else "  OFFLINE: changes kept on this computer"
        )
    if state.startswith("conflict"):
        return "  NOT SAVED TO THE TEAM'S STORE (a conflict)"
    return ""
