"""A team manager's report across cases: what is overdue, late or due soon, most urgent first.

Built so that a store answers it without opening a case. When a case is saved, `report_items`
works out everything that *will* be on the report as the days pass, each as a `ReportItem` with
the day it goes on the report (`from_date`) and, for something only due soon, the last day it is
there (`until`). A store keeps the items beside the case's summary (a row per item in a
database, a list in the file store's index), and the report for a day is the items with
`from_date <= today <= until`: a comparison of dates, never a case read.

The dates follow the rules the chair's flags follow (`flags/`), so a line is on the report on the
day the matching flag is raised at a meeting, and not the day before:

- an open action past its due date (an assessment: "assessment overdue"), from the day after it;
- an open assessment carried forward at `drift_carried_forward` meetings, from the meeting that
  carried it that many times, until its due date (after which it is overdue instead);
- the next core group: due soon `DUE_SOON_DAYS` before its timescale date, late from the day after;
- minutes not recorded as sent, once `minutes_working_days` working days have passed;
- a concern with no response from the core group, from the day it was received;
- each child born, not seen within `visit_interval_working_days` working days of the last visit at
  which they were seen (or seen at no visit);
- the plan at each of `plan_alert_months` (21 months, 2 years) after the conference.

A case whose plan has ended has no items. Nothing restricted is ever written into an item: a
restricted action, a concern not shareable with the family, or any words naming a restricted
person or a withheld referrer are given a neutral subject and detail, so the report (on screen or
in a CSV file) can be read by anyone the case list can.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from . import visits
from .family import Restrictions, names_in
from .flags.drift import meetings_carried
from .lifecycle import in_order, latest_meeting
from .records import Action, ActionType, Case, Concern, CopyType, MeetingStatus, Person, SourceKind
from .settings import Settings
from .timescales import add_months, add_working_days, next_core_group_due
from .wording import action_type_words, day_month_year, short

DUE_SOON_DAYS = 7  # the next core group is on the report as due soon this many days before its date

_DAY = dt.timedelta(days=1)


class ReportKind(StrEnum):
    """What a line of the report is about. Declared in the order of urgency: the report lists the
    kinds in this order (`rank`), then the longest overdue first."""

    CHILD_NOT_SEEN = "child_not_seen"
    CONCERN_NO_RESPONSE = "concern_no_response"
    CORE_GROUP_LATE = "core_group_late"
    ASSESSMENT_OVERDUE = "assessment_overdue"
    ASSESSMENT_CARRIED_FORWARD = "assessment_carried_forward"
    MINUTES_NOT_SENT = "minutes_not_sent"
    ACTION_OVERDUE = "action_overdue"
    PLAN_LONG = "plan_long"
    CORE_GROUP_DUE_SOON = "core_group_due_soon"

    @property
    def words(self) -> str:
        """The kind in a team manager's words: 'Child not seen within the visit rule'."""
        return _KIND_WORDS[self]

    @property
    def rank(self) -> int:
        """0 for the most urgent kind."""
        return _RANKS[self]


_KIND_WORDS = {
    ReportKind.CHILD_NOT_SEEN: "Child not seen within the visit rule",
    ReportKind.CONCERN_NO_RESPONSE: "Concern without a response",
    ReportKind.CORE_GROUP_LATE: "Core group late",
    ReportKind.ASSESSMENT_OVERDUE: "Assessment overdue",
    ReportKind.ASSESSMENT_CARRIED_FORWARD: "Assessment carried forward",
    ReportKind.MINUTES_NOT_SENT: "Minutes not sent",
    ReportKind.ACTION_OVERDUE: "Action overdue",
    ReportKind.PLAN_LONG: "Long-running plan",
    ReportKind.CORE_GROUP_DUE_SOON: "Core group due soon",
}
_RANKS = {kind: rank for rank, kind in enumerate(ReportKind)}
_KIND_OF: dict[object, ReportKind] = {kind.value: kind for kind in ReportKind}

# How long it has been, in words, for each kind (`ReportLine.days_words`).
_LATE = frozenset(
    {
        ReportKind.CHILD_NOT_SEEN,
        ReportKind.CORE_GROUP_LATE,
        ReportKind.ASSESSMENT_OVERDUE,
        ReportKind.MINUTES_NOT_SENT,
        ReportKind.ACTION_OVERDUE,
    }
)


