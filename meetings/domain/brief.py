"""The chair's brief: what to read before the next core group, on one or two pages.

What changed since the last core group (a new lead social worker among it), the flags the meeting
must act on, the open actions, the plan's worries and goal, and who is expected. The lead social
worker is named with those before them, each from when, so a new worker never starts again. The family copy leaves out what the family
copy of the minutes leaves out (restricted people, flags, actions, concerns not shareable).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .breaches import breach_words, current_breaches
from .flags import Flag, case_flags
from .flags.child import SEEN_ALONE_FROM_MONTHS
from .lead_workers import lead_history_words
from .lifecycle import distribution_list, latest_meeting, men_not_invited, next_meeting_date_of
from .records import Action, Case, CopyType, Meeting, SourceKind
from .settings import Settings
from .timescales import next_core_group_due
from .visibility import Visibility
from .visits import NOT_RECORDED_WORDS, inferred_mark, not_seen_words, visits_of
from .wording import action_type_words, day_month_year, humanise, plan_category_words, short, short_date


@dataclass
class Brief:
    """The brief's contents, in the order it prints them."""

    title: str
    copy: CopyType
    facts: list[tuple[str, str]]
    changes: list[str]
    flags: list[Flag]
    actions: list[Action]
    danger_statement: str
    safety_goal: str
    expected: list[str]
    not_invited: list[str] = field(default_factory=list)
    hidden: int = 0  # restricted items left out (the family copy)


def _since(last: Meeting | None) -> dt.date | None:
    return last.date if last is not None else None


def _children_last_seen(case: Case, visibility: Visibility, today: dt.date) -> list[str]:
    """'Child last seen: Wren Example 3 March 2026 (seen alone 3 March 2026)', for each child born,
    from the visits the copy may show."""
    lines = []
    for child in case.children:
        if child.unborn:
            continue
        shown = visibility.shown(visits_of(case, child))[0]
        seen = [cv.visit.date for cv in shown if cv.child.seen]
        alone = [cv.visit.date for cv in shown if cv.child.seen and cv.child.seen_alone]
        when = day_month_year(seen[-1]) if seen else "no visit recorded at which they were seen"
        alone_words = f"seen alone {day_month_year(alone[-1])}" if alone else "never recorded as seen alone"
        if (child.age_in_months(today) or 0) < SEEN_ALONE_FROM_MONTHS:
            alone_words = "too young to be seen alone"
        missed = [cv for cv in shown if cv.child.seen is not True and (not seen or cv.visit.date > seen[-1])]
        missed_words = "".join(
            f"; not seen {day_month_year(cv.visit.date)}: {not_seen_words(cv.child)}"
            if cv.child.seen is False
            else f"; {day_month_year(cv.visit.date)}: {NOT_RECORDED_WORDS}{inferred_mark(cv.visit.inferred)}"
            for cv in missed
        )
        lines.append(f"Child last seen: {child.name} {when} ({alone_words}{missed_words})")
    return lines


def _lead_changes(case: Case, since: dt.date | None, today: dt.date) -> list[str]:
    """'Lead social worker changed 14 Sep 2026: Alex Chair took over from Drew Former', for each
    change since the last core group (all of them before the first one)."""
    return [
        f"Lead social worker changed {short_date(after.since)}: {after.name} took over from {before.name}"
        for before, after in zip(case.lead_workers, case.lead_workers[1:], strict=False)
        if (since is None or after.since > since) and after.since <= today
    ]


