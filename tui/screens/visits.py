"""Recording a visit to the children: who visited, where, and for each child seen or not (and why
not), seen alone or not. Opened from the case's Visits tab and from a meeting (f9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from meetings.domain import lifecycle
from meetings.domain.flags.child import PERSISTENT_ABSENCE_BELOW, SEEN_ALONE_FROM_MONTHS
from meetings.domain.records import Case, Child, ChildAtVisit, Meeting, NotSeenReason, Visit
from meetings.domain.visibility import Visibility
from meetings.domain.visits import NOT_SEEN_WORDS, inferred_mark, visit_line, visits_between, visits_of
from meetings.domain.wording import day_month_year, humanise

from ..widgets.flags import hidden_line
from ..widgets.forms import FieldSpec, RecordForm, specs_for
from ..widgets.text import plain

if TYPE_CHECKING:
    from ..app import CoreGroupApp

VISIT_FIELDS = ("date", "visited_by", "agency", "where", "announced", "notes", "restricted")
VISIT_LABELS: dict[str, dict[str, Any]] = {
    "date": {"label": "Date of the visit"},
    "visited_by": {"label": "Visited by"},
    "agency": {"label": "Agency"},
    "where": {"label": "Where"},
    "announced": {"label": "Announced (the family knew it was coming)"},
    "restricted": {"label": "Restricted (left out of the family copy)"},
}

# Each child at the visit, as one choice: what the chair is asked, in the words they use.
SEEN_ALONE, SEEN = "seen_alone", "seen"
CHILD_CHOICES: list[tuple[str, str]] = [
    ("seen alone", SEEN_ALONE),
    ("seen, not alone", SEEN),
    *((f"not seen: {words}", f"not_seen:{reason.value}") for reason, words in NOT_SEEN_WORDS.items()),
]


def choice_of(at: ChildAtVisit) -> str | None:
    """The form's choice for a child at a visit; None when whether they were seen is not recorded."""
    if at.seen is None:
        return None
    if at.seen:
        return SEEN_ALONE if at.seen_alone else SEEN
    return f"not_seen:{(at.not_seen_reason or NotSeenReason.OTHER).value}"


def child_at(child_id: int, choice: str, detail: str) -> ChildAtVisit:
    """The child at the visit from the form's choice and the words typed beside it."""
    if choice in (SEEN, SEEN_ALONE):
        return ChildAtVisit(child_id=child_id, seen=True, seen_alone=choice == SEEN_ALONE, not_seen_detail=detail)
    reason = NotSeenReason(choice.removeprefix("not_seen:"))
    return ChildAtVisit(child_id=child_id, seen=False, not_seen_reason=reason, not_seen_detail=detail)


def children_to_visit(case: Case, visit: Visit | None) -> list[Child]:
    """The children born (and any the visit already records): an unborn child is not visited."""
    recorded = {at.child_id for at in visit.children} if visit is not None else set()
    return [c for c in case.children if not c.unborn or c.id in recorded]


