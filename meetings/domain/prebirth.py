"""Planning before the birth, checked against the council's pre-birth timescales, and kept in view
after the birth.

For each child with a due date (or born on the plan), `pre_birth_plans` says whether the
pre-birth conference was held and by the configured week of pregnancy, whether a pre-birth
assessment was raised and completed before the birth, when the first review conference after the
birth is (or was) due and whether it was held in time, and which parts of the birth plan's
follow-up (discharge plan, who is at home, first home visit) are still to be recorded. It reads
the same once the baby is born: a case whose baby is six weeks old still shows whether the
pre-birth plan and assessment happened, and on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .records import Action, ActionStatus, ActionType, Case, Child, Mobility
from .settings import Settings
from .timescales import (
    add_months,
    born_on_the_plan,
    pre_birth_conference_due,
    pre_birth_conference_of,
    review_after_birth_due,
    working_days_between,
)
from .wording import day_month_year, short

# A baby recorded as born within this long is not yet mobile; an older child's mobility is asked.
_NEWBORN = dt.timedelta(days=183)


@dataclass(frozen=True)
class ConferenceCheck:
    """The conference that planned for the birth, against the week of pregnancy it was due by.
    `due_by` None: no due date is recorded, so the week cannot be checked."""

    held_on: dt.date | None
    initial: bool  # the initial conference (ICPC) held during the pregnancy, none recorded apart
    due_by: dt.date | None
    late_by: int  # working days after `due_by` it was held (or, not held, up to today)

    @property
    def late(self) -> bool:
        return self.late_by > 0


@dataclass(frozen=True)
class AssessmentCheck:
    """The pre-birth assessment: the action, if any, and whether it was completed before the birth."""

    action: Action | None
    restricted: bool  # the action is restricted, or is for a restricted person

    @property
    def completed_on(self) -> dt.date | None:
        done = self.action is not None and self.action.status is ActionStatus.DONE
        return self.action.completed_on if done and self.action is not None else None


@dataclass(frozen=True)
class ReviewCheck:
    """The first review conference after the birth: due by `due_by` (before the birth: by
    `latest` at the latest, and within the working days after the birth), held on `held_on`."""

    due_by: dt.date | None  # None before the birth: it depends on the day of the birth
    latest: dt.date | None  # the months after the conference (the review is due by then whatever happens)
    held_on: dt.date | None
    booked_on: dt.date | None


@dataclass(frozen=True)
class PreBirthPlan:
    """Everything the pre-birth timescales say about one child."""

    child: Child
    conference: ConferenceCheck
    assessment: AssessmentCheck
    review: ReviewCheck
    born_on_the_plan: bool  # born after the conference that planned for the birth
    follow_up_missing: tuple[str, ...]  # the parts of the birth plan's follow-up still to record

    @property
    def born(self) -> dt.date | None:
        return self.child.date_of_birth


def planned_children(case: Case) -> list[Child]:
    """The children the pre-birth timescales are about: with a due date, or born on the plan."""
    return [c for c in case.children if c.due_date is not None or born_on_the_plan(case, c)]


def pre_birth_plans(case: Case, settings: Settings, today: dt.date) -> list[PreBirthPlan]:
    """For each child with a due date (or born on the plan): the pre-birth conference, the
    pre-birth assessment, the first review after the birth and the birth plan's follow-up."""
    assessment = _assessment(case)
    return [
        PreBirthPlan(
            child,
            _conference(case, child, settings, today),
            assessment,
            _review(case, child, settings, today),
            born_on_the_plan(case, child),
            follow_up_missing(case, child),
        )
        for child in planned_children(case)
    ]


def _conference(case: Case, child: Child, settings: Settings, today: dt.date) -> ConferenceCheck:
    held = pre_birth_conference_of(case, child)
    due_by = pre_birth_conference_due(child.due_date, settings) if child.due_date is not None else None
    until = held if held is not None else (today if child.unborn else child.date_of_birth)
    late_by = max(0, working_days_between(due_by, until, settings)) if due_by is not None and until else 0
    return ConferenceCheck(held, held is not None and case.pre_birth_conference_on is None, due_by, late_by)


