"""Flags on concerns with no response from the core group, and on services ending with nothing
to follow them."""

from __future__ import annotations

import datetime as dt

from ..lifecycle import latest_meeting
from ..records import Case, SourceKind
from ..wording import day_month_year
from .base import Flag, FlagKind, Severity

ENDING_SERVICE_DAYS = 28


def concern_flags(case: Case) -> list[Flag]:
    """Every concern with no response: high once a meeting has been held since it came in."""
    last_held = latest_meeting(case, finished_only=True)
    flags = []
    for c in sorted(case.concerns, key=lambda c: (c.received_on, c.id)):
        if c.answered:
            continue
        source = c.source.strip() or "a source not recorded"
        if c.source_kind is SourceKind.ANONYMOUS:
            source = (
                f"an anonymous referrer (passed on by {c.source.strip()})"
                if c.source.strip()
                else "an anonymous referrer"
            )
        missed = last_held is not None and c.received_on < last_held.date
        when = (
            f" It was received before the meeting on {day_month_year(last_held.date)} and is still unanswered."
            if missed and last_held is not None
            else " It needs a response at this meeting."
        )
        flags.append(
            Flag(
                FlagKind.CONCERN_UNANSWERED,
                f"The concern from {source} received on {day_month_year(c.received_on)} has no response from the "
                f"core group.{when} Every concern gets a response, whatever its source.",
                Severity.HIGH if missed else Severity.MEDIUM,
                not c.shareable,
            )
        )
    return flags


def service_flags(case: Case, today: dt.date) -> list[Flag]:
    """Services ended or ending within `ENDING_SERVICE_DAYS` with no support recorded to follow them."""
    flags = []
    soon = today + dt.timedelta(days=ENDING_SERVICE_DAYS)
    for s in case.services:
        if s.end_date is None or s.end_date > soon or s.successor.strip():
            continue
        whom = f" for {s.for_whom}" if s.for_whom.strip() else ""
        verb = "ended" if s.end_date < today else "ends"
        flags.append(
            Flag(
                FlagKind.SERVICE_ENDING,
                f"{s.name}{whom} {verb} on {day_month_year(s.end_date)} with no support recorded to follow it. "
                "What support is in place instead?",
                Severity.MEDIUM,
            )
        )
    return flags
