"""Minutes exported to Word, read back as a minute-taker (and a family) would see them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from meetings.domain import schema
from meetings.domain.lifecycle import find_meeting, record_distribution
from meetings.domain.locations import data_dir
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    AttendanceStatus,
    Attendee,
    Case,
    CopyType,
    Distribution,
    MeetingMode,
    Scaling,
    SourceKind,
)
from meetings.domain.schema import InvalidRecord
from meetings.domain.settings import Settings
from meetings.exports.minutes import write_minutes
from meetings.exports.wordfile import TemplateError, xml_safe

SETTINGS = Settings()

# Typed only into restricted fields of the demo case (or of the additions below).
RESTRICTED_STRINGS = (
    "Max Fictional",  # a restricted person, named only in restricted notes
    "Housing officer named the man",  # restricted notes, meeting 1
    "contact centre",  # the anonymous referrer's route: restricted notes and an unshareable concern, meeting 2
    "Referral came through",
    "Shouting and a baby crying",  # the unshareable concern itself
    "Quietly check the spare room",  # a restricted action added below
)


def demo_case() -> Case:
    raw = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
    return schema.load(Case, raw)


def raised_at_meeting(case: Case, action: Action) -> None:
    """Add `action` as if raised at its meeting: in the case, and among the actions that meeting
    (and every later finished one) kept when it finished, as the minutes print them."""
    import copy

    case.actions.append(action)
    for meeting in case.meetings:
        if meeting.recorded_at_finish and action.raised_at is not None and meeting.number >= action.raised_at:
            meeting.actions_at_finish.append(copy.deepcopy(action))


def with_restricted_extras(case: Case) -> Case:
    """The demo case plus a restricted action, and the restricted person as an attendee and recipient."""
    raised_at_meeting(
        case,
        Action(
            number=case.next_number("actions"),
            text="Quietly check the spare room for a second adult's belongings.",
            owner="Alex Chair (fictional)",
            agency="Children's Social Care",
            raised_at=2,
            due=dt.date(2026, 10, 15),
            restricted=True,
        ),
    )
    for meeting in case.meetings:
        meeting.attendees.append(
            Attendee(
                name="Max Fictional", role="Visitor", agency="None", person_id=4, status=AttendanceStatus.DID_NOT_ATTEND
            )
        )
        meeting.distribution.append(
            Distribution(recipient="Max Fictional", copy_type=CopyType.FULL, sent_on=dt.date(2026, 10, 2))
        )
    return case


def body_text(path: Path) -> str:
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def package_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name).decode("utf-8", errors="replace") for name in z.namelist()}


def table_rows(path: Path, first_heading: str) -> list[list[str]]:
    document = docx.Document(str(path))
    for table in document.tables:
        if table.rows[0].cells[0].text == first_heading:
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table headed {first_heading!r}")


def flagged_runs(path: Path) -> list[str]:
    document = docx.Document(str(path))
    flag_id = document.styles["Flag"].style_id
    body = document.element.body
    return [
        "".join(t.text or "" for t in r.iter(qn("w:t")))
        for r in body.iter(qn("w:r"))
        if (s := r.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")) is not None and s.get(qn("w:val")) == flag_id
    ]


@pytest.fixture
def full(tmp_path: Path) -> Path:
    return write_minutes(demo_case(), 2, tmp_path / "minutes-full.docx", settings=SETTINGS)


def test_full_minutes_hold_the_header_fields(full: Path) -> None:
    text = body_text(full)
    for expected in (
        "Wren Example, born Thursday 20 August 2026",
        "Neglect",
        "Thursday 9 July 2026",  # the ICPC
        "Core group meeting 2",
        "Thursday 1 October 2026",
        "10:00 to 11:45",
        "Sample Family Centre, Room 2",
        "Alex Chair (fictional)",
        "Robin Minutes (fictional)",
        "Full copy",
    ):
        assert expected in text, expected


def test_attendance_table_shows_status_mode_and_reports(tmp_path: Path) -> None:
    case = demo_case()
    case.meetings[1].mode, case.meetings[1].mode_reason = MeetingMode.IN_PERSON, ""
    full = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    rows = table_rows(full, "Name")
    assert rows[0] == ["Name", "Role", "Agency", "Attendance", "Mode", "Report received"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Morgan Housing (fictional)"][3:5] == ["Attended", "Online"]
    assert by_name["PC Jordan Badge (fictional)"][3] == "Apologies"
    assert by_name["PC Jordan Badge (fictional)"][5] == "Yes"
    assert "Meeting held: In person" in body_text(full)


def test_online_meeting_prints_its_reason(tmp_path: Path) -> None:
    case = demo_case()
    case.meetings[0].mode, case.meetings[0].mode_reason = MeetingMode.ONLINE, "Room unavailable (fictional)."
    out = write_minutes(case, 1, tmp_path / "m1.docx", settings=SETTINGS)
    text = body_text(out)
    assert "Mode | Online (reason: Room unavailable (fictional))" in text
    assert "Meeting held: Online (reason: Room unavailable (fictional))" in text


def test_answers_use_the_agenda_labels_and_yes_no(full: Path) -> None:
    text = body_text(full)
    assert "Confidentiality explained: Yes" in text
    assert "Every expected agency present: No" in text
    assert "Child last seen on: Tuesday 29 September 2026" in text
    assert "Visits since the last meeting: 2" in text
    assert "True" not in text and "False" not in text


def test_every_agenda_step_is_printed_with_its_notes(full: Path) -> None:
    text = body_text(full)
    for i, title in enumerate(step.title for step in demo_case().meetings[1].steps):
        assert f"{i + 1}. {title}" in text
    assert "Two home visits; one missed on 22 September (no answer)." in text


def test_actions_table_flags_a_carried_forward_assessment(full: Path) -> None:
    rows = table_rows(full, "No.")
    assert rows[0] == [
        "No.",
        "Action and the outcome it serves",
        "Owner and agency",
        "Due",
        "Status",
        "Evidence and impact",
    ]
    first = rows[1]
    assert first[0] == "1" and first[1].startswith("Complete a parenting assessment")
    assert "Outcome: Wren's needs are met day and night" in first[1]
    assert "Decision informed: not yet recorded" in first[5]
    assert "Assessment carried forward once" in flagged_runs(full)
    assert "Assessments overdue or carried forward: actions 1, 6." in body_text(full)


def test_an_overdue_assessment_is_flagged(tmp_path: Path) -> None:
    case = demo_case()
    kept = next(a for a in case.meetings[1].actions_at_finish if a.number == 1)  # as meeting 2 kept it
    kept.due = dt.date(2026, 9, 20)  # before meeting 2 on 1 October
    kept.times_carried_forward = 0
    out = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    row = next(r for r in table_rows(out, "No.") if r[0] == "1")
    assert "Assessment overdue" in row[4] and "Assessment overdue" in flagged_runs(out)


def test_done_action_shows_evidence_and_impact(full: Path) -> None:
    row = next(r for r in table_rows(full, "No.") if r[0] == "2")
    assert "Done" in row[4]
    assert "Evidence: Checks returned 15 September." in row[5]
    assert "Impact on the child: Informed the decision to assess Lee Placeholder." in row[5]


def test_scaling_decisions_contingency_and_next_dates(full: Path) -> None:
    text = body_text(full)
    assert "Alex Chair (fictional) | 4 | Men around the baby not assessed." in text
    assert "Father and male carer assessments to be arranged." in text
    assert "As before." in text
    assert "Next core group: Thursday 29 October 2026" in text
    assert "Next review conference:" in text


def test_full_copy_holds_restricted_notes_marked_as_such(full: Path) -> None:
    text = body_text(full)
    assert "Restricted, left out of the family copy: Referral came through the council contact centre" in text
    assert "Not shareable with the family" in text


def test_family_copy_leaves_restricted_text_out_of_every_part(tmp_path: Path) -> None:
    case = with_restricted_extras(demo_case())
    for number in (1, 2):
        full = write_minutes(case, number, tmp_path / f"full-{number}.docx", settings=SETTINGS)
        family = write_minutes(
            case, number, tmp_path / f"family-{number}.docx", copy=CopyType.FAMILY, settings=SETTINGS
        )
        full_xml = "\n".join(package_parts(full).values())
        parts = package_parts(family)
        assert {"word/document.xml", "docProps/core.xml", "word/header1.xml", "word/footer1.xml"} <= set(parts)
        for needle in RESTRICTED_STRINGS:
            for name, xml in parts.items():
                assert needle.casefold() not in xml.casefold(), f"{needle!r} leaked into {name} of meeting {number}"
        assert "Max Fictional" in full_xml  # the test would catch a leak: the full copy has it
        assert "Family copy" in body_text(family)
    full2 = "\n".join(package_parts(tmp_path / "full-2.docx").values())
    for needle in (
        "contact centre",
        "Referral came through",
        "Shouting and a baby crying",
        "Quietly check the spare room",
    ):
        assert needle in full2
    assert "Housing officer named the man" in "\n".join(package_parts(tmp_path / "full-1.docx").values())


def test_family_copy_keeps_what_the_family_should_see(tmp_path: Path) -> None:
    out = write_minutes(demo_case(), 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    text = body_text(out)
    assert "Anonymous referral about noise and shouting at night discussed." in text
    assert "Complete a parenting assessment of Jo Example" in text
    assert "Jo Example | Mother | Family" in text


def test_a_restricted_name_typed_into_a_shared_note_is_withheld(tmp_path: Path) -> None:
    case = demo_case()
    case.meetings[1].steps[0].notes = "Jo said max fictional visits on Fridays."
    out = write_minutes(case, 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    assert "Jo said [name withheld] visits on Fridays." in body_text(out)


def test_anonymous_source_is_not_named_in_the_family_copy(tmp_path: Path) -> None:
    case = demo_case()
    case.concerns[1].shareable = True  # shared, but the referrer's route is still not named
    out = write_minutes(case, 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    rows = table_rows(out, "Received")
    assert rows[1][1].startswith("Anonymous")
    assert "contact centre" not in rows[1][1]


def test_header_carries_the_marking_and_footer_real_page_fields(tmp_path: Path) -> None:
    out = write_minutes(demo_case(), 2, tmp_path / "m.docx", settings=Settings(protective_marking="OFFICIAL"))
    section = docx.Document(str(out)).sections[0]
    assert "OFFICIAL" in "\n".join(p.text for p in section.header.paragraphs)
    parts = package_parts(out)
    assert not any("{protective_marking}" in xml for xml in parts.values())
    footer = section.footer._element
    codes = [i.text.strip() for i in footer.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"]
    assert "Page 1 of 1" in "".join(t.text or "" for t in footer.iter(qn("w:t")))


def test_table_heading_rows_repeat_on_every_page(full: Path) -> None:
    document = docx.Document(str(full))
    headed = [t for t in document.tables if t.rows[0].cells[0].text in ("Name", "No.", "Received", "Recipient")]
    assert len(headed) >= 4
    for table in headed:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])


def test_document_properties_are_honest(tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    out = write_minutes(demo_case(), 2, tmp_path / "m.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    props = docx.Document(str(out)).core_properties
    assert props.author == "Alex Chair (fictional)"
    assert props.last_modified_by == "Alex Chair (fictional)"
    assert props.title == "Core group minutes: Wren Example, Sky Example, meeting 2 (family copy)"
    assert props.created.replace(tzinfo=dt.UTC) >= before and props.modified.replace(tzinfo=dt.UTC) >= before
    assert props.comments == "" and props.keywords == ""
    core = package_parts(out)["docProps/core.xml"]
    assert "python-docx" not in core and "2013" not in core


def test_awkward_text_exports_whole(tmp_path: Path) -> None:
    case = demo_case()
    steps = case.meetings[1].steps
    long_note = ("Line of a long note. " * 50 + "\n") * 47 + "END-OF-LONG-NOTE"
    assert len(long_note) > 49_000
    steps[2].notes = "Wren smiled 😊👶🏽 at the visit.\nمرحبا، قالت الأم إن كل شيء بخير\nשלום לכולם"
    controls = "Before vertical tab\x0bafter it.\x0cAfter the form feed\x00then a null\x1fand a unit separator. TAIL"
    steps[4].notes = controls
    steps[6].notes = long_note
    out = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    text = body_text(out)
    assert "Wren smiled 😊👶🏽 at the visit." in text
    assert "مرحبا، قالت الأم إن كل شيء بخير" in text and "שלום לכולם" in text
    assert "Before vertical tab\nafter it.\nAfter the form feed then a null and a unit separator. TAIL" in text
    assert "END-OF-LONG-NOTE" in text
    assert text.count("Line of a long note.") == 50 * 47
    body = docx.Document(str(out)).element.body
    rtl_paragraphs = [p for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:bidi')}") is not None]
    assert len(rtl_paragraphs) == 2


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(min_size=1, max_size=200))
def test_any_typed_note_exports_and_reads_back(tmp_path: Path, note: str) -> None:
    case = demo_case()
    case.meetings[1].steps[2].notes = note
    out = write_minutes(case, 2, tmp_path / "any.docx", settings=SETTINGS)
    text = body_text(out)
    for line in xml_safe(note).split("\n"):
        if line.strip():
            assert line in text


def test_a_template_without_our_styles_gets_a_clear_message(tmp_path: Path) -> None:
    council = tmp_path / "council.docx"
    docx.Document().save(str(council))  # python-docx's own template: no "Table Heading", "Flag", ...
    with pytest.raises(TemplateError) as problem:
        write_minutes(demo_case(), 2, tmp_path / "m.docx", settings=Settings(word_template=council))
    message = str(problem.value)
    assert str(council) in message
    assert "'Table Heading'" in message and "'Minutes Table'" in message
    assert isinstance(problem.value, ValueError)
    assert not (tmp_path / "m.docx").exists()


def test_a_file_that_is_not_a_docx_is_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "letterhead.docx"
    bogus.write_text("not a Word file")
    with pytest.raises(TemplateError, match="cannot be opened as a .docx"):
        write_minutes(demo_case(), 2, tmp_path / "m.docx", settings=Settings(word_template=bogus))


def council_template(tmp_path: Path) -> Path:
    """A council's copy of our template: own font, letterhead, and a different first page header."""
    document = docx.Document(str(data_dir() / "minutes-template.docx"))
    document.styles["Normal"].font.name = "Georgia"
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Sampleshire County Council (fictional letterhead)"
    path = tmp_path / "sampleshire.docx"
    document.save(str(path))
    return path


