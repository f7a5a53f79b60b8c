"""What coregroup works out itself (a timescale breach) stays marked as coregroup's, with the
event that triggered it, when the team store's server gathers repeated saves of the same fields
within a minute into one history entry (issue 22, point 4)."""

from __future__ import annotations

import datetime as dt

from meetings.domain.records import Breach, BreachKind, Case
from meetings.storage.postgres import PostgresStore

CASE = "DEMO-0001"
MARK = "worked out by coregroup when the review conference dates were changed"


def late_review(case: Case, late: int) -> None:
    """The chair moves the first review conference on by `late` days; coregroup keeps its breach up to date."""
    held = dt.date(2026, 10, 9) + dt.timedelta(days=late)
    case.review_conferences = [held, dt.date(2027, 4, 9)]
    what = "The first review conference was late (fictional)."
    breach = Breach(id=1, kind=BreachKind.REVIEW_CONFERENCE_LATE, key="review-1", what=what,
                    due_on=dt.date(2026, 10, 9), happened_on=held, working_days_late=late,
                    recorded_on=dt.date(2026, 10, 20))  # fmt: skip
    case.breaches = [breach]


def breach_entries(store: PostgresStore) -> list[list[tuple[str, object, object, str]]]:
    """Each history entry that changed the breach: (path, old, new, worked_out) of each change."""
    return [
        [(c.path, c.old, c.new, c.worked_out) for c in e.changes]
        for e in store.history(CASE)
        if any(c.path.startswith("case.breaches") for c in e.changes)
    ]


def test_breaches_saved_again_within_the_minute_stay_coregroup_s(pg: PostgresStore) -> None:
    """Four saves, each moving a review conference and keeping a breach up to date: the first adds
    the breach, the second changes it and goes into the history at once, the next two change the
    same fields and are gathered into one entry. Every breach change in the history, gathered or
    not, says coregroup worked it out when the review dates were changed; the dates are the person's."""
    with pg.open(CASE) as case_file:
        for late in (1, 2, 3, 4):
            late_review(case_file.case, late)
            case_file.save()
    entries = breach_entries(pg)
    assert len(entries) == 3  # the breach added, changed, and the two saves after that gathered
    assert [(old, new) for path, old, new, _ in entries[-1] if path.endswith(".working_days_late")] == [(2, 4)]
    marks = {mark for entry in entries for path, _, _, mark in entry if path.startswith("case.breaches")}
    assert marks == {MARK}
    assert {mark for entry in entries for path, _, _, mark in entry if path == "case.review_conferences"} == {""}
    assert pg.verify_history(CASE).intact
