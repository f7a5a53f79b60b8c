"""A child's multi-agency chronology as a Word table: the typed entries and every event the
record holds (meetings.domain.chronology), for a date range, chosen sources, people and kinds.

The family copy leaves out what is not shareable with the parents and withheld identities, and
withholds the names of people marked restricted, as the minutes do: it asks the one visibility rule
(meetings.domain.visibility), and the name guard over the words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from ..domain.chronology import ChronologyItem, EventKind, chronology, filter_chronology, kind_words
from ..domain.records import Case, ChronologyEntry, CopyType, Impact
from ..domain.settings import Settings, load_settings
from ..domain.visibility import Visibility
from ..domain.wording import and_list, plan_category_words, short_date, weekday_date
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
    """The typed entries a chronology shows, oldest first (`select_items` gives every item).

    An entry over a period is in the range if any of the period is. An agency matches an entry
    whose source contains it, ignoring case ("housing" matches "Sample Homes Housing Association").
    """
    wanted = [a.casefold().strip() for a in agencies or () if a.strip()]
    chosen = []
    for entry in Visibility.for_copy(case, copy).shown(case.chronology)[0]:
        last = entry.end_date or entry.date
        if start is not None and last < start:
            continue
        if end is not None and entry.date > end:
            continue
        if wanted and not any(a in entry.source.casefold() for a in wanted):
            continue
        chosen.append(entry)
    return sorted(chosen, key=lambda e: (e.date, e.end_date or e.date, e.id))


def select_items(
    case: Case,
    *,
    copy: CopyType = CopyType.FULL,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agencies: Sequence[str] | None = None,
    person_ids: Iterable[int] | None = None,
    kinds: Iterable[EventKind] | None = None,
    today: dt.date | None = None,
) -> list[ChronologyItem]:
    """The items a chronology shows, oldest first: typed and derived, as `copy` may hold them,
    filtered (`meetings.domain.chronology.filter_chronology`)."""
    shown = Visibility.for_copy(case, copy).chronology(chronology(case, today=today))
    return filter_chronology(shown, start=start, end=end, agencies=agencies, person_ids=person_ids, kinds=kinds)


# Entries share dates (the day they were recorded, most of all): each is written out once.
_short_date = lru_cache(maxsize=4096)(short_date)


def _when(item: ChronologyItem) -> str:
    if item.end_date and item.end_date != item.date:
        return f"{_short_date(item.date)} to {_short_date(item.end_date)}"
    return _short_date(item.date)


def _row(item: ChronologyItem, visibility: Visibility) -> Sequence[Cell]:
    impact: list[str | Flag] = [Flag(IMPACT[item.impact]) if item.impact is Impact.NEGATIVE else IMPACT[item.impact]]
    if not item.typed and item.impact is Impact.NOT_KNOWN:
        impact = []  # the record says what the impact was in words, if anything
    if item.impact_note.strip():
        impact.append(item.impact_note)
    source: list[str | Flag] = [item.source]
    if visibility.marked(item):
        source.append(Flag("Not shareable with the family"))
    elif not visibility.withholds and item.withholds:
        source.append(Flag("Identity left out of the family copy"))
    said = item.response or ("None recorded" if item.typed else "")
    response: list[str | Flag] = [Flag(said) if item.needs_attention and said else said]
    if item.typed:
        recorded = item.recorded_by or "Not recorded"  # who recorded it; the day follows, never instead
        if item.recorded_on:
            recorded = f"{recorded}\non {_short_date(item.recorded_on)}"
    else:
        recorded = f"From the record: {item.origin}" if item.origin else "From the record"
    return (_when(item), kind_words(item.kind), source, item.event, impact, response, recorded)


def write_chronology(
    case: Case,
    out: Path,
    *,
    copy: CopyType = CopyType.FULL,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agencies: Sequence[str] | None = None,
    person_ids: Sequence[int] | None = None,
    kinds: Sequence[EventKind] | None = None,
    today: dt.date | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the chronology of `case` to `out` (.docx, landscape, owner-only, atomic): the typed
    entries and the events of the record up to `today`, filtered.

    `progress(done, total)` is called every 100 rows and at the end. Raises ValueError for a
    start after the end, and `wordfile.TemplateError` for a Word template that cannot be used.
    """
    if start is not None and end is not None and start > end:
        raise ValueError(f"The start date {start.isoformat()} is after the end date {end.isoformat()}")
    settings = settings if settings is not None else load_settings()
    visibility = Visibility.for_copy(case, copy)
    items = select_items(
        case, copy=copy, start=start, end=end, agencies=agencies, person_ids=person_ids, kinds=kinds, today=today
    )
    word = WordDocument(settings, clean=visibility.restrictions.cleaner(), landscape=True)  # the name guard
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
    _filters(word, case, start=start, end=end, agencies=agencies, person_ids=person_ids, kinds=kinds)
    word.labelled("Copy", COPY_NAMES[copy])
    if visibility.withholds:
        word.paragraphs("Family copy. Entries that cannot be shared have been left out to protect other people.")
    elif any(visibility.marked(i) or i.withholds for i in items):
        word.flag("Full copy: holds entries that are not shareable with the family.")
    word.paragraphs(
        f"{len(items)} {'entry' if len(items) == 1 else 'entries'}, oldest first. Entries marked "
        "'From the record' are taken from the case's meetings, concerns, actions, services and people; "
        "the others were typed into the chronology."
    )

    if items:
        word.table(
            ("Date", "Kind", "Source", "What happened", "Impact on the child", "Action taken, or why none",
             "Recorded by"),
            (1.6, 1.5, 2.3, 5.0, 2.2, 3.6, 1.9),
            (_row(i, visibility) for i in items),
            total=len(items),
            progress=progress,
        )  # fmt: skip
    elif progress is not None:
        progress(0, 0)

    title = f"Chronology: {case.child_names()} ({COPY_NAMES[copy].lower()})"
    author = case.lead_social_worker or settings.council or "coregroup"
    return word.save(out, title=title, author=author, subject="Multi-agency chronology")


def _filters(
    word: WordDocument,
    case: Case,
    *,
    start: dt.date | None,
    end: dt.date | None,
    agencies: Sequence[str] | None,
    person_ids: Sequence[int] | None,
    kinds: Sequence[EventKind] | None,
) -> None:
    """What the chronology was chosen to hold: dates, sources, people and kinds."""
    if start and end:
        word.labelled("Entries", f"From {weekday_date(start)} to {weekday_date(end)}")
    elif start:
        word.labelled("Entries", f"From {weekday_date(start)}")
    elif end:
        word.labelled("Entries", f"Up to {weekday_date(end)}")
    if agencies:
        word.labelled("Sources", ", ".join(a for a in agencies if a.strip()))
    if person_ids:
        names = [p.name for p in case.people if p.id in set(person_ids)]
        word.labelled("About", and_list(names))
    if kinds:
        word.labelled("Kinds", and_list([kind_words(k) for k in kinds]))
