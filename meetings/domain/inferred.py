"""What the record holds that coregroup inferred itself (a migration from an older case file) and
no person has yet confirmed, in a minute-taker's neutral words: each such visit (its children
"not recorded") and a lead social worker whose start is not recorded. Shown only as the
audience may see it (the family copy leaves a restricted visit out)."""

from __future__ import annotations

import datetime as dt

from .lead_workers import INFERRED_AT_CHANGE
from .records import Case
from .visibility import Visibility
from .visits import child_at_visit_words, visits_in_order
from .wording import day_month_year

INTRO = (
    "The record holds the following entries that coregroup inferred from an older case file when it "
    "was brought up to date. No one has yet confirmed them; they are not what this meeting recorded."
)


def inferred_facts(case: Case, visibility: Visibility, *, until: dt.date | None = None) -> list[str]:
    """One sentence for each inferred entry `visibility` may see (visits on or before `until`, if
    given), oldest first; empty when the record holds none."""
    names = {c.id: c.name for c in case.children}
    found: list[str] = []
    for worker in case.lead_workers:
        if worker.inferred.startswith(INFERRED_AT_CHANGE):  # put on the history when the lead first changed
            found.append(
                f"Lead social worker: when {worker.name} became lead, and who led before, is not recorded; "
                f"{worker.inferred}."
            )
        elif worker.inferred:
            found.append(
                f"Lead social worker: the record names {worker.name} as lead from {day_month_year(worker.since)}, "
                f"the day coregroup brought the case file up to date; when {worker.name} became lead, and who "
                "led before, is not recorded."
            )
    visits = [v for v in visits_in_order(case.visits) if v.inferred and (until is None or v.date <= until)]
    for visit in visibility.shown(visits)[0]:
        each = "; ".join(f"{names.get(at.child_id, 'a child')} {child_at_visit_words(at)}" for at in visit.children)
        source = f' (from core group {visit.from_meeting}\'s answer "child last seen on")' if visit.from_meeting else ""
        found.append(f"Visit on {day_month_year(visit.date)}{source}: {each or 'no child recorded'}.")
    return found
