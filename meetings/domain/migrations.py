"""Bringing case data written by an older coregroup up to the current schema.

Each stored case and each exported file carries `schema_version`. When the records change
shape, bump `records.SCHEMA_VERSION` and add a function here that turns a case of the old
version into the new one; `migrate` applies them in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .records import SCHEMA_VERSION
from .schema import InvalidRecord

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _visits_and_lead_workers(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 to 2: each core group's "child last seen on" answer becomes a visit at which
    every child then born was seen (seen alone as the meeting's "seen alone" answer said), so the
    per-child rules have the history; the lead social worker becomes the first of the lead
    workers, from the conference. Answers that are not dates are left as they were."""
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
        alone = answers.get("seen_alone") is True
        visits.append(
            {
                "id": next_id,
                "date": seen_on,
                "children": [{"child_id": cid, "seen": True, "seen_alone": alone} for cid in born],
                "notes": f"Recorded at core group {meeting.get('number')} as when the child was last seen.",
                "from_meeting": meeting.get("number") if isinstance(meeting.get("number"), int) else None,
            }
        )
        next_id += 1
    if visits:
        data["visits"] = visits
    lead = data.get("lead_social_worker")
    if (
        isinstance(lead, str)
        and lead.strip()
        and not data.get("lead_workers")
        and isinstance(data.get("icpc_date"), str)
    ):
        data["lead_workers"] = [{"name": lead, "since": data["icpc_date"]}]
    return data


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# MIGRATIONS[n] turns a version-n case into a version-(n+1) case.
MIGRATIONS: dict[int, Migration] = {1: _visits_and_lead_workers}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidRecord("schema_version", f"{version!r} is not a schema version")
    if version > SCHEMA_VERSION:
        raise InvalidRecord(
            "schema_version",
            f"{version} is newer than this coregroup understands ({SCHEMA_VERSION}); update coregroup to open it",
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    return data