def test_a_council_template_keeps_its_look_and_gets_the_marking_on_page_one(tmp_path: Path) -> None:
    out = write_minutes(
        demo_case(), 2, tmp_path / "m.docx", settings=Settings(word_template=council_template(tmp_path))
    )
    document = docx.Document(str(out))
    section = document.sections[0]
    assert section.different_first_page_header_footer
    first = "\n".join(p.text for p in section.first_page_header.paragraphs)
    assert "Sampleshire County Council (fictional letterhead)" in first
    assert "OFFICIAL-SENSITIVE" in first
    assert "OFFICIAL-SENSITIVE" in "\n".join(p.text for p in section.header.paragraphs)
    first_footer = section.first_page_footer._element
    assert [i.text.strip() for i in first_footer.iter(qn("w:instrText"))] == ["PAGE", "NUMPAGES"]
    assert document.styles["Normal"].font.name == "Georgia"
    assert "template" not in body_text(out).lower()  # the template's own body text is replaced


def test_the_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    out = tmp_path / "m.docx"
    out.write_bytes(b"an older export")
    write_minutes(demo_case(), 2, out, settings=SETTINGS)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["m.docx"]
    assert zipfile.is_zipfile(out)


def test_an_unknown_meeting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has no meeting 9"):
        write_minutes(demo_case(), 9, tmp_path / "m.docx", settings=SETTINGS)