class VisitForm(RecordForm):
    """The visit's own fields, then one choice for each child (seen alone, seen, not seen and
    why) with a box for a few words more. A child left without a choice is not recorded."""

    def __init__(self, title: str, visit: Visit | None, specs: Sequence[FieldSpec], children: list[Child],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(title, Visit, visit, specs, **kwargs)
        self.children_at = children
        self.recorded = {at.child_id: at for at in visit.children} if visit is not None else {}

    def on_mount(self) -> None:
        fields = self.query_one("#form-fields")
        widgets: list[Widget] = []
        for child in self.children_at:
            at = self.recorded.get(child.id)
            choice = choice_of(at) if at is not None else None
            ask = " (not recorded: was this child seen?)" if at is not None and not at.recorded else ""
            widgets.append(
                Label(plain(f"{child.name}: seen, seen alone, or not seen and why{ask}"), classes="form-label")
            )
            widgets.append(
                Select(
                    CHILD_CHOICES,
                    value=choice if choice is not None else Select.NULL,
                    id=f"child-{child.id}",
                    disabled=self.read_only,
                )
            )
            widgets.append(Label(plain(f"{child.name}: more (why not seen, what they said)"), classes="form-label"))
            widgets.append(
                Input(at.not_seen_detail if at else "", id=f"child-{child.id}-detail", disabled=self.read_only)
            )
        fields.mount_all(widgets, after="#f-announced")  # after the visit's own fields, before the notes
        super().on_mount()

    def as_recorded(self, data: dict[str, Any]) -> dict[str, Any]:
        children: list[dict[str, Any]] = []
        for child in self.children_at:
            choice = self.query_one(f"#child-{child.id}", Select).value
            if choice is Select.NULL or not isinstance(choice, str):
                before = self.recorded.get(child.id)
                if before is not None and not before.recorded:  # still not recorded: kept so, and asked again
                    children.append({"child_id": child.id, "seen": None, "seen_alone": False})
                continue
            detail = self.query_one(f"#child-{child.id}-detail", Input).value.strip()
            at = child_at(child.id, choice, detail)
            children.append({"child_id": at.child_id, "seen": at.seen, "seen_alone": at.seen_alone,
                             "not_seen_reason": at.not_seen_reason.value if at.not_seen_reason else None,
                             "not_seen_detail": at.not_seen_detail})  # fmt: skip
        return {**data, "children": children}


def edit_visit(app: CoreGroupApp, visit: Visit | None, done: Any = None) -> None:
    """Open the visit form; on save the session records the new visit or the change."""
    session = app.case_session
    case = session.case
    specs = specs_for(Visit, VISIT_FIELDS, **VISIT_LABELS)
    names = [*VISIT_FIELDS, "children"]

    def save(result: Visit) -> Visit:
        if visit is not None:
            return session.update(visit, result, names)
        return session.record_visit(result)

    def finished(saved: Any) -> None:
        if saved is not None and done is not None:
            app.call_later(done, saved)

    defaults = {"id": 1, "date": app.today()}  # the session numbers it
    title = f"Visit on {day_month_year(visit.date)}" if visit is not None else "Record a visit"
    app.push_screen(
        VisitForm(title, visit, specs, children_to_visit(case, visit), defaults=defaults,
                  parse_due=session.parse_date, read_only=app.read_only, save=save),
        finished,
    )  # fmt: skip


def visit_row(case: Case, visit: Visit) -> tuple[str, ...]:
    """A row of the Visits tab: date, who, where, announced, each child."""
    names = {c.id: c.name.split()[0] if c.name.strip() else "child" for c in case.children}
    announced = "" if visit.announced is None else "yes" if visit.announced else "no"
    each = "; ".join(f"{names.get(at.child_id, 'child')}: {_short_words(at)}" for at in visit.children)
    return (str(visit.date), visit.visited_by, visit.where, announced, each + inferred_mark(visit.inferred))


def _short_words(at: ChildAtVisit) -> str:
    """'seen alone', 'seen', 'not seen (access refused)', 'not recorded': each child's part of a row, short."""
    if at.seen is None:
        return "not recorded"
    if at.seen:
        return "seen alone" if at.seen_alone else "seen"
    return f"not seen ({NOT_SEEN_WORDS.get(at.not_seen_reason, 'why not recorded') if at.not_seen_reason else 'why not recorded'})"


def child_row(case: Case, child: Child, visibility: Visibility, *, today: dt.date) -> tuple[str | Text, ...]:
    """A row of the Children tab: the child's own dates, mobility, school or nursery, attendance
    (with the concerns about the child), when last seen and last seen alone, from the visits."""
    born = str(child.date_of_birth or f"due {child.due_date}")
    concerns, _ = visibility.shown([c for c in case.concerns if c.child_id == child.id])
    attendance = f"{child.attendance_percent}%" if child.attendance_percent is not None else ""
    if concerns:
        attendance += f"{', ' if attendance else ''}{len(concerns)} concern{'s' if len(concerns) != 1 else ''}"
    low = child.attendance_percent is not None and child.attendance_percent < PERSISTENT_ABSENCE_BELOW
    if child.unborn:
        seen, alone = "not born yet", ""
    else:
        visits, _ = visibility.shown(visits_of(case, child))
        seen_on = [cv.visit.date for cv in visits if cv.child.seen]
        alone_on = [cv.visit.date for cv in visits if cv.child.seen and cv.child.seen_alone]
        seen = str(seen_on[-1]) if seen_on else "no visit recorded"
        alone = str(alone_on[-1]) if alone_on else "never recorded"
        if not alone_on and (child.age_in_months(today) or 0) < SEEN_ALONE_FROM_MONTHS:
            alone = "too young"
    return (
        child.name,
        born,
        humanise(child.mobility.value),
        child.school_or_nursery,
        Text(attendance, style="bold red") if low else attendance,
        seen,
        alone,
    )


def visits_since_text(case: Case, meeting: Meeting, visibility: Visibility) -> Text:
    """At a meeting's visits step: the visits since the last core group, each child on each."""
    previous = lifecycle.previous_meeting(case, meeting)
    after = previous.date if previous is not None else None
    every = visits_between(case, after, meeting.date)
    shown, hidden = visibility.shown(every)
    since = f"since core group {previous.number} ({day_month_year(previous.date)})" if previous else "so far"
    text = Text(f"Visits {since}: {len(shown)} (f9 records a visit)\n", style="bold")
    if not shown:
        text.append("No visit recorded. Who has seen each child, and when?\n", style="bold red")
    for visit in shown:
        text.append(f"● {visit_line(case, visit)}\n")
    if hidden:
        text.append(hidden_line(hidden), style="italic")
    return text
