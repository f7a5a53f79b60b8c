"""Flags on concerns with no response from the core group, on patterns of repeated concerns, and
on services ending with nothing to follow them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..lifecycle import latest_meeting
from ..records import Case, Concern, SourceKind
from ..text import name_key
from ..wording import and_list, day_month_year
from .base import Flag, FlagKind, Severity

ENDING_SERVICE_DAYS = 28


def concern_flags(case: Case) -> list[Flag]:
    """Every concern with no response: high once a meeting has been held since it came in."""
    last_held = latest_meeting(case, finished_only=True)
    flags = []
    for c in sorted(case.concerns, key=lambda c: (c.received_on, c.id)):
        if c.answered:
            continue
        source = c.source.strip() or "a source not recorded"
        if c.source_kind is SourceKind.ANONYMOUS:
            source = (
                f"an anonymous referrer (passed on by {c.source.strip()})"
                if c.source.strip()
                else "an anonymous referrer"
            )
        elif c.referrer_withheld and c.source_kind is SourceKind.PERSON and not c.referrer.strip():
            source = "a person whose identity is withheld"  # the source is the person
        missed = last_held is not None and c.received_on < last_held.date
        when = (
            f" It was received before the meeting on {day_month_year(last_held.date)} and is still unanswered."
            if missed and last_held is not None
            else " It needs a response at this meeting."
        )
        flags.append(
            Flag(
                FlagKind.CONCERN_UNANSWERED,
                f"The concern from {source} received on {day_month_year(c.received_on)} has no response from the "
                f"core group.{when} Every concern gets a response, whatever its source.",
                Severity.HIGH if missed else Severity.MEDIUM,
                not c.shareable,
                "A restricted concern has had no response from the core group.",
            )
        )
    return flags


def service_flags(case: Case, today: dt.date) -> list[Flag]:
    """Services ended or ending within `ENDING_SERVICE_DAYS` with no support recorded to follow them."""
    flags = []
    soon = today + dt.timedelta(days=ENDING_SERVICE_DAYS)
    for s in case.services:
        if s.end_date is None or s.end_date > soon or s.successor.strip():
            continue
        whom = f" for {s.for_whom}" if s.for_whom.strip() else ""
        verb = "ended" if s.end_date < today else "ends"
        flags.append(
            Flag(
                FlagKind.SERVICE_ENDING,
                f"{s.name}{whom} {verb} on {day_month_year(s.end_date)} with no support recorded to follow it. "
                "What support is in place instead?",
                Severity.MEDIUM,
            )
        )
    return flags


# ----- patterns: repeated contacts from one source, or about one thing ---------------------------

PATTERN_CONTACTS = 3  # one concern recording this many contacts is a pattern on its own
PATTERN_PROMPT = "What might this behaviour be communicating?"


def concern_pattern_flags(case: Case) -> list[Flag]:
    """Repeated contacts from one source (the same referrer, or the same agency when no referrer
    is named; every anonymous contact together), or concerns about the same thing, as patterns for
    the core group to discuss: the review found repeated calls for help were not read as a sign.

    A pattern is raised until a meeting has been held since its latest contact and every concern
    in it has a response; a new contact raises it again, counted from the first. The flag the
    family may see never names a referrer whose identity is withheld, nor counts a concern they
    may not see; where the full picture says more, a second, restricted flag says it."""
    last_held = latest_meeting(case, finished_only=True)
    last_held_on = last_held.date if last_held is not None else None
    concerns = sorted(case.concerns, key=lambda c: (c.received_on, c.id))
    public = _pattern_messages([c for c in concerns if c.shareable], last_held_on, named=False)
    full = _pattern_messages(concerns, last_held_on, named=True)
    return [Flag(FlagKind.CONCERN_PATTERN, m, Severity.MEDIUM) for m in public] + [
        Flag(FlagKind.CONCERN_PATTERN, m, Severity.MEDIUM, restricted=True) for m in full if m not in public
    ]


def _pattern_messages(concerns: list[Concern], last_held_on: dt.date | None, *, named: bool) -> list[str]:
    """The words of each pattern among `concerns` still to discuss, by source and then by subject."""
    messages = []
    by_source = _grouped(concerns, _source_key)
    for group in by_source:
        if (len(group) > 1 or _contacts(group) >= PATTERN_CONTACTS) and _to_discuss(group, last_held_on):
            messages.append(_source_pattern_words(group, named=named))
    same_sources = {frozenset(c.id for c in g) for g in by_source}
    for group in _grouped([c for c in concerns if c.about.strip()], lambda c: name_key(c.about)):
        if len(group) > 1 and frozenset(c.id for c in group) not in same_sources and _to_discuss(group, last_held_on):
            messages.append(_subject_pattern_words(group))
    return messages


def _grouped(concerns: list[Concern], key: Callable[[Concern], str]) -> list[list[Concern]]:
    groups: dict[str, list[Concern]] = {}
    for c in concerns:
        groups.setdefault(key(c), []).append(c)
    return list(groups.values())


def _source_key(concern: Concern) -> str:
    """Whom repeated contacts come from: every anonymous contact together, else the referrer, else
    the agency or channel (names compared as `name_key` does)."""
    if concern.source_kind is SourceKind.ANONYMOUS:
        return "anonymous"
    if concern.referrer.strip():
        return "referrer:" + name_key(concern.referrer)
    if concern.source.strip():
        return "source:" + name_key(concern.source)
    return f"concern:{concern.id}"  # no source recorded: a pattern only on its own contacts


def _contacts(group: list[Concern]) -> int:
    return sum(c.contacts for c in group)


def _since(group: list[Concern]) -> dt.date:
    return min(c.contacts_since or c.received_on for c in group)


def _to_discuss(group: list[Concern], last_held_on: dt.date | None) -> bool:
    latest = max(c.received_on for c in group)
    return last_held_on is None or latest > last_held_on or any(not c.answered for c in group)


def _pattern_words(count: str, group: list[Concern], more: str, whole: str) -> str:
    """'A pattern ...: 4 contacts from X since 2 March 2026{more}. What might ...'"""
    return (
        f"A pattern for the core group to discuss: {count} since {day_month_year(_since(group))}{more}. "
        f"{PATTERN_PROMPT} Look at the {whole} together, not only each on its own."
    )


def _source_pattern_words(group: list[Concern], *, named: bool) -> str:
    subjects = {name_key(c.about) for c in group}
    about = f" about '{_spaced(group[0].about)}'" if len(subjects) == 1 and group[0].about.strip() else ""
    n = _contacts(group)
    over = f", in {len(group)} concerns" if len(group) > 1 else ""
    if group[0].source_kind is SourceKind.ANONYMOUS:  # counted together, and no one named
        return _pattern_words(f"{n} anonymous contact{'s' if n != 1 else ''}{about}", group, over, "contacts")
    return _pattern_words(f"{n} contact{'s' if n != 1 else ''} from {_who(group, named=named)}{about}", group, over,
                          "contacts")  # fmt: skip


def _subject_pattern_words(group: list[Concern]) -> str:
    sources = _once([_channel(c) for c in group])
    count = f"{len(group)} concerns about '{_spaced(group[0].about)}'"
    more = f" ({_contacts(group)} contacts), from {and_list(sources)}"
    return _pattern_words(count, group, more, "concerns")


def _who(group: list[Concern], *, named: bool) -> str:
    """Whom a group's contacts came from, in words; a withheld referrer named only if `named`."""
    first = group[0]
    withheld = any(c.referrer_withheld for c in group)
    agencies = and_list(_once([c.source for c in group if c.source.strip()]))
    if first.referrer.strip():
        through = f" ({agencies})" if agencies else ""
        if not withheld:
            return f"{_spaced(first.referrer)}{through}"
        if named:
            return f"{_spaced(first.referrer)}{through}, whose identity is withheld from the family"
        return f"one referrer whose identity is withheld{f' (through {agencies})' if agencies else ''}"
    if withheld and first.source_kind is SourceKind.PERSON and not named:  # the source is the person
        return "one person whose identity is withheld"
    return agencies or "a source not recorded"


def _channel(concern: Concern) -> str:
    """Where a concern came from, never who referred it: for a subject's pattern."""
    if concern.source_kind is SourceKind.ANONYMOUS:
        return "an anonymous referrer"
    if concern.referrer_withheld and concern.source_kind is SourceKind.PERSON and not concern.referrer.strip():
        return "a person whose identity is withheld"
    return _spaced(concern.source) or "a source not recorded"


def _once(names: list[str]) -> list[str]:
    """Each name once (compared as `name_key` does), as first written."""
    found: dict[str, str] = {}
    for name in names:
        found.setdefault(name_key(name), _spaced(name))
    return list(found.values())


def _spaced(text: str) -> str:
    return " ".join(text.split())
