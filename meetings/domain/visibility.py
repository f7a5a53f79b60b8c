"""Who may see what: one rule for every record, row and flag, asked by the screens and the copies.

Four audiences: the full copy, the family copy, the screen with restricted items hidden (the
family may be looking at it), and the screen with them shown (the chair pressed f8). The screen
with restricted items hidden withholds exactly what the family copy withholds; the name guard
(`family.Restrictions.cleaner`) is the second layer, over the words of what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from .chronology import ChronologyItem
from .family import WITHHELD, Restrictions, name_spans, withholds_referrer
from .flags.base import Flag
from .records import (
    Action,
    AgendaStep,
    Attendee,
    Case,
    ChronologyEntry,
    Concern,
    CopyType,
    Distribution,
    Person,
    Scaling,
    Service,
    Visit,
)
from .visits import ChildVisit


class Audience(StrEnum):
    """Who is looking: a Word copy, or the screen with restricted items hidden or shown."""

    FULL_COPY = "full copy"
    FAMILY_COPY = "family copy"
    SCREEN_HIDDEN = "screen, restricted hidden"
    SCREEN_SHOWN = "screen, restricted shown"

    @property
    def withholds(self) -> bool:
        """Whether this audience is kept from what the family must not see."""
        return self in (Audience.FAMILY_COPY, Audience.SCREEN_HIDDEN)


T = TypeVar("T")


@dataclass(frozen=True)
class Visibility:
    """The answer, for one case and one audience, to "may it be seen, and in what form?".

    `family` is what the family copy withholds in this case, whatever the audience: an audience
    that sees everything still marks what is restricted."""

    audience: Audience
    family: Restrictions

    @classmethod
    def of(cls, case: Case, audience: Audience) -> Visibility:
        return cls(audience, Restrictions.of(case, CopyType.FAMILY))

    @classmethod
    def on_screen(cls, case: Case, *, restricted_shown: bool) -> Visibility:
        return cls.of(case, Audience.SCREEN_SHOWN if restricted_shown else Audience.SCREEN_HIDDEN)

    @classmethod
    def for_copy(cls, case: Case, copy: CopyType) -> Visibility:
        return cls.of(case, Audience.FAMILY_COPY if copy is CopyType.FAMILY else Audience.FULL_COPY)

    @property
    def withholds(self) -> bool:
        return self.audience.withholds

    @property
    def restrictions(self) -> Restrictions:
        """What this audience withholds, as the copies' name guard takes it."""
        return self.family if self.withholds else Restrictions(False, frozenset(), ())

    # ----- the rule ------------------------------------------------------------------------------

    def restricted(self, record: object) -> bool:
        """Whether the family copy leaves `record` out: the one definition, kind by kind."""
        family = self.family
        match record:
            case Person():
                return record.restricted or record.id in family.person_ids
            case Attendee():
                return not family.shows_person(record.person_id, record.name)
            case Scaling():
                return not family.shows_person(None, record.name)
            case Distribution():
                return not family.shows_person(None, record.recipient)
            case Action():
                return not family.shows_action(record)
            case Concern():
                return not family.shows_concern(record)
            case Visit():
                return record.restricted
            case ChildVisit():
                return record.visit.restricted
            case ChronologyEntry():
                return not record.shareable
            case Service():
                return family.is_restricted_name(record.for_whom)
            case AgendaStep():
                return bool(record.restricted_notes.strip())  # the step's restricted notes
        shareable = getattr(record, "shareable", None)  # a chronology event
        if isinstance(shareable, bool):
            return not shareable
        # a flag, a risk, a scaling trend, a safety clash, a line of a summary: it says itself
        marked = getattr(record, "restricted", None)
        if isinstance(marked, bool):
            return marked
        raise TypeError(f"no visibility rule for {type(record).__name__}")

    def shows(self, record: object) -> bool:
        """Whether this audience may see `record` at all."""
        return not (self.withholds and self.restricted(record))

    def shown(self, records: Sequence[T]) -> tuple[list[T], int]:
        """The records this audience may see, in order, and how many it may not."""
        if not self.withholds:
            return list(records), 0
        kept = [r for r in records if not self.restricted(r)]
        return kept, len(records) - len(kept)

    def marked(self, record: object) -> bool:
        """Whether `record`, shown, is marked restricted (only where restricted things are shown)."""
        return not self.withholds and self.restricted(record)

    def hides_referrer(self, concern: Concern) -> bool:
        """Whether this audience sees a concern without who referred it (or who passed an
        anonymous referral on): the concern shown, that part of it withheld."""
        return self.withholds and withholds_referrer(concern)

    def referrer_marked(self, concern: Concern) -> bool:
        """Whether who referred a concern, shown, is marked restricted (the full copy, f8)."""
        return not self.withholds and withholds_referrer(concern)

    def restricted_notes(self, step: AgendaStep) -> str:
        """A step's restricted notes as this audience may read them: nothing where it withholds."""
        return "" if self.withholds else step.restricted_notes

    def chronology(self, items: Sequence[ChronologyItem]) -> list[ChronologyItem]:
        """The events of a chronology as this audience may read them: where it withholds, those
        the rule leaves out are gone, and the rest say what the family copy says (withheld
        identities left out, restricted names withheld, restricted people no longer among those
        an event is about, so a filter cannot find them)."""
        if not self.withholds:
            return list(items)
        clean = self.cleaner()
        return [item.for_family(clean, self.family.person_ids) for item in self.shown(items)[0]]

    def cleaner(self) -> Callable[[str], str]:
        """Free text as this audience may read it: restricted names and withheld referrers'
        names replaced by WITHHELD where it withholds (the name guard)."""
        clean = self.restrictions.cleaner()
        return clean if clean is not None else (lambda text: text)

    def text(self, text: str) -> str:
        """Free text of the case as this audience may read it on a read-only display: where it
        withholds, restricted names and withheld referrers' names replaced by WITHHELD, as the
        family copy prints them; elsewhere as typed. (What the chair is editing is never cleaned.)"""
        return self.cleaner()(text) if self.withholds else text

    def withheld_spans(self, text: str) -> list[tuple[int, int]]:
        """Where in `text` (start, end) this audience's name guard puts WITHHELD: none where it
        does not withhold. For a display that keeps its styling while the names go."""
        return name_spans(self.restrictions.pattern, text) if self.withholds else []

    def flag_words(self, flag: Flag) -> str | None:
        """A flag in the form this audience may see: in full; on the screen with restricted items
        hidden, a restricted flag's words without its details (if it has such words); else None."""
        if self.shows(flag):
            return flag.message
        if self.audience is Audience.SCREEN_HIDDEN and flag.withheld:
            return flag.withheld
        return None


__all__ = ["WITHHELD", "Audience", "Visibility"]