def test_recorded_distribution_prints_in_the_log(tmp_path: Path) -> None:
    case = demo_case()
    meeting = find_meeting(case, 2)
    entry = record_distribution(
        case, meeting, "Jo Example", CopyType.FAMILY, agency="Family", sent_on=dt.date(2026, 10, 2), how="By hand",
        today=dt.date(2026, 10, 2), holds_restricted=True,
    )  # fmt: skip
    assert meeting is case.meetings[1] and meeting.distribution[-1] is entry
    assert entry == Distribution(
        recipient="Jo Example", agency="Family", copy_type=CopyType.FAMILY, sent_on=dt.date(2026, 10, 2), how="By hand"
    )
    out = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    rows = table_rows(out, "Recipient")
    assert rows[1] == ["Jo Example", "Family", "Family copy", "2 Oct 2026", "By hand"]
    invited = {r[0]: r[2] for r in table_rows(out, "Goes to")}
    assert invited["Jo Example"] == "Family copy" and invited["Casey Visitor (fictional)"] == "Full copy"


def test_distribution_needs_a_recipient_and_a_real_meeting() -> None:
    case = demo_case()
    with pytest.raises(InvalidRecord):
        record_distribution(
            case, find_meeting(case, 2), "  ", CopyType.FULL, sent_on=dt.date(2026, 10, 2),
            today=dt.date(2026, 10, 2), holds_restricted=True,
        )  # fmt: skip
    with pytest.raises(ValueError, match="no meeting 7"):
        find_meeting(case, 7)
    assert case.meetings[1].distribution == []


