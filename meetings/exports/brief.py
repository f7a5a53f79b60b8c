"""The chair's brief as a Word file: one page, two at most, to read before the meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from ..domain.brief import build_brief
from ..domain.records import Case, CopyType
from ..domain.settings import Settings, load_settings
from ..domain.visibility import Visibility
from ..domain.wording import action_type_words, humanise, short, short_date
from .minutes import COPY_NAMES, running_header
from .wordfile import Cell, WordDocument


def write_brief(
    case: Case, out: Path, *, today: dt.date, copy: CopyType = CopyType.FULL, settings: Settings | None = None
) -> Path:
    """Write the chair's brief for the next core group of `case` to `out` (.docx, owner-only, atomic)."""
    settings = settings if settings is not None else load_settings()
    brief = build_brief(case, settings, today, copy)
    word = WordDocument(settings, clean=Visibility.for_copy(case, copy).restrictions.cleaner())  # the name guard
    word.running_header(running_header(case, brief.title, copy, settings))
    word.heading(brief.title, 0)
    word.paragraphs(
        f"{COPY_NAMES[copy]}. "
        + ("Restricted items are left out of this copy, as in the family copy of the minutes."
           if copy is CopyType.FAMILY else "Holds everything the core group records: not for the family.")
    )  # fmt: skip
    word.table(None, (1, 3), [(label, value) for label, value in brief.facts], bold_first_column=True)
    word.heading("What has changed since the last core group", 1)
    word.paragraphs("\n".join(f"• {line}" for line in brief.changes))
    word.heading("Flags the meeting must act on", 1)
    word.paragraphs("\n".join(f"• {f.message}" for f in brief.flags) or "None.")
    word.heading("What we are worried about, and the goal", 1)
    word.labelled("Danger statement", brief.danger_statement)
    word.labelled("Safety goal", brief.safety_goal)
    word.heading("Open actions", 1)
    rows: list[Sequence[Cell]] = [
        (str(a.number), short(a.text, 140), f"{a.owner}\n{a.agency}".strip() or "No owner", short_date(a.due) or "No date",
         humanise(a.status.value) + (f", carried {a.times_carried_forward}x" if a.times_carried_forward else ""),
         action_type_words(a))
        for a in brief.actions
    ]  # fmt: skip
    if rows:
        word.table(("No.", "Action", "Owner", "Due", "Status", "Type"), (0.8, 5, 2.6, 1.6, 1.8, 2), rows)
    else:
        word.paragraphs("No open actions.")
    word.heading("Who is expected", 1)
    word.paragraphs(", ".join(brief.expected) or "Nobody recorded yet.")
    if brief.not_invited:
        word.labelled("Fathers and male carers not on the last list", ", ".join(brief.not_invited), flag=True)
    if brief.hidden:
        word.paragraphs(f"{brief.hidden} restricted item(s) left out of this copy.")
    title = f"Chair's brief: {case.id} ({COPY_NAMES[copy].lower()})"
    return word.save(out, title=title, author=case.lead_social_worker, subject="Chair's brief")
