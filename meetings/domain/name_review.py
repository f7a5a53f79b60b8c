"""The check a person makes before a family copy is written: every place in the case's shareable
text where a restricted person's name, or a withheld referrer's name, or a part of one, was found
and will be withheld; and the near misses the name guard leaves in (a lone first name, initials, a
surname part also in the name of someone the copy names), for a person to look at.

The name guard (`family.Restrictions.pattern`) cannot know a nickname or a misspelling: this list is
what lets the chair or minute-taker check it in a minute. The command line prints it and the app
shows it before a family copy is written; the words are made here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .family import (
    SURNAME_PART_LETTERS,
    NameParts,
    Restrictions,
    fold_text,
    folded,
    name_pattern,
    name_spans,
    names_in,
    withhold,
    withholds_referrer,
)
from .records import Case, CopyType, Meeting

WITHHELD_NAME = "a restricted person's name"
WITHHELD_REFERRER = "a withheld referrer's name"
FIRST_NAME = "a first name alone"
INITIALS = "initials"
COMMON_PART = "a surname part also in a name the copy prints"

# Fields whose text never goes to the family, whatever the record (family.holds_restricted).
_NEVER_SHARED = frozenset({"restricted_notes", "safety_arrangements", "full_copy_reason"})
# A concern's fields naming who referred (or passed an anonymous referral on).
_REFERRER_FIELDS = frozenset({"referrer", "source"})


@dataclass(frozen=True)
class Place:
    """One place a name was found: the record and field (`where`), the words as typed (`found`),
    what they are (`why`), and whether the family copy withholds them or leaves them in to check."""

    where: str
    found: str
    why: str
    withheld: bool

    def words(self) -> str:
        done = "withheld" if self.withheld else "left in: check it"
        return f"{self.where}: \u201c{self.found}\u201d ({self.why}; {done})"


@dataclass(frozen=True)
class NameReview:
    """What the name guard finds in the text a family copy may print."""

    places: tuple[Place, ...]

    @property
    def withheld(self) -> list[Place]:
        return [p for p in self.places if p.withheld]

    @property
    def near_misses(self) -> list[Place]:
        return [p for p in self.places if not p.withheld]

    def words(self, limit: int | None = None) -> list[str]:
        """The review in lines a minute-taker reads in a minute: a line saying how much was found,
        then the near misses (to check) before the places withheld; with `limit`, at most that
        many places and a line saying how many more."""
        if not self.places:
            return ["No restricted name, or part of one, was found in the text the family copy prints."]
        withheld, near = len(self.withheld), len(self.near_misses)
        head = (
            f"Restricted names in the family copy's text: {_count(withheld, 'place')} withheld, "
            f"{_count(near, 'near miss', 'near misses')} left in to check."
        )
        ordered = [*self.near_misses, *self.withheld]
        shown = ordered if limit is None else ordered[:limit]
        lines = [head, *(f"  {p.words()}" for p in shown)]
        if len(shown) < len(ordered):
            lines.append(f"  and {_count(len(ordered) - len(shown), 'more place')}")
        return lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def review_family_copy(case: Case, meeting: int | None = None) -> NameReview:
    """Every place in the text the family copy may print (records the family may see, fields
    not restricted) where the name guard withholds a restricted person's or a withheld referrer's
    name or a part of one, and every near miss it leaves in. With `meeting`, the minutes of that
    meeting (its number): the other meetings are left out."""
    family = Restrictions.of(case, CopyType.FAMILY)
    names = name_pattern(family.names, surnames=True, shared=family.shared)
    near = _near_miss_pattern(family)
    places: list[Place] = []
    seen: set[tuple[str, str, str]] = set()
    for where, text in _shared_texts(case, family, meeting):
        if not text.strip():
            continue
        for found, why, withheld in _found(text, family.pattern, names, near):
            key = (where, fold_text(found), why)
            if key not in seen:
                seen.add(key)
                places.append(Place(where, found, why, withheld))
    return NameReview(tuple(places))


def _found(
    text: str,
    pattern: re.Pattern[str] | None,
    names: re.Pattern[str] | None,
    near: list[tuple[re.Pattern[str], str]],
) -> Iterator[tuple[str, str, bool]]:
    spans = name_spans(pattern, text)
    for start, end in spans:
        found = text[start:end]
        yield found, (WITHHELD_NAME if names_in(names, found) else WITHHELD_REFERRER), True
    if spans:
        text = withhold(pattern, text, " ")
    if not near:
        return
    plain, origin = folded(text)
    for missed, why in near:
        for match in missed.finditer(plain):
            if match.end() > match.start():
                yield text[origin[match.start()] : origin[match.end() - 1] + 1], why, False


def _near_miss_pattern(family: Restrictions) -> list[tuple[re.Pattern[str], str]]:
    """What the name guard leaves in that may still be a restricted name: each forename alone,
    initials (two or more, "Z.S-W.", "ZS"), a surname part too short or too common to withhold."""
    firsts: set[str] = set()
    initials: set[str] = set()
    parts: set[str] = set()
    for name in (*family.names, *family.referrers):
        named = NameParts.of(name)
        if not named.forenames:
            continue
        firsts.update(re.escape(f) for f in named.forenames if len(f) >= 2)
        letters = [p[0] for p in named.parts]
        if len(letters) >= 2:
            initials.add(r"[\s\-'.]*".join(re.escape(c) + r"\.?" for c in letters))
            initials.add(re.escape(named.forenames[0][0]) + r"\.?[\s\-'.]*" + re.escape(named.surname[0][0]) + r"\.?")
        withheld = set(named.lone_surname_parts(family.shared))
        parts.update(re.escape(p) for p in named.surname if p not in withheld and len(p) >= SURNAME_PART_LETTERS - 1)
    found = []
    for alternatives, why in ((firsts, FIRST_NAME), (initials, INITIALS), (parts, COMMON_PART)):
        if alternatives:
            joined = "|".join(sorted(alternatives, key=len, reverse=True))
            found.append((re.compile(r"(?<!\w)(?:" + joined + r")(?!\w)"), why))
    return found


# ----- the text the family copy may print ------------------------------------------------------


def _field_words(name: str) -> str:
    return name.replace("_", " ")


def _texts(record: Any, where: str, leave: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Each piece of text of a record (its text fields, lists of text, answers), with where it is."""
    for field in dataclasses.fields(record):
        if field.name in _NEVER_SHARED or field.name in leave:
            continue
        value = getattr(record, field.name)
        yield from _values(value, f"{where}, {_field_words(field.name)}")