def pre_birth_assessments(case: Case) -> list[Action]:
    """The case's pre-birth assessment actions, in number order."""
    return sorted((a for a in case.actions if a.type is ActionType.PRE_BIRTH_ASSESSMENT), key=lambda a: a.number)


def _assessment(case: Case) -> AssessmentCheck:
    """The pre-birth assessment that says most: the first completed, else the first still open,
    else the first raised (cancelled)."""
    actions = pre_birth_assessments(case)
    done = sorted(
        (a for a in actions if a.status is ActionStatus.DONE), key=lambda a: (a.completed_on or dt.date.max, a.number)
    )
    chosen = next(iter(done), None) or next((a for a in actions if a.is_open), None) or next(iter(actions), None)
    restricted_ids = {p.id for p in case.people if p.restricted}
    restricted = chosen is not None and (chosen.restricted or chosen.person_id in restricted_ids)
    return AssessmentCheck(chosen, restricted)


def _review(case: Case, child: Child, settings: Settings, today: dt.date) -> ReviewCheck:
    conference = pre_birth_conference_of(case, child) or case.icpc_date
    latest = add_months(conference, settings.timescales.first_review_months)
    due_by = review_after_birth_due(child.date_of_birth, conference, settings) if child.date_of_birth else None
    after = sorted(d for d in case.review_conferences if d > conference)
    held = next((d for d in after if d <= today), None)
    booked = next((d for d in after if d > today), None)
    return ReviewCheck(due_by, latest, held, booked)


# ----- the birth and its follow-up ----------------------------------------------------------------

FOLLOW_UP_WORDS = {
    "discharge_plan": "the discharge plan",
    "at_home": "who is at home with the baby",
    "first_visit_on": "the first home visit",
}


