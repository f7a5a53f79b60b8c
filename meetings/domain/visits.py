"""Visits to the children, read per child: when each child was last seen, last seen alone, and
the visits in a period. One child seen never stands for a sibling who was not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .records import Case, Child, ChildAtVisit, NotSeenReason, Visit
from .wording import day_month_year

NOT_SEEN_WORDS = {
    NotSeenReason.ASLEEP: "asleep",
    NotSeenReason.OUT: "out",
    NotSeenReason.ACCESS_REFUSED: "access refused",
    NotSeenReason.NO_ANSWER: "no answer at the door",
    NotSeenReason.OTHER: "another reason",
}


@dataclass(frozen=True)
class ChildVisit:
    """One child at one visit."""

    visit: Visit
    child: ChildAtVisit


NOT_RECORDED_WORDS = "seen or not: not recorded"


def inferred_mark(inferred: str) -> str:
    """How a record coregroup inferred is marked wherever it is shown: ' [inferred by ...]'."""
    return f" [{inferred.strip()}]" if inferred.strip() else ""


def visits_in_order(visits: Iterable[Visit]) -> list[Visit]:
    """Oldest first (by date, then as recorded)."""
    return sorted(visits, key=lambda v: (v.date, v.id))


def visits_of(case: Case, child: Child, *, shown: bool = True) -> list[ChildVisit]:
    """Every visit that recorded `child`, oldest first; `shown=False` leaves out restricted visits."""
    return [
        ChildVisit(v, at)
        for v in visits_in_order(case.visits)
        if shown or not v.restricted
        for at in v.children
        if at.child_id == child.id
    ]


def last_seen(case: Case, child: Child) -> Visit | None:
    """The latest visit at which `child` was seen."""
    seen = [cv.visit for cv in visits_of(case, child) if cv.child.seen]
    return seen[-1] if seen else None


def last_seen_alone(case: Case, child: Child) -> Visit | None:
    """The latest visit at which `child` was seen alone."""
    alone = [cv.visit for cv in visits_of(case, child) if cv.child.seen and cv.child.seen_alone]
    return alone[-1] if alone else None


def not_seen_since(case: Case, child: Child, since: dt.date | None) -> list[ChildVisit]:
    """The visits after `since` (all, if None) at which `child` was not seen, oldest first (a visit
    that does not record whether the child was seen is not one: see `not_recorded_since`)."""
    return [cv for cv in visits_of(case, child) if cv.child.seen is False and (since is None or cv.visit.date > since)]


def not_recorded_since(case: Case, child: Child, since: dt.date | None) -> list[ChildVisit]:
    """The visits after `since` (all, if None) that do not record whether `child` was seen: the
    chair is asked who was seen there."""
    return [cv for cv in visits_of(case, child) if cv.child.seen is None and (since is None or cv.visit.date > since)]


def visits_between(case: Case, after: dt.date | None, until: dt.date | None) -> list[Visit]:
    """The visits after `after` and up to `until` (either open), oldest first."""
    return [
        v
        for v in visits_in_order(case.visits)
        if (after is None or v.date > after) and (until is None or v.date <= until)
    ]


def corrected(visit: Visit, changed: Visit) -> bool:
    """Whether `changed`, the chair's edit of a visit coregroup inferred, records each child at it
    (seen or not): the visit is then the chair's record, and its inferred mark goes."""
    return bool(visit.inferred) and bool(changed.children) and all(at.recorded for at in changed.children)


def not_seen_words(at: ChildAtVisit) -> str:
    """'access refused', or 'other: the family were away' — why a child was not seen."""
    reason = (
        NOT_SEEN_WORDS.get(at.not_seen_reason, "no reason recorded") if at.not_seen_reason else "no reason recorded"
    )
    detail = at.not_seen_detail.strip()
    if detail and at.not_seen_reason is NotSeenReason.OTHER:
        return detail
    return f"{reason} ({detail})" if detail else reason


def child_at_visit_words(at: ChildAtVisit) -> str:
    """'seen, seen alone' / 'seen, not alone' / 'not seen: access refused' / 'seen or not: not recorded'."""
    if at.seen is None:
        return NOT_RECORDED_WORDS
    if not at.seen:
        return f"not seen: {not_seen_words(at)}"
    return "seen, seen alone" if at.seen_alone else "seen, not alone"


def visit_line(case: Case, visit: Visit) -> str:
    """One visit in a line: '3 March 2026, Jordan Pike (Children's Services), home, announced: Wren
    seen, seen alone; Robin not seen: access refused.'"""
    names = {c.id: c.name for c in case.children}
    who = visit.visited_by.strip() or "visitor not recorded"
    if visit.agency.strip():
        who += f" ({visit.agency.strip()})"
    parts = [day_month_year(visit.date), who]
    if visit.where.strip():
        parts.append(visit.where.strip())
    if visit.announced is not None:
        parts.append("announced" if visit.announced else "unannounced")
    each = "; ".join(f"{names.get(at.child_id, 'a child')} {child_at_visit_words(at)}" for at in visit.children)
    return ", ".join(parts) + (f": {each}." if each else ": no child recorded.") + inferred_mark(visit.inferred)