def test_a_closed_assessment_shows_the_decision_it_informed(tmp_path: Path) -> None:
    case = demo_case()
    raised_at_meeting(
        case,
        Action(
            number=9,
            text="Pre-birth assessment (fictional).",
            type=ActionType.PRE_BIRTH_ASSESSMENT,
            status=ActionStatus.DONE,
            raised_at=2,
            evidence="Mother engaged well.",
            decision_informed="Plan to continue with weekly visits.",
            completed_on=dt.date(2026, 10, 1),
        ),
    )
    out = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    row = next(r for r in table_rows(out, "No.") if r[0] == "9")
    assert "Findings: Mother engaged well." in row[5]
    assert "Decision informed: Plan to continue with weekly visits." in row[5]


DO_NOT_GIVE = "Do not give this copy to the family."


def _nothing_restricted_but(case: Case) -> Case:
    """The demo case with no restricted people and no restricted notes: what is left is the test's."""
    for person in case.people:
        person.restricted = False
    for meeting in case.meetings:
        for step in meeting.steps:
            step.restricted_notes = ""
    return case


def test_the_full_copy_warns_whenever_it_holds_something_restricted(tmp_path: Path) -> None:
    case = _nothing_restricted_but(demo_case())
    unshareable = next(c for c in case.concerns if c.id == 2)
    assert not unshareable.shareable and unshareable.meeting == 2
    out = write_minutes(case, 2, tmp_path / "concern.docx", settings=SETTINGS)
    assert DO_NOT_GIVE in body_text(out)  # only the unshareable concern is restricted

    unshareable.shareable = True
    assert unshareable.source_kind is SourceKind.ANONYMOUS
    out = write_minutes(case, 2, tmp_path / "anonymous.docx", settings=SETTINGS)
    assert DO_NOT_GIVE in body_text(out)  # the full copy names who passed an anonymous concern on

    unshareable.source_kind = SourceKind.AGENCY
    out = write_minutes(case, 2, tmp_path / "nothing.docx", settings=SETTINGS)
    assert DO_NOT_GIVE not in body_text(out)

    case.actions.append(Action(number=6, text="Quietly check the spare room.", raised_at=2, restricted=True))
    out = write_minutes(case, 2, tmp_path / "action.docx", settings=SETTINGS)
    assert DO_NOT_GIVE in body_text(out)

    case.actions.pop()
    case.people[2].restricted = True
    out = write_minutes(case, 2, tmp_path / "person.docx", settings=SETTINGS)
    assert DO_NOT_GIVE in body_text(out)