def _values(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        yield where, "\n".join(value)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str):
                yield f"{where} ({_field_words(str(key))})", inner


def _shared_texts(case: Case, family: Restrictions, only: int | None) -> Iterator[tuple[str, str]]:
    """Where each piece of text the family copy may print is, and the text: the records the
    record-level rule lets through (`Restrictions.shows_*`), without their restricted fields."""
    yield from _texts(case, "The case", frozenset({"id"}))
    for child in case.children:
        yield from _texts(child, f"Child {child.name}")
    for person in case.people:
        if family.shows_person(person.id, person.name):
            yield from _texts(person, f"Person {person.id} ({person.relationship.value.replace('_', ' ')})")
    for meeting in case.meetings:
        if only is None or meeting.number == only:
            yield from _meeting_texts(meeting, family)
    for action in case.actions:
        if family.shows_action(action):
            yield from _texts(action, f"Action {action.number}")
    for concern in case.concerns:
        if family.shows_concern(concern):
            leave = _REFERRER_FIELDS if withholds_referrer(concern) else frozenset()
            yield from _texts(concern, f"Concern received {concern.received_on:%d %b %Y}", leave)
    for entry in case.chronology:
        if entry.shareable:
            yield from _texts(entry, f"Chronology entry of {entry.date:%d %b %Y}")
    for service in case.services:
        yield from _texts(service, f"Service {service.id}")
    for visit in case.visits:
        if not visit.restricted:
            yield from _texts(visit, f"Visit of {visit.date:%d %b %Y}")
            for i, seen in enumerate(visit.children, 1):
                yield from _texts(seen, f"Visit of {visit.date:%d %b %Y}, child {i}")
    for breach in case.breaches:
        yield from _texts(breach, f"Timescale missed ({breach.kind.value.replace('_', ' ')})")
    for lead in case.lead_workers:
        yield f"Lead social worker from {lead.since:%d %b %Y}", lead.name


def _meeting_texts(meeting: Meeting, family: Restrictions) -> Iterator[tuple[str, str]]:
    at = f"Meeting {meeting.number}"
    yield from _texts(meeting, at)
    for attendee in meeting.attendees:
        if family.shows_person(attendee.person_id, attendee.name):
            yield from _texts(attendee, f"{at}, attendance")
    for step in meeting.steps:
        yield from _texts(step, f"{at}, step \u2018{step.title}\u2019", frozenset({"key", "title"}))
    for row in meeting.scaling:
        if family.shows_person(None, row.name):
            yield from _texts(row, f"{at}, scaling")
    for sent in meeting.distribution:
        yield from _texts(sent, f"{at}, distribution")
    for flag in meeting.flags_at_finish:
        if not flag.restricted:
            yield f"{at}, flag raised at finish", flag.message
    for action in meeting.actions_at_finish:
        if family.shows_action(action):
            yield from _texts(action, f"{at}, action {action.number} as it stood")


__all__ = ["NameReview", "Place", "review_family_copy"]
