"""The session, the one owner of an open case: each intent changes the records at once, through
the domain's rules, and what it changed reaches the disk; what the case file would refuse is
refused before it is added, so one bad value never blocks later saves. (Fictional data only.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from tui_helpers import DEMO_ID, case_on_disk, step_record

from meetings.domain.agenda import MeetingText, load_agenda
from meetings.domain.records import AttendanceMode, AttendanceStatus, Meeting
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings
from meetings.session import CaseChanged, CaseSession
from meetings.storage.store import Store

NOW = dt.datetime(2026, 11, 20, 10, 0)


@pytest.fixture
def changes() -> list[CaseChanged]:
    return []


@pytest.fixture
def session(store: Store, changes: list[CaseChanged]) -> Iterator[CaseSession]:
    opened = CaseSession(
        store.open(DEMO_ID), agenda=load_agenda(), settings=Settings(), clock=lambda: NOW,
        on_change=changes.append, delay=0.01,
    )  # fmt: skip
    yield opened
    opened.close()


def started(session: CaseSession) -> Meeting:
    return session.start_meeting(date=NOW.date(), venue="Sample Family Centre")


def test_an_answer_lands_on_the_step_it_was_given_for_and_reaches_the_disk(
    session: CaseSession, store: Store, changes: list[CaseChanged]
) -> None:
    meeting = started(session)
    household = next(s for s in meeting.steps if s.key == "household_changes")
    assert session.answer(meeting, household, "household_changed", True).stored
    assert household.answers == {"household_changed": True}  # at once, before any save
    assert changes[-1] == CaseChanged(frozenset({"meetings"}), meeting.number)
    assert session.save_now()
    on_disk = case_on_disk(store, DEMO_ID)["meetings"][-1]
    assert step_record(on_disk, "household_changes")["answers"] == {"household_changed": True}
    assert [s["key"] for s in on_disk["steps"] if s["answers"]] == ["household_changes"]


def test_a_date_answer_is_read_relative_to_the_meeting_and_a_bad_one_is_not_stored(session: CaseSession) -> None:
    meeting = started(session)
    step = next(s for s in meeting.steps if s.key == "next_dates")
    parsed = session.answer(meeting, step, "next_meeting_date", "4w")
    assert parsed.stored and parsed.hint == "= 2026-12-18"
    assert step.answers["next_meeting_date"] == "2026-12-18"
    refused = session.answer(meeting, step, "next_meeting_date", "the 40th")
    assert not refused.stored and refused.hint
    assert step.answers["next_meeting_date"] == "2026-12-18"  # the earlier answer stays


def test_a_question_the_step_does_not_ask_is_refused(session: CaseSession) -> None:
    meeting = started(session)
    with pytest.raises(InvalidRecord, match="asks no question"):
        session.answer(meeting, meeting.steps[0], "household_changed", True)


def test_a_name_too_long_for_the_case_file_is_refused_before_it_is_added(session: CaseSession, store: Store) -> None:
    meeting = started(session)
    with pytest.raises(InvalidRecord, match="the most is 200"):
        session.add_attendee(meeting, name="Ada " * 63)
    assert meeting.attendees == []
    session.set_notes(meeting, meeting.steps[0], "Everyone introduced themselves.")
    assert session.save_now(), session.last_error  # later changes are saved as usual
    assert case_on_disk(store, DEMO_ID)["meetings"][-1]["steps"][0]["notes"] == "Everyone introduced themselves."


def test_status_and_mode_go_round_and_apologies_clear_how_someone_attended(session: CaseSession) -> None:
    meeting = started(session)
    gp = session.add_attendee(meeting, name="Dr Ada Sample", role="GP", agency="Sample Surgery")
    assert (gp.status, gp.mode) == (AttendanceStatus.ATTENDED, AttendanceMode.IN_PERSON)
    session.next_mode(meeting, gp)
    assert gp.mode is AttendanceMode.ONLINE
    session.next_status(meeting, gp)
    after: tuple[AttendanceStatus, AttendanceMode | None] = (gp.status, gp.mode)
    assert after == (AttendanceStatus.APOLOGIES, None)
    midwife = session.add_attendee(meeting, name="Mo Example", role="Midwife", agency="Maternity")
    assert (midwife.status, midwife.mode) == (AttendanceStatus.ATTENDED, AttendanceMode.IN_PERSON)


def test_the_meetings_own_texts_and_finishing_carry_forward_open_actions(session: CaseSession, store: Store) -> None:
    meeting = started(session)
    open_before = {a.number: a.times_carried_forward for a in session.case.actions if a.is_open}
    session.set_meeting_text(meeting, MeetingText.DISSENT, "Health disagreed (fictional).")
    carried = session.finish_meeting(meeting, note="A short test meeting")
    assert {a.number for a in carried} == set(open_before)
    assert session.save_now()
    on_disk = case_on_disk(store, DEMO_ID)
    assert on_disk["meetings"][-1]["dissent"] == "Health disagreed (fictional)."
    assert on_disk["meetings"][-1]["status"] == "finished"
    assert {a["number"]: a["times_carried_forward"] for a in on_disk["actions"] if a["number"] in open_before} == {
        n: c + 1 for n, c in open_before.items()
    }
    with pytest.raises(InvalidRecord, match="finished"):
        session.set_notes(meeting, meeting.steps[0], "too late")


def test_a_read_only_session_changes_nothing(store: Store) -> None:
    reader = CaseSession(store.open(DEMO_ID, read_only=True), agenda=load_agenda(), settings=Settings())
    try:
        assert reader.read_only
        with pytest.raises(Exception, match="read-only"):
            reader.start_meeting(date=NOW.date())
        assert len(reader.case.meetings) == 2
    finally:
        reader.close()
