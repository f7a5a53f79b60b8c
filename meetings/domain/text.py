"""Text as the chair types it and as the case file keeps it: one rule for control characters,
one way of cleaning typed text, one way of telling whether two names are the same.

The store refuses a control character in a one-line field (a name, an agency) and any control
character but the line break and the tab in a notes field (`refused_in`). Typing and pasting in
the app never meet that refusal: `one_line` and `many_lines` turn every such character (and the
wider set a paste may carry: C1 controls, Unicode line and paragraph separators) into a space.
"""

from __future__ import annotations

import re

# What the case file refuses (kept as narrow as earlier releases, so their files still load), and in
# a one-line field (a name, an agency, a reason) the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069): a right-to-left override in a recipient's name prints it reversed
# in the minutes, so what a reader sees is not what was recorded. The marks U+200E/U+200F, which
# right-to-left names may need, are kept.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
REFUSED_ONE_LINE = re.compile(f"[\\x00-\\x1f\\x7f\\x85\\u2028\\u2029{BIDI_CONTROLS}]")  # line breaks, bidi controls
LINE_SEPARATORS = re.compile(r"[\x85\u2028\u2029]")
REFUSED_MANY_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# What typing and pasting clean away: everything refused, and more that a paste may carry.
_CLEANED_ONE_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI_CONTROLS}]")
_CLEANED_MANY_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def refused_in(value: str, *, multiline: bool) -> re.Match[str] | None:
    """The first character the case file would refuse in this kind of field, if any."""
    return (REFUSED_MANY_LINES if multiline else REFUSED_ONE_LINE).search(value)


def one_line(text: str) -> str:
    """`text` fit for a one-line field: tabs, line breaks and other control characters become spaces."""
    return LONE_SURROGATE.sub("\ufffd", _CLEANED_ONE_LINE.sub(" ", text))


def many_lines(text: str) -> str:
    """`text` fit for a notes field: line breaks and tabs kept, other control characters made spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return LONE_SURROGATE.sub("\ufffd", _CLEANED_MANY_LINES.sub(" ", text))


def name_key(text: str) -> str:
    """A name (or agency) as compared: spaces made single, case ignored."""
    return " ".join(text.split()).casefold()


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