def follow_up_missing(case: Case, child: Child) -> tuple[str, ...]:
    """What the birth plan's follow-up still lacks, in words, for a child born on the plan
    (nothing for a child not yet born, or not born on the plan)."""
    if not born_on_the_plan(case, child):
        return ()
    missing = []
    for field, words in FOLLOW_UP_WORDS.items():
        value = getattr(child, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(words)
    return tuple(missing)


def as_born(fields: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A child's fields as typed (before they are checked) with the birth recorded: a date of
    birth typed for a child still marked unborn moves the mobility on from 'unborn', to 'not yet
    mobile' for a baby born in the last six months, else to 'not recorded' for the chair to say.
    Anything else is left as typed."""
    born = fields.get("date_of_birth")
    if not born or fields.get("mobility") != Mobility.UNBORN.value:
        return fields
    try:
        day = born if isinstance(born, dt.date) else dt.date.fromisoformat(str(born))
    except ValueError:
        return fields  # the form's own check says what is wrong with the date
    newborn = today - _NEWBORN <= day <= today
    return {**fields, "mobility": (Mobility.NON_MOBILE if newborn else Mobility.NOT_RECORDED).value}


# ----- in words -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of the "Before the birth" summary: a label, what it says, and whether it is a
    problem (late, missing). `restricted`: it names a restricted action."""

    label: str
    text: str
    problem: bool = False
    restricted: bool = False


def _week(settings: Settings) -> str:
    return f"week {settings.timescales.pre_birth_conference_week} of pregnancy"


def conference_line(plan: PreBirthPlan, settings: Settings, today: dt.date) -> Line:
    c, child = plan.conference, plan.child
    what = "the initial conference" if c.initial else "the pre-birth conference"
    due = f"due by {day_month_year(c.due_by)} ({_week(settings)})" if c.due_by else ""
    if c.held_on is None:
        if c.due_by is None:
            return Line("Pre-birth conference", "none recorded, and no due date to time it by", True)
        if child.unborn and today <= c.due_by:
            return Line("Pre-birth conference", f"not yet held: {due}")
        return Line("Pre-birth conference", f"none recorded: it was {due}", True)
    if c.held_on > today:
        booked = f"{what} booked for {day_month_year(c.held_on)}"
        return Line("Pre-birth conference", f"{booked}: it is {due}" if c.late else f"{booked} ({due})", c.late)
    held = f"{what} on {day_month_year(c.held_on)}"
    if plan.born is not None and c.held_on >= plan.born:
        return Line("Pre-birth conference", f"{held}, after the birth", True)
    if c.due_by is None:
        return Line("Pre-birth conference", f"{held} (no due date recorded to time it by)")
    if c.late:
        return Line("Pre-birth conference", f"{held}, {c.late_by} working days late: it was {due}", True)
    return Line("Pre-birth conference", f"{held}, on time ({due})")


def assessment_line(plan: PreBirthPlan, today: dt.date) -> Line:
    a, born = plan.assessment, plan.born
    action = a.action
    if action is None:
        return Line("Pre-birth assessment", "none recorded as an action", True)
    name = f"action {action.number}"
    if action.status is ActionStatus.CANCELLED:
        return Line("Pre-birth assessment", f"{name} was cancelled", True, a.restricted)
    done = a.completed_on
    if action.status is ActionStatus.DONE:
        when = f" on {day_month_year(done)}" if done else ""
        if born is not None and done is not None and done > born:
            return Line("Pre-birth assessment", f"{name} completed{when}, after the birth", True, a.restricted)
        return Line("Pre-birth assessment", f"{name} completed{when}, before the birth", False, a.restricted)
    if born is not None:
        return Line("Pre-birth assessment", f"{name} was never completed before the birth", True, a.restricted)
    if action.due is not None and action.due < today:
        return Line("Pre-birth assessment", f"{name} was due {day_month_year(action.due)}: not finished", True,
                    a.restricted)  # fmt: skip
    due = f", due {day_month_year(action.due)}" if action.due else ""
    return Line("Pre-birth assessment", f"{name} in progress{due}", False, a.restricted)


def review_line(plan: PreBirthPlan, settings: Settings, today: dt.date) -> Line:
    r = plan.review
    label = "First review after the birth"
    days = settings.timescales.unborn_review_working_days_after_birth
    if r.due_by is None:
        latest = f", and by {day_month_year(r.latest)} at the latest" if r.latest else ""
        return Line(label, f"due within {days} working days of the birth{latest}")
    due = f"due by {day_month_year(r.due_by)}"
    if r.held_on is not None:
        if r.held_on <= r.due_by:
            return Line(label, f"held on {day_month_year(r.held_on)}, in time ({due})")
        late = working_days_between(r.due_by, r.held_on, settings)
        return Line(label, f"held on {day_month_year(r.held_on)}, {late} working days late ({due})", True)
    if today > r.due_by:
        return Line(label, f"not held: it was {due}", True)
    booked = f"; booked for {day_month_year(r.booked_on)}" if r.booked_on else ""
    return Line(label, f"{due}{booked}", r.booked_on is not None and r.booked_on > r.due_by)


def plan_lines(plan: PreBirthPlan, settings: Settings, today: dt.date) -> list[Line]:
    """The "Before the birth" summary of one child, line by line."""
    child = plan.child
    expected = f"expected {day_month_year(child.due_date)}" if child.due_date else "due date not recorded"
    born = f"born {day_month_year(child.date_of_birth)}" if child.date_of_birth else "not yet born"
    lines = [
        Line("Birth", f"{expected}; {born}"),
        conference_line(plan, settings, today),
        assessment_line(plan, today),
        review_line(plan, settings, today),
    ]
    if plan.born_on_the_plan:
        missing = plan.follow_up_missing
        lines.append(
            Line("Birth plan follow-up", "not recorded: " + ", ".join(missing), True)
            if missing
            else Line("Birth plan follow-up", _follow_up_words(child))
        )
    return lines


def _follow_up_words(child: Child) -> str:
    """The birth plan's follow-up as recorded (all three parts are, or it would be a problem line)."""
    visit = day_month_year(child.first_visit_on) if child.first_visit_on else "not recorded"
    return f"discharge plan: {short(child.discharge_plan, 60)}; at home: {short(child.at_home, 60)}; first home visit {visit}"