class UnreadableItem(ValueError):
    """A stored report item that cannot be read back; the message names the field, never its value."""


@dataclass(frozen=True)
class ReportItem:
    """Something that will be on the report from `from_date` (to `until`, if set: None means until
    the case is saved again). `due` is the day it counts from: the due date of an action, a core
    group or minutes, the last day within the visit rule, the day a concern was received, the
    meeting that carried an assessment, the day the plan reached its length. `subject` and
    `detail` are words fit for anyone who may see the case list: never restricted text."""

    kind: ReportKind
    subject: str
    from_date: dt.date
    due: dt.date
    detail: str = ""
    until: dt.date | None = None

    def shows_on(self, today: dt.date) -> bool:
        return self.from_date <= today and (self.until is None or today <= self.until)

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind.value,
            "subject": self.subject,
            "from_date": self.from_date.isoformat(),
            "due": self.due.isoformat(),
            "detail": self.detail,
            "until": self.until.isoformat() if self.until is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> ReportItem:
        """An item as `to_json` wrote it; `UnreadableItem` naming the field for anything else."""
        if not isinstance(data, dict):
            raise UnreadableItem("a report item is not an object")
        kind = _KIND_OF.get(data.get("kind"))
        if kind is None:
            raise UnreadableItem("a report item's kind is not one the report knows")
        texts = {key: data.get(key, "") for key in ("subject", "detail")}
        for key, value in texts.items():
            if not isinstance(value, str):
                raise UnreadableItem(f"a report item's {key} is not text")
        until = data.get("until")
        return cls(
            kind=kind,
            subject=texts["subject"],
            from_date=_date(data.get("from_date"), "from_date"),
            due=_date(data.get("due"), "due"),
            detail=texts["detail"],
            until=None if until is None else _date(until, "until"),
        )


