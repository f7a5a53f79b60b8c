"""What the family's copy leaves out (docs/domain.md): people marked restricted, restricted actions,
concerns not shareable with the family, and any restricted person's name typed into a shared field.

The minutes, the chronology and the flags all ask here, so one policy decides what the family
may see.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
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
_BETWEEN = r"[\s\-'.]*"  # between the parts of one name: spaced, hyphenated, run together
_TURNED = r"[\s,\-'.]+"  # between a surname put first and the forenames: "Surname, Forename"
_DESCRIPTION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # "Name (a description)"
# Words that belong to the surname that follows them: "Anna van der Berg", "Omar al Rashid".
_PARTICLES = frozenset({"al", "bin", "bint", "da", "das", "de", "del", "della", "den", "der", "di", "dos", "du",
                        "el", "ibn", "la", "le", "st", "te", "ten", "ter", "van", "von"})  # fmt: skip
#: A surname part shorter than this is not withheld alone (too likely an ordinary word or initial).
SURNAME_PART_LETTERS = 3


def bare_name(name: str) -> str:
    """A name as recorded with any description in brackets taken off: "Pat Sample (neighbour)" is
    "Pat Sample"."""
    return " ".join(_DESCRIPTION.sub(" ", name).split())


@dataclass(frozen=True)
class NameParts:
    """A person's name as the name guard reads it, each part folded (`fold_text`): the forenames
    and the surname's parts ("Zoë Strauß-Whitfield": zoe; strauss, whitfield). Recorded with a
    comma, the surname is before it ("Strauß-Whitfield, Zoë"); else it is the last word, with the
    particles before it ("van der Berg")."""

    forenames: tuple[str, ...]
    surname: tuple[str, ...]

    @classmethod
    def of(cls, name: str) -> NameParts:
        bare = bare_name(name)
        if "," in bare:
            surname, _, forenames = bare.partition(",")
        else:
            words = bare.split()
            at = len(words) - 1
            while at > 1 and fold_text(words[at - 1]) in _PARTICLES:
                at -= 1
            surname, forenames = " ".join(words[at:]), " ".join(words[:at])
        return cls(tuple(_PART.findall(fold_text(forenames))), tuple(_PART.findall(fold_text(surname))))

    @property
    def parts(self) -> tuple[str, ...]:
        return self.forenames + self.surname

    def lone_surname_parts(self, shared: frozenset[str] = frozenset()) -> list[str]:
        """The parts of the surname withheld wherever they stand alone: of three letters or more,
        not a particle, and not a part of a name the copy prints (`shared`: a sister-in-law's
        'Whitfield' is hers too, so it is only a near miss)."""
        if not self.forenames:
            return []  # a one-word name is withheld whole, as it is
        return [p for p in self.surname if len(p) >= SURNAME_PART_LETTERS and p not in _PARTICLES and p not in shared]


def _joined(parts: Sequence[str]) -> str:
    return _BETWEEN.join(re.escape(p) for p in parts)


def _name_alternatives(name: str) -> list[str]:
    """Patterns (over folded text) for one name, in every order a person may write it: its parts as
    recorded, however spaced, hyphenated or run together ('Anne-Marie', 'Anne Marie', 'AnneMarie');
    surname first, with or without a comma ('Strauss-Whitfield, Zoe', 'Strauss Whitfield Zoe'); any
    one forename or its initial with the surname ('Z. Strauss-Whitfield'). The description after a
    name in brackets is not part of it."""
    found: set[str] = set()
    whole = _PART.findall(fold_text(name))
    if whole:
        found.add(_joined(whole))
    named = NameParts.of(name)
    parts = named.parts
    if not parts:
        return sorted(found)
    found.add(_joined(parts))
    for k in range(1, len(parts)):  # any part first: "Whitfield, Zoe Strauss" as well
        found.add(_joined(parts[k:]) + _TURNED + _joined(parts[:k]))
    if named.forenames and named.surname:
        surname = _joined(named.surname)
        firsts = {_joined(named.forenames), *map(re.escape, named.forenames)}
        firsts |= {re.escape(f[0]) + r"\.?" for f in named.forenames}
        for first in firsts:
            found.add(first + r"[\s\-'.]+" + surname)
            found.add(surname + _TURNED + first)
    return sorted(found)


def _lone_alternatives(name: str, shared: frozenset[str]) -> list[str]:
    """Patterns for a surname standing alone: the whole surname and each of its distinctive parts
    (`NameParts.lone_surname_parts`); none if no part is distinctive."""
    named = NameParts.of(name)
    distinctive = named.lone_surname_parts(shared)
    if not distinctive:
        return []
    return sorted({_joined(named.surname), *map(re.escape, distinctive)})


def name_pattern(names: Sequence[str], *, surnames: bool = False, shared: Iterable[str] = ()) -> re.Pattern[str] | None:
    """A pattern, over text folded by `folded`, for any of `names` as whole words: whatever the
    case, accents, apostrophes or dashes, however the parts are spaced or broken across lines, with
    a hyphen dropped or an invisible character inside, and in any order (surname first, with or
    without a comma; a forename or initial and the surname).

    With `surnames`, also the surname alone and each distinctive part of it (three letters or more,
    not in `shared`, the folded name parts of people the copy names), in the group `lone`: such a
    match is a name only where it is written with a capital (`name_spans`), as "Mrs Strauss", not
    "a young child" for a Mr Young."""
    common = frozenset(shared)
    alternatives = sorted({a for n in names for a in _name_alternatives(n)}, key=len, reverse=True)
    lone = sorted({a for n in names for a in _lone_alternatives(n, common)}, key=len, reverse=True) if surnames else []
    if lone:
        alternatives.append("(?P<lone>" + "|".join(lone) + ")")
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def name_spans(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    """Where in `text` (start, end in the original) the names `pattern` stands for are written: a
    surname alone (the group `lone`) only where it begins with a capital letter."""
    if pattern is None or not text or pattern.search(fold_text(text)) is None:
        return []  # most texts name nobody withheld: no need to map each character
    plain, origin = folded(text)
    spans = []
    for match in pattern.finditer(plain):
        if match.end() <= match.start():
            continue
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        if match.lastgroup == "lone" and not text[start].isupper():
            continue
        spans.append((start, end))
    return spans


def names_in(pattern: re.Pattern[str] | None, text: str) -> bool:
    """Whether `text` holds any of the names `pattern` (from `name_pattern`) stands for."""
    return bool(name_spans(pattern, text))


def withhold(pattern: re.Pattern[str] | None, text: str, mark: str = "[name withheld]") -> str:
    """`text` with every name `pattern` stands for replaced by `mark`, in the original spelling."""
    spans = name_spans(pattern, text)
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


def shared_name_parts(case: Case) -> frozenset[str]:
    """The parts (folded) of the names the family copy prints: the children's and those of people
    not restricted. A part of a restricted name that is one of these is not withheld alone."""
    names = [c.name for c in case.children] + [p.name for p in case.people if not p.restricted]
    return frozenset(part for name in names for part in _PART.findall(fold_text(bare_name(name))))


def _not_name_like(name: str) -> frozenset[str]:
    """The words of a referrer's name (folded) not written as a name is ("helpline", "NSPCC"): such
    a word is withheld only with the rest of the name, never alone."""
    words = _PART.findall(bare_name(name))
    return frozenset(fold_text(w) for w in words if not w[:1].isupper() or (len(w) > 1 and w.isupper()))


@dataclass(frozen=True)
class Restrictions:
    """What one copy withholds: restricted people (by id and by name) and restricted records.
    The full copy withholds nothing."""

    family: bool
    person_ids: frozenset[int]
    names: tuple[str, ...]
    referrers: tuple[str, ...] = ()  # withheld referrers' names: never written, wherever typed
    shared: frozenset[str] = frozenset()  # name parts (folded) of people the copy names: see `name_pattern`

    @classmethod
    def of(cls, case: Case, copy: CopyType) -> Restrictions:
        family = copy is CopyType.FAMILY
        restricted = [p for p in case.people if p.restricted] if family else []
        names = tuple(sorted({_spaced(p.name) for p in restricted if p.name.strip()}, key=len, reverse=True))
        referrers = withheld_referrers(case) if family else ()
        shared = shared_name_parts(case) if family else frozenset()
        return cls(family, frozenset(p.id for p in restricted), names, referrers, shared)

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
        """The names this copy withholds, as `name_pattern` makes them (None: none), in every order
        and each distinctive surname part alone; a referrer's description in brackets is not part
        of their name, and the words of a referrer's name not written as a name are withheld only
        with the rest of it."""
        plain = frozenset().union(*(_not_name_like(r) for r in self.referrers))
        return name_pattern(self.names + self.referrers, surnames=True, shared=self.shared | plain)

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
