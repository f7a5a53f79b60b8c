"""Every kind of bad case file is refused with a message naming the field, and nothing is written."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.migrations import migrate
from meetings.domain.records import Action, ActionStatus, ActionType, Case, Gender, Person, Relationship
from meetings.domain.schema import InvalidRecord
from meetings.storage.store import Store

DEMO = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))
Change = Callable[[dict[str, Any]], object]


def _third_meeting_on_zoom(case: dict[str, Any]) -> None:
    meeting = copy.deepcopy(case["meetings"][1])
    meeting["number"] = 3
    meeting["attendees"][0]["mode"] = "zoom"
    case["meetings"].append(meeting)


BAD_FILES: list[tuple[str, Change, str]] = [
    ("impossible date", lambda c: c.update(icpc_date="2026-02-30"), "icpc_date: '2026-02-30' is not a real date"),
    (
        "date in the wrong form",
        lambda c: c.update(icpc_date="09/07/2026"),
        "icpc_date: should be a date in the form YYYY-MM-DD, not '09/07/2026'",
    ),
    ("empty name", lambda c: c["children"][0].update(name="  "), "children[0].name: must not be empty"),
    (
        "unknown attendance mode",
        _third_meeting_on_zoom,
        "meetings[2].attendees[0].mode: should be one of in_person, online, phone",
    ),
    (
        "unknown plan category",
        lambda c: c.update(plan_categories=["neglect", "worry"]),
        "plan_categories[1]: should be one of neglect, physical_abuse, emotional_abuse, sexual_abuse",
    ),
    (
        "unknown field",
        lambda c: c["meetings"][0].update(colour="red"),
        "meetings[0].colour: is not a field of this record",
    ),
    ("missing required field", lambda c: c.pop("icpc_date"), "icpc_date: is missing"),
    (
        "wrong type",
        lambda c: c["actions"][0].update(times_carried_forward="two"),
        "actions[0].times_carried_forward: should be a whole number, not text",
    ),
    (
        "line break in a one-line field",
        lambda c: c["people"][0].update(name="Jo\nExample"),
        "people[0].name: contains a line break at position 3 (this field is one line)",
    ),
    (
        "control character in a one-line field",
        lambda c: c["people"][1].update(contact="Flat\x070"),
        "people[1].contact: contains the control character '\\x07' at position 5 (this field is one line)",
    ),
    (
        "online meeting without a reason",
        lambda c: c["meetings"][0].update(mode_reason=" "),
        "meetings[0].mode_reason: a meeting held online needs a recorded reason",
    ),
    (
        "assessment closed without findings",
        lambda c: c["actions"][0].update(status="done", evidence=""),
        "actions[0].evidence: an assessment cannot be closed without its findings",
    ),
    (
        "assessment closed without the decision it informed",
        lambda c: c["actions"][0].update(
            status="done", evidence="Jo meets Wren's needs with support.", decision_informed=""
        ),
        "actions[0].decision_informed: an assessment cannot be closed without the decision its findings informed",
    ),
    (
        "assessment cancelled with no reason",
        lambda c: c["actions"][0].update(status="cancelled", evidence=""),
        "actions[0].evidence: say why the assessment was cancelled",
    ),
    (
        "assessment cancelled with no decision made without it",
        lambda c: c["actions"][0].update(
            status="cancelled", evidence="Jo Example moved out of the area.", decision_informed=""
        ),
        "actions[0].decision_informed: say what was decided without the assessment",
    ),
    ("duplicate action numbers", lambda c: c["actions"][1].update(number=1), "actions[1].number: 1 is used twice"),
    (
        "action for a person not in the case",
        lambda c: c["actions"][0].update(person_id=99),
        "actions[0].person_id: 99 is not a person in this case",
    ),
    (
        "attendee who is not a person in the case",
        lambda c: c["meetings"][0]["attendees"][1].update(person_id=99),
        "meetings[0].attendees[1].person_id: 99 is not a person in this case",
    ),
    (
        "file from a newer coregroup",
        lambda c: c.update(schema_version=4),
        "schema_version: 4 is newer than this coregroup understands (3); update coregroup to open it",
    ),
]


def _bad(change: Change) -> dict[str, Any]:
    case: dict[str, Any] = copy.deepcopy(DEMO)
    change(case)
    return case


def _written(root: Path) -> list[str]:
    """Case files and index entries in a store (lock files say nothing about a case)."""
    files = [p.name for p in (root / "cases").glob("*.json*")]
    for shard in (root / "index").glob("*.json"):
        files.extend(json.loads(shard.read_text()))
    return files


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_a_bad_case_file_is_refused_naming_the_field_and_nothing_is_written(
    tmp_path: Path, change: Change, message: str
) -> None:
    store = Store(tmp_path / "store")
    with pytest.raises(InvalidRecord) as refused:
        store.import_data(_bad(change))
    assert str(refused.value) == message
    assert _written(tmp_path / "store") == []
    assert store.list_cases() == []


def test_a_bad_file_does_not_replace_the_good_case_already_in_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.import_data(DEMO)
    before = store.case_path("DEMO-0001").read_bytes()
    with pytest.raises(InvalidRecord):
        store.import_data(_bad(lambda c: c.update(icpc_date="2026-02-30")), replace=True)
    assert store.case_path("DEMO-0001").read_bytes() == before
    assert store.export_data("DEMO-0001") == DEMO


def test_the_demo_case_is_valid_and_in_canonical_form() -> None:
    assert schema.dump(schema.load(Case, migrate(copy.deepcopy(DEMO)))) == DEMO


def test_every_rule_is_checked_on_load_not_only_on_import() -> None:
    with pytest.raises(InvalidRecord, match=r"^actions\[1\]\.number: 1 is used twice$"):
        schema.load(Case, _bad(lambda c: c["actions"][1].update(number=1)))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2**64, "is too large"),
        ("text with a lone surrogate \ud800", "broken character (\\ud800)"),
    ],
    ids=["integer beyond 64 bits", "lone surrogate"],
)
def test_a_value_that_cannot_be_stored_is_refused_with_its_path(tmp_path: Path, value: object, message: str) -> None:
    """JSON allows numbers and \\u escapes that a case file cannot hold; the import names the field."""

    def change(case: dict[str, Any]) -> None:
        case["meetings"][1]["steps"][0]["answers"]["confidentiality_explained"] = value

    store = Store(tmp_path / "store")
    with pytest.raises(InvalidRecord) as refused:
        store.import_data(_bad(change))
    assert refused.value.path == "meetings[1].steps[0].answers.confidentiality_explained"
    assert message in str(refused.value)
    assert _written(tmp_path / "store") == []


def test_a_cancelled_assessment_with_its_reason_and_decision_loads_and_other_actions_need_neither() -> None:
    def cancel(case: dict[str, Any]) -> None:
        case["actions"][0].update(
            status="cancelled",
            evidence="Jo Example moved out of the area (fictional).",
            decision_informed="The receiving council is asked to assess; the plan continues until transfer.",
        )
        case["actions"][1].update(
            status="cancelled", evidence="", decision_informed=""
        )  # a referral, not an assessment

    loaded = schema.load(Case, _bad(cancel))
    assert [a.status for a in loaded.actions[:2]] == [ActionStatus.CANCELLED, ActionStatus.CANCELLED]
    Action(number=9, text="Home visit", type=ActionType.VISIT, status=ActionStatus.CANCELLED).check()


@pytest.mark.parametrize(
    ("relationship", "gender", "may_be"),
    [
        (Relationship.MOTHERS_PARTNER, Gender.NOT_KNOWN, True),
        (Relationship.STEP_PARENT, Gender.NOT_KNOWN, True),
        (Relationship.REGULAR_VISITOR, Gender.NOT_KNOWN, True),
        (Relationship.FAMILY_FRIEND, Gender.NOT_KNOWN, True),
        (Relationship.GRANDPARENT, Gender.NOT_KNOWN, True),
        (Relationship.OTHER_RELATIVE, Gender.NOT_KNOWN, True),
        (Relationship.OTHER, Gender.NOT_KNOWN, True),
        (Relationship.MOTHERS_PARTNER, Gender.FEMALE, False),
        (Relationship.MOTHER, Gender.NOT_KNOWN, False),
        (Relationship.SIBLING, Gender.NOT_KNOWN, False),
        (Relationship.FEMALE_CARER, Gender.NOT_KNOWN, False),
    ],
)
def test_someone_of_unrecorded_gender_who_could_be_a_man_in_the_childs_life_is_treated_as_one(
    relationship: Relationship, gender: Gender, may_be: bool
) -> None:
    person = Person(id=1, name="Robin Example", relationship=relationship, gender=gender)
    assert person.may_be_male_carer is may_be
