"""A child's multi-agency chronology as a Word table, for a date range and chosen agencies.

The family copy leaves out entries not shareable with the parents, and withholds the names of
people marked restricted, as the minutes do (meetings.domain.family.Restrictions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from ..domain.family import Restrictions
from ..domain.records import Case, ChronologyEntry, CopyType, Impact
from ..domain.settings import Settings, load_settings
from ..domain.wording import plan_category_words, short_date, weekday_date
from .minutes import COPY_NAMES, running_header
from .wordfile import Cell, Flag, WordDocument

IMPACT = {
    Impact.POSITIVE: "Positive (+)",
    Impact.NEGATIVE: "Negative (-)",
    Impact.NEUTRAL: "Neutral",
    Impact.NOT_KNOWN: "Not known",
}


def select_entries(
    case: Case,
    *,
    copy: CopyType = CopyType.FULL,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agencies: Sequence[str] | None = None,
) -> list[ChronologyEntry]:
    """The entries a chronology shows, oldest first.

    An entry over a period is in the range if any of the period is. An agency matches an entry
    whose source contains it, ignoring case ("housing" matches "Sample Homes Housing Association").
    """
    wanted = [a.casefold().strip() for a in agencies or () if a.strip()]
    chosen = []
    for entry in case.chronology:
        if copy is CopyType.FAMILY and not entry.shareable:
            continue
        last = entry.end_date or entry.date
        if start is not None and last < start:
            continue
        if end is not None and entry.date > end:
            continue
        if wanted and not any(a in entry.source.casefold() for a in wanted):
            continue
        chosen.append(entry)
    return sorted(chosen, key=lambda e: (e.date, e.end_date or e.date, e.id))


# Entries share dates (the day they were recorded, most of all): each is written out once.
_short_date = lru_cache(maxsize=4096)(short_date)


def _when(entry: ChronologyEntry) -> str:
    if entry.end_date and entry.end_date != entry.date:
        return f"{_short_date(entry.date)} to {_short_date(entry.end_date)}"
    return _short_date(entry.date)


def _row(entry: ChronologyEntry, family: bool) -> Sequence[Cell]:
    impact: list[str | Flag] = [Flag(IMPACT[entry.impact]) if entry.impact is Impact.NEGATIVE else IMPACT[entry.impact]]
    if entry.impact_note.strip():
        impact.append(entry.impact_note)
    source: list[str | Flag] = [entry.source]
    if not family and not entry.shareable:
        source.append(Flag("Not shareable with the family"))
    recorded = entry.recorded_by or "Not recorded"  # who recorded it; the day follows, never instead
    if entry.recorded_on:
        recorded = f"{recorded}\non {_short_date(entry.recorded_on)}"
    return (_when(entry), source, entry.event, impact, entry.action_taken or "None recorded", recorded)


def write_chronology(
    case: Case,
    out: Path,
    *,
    copy: CopyType = CopyType.FULL,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agencies: Sequence[str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the chronology of `case` to `out` (.docx, landscape, owner-only, atomic).

    `progress(done, total)` is called every 100 rows and at the end. Raises ValueError for a
    start after the end, and `wordfile.TemplateError` for a Word template that cannot be used.
    """
    if start is not None and end is not None and start > end:
        raise ValueError(f"The start date {start.isoformat()} is after the end date {end.isoformat()}")
    settings = settings if settings is not None else load_settings()
    restrictions = Restrictions.of(case, copy)
    entries = select_entries(case, copy=copy, start=start, end=end, agencies=agencies)
    word = WordDocument(settings, clean=restrictions.cleaner(), landscape=True)
    word.running_header(running_header(case, "Multi-agency chronology", copy, settings))

    word.heading("Multi-agency chronology", 0)
    children = "\n".join(
        f"{c.name}, born {weekday_date(c.date_of_birth)}"
        if c.date_of_birth
        else f"{c.name}, due {weekday_date(c.due_date)}"
        for c in case.children
    )
    word.labelled("Child" if len(case.children) == 1 else "Children", children)
    word.labelled(
        "Plan", f"{plan_category_words(case.plan_categories)}; initial conference {weekday_date(case.icpc_date)}"
    )
    if start and end:
        word.labelled("Entries", f"From {weekday_date(start)} to {weekday_date(end)}")
    elif start:
        word.labelled("Entries", f"From {weekday_date(start)}")
    elif end:
        word.labelled("Entries", f"Up to {weekday_date(end)}")
    if agencies:
        word.labelled("Sources", ", ".join(a for a in agencies if a.strip()))
    word.labelled("Copy", COPY_NAMES[copy])
    if restrictions.family:
        word.paragraphs("Family copy. Entries that cannot be shared have been left out to protect other people.")
    elif any(not e.shareable for e in entries):
        word.flag("Full copy: holds entries that are not shareable with the family.")
    word.paragraphs(f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}, oldest first.")

    if entries:
        word.table(
            ("Date", "Source", "What happened", "Impact on the child", "Action taken, or why none", "Recorded by"),
            (1.6, 2.4, 5.2, 2.4, 3.8, 1.9),
            (_row(e, restrictions.family) for e in entries),
            total=len(entries),
            progress=progress,
        )
    elif progress is not None:
        progress(0, 0)

    title = f"Chronology: {case.child_names()} ({COPY_NAMES[copy].lower()})"
    author = case.lead_social_worker or settings.council or "coregroup"
    return word.save(out, title=title, author=author, subject="Multi-agency chronology")
