"""The core group's analysis: how the scaling moved, and which risks are still open.

Scaling that rises while the same risks stay open is the over-optimism the case review warns of;
the flags and the analysis step both read these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .family import name_pattern, restricted_names
from .lifecycle import in_order
from .records import AssessmentStatus, Case, Meeting, Person, Relationship
from .text import name_key
from .wording import day_month_year, relationship_words, short


def _scores(meeting: Meeting) -> dict[str, int]:
    return {name_key(s.name): s.score for s in meeting.scaling}


def _previous_scaled(case: Case, meeting: Meeting) -> Meeting | None:
    earlier = [m for m in in_order(case.meetings) if (m.date, m.number) < (meeting.date, meeting.number) and m.scaling]
    return earlier[-1] if earlier else None


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


def scaling_change(case: Case, meeting: Meeting) -> tuple[float, float] | None:
    """The average scaling at the last meeting that scaled and at this one, or None.

    Where the same people scaled both times only their scores are compared, so a change in who
    attended does not look like progress.
    """
    previous = _previous_scaled(case, meeting)
    if previous is None or not meeting.scaling:
        return None
    before, now = _scores(previous), _scores(meeting)
    common = before.keys() & now.keys()
    if common:
        return _mean([before[k] for k in common]), _mean([now[k] for k in common])
    return _mean(list(before.values())), _mean(list(now.values()))


def scaling_rose(case: Case, meeting: Meeting) -> bool:
    """Whether the scaling at this meeting is higher than at the last meeting that scaled."""
    change = scaling_change(case, meeting)
    return change is not None and change[1] > change[0]


def needs_assessment(person: Person) -> bool:
    """An adult in the child's life (not a sibling) whose assessment has not started."""
    return person.relationship is not Relationship.SIBLING and person.assessment_status is AssessmentStatus.NOT_STARTED


@dataclass(frozen=True)
class Risk:
    """An open risk in words. `restricted`: it names something the family must not see."""

    text: str
    restricted: bool = False


def open_risks_detailed(case: Case) -> list[Risk]:
    """The risks still open: people's recorded risks and missing assessments, open actions,
    and concerns with no response, each marked restricted where it names a restricted person,
    a restricted action or a concern not shareable with the family."""
    pattern = name_pattern(restricted_names(case))

    def names_restricted(text: str) -> bool:
        return pattern is not None and pattern.search(text) is not None

    risks: list[Risk] = []
    for p in case.people:
        if p.risks.strip():
            text = f"{p.name} ({relationship_words(p)}): {short(p.risks).rstrip('.')}"
            risks.append(Risk(text, p.restricted or names_restricted(text)))
        if needs_assessment(p):
            risks.append(Risk(f"{p.name} has not been assessed", p.restricted))
    restricted_ids = {p.id for p in case.people if p.restricted}
    for a in sorted(case.actions, key=lambda a: a.number):
        if a.is_open:
            text = f"Action {a.number} is not done ({short(a.text, 60).rstrip('.')})"
            risks.append(Risk(text, a.restricted or a.person_id in restricted_ids or names_restricted(text)))
    for c in case.concerns:
        if not c.answered:
            risks.append(
                Risk(f"The concern received on {day_month_year(c.received_on)} has no response", not c.shareable)
            )
    return risks
