"""The core group's analysis: how the scaling moved, and which risks are still open.

Scaling that rises while the same risks stay open is the over-optimism the case review warns of;
the flags and the analysis step both read these. A rise is judged against the whole history of
the scaling, not only the meeting before: a rise after one flat meeting is still a rise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .family import Restrictions, names_in
from .lifecycle import in_order
from .records import Action, AssessmentStatus, Case, Concern, CopyType, Meeting, Person, Relationship
from .text import name_key
from .wording import day_month_year, relationship_words, short


def _scores(meeting: Meeting) -> dict[str, int]:
    return {name_key(s.name): s.score for s in meeting.scaling}


def _earlier_scaled(case: Case, meeting: Meeting) -> list[Meeting]:
    """The meetings before `meeting` that scaled, in order."""
    return [m for m in in_order(case.meetings) if (m.date, m.number) < (meeting.date, meeting.number) and m.scaling]


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


def scaling_change(case: Case, meeting: Meeting) -> tuple[float, float] | None:
    """The average scaling at the last meeting that scaled and at this one, or None.

    Where the same people scaled both times only their scores are compared, so a change in who
    attended does not look like progress.
    """
    earlier = _earlier_scaled(case, meeting)
    if not earlier or not meeting.scaling:
        return None
    return _compared(_scores(earlier[-1]), _scores(meeting))


def _compared(before: dict[str, int], now: dict[str, int]) -> tuple[float, float]:
    """The averages of two meetings' scaling: of the people who scaled at both where there are
    any, so a change in who attended does not look like progress."""
    common = before.keys() & now.keys()
    if common:
        return _mean([before[k] for k in common]), _mean([now[k] for k in common])
    return _mean(list(before.values())), _mean(list(now.values()))


@dataclass(frozen=True)
class Rise:
    """Scaling that rose at `meeting` (number) from `before` at meeting `since` to `now`."""

    meeting: int
    since: int
    before: float
    now: float
    previous: int  # the meeting that scaled just before: `since` is earlier when the rise is older


def scaling_rise(case: Case, meeting: Meeting) -> Rise | None:
    """How far the scaling at `meeting` rose above the lowest point of its history: each earlier
    meeting that scaled is compared with this one (by the people who scaled at both) and the
    largest rise is kept. None when it did not rise above any of them."""
    earlier = _earlier_scaled(case, meeting)
    if not earlier or not meeting.scaling:
        return None
    now_scores = _scores(meeting)
    best: Rise | None = None
    for m in earlier:
        before, now = _compared(_scores(m), now_scores)
        if now > before and (best is None or now - before > best.now - best.before):
            best = Rise(meeting.number, m.number, before, now, earlier[-1].number)
    return best


def scaling_rose(case: Case, meeting: Meeting) -> bool:
    """Whether the scaling at this meeting is higher than at any earlier meeting that scaled."""
    return scaling_rise(case, meeting) is not None


def latest_scaled(case: Case, upto: Meeting | None = None) -> Meeting | None:
    """The last meeting that scaled, up to and including `upto` (None: of all the meetings)."""
    scaled = [
        m
        for m in in_order(case.meetings)
        if m.scaling and (upto is None or (m.date, m.number) <= (upto.date, upto.number))
    ]
    return scaled[-1] if scaled else None


@dataclass(frozen=True)
class Trend:
    """One person's scaling across the meetings, in meeting order: (meeting number, score).
    `restricted`: the person is restricted, so the row is left out of what the family sees."""

    name: str
    points: tuple[tuple[int, int], ...]
    restricted: bool = False


def scaling_trends(case: Case, upto: Meeting | None = None) -> list[Trend]:
    """Each person's scaling across the meetings up to and including `upto` (all of them if None),
    one trend a person in the order they first scaled; names compared whatever their spacing or case."""
    family = Restrictions.of(case, CopyType.FAMILY)  # a row is restricted as the minutes' scaling row is
    names: dict[str, str] = {}
    points: dict[str, list[tuple[int, int]]] = {}
    for m in in_order(case.meetings):
        if upto is not None and (m.date, m.number) > (upto.date, upto.number):
            continue
        for s in m.scaling:
            key = name_key(s.name)
            names.setdefault(key, " ".join(s.name.split()))
            points.setdefault(key, []).append((m.number, s.score))
    return [Trend(names[k], tuple(points[k]), family.is_restricted_name(names[k])) for k in names]


def needs_assessment(person: Person) -> bool:
    """An adult in the child's life (not a sibling) whose assessment has not started."""
    return person.relationship is not Relationship.SIBLING and person.assessment_status is AssessmentStatus.NOT_STARTED


@dataclass(frozen=True)
class Risk:
    """An open risk in words. `restricted`: it names something the family must not see."""

    text: str
    restricted: bool = False


def _raised_by(case: Case, action: Action, meeting: Meeting) -> bool:
    """Raised at or before `meeting` (an action raised between meetings counts as raised before)."""
    if action.raised_at is None or action.raised_at == meeting.number:
        return True
    raised = next((m for m in case.meetings if m.number == action.raised_at), None)
    return raised is None or (raised.date, raised.number) < (meeting.date, meeting.number)


def _open_on(action: Action, day: dt.date) -> bool:
    """Open at the end of `day`, as far as the record says: open now, or closed after that day."""
    return action.is_open or (action.completed_on is not None and action.completed_on > day)


def _unanswered_on(concern: Concern, day: dt.date) -> bool:
    """Received by `day` and with no response then: none now, or one recorded after that day."""
    if concern.received_on > day:
        return False
    return not concern.answered or (concern.responded_on is not None and concern.responded_on > day)


def open_risks_detailed(case: Case, as_at: Meeting | None = None) -> list[Risk]:
    """The risks still open: people's recorded risks and missing assessments, open actions,
    and concerns with no response, each marked restricted where it names a restricted person,
    a restricted action or a concern not shareable with the family.

    `as_at`: the risks as they stood at that meeting, as far as the record tells: the actions
    raised by then and not closed before its day, the concerns received by then with no response
    by its day. People's risks and assessments are as recorded now (the record keeps no history of them).
    """
    pattern = Restrictions.of(case, CopyType.FAMILY).pattern  # as the family copy's name guard finds names

    def names_restricted(text: str) -> bool:
        return names_in(pattern, text)

    risks: list[Risk] = []
    for p in case.people:
        if p.risks.strip():
            text = f"{p.name} ({relationship_words(p)}): {short(p.risks).rstrip('.')}"
            risks.append(Risk(text, p.restricted or names_restricted(text)))
        if needs_assessment(p):
            risks.append(Risk(f"{p.name} has not been assessed", p.restricted))
    restricted_ids = {p.id for p in case.people if p.restricted}
    for a in sorted(case.actions, key=lambda a: a.number):
        if a.is_open if as_at is None else (_raised_by(case, a, as_at) and _open_on(a, as_at.date)):
            text = f"Action {a.number} is not done ({short(a.text, 60).rstrip('.')})"
            risks.append(Risk(text, a.restricted or a.person_id in restricted_ids or names_restricted(text)))
    for c in case.concerns:
        if not c.answered if as_at is None else _unanswered_on(c, as_at.date):
            risks.append(
                Risk(f"The concern received on {day_month_year(c.received_on)} has no response", not c.shareable)
            )
    return risks
