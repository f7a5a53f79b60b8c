"""The case's lead social workers, oldest first: who held the case and from when, so a change of
worker never starts the plan again ("start again syndrome")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .chronology import chronology, for_copy, kind_words
from .family import Restrictions
from .flags import case_flags
from .history import action_history
from .lifecycle import in_order
from .records import Action, Case, CopyType, LeadWorker, Meeting, MeetingStatus
from .schema import InvalidRecord
from .settings import Settings
from .text import name_key, one_line
from .timescales import check_not_future
from .visits import inferred_mark
from .wording import day_month_year, short, short_date, times

# How an earlier lead's entry coregroup put on the history at the first change says so.
INFERRED_AT_CHANGE = "inferred by coregroup when the lead changed"


def inferred_at_change_words(before: str, since: dt.date, new: str, icpc: dt.date, today: dt.date) -> str:
    """'inferred by coregroup when the lead changed on 20 November 2026 (Kim New): Alex Chair was
    lead before; when Alex Chair became lead is not recorded (taken as the initial conference
    date, 9 July 2026)'."""
    taken = "the initial conference date" if since == icpc else "the day of the change"
    return (
        f"{INFERRED_AT_CHANGE} on {day_month_year(today)} ({new}): {before} was lead before; when {before} "
        f"became lead is not recorded (taken as {taken}, {day_month_year(since)})"
    )


def record_lead_change(case: Case, name: str, today: dt.date) -> LeadWorker | None:
    """Record `name` as the lead social worker from `today` if it is a change: the one before is
    put on the history first when the history is empty, marked inferred (when that lead began was
    never recorded: coregroup takes the ICPC date until the chair types it). None if nothing changed."""
    name = one_line(name).strip()
    before = case.lead_workers[-1].name if case.lead_workers else one_line(case.lead_social_worker).strip()
    if not name or name_key(name) == name_key(before):
        return None
    if not case.lead_workers and before:
        since = min(case.icpc_date, today)
        inferred = inferred_at_change_words(before, since, name, case.icpc_date, today)
        case.lead_workers.append(LeadWorker(name=before, since=since, inferred=inferred))
    new = LeadWorker(name=name, since=today)
    case.lead_workers.append(new)
    return new


@dataclass(frozen=True)
class EarlierLead:
    """A lead social worker before the current one, as the chair typed it: a name and the day they
    became lead (None: not typed)."""

    name: str
    since: dt.date | None
    was: LeadWorker | None = None  # the entry the row shows: kept as it is (inferred too) while no date is typed


def leads_corrected(
    case: Case, current_since: dt.date | None, earlier: list[EarlierLead], today: dt.date
) -> list[LeadWorker]:
    """The case's lead social workers as the chair corrects them: when the current lead became
    lead (`current_since`; None keeps what is recorded) and who led before, with the day each
    became lead (rows with neither name nor date are left out). A start the chair gives is the
    chair's record: the entry's inferred mark goes. An entry coregroup inferred keeps its mark
    while its start is not given, and no one can be put before it (that would claim when it
    began). Raises InvalidRecord (naming `since` or `earlier[i]`) saying what is wrong."""
    current = one_line(case.lead_social_worker).strip() or (case.lead_workers[-1].name if case.lead_workers else "")
    if not current:
        raise InvalidRecord("lead_social_worker", "record the lead social worker first (the plan's details)")
    recorded = (
        case.lead_workers[-1]
        if case.lead_workers and name_key(case.lead_workers[-1].name) == name_key(current)
        else None
    )
    check_not_future(current_since, today, f"When {current} became lead")
    if current_since is not None:
        last = LeadWorker(name=current, since=current_since)
    elif recorded is not None:
        last = recorded
    elif earlier and any(row.name.strip() or row.since for row in earlier):
        raise InvalidRecord("since", f"say when {current} became lead, then who led before")
    else:
        return list(case.lead_workers)
    workers: list[LeadWorker] = []
    for i, row in enumerate(earlier):
        name = one_line(row.name).strip()
        if not name and row.since is None:
            continue
        if not name:
            raise InvalidRecord(
                f"earlier[{i}]",
                f"name the lead social worker from {short_date(row.since)}" if row.since else "name the lead",
            )
        if row.since is None and row.was is not None and row.was.inferred and name_key(row.was.name) == name_key(name):
            workers.append(row.was)  # its start still not recorded: coregroup's inference, marked as such
            continue
        if row.since is None:
            raise InvalidRecord(f"earlier[{i}]", f"say when {name} became lead")
        check_not_future(row.since, today, f"When {name} became lead")
        workers.append(LeadWorker(name=name, since=row.since))
    workers.sort(key=lambda w: w.since)
    workers.append(last)
    for before, after in zip(workers, workers[1:], strict=False):
        if after.inferred:
            raise InvalidRecord(
                "since",
                f"say when {after.name} became lead first: {short_date(after.since)} is when coregroup's record of "
                f"{after.name} begins ({after.inferred}), not the day they became lead",
            )
        if before.since >= after.since:
            raise InvalidRecord(
                "since",
                f"{before.name} became lead on {short_date(before.since)}, not before {after.name} "
                f"({short_date(after.since)}): each lead starts after the one before",
            )
        if name_key(before.name) == name_key(after.name):
            raise InvalidRecord("earlier", f"{after.name} is listed twice in a row: the same lead carried on")
    return workers