def test_agencies_that_sent_a_report_are_not_listed_as_missing_whatever_the_case_of_their_name(
    tmp_path: Path,
) -> None:
    case = demo_case()
    meeting = case.meetings[1]
    police = next(a for a in meeting.attendees if a.agency == "Sample Constabulary")
    assert police.report_received and police.status is AttendanceStatus.APOLOGIES
    health = next(a for a in meeting.attendees if a.agency == "Community Health")
    health.agency = "community health"  # typed in lower case, still the expected agency
    out = write_minutes(case, 2, tmp_path / "m.docx", settings=SETTINGS)
    text = body_text(out)
    assert "Expected agencies not present and no report received: Example Street Surgery" in text
    assert "Report received from: Sample Constabulary" in text
    missing_line = next(line for line in text.splitlines() if line.startswith("Expected agencies not present"))
    assert "Sample Constabulary" not in missing_line and "Community Health" not in missing_line


def test_a_restricted_name_however_spaced_or_broken_across_lines_is_withheld(tmp_path: Path) -> None:
    case = demo_case()
    meeting = case.meetings[1]
    meeting.steps[0].notes = "Jo said Max  Fictional visits on Fridays.\nPat saw MAX\nfictional at the door."
    meeting.attendees.append(Attendee(name="Max   Fictional", agency="Family", status=AttendanceStatus.INVITED))
    meeting.scaling.append(Scaling(name=" max\tFictional ", score=3, reason="Says all is well."))
    meeting.distribution.append(Distribution(recipient="Max  Fictional", sent_on=dt.date(2026, 10, 2)))
    out = write_minutes(case, 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS)
    text = body_text(out)
    assert "Jo said [name withheld] visits on Fridays." in text
    assert "Pat saw [name withheld] at the door." in text
    assert not re.search(r"\bmax\b", text, re.IGNORECASE), "a restricted name reached the family copy"
    assert "Says all is well." not in text  # the scaling row of the restricted person is left out
    for name, xml in package_parts(out).items():
        assert not re.search(r"\bmax\b", xml, re.IGNORECASE), name


def test_the_assessments_section_shows_each_persons_record_in_the_full_copy_only(tmp_path: Path) -> None:
    case = demo_case()
    full = body_text(write_minutes(case, 2, tmp_path / "full.docx", settings=SETTINGS))
    family = body_text(write_minutes(case, 2, tmp_path / "family.docx", copy=CopyType.FAMILY, settings=SETTINGS))
    for text in (full, family):
        assert "Assessments and the people they assess" in text
        assert "Action 1: parenting assessment of Jo Example" in text
        assert "How the assessment is adapted to them: Not recorded" in text
    assert "Trauma history: Spent time in care as a teenager (fictional)." in full
    assert "Trauma history" not in family  # one person's record is not shared with the rest of the family