def _date(value: object, key: str) -> dt.date:
    if not isinstance(value, str):
        raise UnreadableItem(f"a report item's {key} is not a date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UnreadableItem(f"a report item's {key} is not a date (YYYY-MM-DD)") from None


# ----- the items of one case, worked out when it is saved ----------------------------------------


def report_items(case: Case, settings: Settings, *, due_soon_days: int = DUE_SOON_DAYS) -> tuple[ReportItem, ...]:
    """Everything that will be on the report for `case` as saved, as the days pass; nothing for a
    plan that has ended. Working days follow the council's bank holidays, so this takes the
    settings, not only the timescales."""
    if case.plan_ended_on is not None:
        return ()
    guard = _Guard(case)
    return (
        *_child_items(case, settings),
        *_concern_items(case, guard),
        *_core_group_items(case, settings, due_soon_days),
        *_action_items(case, settings, guard),
        *_minutes_items(case, settings),
        *_plan_items(case, settings),
    )


class _Guard:
    """The one policy of what the family may not see (`family.Restrictions`), applied to the words
    of an item: a restricted record, or any words naming a restricted person or a withheld
    referrer, are replaced by neutral words."""

    def __init__(self, case: Case) -> None:
        self.family = Restrictions.of(case, CopyType.FAMILY)
        self.people = {p.id: p for p in reversed(case.people)}  # the first of an id, as the flags do

    def names_withheld(self, *texts: str) -> bool:
        return any(names_in(self.family.pattern, text) for text in texts)

    def action_restricted(self, action: Action) -> bool:
        person = self.person(action)
        return not self.family.shows_action(action) or (person is not None and person.restricted)

    def person(self, action: Action) -> Person | None:
        return self.people.get(action.person_id) if action.person_id is not None else None


def _child_items(case: Case, settings: Settings) -> list[ReportItem]:
    """Each child born, not seen within the visit rule (as `flags.child` reads it): a sibling seen
    never stands for one who was not. Not before the first core group, as the flag."""
    if not case.meetings:
        return []
    limit = settings.timescales.visit_interval_working_days
    rule = f"visits are due at least every {limit} working days"
    items = []
    for child in case.children:
        if child.date_of_birth is None:  # unborn: not expected to be seen
            continue
        name = child.name.split()[0] if child.name.strip() else "A child"
        seen = visits.last_seen(case, child)
        if seen is None:
            start = max(case.icpc_date, child.date_of_birth)
            items.append(
                ReportItem(
                    ReportKind.CHILD_NOT_SEEN,
                    name,
                    start,
                    start,
                    f"No visit is recorded at which {name} was seen; {rule}.",
                )
            )
            continue
        # More than `limit` working days after the visit: from the working day after the last within it.
        last_within = add_working_days(seen.date, limit, settings)
        when = "at a restricted visit" if seen.restricted else f"on {day_month_year(seen.date)}"
        items.append(
            ReportItem(
                ReportKind.CHILD_NOT_SEEN,
                name,
                add_working_days(seen.date, limit + 1, settings),
                last_within,
                f"Last seen {when}; {rule}.",
            )
        )
    return items


def _concern_items(case: Case, guard: _Guard) -> list[ReportItem]:
    """Each concern with no response from the core group, from the day it came in."""
    last_held = latest_meeting(case, finished_only=True)
    items = []
    for concern in sorted(case.concerns, key=lambda c: (c.received_on, c.id)):
        if concern.answered:
            continue
        received = day_month_year(concern.received_on)
        missed = (
            f" The core group met on {day_month_year(last_held.date)} and has not responded."
            if last_held is not None and concern.received_on < last_held.date
            else ""
        )
        about = short(concern.about, 60)
        subject = f"Concern: {about}" if about else f"Concern received {received}"
        detail = f"From {_source_words(concern)}, received {received}.{missed}"
        if not guard.family.shows_concern(concern) or guard.names_withheld(subject, detail):
            subject = f"Concern received {received}"
            detail = f"Restricted: open the case to read it.{missed}"
        items.append(
            ReportItem(ReportKind.CONCERN_NO_RESPONSE, subject, concern.received_on, concern.received_on, detail)
        )
    return items


def _source_words(concern: Concern) -> str:
    """Where a concern came from, never who referred it by name."""
    if concern.source_kind is SourceKind.ANONYMOUS:
        return "an anonymous referrer"
    if concern.source_kind is SourceKind.PERSON and concern.referrer_withheld:
        return "a person whose identity is withheld"
    return short(concern.source, 60) or "a source not recorded"


def _being_held(case: Case) -> bool:
    """A meeting in progress after the last one held: the next core group is under way (as the
    flag reads it), so it is neither due nor late."""
    last = latest_meeting(case, finished_only=True)
    return any(
        m.status is MeetingStatus.IN_PROGRESS and (last is None or (m.date, m.number) > (last.date, last.number))
        for m in case.meetings
    )


def _core_group_items(case: Case, settings: Settings, due_soon_days: int) -> list[ReportItem]:
    """The next core group: due soon, then late from the day after its timescale date."""
    due = next_core_group_due(case, settings)
    if due is None or _being_held(case):
        return []
    last = latest_meeting(case, finished_only=True)
    if last is None:
        subject = "First core group"
        rule = (
            f"within {settings.timescales.first_core_group_working_days} working days of the conference on "
            f"{day_month_year(case.icpc_date)}"
        )
    else:
        subject = "Next core group"
        rule = f"the last was meeting {last.number} on {day_month_year(last.date)}"
    detail = f"Due by {day_month_year(due)}: {rule}."
    return [
        ReportItem(ReportKind.CORE_GROUP_DUE_SOON, subject, due - due_soon_days * _DAY, due, detail, until=due),
        ReportItem(ReportKind.CORE_GROUP_LATE, subject, due + _DAY, due, detail),
    ]


def _action_items(case: Case, settings: Settings, guard: _Guard) -> list[ReportItem]:
    """Open actions past their due date; open assessments carried forward at the council's
    number of meetings, until they fall due (then they are overdue, which says it too)."""
    limit = settings.timescales.drift_carried_forward
    items = []
    for action in sorted(case.actions, key=lambda a: a.number):
        if not action.is_open:
            continue
        carried = meetings_carried(case, action)
        carried_on = carried_forward_on(case, action, limit) if action.is_assessment else None
        subject, detail = _action_words(action, guard, carried)
        if action.due is not None:
            kind = ReportKind.ASSESSMENT_OVERDUE if action.is_assessment else ReportKind.ACTION_OVERDUE
            items.append(
                ReportItem(kind, subject, action.due + _DAY, action.due, f"Due {day_month_year(action.due)}{detail}")
            )
        if carried_on is not None and (action.due is None or carried_on <= action.due):
            due = f"Due {day_month_year(action.due)}" if action.due is not None else "No due date"
            items.append(
                ReportItem(
                    ReportKind.ASSESSMENT_CARRIED_FORWARD,
                    subject,
                    carried_on,
                    carried_on,
                    f"{due}{detail}",
                    until=action.due,
                )
            )
    return items


def _action_words(action: Action, guard: _Guard, carried: int) -> tuple[str, str]:
    """An action's subject ('Parenting assessment of Jo Example (action 5)', 'Action 7: Referral
    to ...') and the rest of its detail (who has it, how often carried), or neutral words for a
    restricted one."""
    times = f"; carried forward at {carried} meeting{'' if carried == 1 else 's'}" if carried else ""
    if guard.action_restricted(action):
        return f"Action {action.number} (restricted)", f"{times}. Restricted: open the case to read it."
    person = guard.person(action)
    if action.type is not ActionType.OTHER:
        of = f" of {person.name}" if person is not None else ""
        subject = f"{action_type_words(action).capitalize()}{of} (action {action.number})"
    else:
        subject = f"Action {action.number}: {short(action.text, 60)}"
    who = ", ".join(part for part in (action.owner.strip(), action.agency.strip()) if part)
    detail = f"{f'; {who}' if who else ''}{times}."
    if guard.names_withheld(subject, detail, action.text):
        return f"Action {action.number} (restricted)", f"{times}. Restricted: open the case to read it."
    return subject, detail


def carried_forward_on(case: Case, action: Action, times: int) -> dt.date | None:
    """The day of the meeting that carried `action` forward for the `times`th time (counted as
    `flags.drift.meetings_carried` counts), or None if it has been carried fewer times."""
    kept = [
        m.date
        for m in in_order(case.meetings)
        if m.status is MeetingStatus.FINISHED
        and m.recorded_at_finish
        and m.number != action.raised_at
        and any(a.number == action.number and a.is_open for a in m.actions_at_finish)
    ]
    if len(kept) >= times:
        return kept[times - 1]
    if action.times_carried_forward < times:
        return None
    # Meetings of an earlier release kept nothing: the count is the action's own, and the meetings
    # that carried it are the meetings finished after the one that raised it.
    raised = next((m for m in case.meetings if m.number == action.raised_at), None)
    after = [
        m.date
        for m in in_order(case.meetings)
        if m.status is MeetingStatus.FINISHED and (raised is None or (m.date, m.number) > (raised.date, raised.number))
    ]
    if len(after) >= times:
        return after[times - 1]
    return after[-1] if after else (raised.date if raised is not None else case.icpc_date)


def _minutes_items(case: Case, settings: Settings) -> list[ReportItem]:
    """Finished meetings whose minutes are not recorded as sent to anyone (an entry withdrawn as
    wrong does not count), from the first working day past the council's timescale."""
    limit = settings.timescales.minutes_working_days
    items = []
    for meeting in in_order(case.meetings):
        if meeting.status is not MeetingStatus.FINISHED:
            continue
        if any(d.live and d.sent_on is not None for d in meeting.distribution):
            continue
        due = add_working_days(meeting.date, limit, settings)
        items.append(
            ReportItem(
                ReportKind.MINUTES_NOT_SENT,
                f"Meeting {meeting.number} of {day_month_year(meeting.date)}",
                add_working_days(meeting.date, limit + 1, settings),
                due,
                f"Not recorded as sent to anyone; due out by {day_month_year(due)} (within {limit} working days).",
            )
        )
    return items


def _plan_items(case: Case, settings: Settings) -> list[ReportItem]:
    """The plan at each of the council's alert lengths (21 months, 2 years), each until the next."""
    alerts = sorted(set(settings.timescales.plan_alert_months))
    reached = [add_months(case.icpc_date, months) for months in alerts]
    items = []
    for i, months in enumerate(alerts):
        until = reached[i + 1] - _DAY if i + 1 < len(alerts) else None
        items.append(
            ReportItem(
                ReportKind.PLAN_LONG,
                f"Plan has lasted {plan_length_words(months)}",
                reached[i],
                reached[i],
                f"Since the conference on {day_month_year(case.icpc_date)}: is it still making a difference "
                "for the child, or has it drifted?",
                until=until,
            )
        )
    return items


def plan_length_words(months: int) -> str:
    """'21 months', 'a year', '2 years' (as the plan drift alert says it)."""
    if months == 12:
        return "a year"
    if months % 12 == 0 and months >= 24:
        return f"{months // 12} years"
    return f"{months} months"


# ----- the report for a day, across cases --------------------------------------------------------


class ReportLine(NamedTuple):
    """One line of the report: a case, what is due or late, and by how long. `days` is today less
    `due`: days late (or waiting, or since), negative for days until something due soon. (A named
    tuple: tens of thousands are made for a report, and a tuple is made fastest.)"""

    case_id: str
    children: str
    lead_worker: str
    kind: ReportKind
    subject: str
    due: dt.date
    days: int
    detail: str

    @property
    def kind_words(self) -> str:
        return self.kind.words

    @property
    def days_words(self) -> str:
        """'12 days late', 'due in 3 days', 'waiting 4 days', 'for 30 days'."""
        n = self.days
        if self.kind is ReportKind.CORE_GROUP_DUE_SOON:
            return "due today" if n == 0 else f"due in {_days(-n)}" if n < 0 else f"{_days(n)} late"
        if self.kind is ReportKind.CONCERN_NO_RESPONSE:
            return "received today" if n <= 0 else f"waiting {_days(n)}"
        if self.kind in _LATE:
            return f"{_days(n)} late"
        return "from today" if n <= 0 else f"for {_days(n)}"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


CaseItems = tuple[str, str, str, Iterable[ReportItem]]  # case id, children, lead social worker, items


def report(cases: Iterable[CaseItems], today: dt.date) -> list[ReportLine]:
    """The report for `today`: the items of every case on the report that day, most urgent kind
    first (`ReportKind.rank`), then the longest overdue, then by case and subject."""
    lines = [
        ReportLine(case_id, children, worker, item.kind, item.subject, item.due, (today - item.due).days, item.detail)
        for case_id, children, worker, items in cases
        for item in items
        if item.from_date <= today and (item.until is None or today <= item.until)
    ]
    return _in_order(lines)


StoredItems = tuple[str, str, str, Iterable[dict[str, Any]]]  # as CaseItems, each item as `to_json` wrote it


def report_from_stored(cases: Iterable[StoredItems], today: dt.date) -> list[ReportLine]:
    """`report` over items kept as their JSON (an index shard of the file store): the dates are
    compared as the ISO text they are kept as, and only the items on the report that day are read
    back (`ReportItem.from_json`), so a case's items that are not yet due cost next to nothing."""
    iso = today.isoformat()
    return report(
        (
            (
                case_id,
                children,
                worker,
                [
                    ReportItem.from_json(data)
                    for data in items
                    if _text(data, "from_date") <= iso and (data.get("until") is None or iso <= _text(data, "until"))
                ],
            )
            for case_id, children, worker, items in cases
        ),
        today,
    )


#: A case's items on the report for a day, already picked (`from_date <= today <= until`) by a store
#: that can (SQL): case id, children, lead social worker, then each item's kind, subject, due date
#: (as ISO text) and detail, as four lists in step.
PickedItems = tuple[str, str, str, Sequence[str | None], Sequence[str], Sequence[str | None], Sequence[str]]


def report_from_picked(cases: Iterable[PickedItems], today: dt.date) -> list[ReportLine]:
    """`report` over items a store has picked for `today` and handed over field by field: no item is
    read back whole (`ReportItem.from_json` cost more than the rest of a 90,000-line report), yet an
    item whose kind or due date cannot be read is refused as there (`UnreadableItem`, naming it)."""
    lines: list[ReportLine] = []
    add = lines.append
    days_of: dict[object, tuple[dt.date, int]] = {}  # a team's items fall on a few hundred days
    for case_id, children, worker, kinds, subjects, dues, details in cases:
        for kind_value, subject, due_text, detail in zip(kinds, subjects, dues, details, strict=True):
            kind = _KIND_OF.get(kind_value)
            if kind is None:
                raise UnreadableItem("a report item's kind is not one the report knows")
            known = days_of.get(due_text)
            if known is None:
                due = _date(due_text, "due")
                known = days_of[due_text] = (due, (today - due).days)
            add(ReportLine(case_id, children, worker, kind, subject, known[0], known[1], detail))
    return _in_order(lines)


_BY_DUE = operator.itemgetter(5, 0, 4)  # ReportLine's due, case_id, subject


def _in_order(lines: list[ReportLine]) -> list[ReportLine]:
    """Most urgent kind first (`ReportKind.rank`), then the longest overdue (the earliest due), then
    by case and subject: each kind's lines sorted on a key made in C, the kinds then put in order
    (a sort keyed by a Python function took as long as the rest of a 90,000-line report)."""
    by_kind: dict[ReportKind, list[ReportLine]] = {kind: [] for kind in ReportKind}
    for line in lines:
        by_kind[line.kind].append(line)
    ordered: list[ReportLine] = []
    for kind_lines in by_kind.values():  # ReportKind's order is the rank
        kind_lines.sort(key=_BY_DUE)
        ordered += kind_lines
    return ordered


def _text(data: Any, key: str) -> str:
    """A stored item's date as text, for comparing before it is read; `UnreadableItem` if it is not."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        raise UnreadableItem(f"a report item's {key} is not a date")
    return value


CSV_COLUMNS = ("case_id", "children", "lead_social_worker", "what", "subject", "date", "days", "how_long", "detail")


def report_csv(lines: Sequence[ReportLine]) -> str:
    """The report as CSV, a header row first: `date` is the day it counts from (YYYY-MM-DD), `days`
    today less that date (negative: days until due). A cell that a spreadsheet would take for a
    formula (starting =, +, -, @) is written with a ' before it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            [
                _cell(line.case_id),
                _cell(line.children),
                _cell(line.lead_worker),
                line.kind_words,
                _cell(line.subject),
                line.due.isoformat(),
                line.days,
                line.days_words,
                _cell(line.detail),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_text(lines: Sequence[ReportLine], today: dt.date) -> list[str]:
    """The report for a terminal: a line saying what it covers, then each kind under its heading,
    one line per item naming the case."""
    if not lines:
        return [f"As at {day_month_year(today)}: nothing is overdue, late or due soon."]
    cases = len({line.case_id for line in lines})
    out = [f"As at {day_month_year(today)}: {_count(len(lines), 'item')} across {_count(cases, 'case')}."]
    counts = Counter(line.kind for line in lines)
    kind: ReportKind | None = None
    # A team's report repeats its cases, subjects, details and days: each is put on one line once.
    heads: dict[tuple[str, str, str], str] = {}
    flat: dict[str, str] = {}
    days: dict[tuple[ReportKind, int], str] = {}
    for line in lines:
        if line.kind is not kind:
            kind = line.kind
            out += ["", f"{kind.words} ({counts[kind]})"]
        head = heads.get((line.case_id, line.children, line.lead_worker))
        if head is None:
            who = f" (lead: {_one_line(line.lead_worker)})" if line.lead_worker.strip() else ""
            head = heads[(line.case_id, line.children, line.lead_worker)] = (
                f"  {line.case_id}  {_one_line(line.children)}{who}: "
            )
        subject = flat.get(line.subject)
        if subject is None:
            subject = flat[line.subject] = _one_line(line.subject)
        detail = flat.get(line.detail)
        if detail is None:
            detail = flat[line.detail] = _one_line(line.detail)
        how_long = days.get((line.kind, line.days))
        if how_long is None:
            how_long = days[(line.kind, line.days)] = line.days_words
        out.append(f"{head}{subject}, {how_long}. {detail}")
    return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
