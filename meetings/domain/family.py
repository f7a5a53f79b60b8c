"""What the family's copy leaves out (docs/domain.md): people marked restricted, restricted actions,
concerns not shareable with the family, and any restricted person's name typed into a shared field.

The minutes, the chronology and the flags all ask here, so one policy decides what the family
may see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .lifecycle import previous_meeting
from .records import Action, Case, Concern, CopyType, Meeting, SourceKind

WITHHELD = "[name withheld]"


def restricted_names(case: Case) -> tuple[str, ...]:
    """The names of people marked restricted, each with its whitespace made single spaces."""
    return tuple(sorted({" ".join(p.name.split()) for p in case.people if p.restricted and p.name.strip()}))


def name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern for any of `names` as whole words, whatever the case and however the parts of a
    name are spaced or broken across lines ('Max  Fictional', or 'Max' ending one line)."""
    parts = [n.split() for n in names if n.split()]
    if not parts:
        return None
    alternatives = sorted((r"\s+".join(re.escape(w) for w in words) for words in parts), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _spaced(text: str) -> str:
    """`text` with every run of whitespace made one space, and none at either end."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Restrictions:
    """What one copy withholds: restricted people (by id and by name) and restricted records.
    The full copy withholds nothing."""

    family: bool
    person_ids: frozenset[int]
    names: tuple[str, ...]

    @classmethod
    def of(cls, case: Case, copy: CopyType) -> Restrictions:
        family = copy is CopyType.FAMILY
        restricted = [p for p in case.people if p.restricted] if family else []
        names = tuple(sorted({_spaced(p.name) for p in restricted if p.name.strip()}, key=len, reverse=True))
        return cls(family, frozenset(p.id for p in restricted), names)

    def cleaner(self) -> Callable[[str], str] | None:
        """A function putting WITHHELD for every restricted name in a text (None: nothing to withhold)."""
        # However the name's parts were spaced or broken across lines, it is withheld.
        pattern = name_pattern(self.names)
        if pattern is None:
            return None
        return lambda text: pattern.sub(WITHHELD, text)

    def is_restricted_name(self, name: str) -> bool:
        folded = _spaced(name).casefold()
        return any(folded == n.casefold() for n in self.names)

    def shows_person(self, person_id: int | None, name: str) -> bool:
        if not self.family:
            return True
        return person_id not in self.person_ids and not self.is_restricted_name(name)

    def shows_action(self, action: Action) -> bool:
        if not self.family:
            return True
        return not action.restricted and action.person_id not in self.person_ids

    def shows_concern(self, concern: Concern) -> bool:
        return not self.family or concern.shareable


# ----- what a meeting's minutes cover ------------------------------------------------------


def actions_for(case: Case, meeting: Meeting) -> list[Action]:
    """Actions raised up to this meeting, leaving out those closed before the previous meeting."""
    before = previous_meeting(case, meeting)
    since = before.date if before else None
    chosen = []
    for action in case.actions:
        if action.raised_at is not None and action.raised_at > meeting.number:
            continue
        closed_long_ago = (
            not action.is_open and action.completed_on is not None and since is not None and action.completed_on < since
        )
        if closed_long_ago and action.raised_at != meeting.number:
            continue
        chosen.append(action)
    return sorted(chosen, key=lambda a: a.number)


def concerns_for(case: Case, meeting: Meeting) -> list[Concern]:
    """Concerns discussed at this meeting, and any received up to it still waiting for a response."""
    chosen = [
        c
        for c in case.concerns
        if c.meeting == meeting.number or (c.meeting is None and not c.answered and c.received_on <= meeting.date)
    ]
    return sorted(chosen, key=lambda c: (c.received_on, c.id))


def holds_restricted(case: Case, meeting: Meeting) -> bool:
    """Whether the full copy of this meeting's minutes holds anything the family copy leaves out:
    restricted people, restricted notes, concerns not shareable, restricted actions."""
    family = Restrictions.of(case, CopyType.FAMILY)
    return (
        any(p.restricted for p in case.people)
        or any(s.restricted_notes.strip() for s in meeting.steps)
        or any(not family.shows_concern(c) for c in concerns_for(case, meeting))
        or any(not family.shows_action(a) for a in actions_for(case, meeting))
        or any(c.source_kind is SourceKind.ANONYMOUS for c in concerns_for(case, meeting))  # who passed it on
        or bool(meeting.safety_arrangements.strip())
    )
