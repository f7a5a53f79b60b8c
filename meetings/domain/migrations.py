"""Bringing case data written by an older coregroup up to the current schema.

Each stored case and each exported file carries `schema_version`. When the records change
shape, bump `records.SCHEMA_VERSION` and add a function here that turns a case of the old
version into the new one; `migrate` applies them in order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .records import SCHEMA_VERSION
from .schema import InvalidRecord
from .wording import day_month_year

Migration = Callable[[dict[str, Any], dt.date], dict[str, Any]]


def inferred_words(on: dt.date, what: str) -> str:
    """How a record a migration made says so: 'inferred by coregroup's migration from version 1 on
    3 March 2027: ...'."""
    return f"inferred by coregroup's migration from version 1 on {day_month_year(on)}: {what}"


def lead_inferred_words(on: dt.date, name: str) -> str:
    return inferred_words(on, f"the case named {name} as lead social worker; who led before {day_month_year(on)} "
                              "is not recorded")  # fmt: skip


def _visit_inferred_words(on: dt.date, meeting: Any, children: int) -> str:
    which = "which child was seen was not recorded" if children > 1 else "the child's only answer"
    return inferred_words(on, f'core group {meeting}\'s answer "child last seen on" ({which})')


def _visits_and_lead_workers(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Version 1 to 2: each core group's "child last seen on" answer becomes a visit on that day,
    marked as inferred. The answer never said which child was seen: with more than one child born
    each child is "not recorded" there (never taken as seen; the chair is asked who was seen). An
    only child was seen; seen alone only if the meeting said so. The lead social worker becomes
    the first of the lead workers from today, inferred: who led before is not recorded (version 1
    kept only the current lead, not since when). Answers that are not dates are left as they were."""
    data = dict(data)
    visits = list(data.get("visits") or [])
    next_id = max((v.get("id", 0) for v in visits if isinstance(v, dict)), default=0) + 1
    children = [c for c in data.get("children") or [] if isinstance(c, dict)]
    for meeting in data.get("meetings") or []:
        if not isinstance(meeting, dict):
            continue
        answers: dict[str, Any] = {}
        for step in meeting.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("answers"), dict):
                answers.update(step["answers"])
        seen_on = answers.get("child_last_seen_on")
        if not isinstance(seen_on, str) or not _DATE.fullmatch(seen_on):
            continue
        born = [
            c["id"] for c in children
            if isinstance(c.get("id"), int) and isinstance(c.get("date_of_birth"), str) and c["date_of_birth"] <= seen_on
        ]  # fmt: skip
        if not born:
            continue
        if len(born) == 1:
            each = [{"child_id": born[0], "seen": True, "seen_alone": answers.get("seen_alone") is True}]
        else:
            each = [{"child_id": cid, "seen": None, "seen_alone": False} for cid in born]
        visits.append(
            {
                "id": next_id,
                "date": seen_on,
                "children": each,
                "notes": f"Recorded at core group {meeting.get('number')} as when the child was last seen.",
                "from_meeting": meeting.get("number") if isinstance(meeting.get("number"), int) else None,
                "inferred": _visit_inferred_words(today, meeting.get("number"), len(born)),
            }
        )
        next_id += 1
    if visits:
        data["visits"] = visits
    lead = data.get("lead_social_worker")
    if isinstance(lead, str) and lead.strip() and not data.get("lead_workers"):
        data["lead_workers"] = [
            {"name": lead, "since": today.isoformat(), "inferred": lead_inferred_words(today, lead)}
        ]
    return data


# The note version 2's migration (releases before version 3) wrote on each visit it made.
_OLD_NOTE = re.compile(r"Recorded at core group \d+ as when the child was last seen\.")


def _nothing_invented(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Version 2 to 3: undo what version 2's migration, in an earlier release, claimed without a
    record. A visit it made (from a meeting's "child last seen" answer, with its note) at which
    every one of several children was "seen" alike: which child was seen was never recorded, so
    each is "not recorded" again. Every visit it made is marked inferred. The lead worker it made
    (the one lead, from the ICPC: coregroup itself always records two when the lead changes) is
    from today, inferred; who led before is not recorded. Nothing else changes."""
    data = dict(data)
    visits = []
    for visit in data.get("visits") or []:
        made = (
            isinstance(visit, dict)
            and isinstance(visit.get("from_meeting"), int)
            and isinstance(visit.get("notes"), str)
            and _OLD_NOTE.fullmatch(visit["notes"])
            and not visit.get("inferred")
        )
        if made:
            visit = dict(visit)
            each = [c for c in visit.get("children") or [] if isinstance(c, dict)]
            alike = len(each) > 1 and all(c.get("seen", True) is True for c in each)
            alike = alike and len({c.get("seen_alone", False) for c in each}) == 1
            if alike:
                visit["children"] = [
                    {**c, "seen": None, "seen_alone": False, "not_seen_reason": None} for c in each
                ]  # fmt: skip
            visit["inferred"] = (
                f"inferred by the migration from version 1 of an earlier coregroup release: core group "
                f'{visit["from_meeting"]}\'s answer "child last seen on"; coregroup found it on {day_month_year(today)}'
                + ("; which child was seen was not recorded" if alike else "")
            )
        visits.append(visit)
    if visits:
        data["visits"] = visits
    workers = data.get("lead_workers")
    lead = data.get("lead_social_worker")
    if (
        isinstance(workers, list)
        and len(workers) == 1
        and isinstance(workers[0], dict)
        and workers[0].get("since") == data.get("icpc_date")
        and isinstance(lead, str)
        and workers[0].get("name") == lead
        and not workers[0].get("inferred")
    ):
        data["lead_workers"] = [
            {**workers[0], "since": today.isoformat(), "inferred": lead_inferred_words(today, lead)}
        ]
    return data


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# MIGRATIONS[n] turns a version-n case into a version-(n+1) case.
MIGRATIONS: dict[int, Migration] = {1: _visits_and_lead_workers, 2: _nothing_invented}


def migrate(data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """`data` brought up to the current schema; what a migration infers is marked with `today`
    (the computer's date if None)."""
    on = today or dt.date.today()
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidRecord("schema_version", f"{version!r} is not a schema version")
    if version > SCHEMA_VERSION:
        raise InvalidRecord(
            "schema_version",
            f"{version} is newer than this coregroup understands ({SCHEMA_VERSION}); update coregroup to open it",
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data, on)
        version += 1
        data["schema_version"] = version
    return data