def build_brief(case: Case, settings: Settings, today: dt.date, copy: CopyType = CopyType.FULL) -> Brief:
    """The brief for the next core group of `case`, as of `today`, in `copy`."""
    visibility = Visibility.for_copy(case, copy)  # the rule the screens ask too
    last = latest_meeting(case, finished_only=True)
    since = _since(last)
    due = next_core_group_due(case, settings)
    planned = next_meeting_date_of(last) if last is not None else None
    hidden = 0

    changes: list[str] = []
    where = f"since meeting {last.number} ({day_month_year(last.date)})" if last else "since the plan began"
    changes += _lead_changes(case, since, today)
    concerns = sorted(
        (c for c in case.concerns if since is None or c.received_on > since), key=lambda c: (c.received_on, c.id)
    )
    shown_concerns, left_out = visibility.shown(concerns)
    hidden += left_out
    for c in shown_concerns:
        source = "Anonymous" if c.source_kind is SourceKind.ANONYMOUS else (c.source or humanise(c.source_kind.value))
        answered = "answered" if c.answered else "NO RESPONSE YET"
        changes.append(
            f"Concern received {short_date(c.received_on)} from {source}: {short(c.reported, 120)} ({answered})"
        )
    for a in case.actions:
        if not visibility.shows(a):
            continue
        if a.completed_on is not None and (since is None or a.completed_on > since):
            kind = f" ({action_type_words(a)})" if a.is_assessment else ""  # not "(action)" after "Action"
            changes.append(
                f"Action {a.number}{kind} {a.status.value} on {short_date(a.completed_on)}: {short(a.text, 100)}"
            )
    for a in case.actions:
        if a.is_open and visibility.shows(a) and a.due is not None and a.due < today:
            carried = f", carried forward {a.times_carried_forward}x" if a.times_carried_forward else ""
            changes.append(f"Action {a.number} overdue since {short_date(a.due)}{carried}: {short(a.text, 100)}")
    ended = [
        s
        for s in case.services
        if s.end_date is not None and s.end_date <= today and (since is None or s.end_date > since)
    ]
    services, left_out = visibility.shown(ended)
    hidden += left_out  # a service for a restricted person, as the family copy of the minutes leaves it out
    for s in services:
        follows = s.successor.strip() or "NOTHING RECORDED TO FOLLOW IT"
        changes.append(
            f"Service ended {short_date(s.end_date)}: {s.name} ({s.for_whom or 'family'}); follows: {follows}"
        )
    for breach in current_breaches(case, settings, today):
        if breach.happened_on is None or since is None or breach.happened_on > since:
            changes.append(f"Timescale missed: {breach_words(breach)}")
    changes += _children_last_seen(case, visibility, today)
    if not changes:
        changes.append(f"Nothing recorded {where}.")

    all_flags = case_flags(case, settings, today)
    flags, left_out = visibility.shown(all_flags)
    hidden += left_out
    actions, left_out = visibility.shown([a for a in case.actions if a.is_open])
    hidden += left_out

    expected: list[str] = []
    if last is not None:
        invited = visibility.shown(distribution_list(case, last))[0]
        expected = [f"{a.name} ({a.agency or a.role or 'agency'})" for a in invited]
    else:
        expected = list(case.expected_agencies)
    men = visibility.shown(men_not_invited(case, last))[0] if last else []

    facts = [
        ("Child" if len(case.children) == 1 else "Children", case.child_names()),
        ("Case", case.id),
        ("Plan", f"{plan_category_words(case.plan_categories)}, since the ICPC on {day_month_year(case.icpc_date)}"),
        ("Last core group", f"meeting {last.number}, {day_month_year(last.date)}" if last else "none held yet"),
        ("Next core group", (f"set for {day_month_year(planned)}; " if planned else "")
         + (f"due by {day_month_year(due)}" if due else "the plan has ended")),
        ("Lead social worker", lead_history_words(case) or "not recorded"),
        ("Prepared", day_month_year(today)),
    ]  # fmt: skip
    number = (last.number + 1) if last else 1
    return Brief(
        title=f"Chair's brief: core group {number}",
        copy=copy,
        facts=facts,
        changes=changes,
        flags=flags,
        actions=actions,
        danger_statement=case.danger_statement.strip() or "Not recorded",
        safety_goal=case.safety_goal.strip() or "Not recorded",
        expected=expected,
        not_invited=[p.name for p in men],
        hidden=hidden,
    )
