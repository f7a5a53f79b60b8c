"""What the family's copy leaves out (docs/domain.md): people marked restricted, restricted actions,
concerns not shareable with the family, and any restricted person's name typed into a shared field.

The minutes, the chronology and the flags all ask here, so one policy decides what the family
may see.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .lifecycle import previous_meeting
from .records import Action, Case, Concern, CopyType, Meeting, SourceKind

WITHHELD = "[name withheld]"


def restricted_names(case: Case) -> tuple[str, ...]:
    """The names of people marked restricted, each with its whitespace made single spaces."""
    return tuple(sorted({" ".join(p.name.split()) for p in case.people if p.restricted and p.name.strip()}))


# Apostrophes, dashes and the invisible characters a paste may carry, each as one form.
_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u02bc\u0060\u00b4\u2032\uff07"), "'")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _fold(char: str) -> str:
    """One character as names are compared: NFKC-compatible, without accents, case-folded, with
    every apostrophe and dash one form; an invisible character (zero-width space, soft hyphen)
    is nothing."""
    if char in _INVISIBLE:
        return ""
    decomposed = unicodedata.normalize("NFKD", char.translate(_APOSTROPHES).translate(_DASHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_FOLD_TABLE = {**_APOSTROPHES, **_DASHES, **dict.fromkeys(map(ord, _INVISIBLE))}


def fold_text(text: str) -> str:
    """`text` folded as `_fold` folds each character, in one pass (the text of a five-year case
    is folded in milliseconds): what names are looked for in."""
    text = text.translate(_FOLD_TABLE)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.casefold()


def folded(text: str) -> tuple[str, list[int]]:
    """`text` folded for comparing names, with, for each folded character, the index of the
    character of `text` it came from (so a match can be withheld in the original)."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        piece = _fold(char)
        out.append(piece)
        origin.extend([i] * len(piece))
    return "".join(out), origin


_PART = re.compile(r"[^\s\-'.,]+")


def _name_alternatives(name: str) -> list[str]:
    """Patterns (over folded text) for one name: its parts in order, however spaced, hyphenated or
    run together ('Anne-Marie', 'Anne Marie', 'AnneMarie'), and surname first ('Fictional, Max')."""
    parts = _PART.findall(folded(name)[0])
    if not parts:
        return []
    between = r"[\s\-'.]*"
    alternatives = [between.join(re.escape(p) for p in parts)]
    if len(parts) > 1:
        alternatives.append(re.escape(parts[-1]) + r"[\s,]+" + between.join(re.escape(p) for p in parts[:-1]))
    return alternatives


def name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern, over text folded by `folded`, for any of `names` as whole words: whatever the
    case, accents, apostrophes or dashes, however the parts are spaced or broken across lines, with
    a hyphen dropped or an invisible character inside, and surname first."""
    alternatives = sorted({a for n in names for a in _name_alternatives(n)}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def names_in(pattern: re.Pattern[str] | None, text: str) -> bool:
    """Whether `text` holds any of the names `pattern` (from `name_pattern`) stands for."""
    return pattern is not None and pattern.search(fold_text(text)) is not None


def withhold(pattern: re.Pattern[str] | None, text: str, mark: str = "[name withheld]") -> str:
    """`text` with every name `pattern` stands for replaced by `mark`, in the original spelling."""
    if pattern is None or not text or pattern.search(fold_text(text)) is None:
        return text  # most texts name nobody withheld: no need to map each character
    plain, origin = folded(text)
    spans = [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(plain) if m.end() > m.start()]
    if not spans:
        return text
    out, at = [], 0
    for start, end in spans:
        out.append(text[at:start])
        out.append(mark)
        at = end
    out.append(text[at:])
    return "".join(out)


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
    referrers: tuple[str, ...] = ()  # withheld referrers' names: never written, wherever typed

    @classmethod
    def of(cls, case: Case, copy: CopyType) -> Restrictions:
        family = copy is CopyType.FAMILY
        restricted = [p for p in case.people if p.restricted] if family else []
        names = tuple(sorted({_spaced(p.name) for p in restricted if p.name.strip()}, key=len, reverse=True))
        referrers = withheld_referrers(case) if family else ()
        return cls(family, frozenset(p.id for p in restricted), names, referrers)

    def cleaner(self) -> Callable[[str], str] | None:
        """A function putting WITHHELD for every restricted name, and every withheld referrer's
        name, in a text (None: nothing to withhold)."""
        # However the name's parts were spaced or broken across lines, it is withheld.
        pattern = self.pattern
        if pattern is None:
            return None
        return lambda text: withhold(pattern, text, WITHHELD)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The names this copy withholds, as `name_pattern` makes them (None: none)."""
        return name_pattern(self.names + self.referrers)

    def is_restricted_name(self, name: str) -> bool:
        """Whether a name written in a record (an attendee, a scaling row, a recipient) is, or
        holds, a restricted person's or a withheld referrer's name, however it is spelt: such an
        entry is left out whole, not printed with the name withheld beside its role."""
        return names_in(self.pattern, name)

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


def referrer_identity(concern: Concern) -> str:
    """Who referred, by name: the referrer, or for a concern from a person with no referrer named,
    the person given as its source."""
    if concern.referrer.strip():
        return _spaced(concern.referrer)
    return _spaced(concern.source) if concern.source_kind is SourceKind.PERSON else ""


def withholds_referrer(concern: Concern) -> bool:
    """Whether the family copy leaves out who referred: a referrer kept from the family (always,
    for an anonymous referral), or who passed an anonymous referral on."""
    if not concern.referrer_withheld:
        return False
    anonymous_route = concern.source_kind is SourceKind.ANONYMOUS and bool(concern.source.strip())
    return bool(referrer_identity(concern)) or anonymous_route


def withheld_referrers(case: Case) -> tuple[str, ...]:
    """The names of referrers whose identity is kept from the family, longest first."""
    names = {referrer_identity(c) for c in case.concerns if c.referrer_withheld} - {""}
    return tuple(sorted(names, key=len, reverse=True))


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
    restricted people, restricted notes, concerns not shareable, restricted actions, who referred."""
    family = Restrictions.of(case, CopyType.FAMILY)
    return (
        any(p.restricted for p in case.people)
        or any(s.restricted_notes.strip() for s in meeting.steps)
        or any(not family.shows_concern(c) for c in concerns_for(case, meeting))
        or any(not family.shows_action(a) for a in actions_for(case, meeting))
        or any(c.referrer_withheld for c in concerns_for(case, meeting))  # who referred, or passed it on
        or bool(meeting.safety_arrangements.strip())
    )
