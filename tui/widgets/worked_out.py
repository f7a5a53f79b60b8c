"""What the screens work out from the whole case, once for each change the session records.

The flags, the actions a meeting reviews and how long each has been open read the whole case: a
five-year case's flags take several milliseconds. A meeting's steps (the one shown, those built
ahead either side) and the case's overview show them again and again between two changes, so
each is worked out once for the case as it is, and shared until the session records a change
(`CaseSession.revision`).

Some changes only time the agenda's steps: when a step was first entered and how long was spent
at it. Nothing worked out here reads those, so what was worked out before such a change stays
true after it (`timing_only`): moving to the next step does not work the flags out again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar, cast
from weakref import WeakKeyDictionary

from meetings.domain.flags import Flag, case_flags
from meetings.domain.records import Case
from meetings.domain.settings import Settings
from meetings.session import CaseSession

T = TypeVar("T")


class _Kept:
    """What was worked out for one session, and the revision of the case it is true to."""

    __slots__ = ("case", "revision", "values")

    def __init__(self, session: CaseSession) -> None:
        self.revision = session.revision
        self.case: Case = session.case
        self.values: dict[Hashable, object] = {}


_KEPT: WeakKeyDictionary[CaseSession, _Kept] = WeakKeyDictionary()


def _kept(session: CaseSession) -> _Kept:
    """What is kept for the session, emptied if the case changed since it was worked out."""
    kept = _KEPT.get(session)
    if kept is None or kept.revision != session.revision or kept.case is not session.case:
        kept = _KEPT[session] = _Kept(session)
    return kept


def worked_out(session: CaseSession, key: Hashable, work: Callable[[], T]) -> T:
    """`work()` for the case as it is now: worked out again only once the case has changed.
    `key` names the work and everything else its result depends on (the day, the meeting ...)."""
    values = _kept(session).values
    if key not in values:
        values[key] = work()
    return cast(T, values[key])


def case_as_now(session: CaseSession) -> object:
    """A token for the case as it is now: the same object until the case changes (a change that
    only times a step, inside `timing_only`, leaves it the same)."""
    return _kept(session)


@contextmanager
def timing_only(session: CaseSession) -> Iterator[None]:
    """Around a change that only times an agenda step (`CaseSession.enter_step`, `leave_step`):
    what was worked out before it is still true after it."""
    kept = _kept(session)
    before = session.revision
    try:
        yield
    finally:
        if session.revision - before <= 1 and session.case is kept.case and _KEPT.get(session) is kept:
            kept.revision = session.revision


def flags_now(session: CaseSession, settings: Settings, today: dt.date) -> Sequence[Flag]:
    """Everything the core group must look at today (`case_flags`), worked out once a change."""
    # The settings are kept with their flags: while kept, no other settings can take their id.
    _, flags = worked_out(
        session, ("flags", today, id(settings)), lambda: (settings, tuple(case_flags(session.case, settings, today)))
    )
    return flags