def lead_history_words(case: Case) -> str:
    """'Kim New since 2 Feb 2027 (before: Alex Chair, from 9 Jul 2026)', or the lead's name alone.
    An earlier lead coregroup inferred is 'Alex Chair, start not recorded', with its mark."""
    if not case.lead_workers:
        return case.lead_social_worker.strip()
    *earlier, current = case.lead_workers
    words = f"{current.name} since {short_date(current.since)}"
    first = case.lead_workers[0]
    before = [
        f"{w.name}, start not recorded" if w.inferred else f"{w.name}, from {short_date(w.since)}"
        for w in reversed(earlier)
    ]
    if first.inferred and not earlier:  # the one lead: who led before coregroup's record begins is not recorded
        before.append(f"not recorded before {short_date(first.since)}")
    if before:
        words += " (before: " + "; ".join(before) + ")"
    return words + "".join(inferred_mark(w.inferred) for w in case.lead_workers)


def new_lead_since_last_core_group(case: Case, meeting: Meeting) -> LeadWorker | None:
    """The lead social worker who took over after the last finished core group before `meeting`
    (and on or before its date), or None when the lead has not changed since then."""
    held = [
        m for m in in_order(case.meetings)
        if m.status is MeetingStatus.FINISHED and m is not meeting and (m.date, m.number) < (meeting.date, meeting.number)
    ]  # fmt: skip
    if not held or len(case.lead_workers) < 2:
        return None
    current = case.lead_workers[-1]
    return current if held[-1].date < current.since <= meeting.date else None


def lead_for_minutes(case: Case, meeting: Meeting) -> str:
    """The lead social worker as the minutes of `meeting` print it: 'Kim New (since 2 Feb 2027;
    before: Alex Chair)' when the lead changed since the last core group, else the name."""
    new = new_lead_since_last_core_group(case, meeting)
    if new is None:
        at = [w for w in case.lead_workers if w.since <= meeting.date]
        if not at and case.lead_workers and case.lead_workers[0].inferred:  # what the record does not say
            return f"not recorded (recorded only from {short_date(case.lead_workers[0].since)})"
        return at[-1].name + inferred_mark(at[-1].inferred) if at else case.lead_social_worker
    before = case.lead_workers[-2].name
    return f"{new.name} (since {short_date(new.since)}; before: {before})"


# ----- the summary a new lead social worker is shown ---------------------------------------------


@dataclass(frozen=True)
class Handover:
    """What a new lead social worker is shown at their first core group: the plan's history in
    brief, the open actions with how each was carried forward, and the flags outstanding. With
    restricted items hidden, `hidden` counts what was left out."""

    lead: LeadWorker
    before: str
    chronology: list[str]
    actions: list[str]
    flags: list[str]
    hidden: int


def handover(
    case: Case, meeting: Meeting, settings: Settings, today: dt.date, *, show_restricted: bool
) -> Handover | None:
    """The summary for a lead social worker new since the last core group (None if the lead has
    not changed). Restricted items are left out unless `show_restricted`, as the family copy does."""
    new = new_lead_since_last_core_group(case, meeting)
    if new is None:
        return None
    items = chronology(case, today=today, find_people=False)
    shown_items = items if show_restricted else for_copy(items, Restrictions.of(case, CopyType.FAMILY))
    actions = [a for a in case.actions if a.is_open]
    shown_actions = [a for a in actions if show_restricted or not a.restricted]
    flags = case_flags(case, settings, today)
    shown_flags = [f for f in flags if show_restricted or not f.restricted]
    return Handover(
        lead=new,
        before=case.lead_workers[-2].name,
        chronology=[
            f"{short_date(i.date)}  {kind_words(i.kind)}: {short(one_line(i.event), 100)}" for i in shown_items
        ],
        actions=[_action_line(case, a) for a in shown_actions],
        flags=[short(f.message, 110) for f in shown_flags],  # in brief: the flags in full are at their steps
        hidden=len(items) - len(shown_items) + len(actions) - len(shown_actions) + len(flags) - len(shown_flags),
    )


def _action_line(case: Case, action: Action) -> str:
    """'Action 3: Parenting assessment ... (due 1 Mar 2027; carried forward 4 times: meeting 2, 9 Jul
    2026 open; ...)'."""
    history = action_history(case, action.number)
    parts = []
    if action.due is not None:
        parts.append(f"due {short_date(action.due)}")
    if action.times_carried_forward:
        parts.append(f"carried forward {times(action.times_carried_forward)}")
    if action.raised_at is not None:
        parts.append(f"raised at meeting {action.raised_at}")
    if history:
        parts.append("reviewed at " + ", ".join(f"meeting {h.meeting} ({short_date(h.date)})" for h in history))
    return f"Action {action.number}: {short(one_line(action.text), 80)}" + (f" ({'; '.join(parts)})" if parts else "")
