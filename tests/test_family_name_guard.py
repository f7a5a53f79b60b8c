"""The two layers of the family copy, tested apart (issue 22, points 5 and 6).

The record-level rule (restricted people, restricted actions, concerns not shareable, restricted
notes, withheld referrers) is tested with the name guard switched off; the name guard is tested on
names typed into shareable free text, in every order and hyphenation. Then the review a person
reads before a family copy is written, on the command line. Every name here is made up.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from meetings.domain import schema
from meetings.domain.family import Restrictions, fold_text, withhold
from meetings.domain.locations import data_dir
from meetings.domain.name_review import review_family_copy
from meetings.domain.records import (
    Action,
    AttendanceStatus,
    Attendee,
    Case,
    ChronologyEntry,
    Concern,
    CopyType,
    Person,
    Relationship,
    SourceKind,
)
from meetings.domain.settings import Settings
from meetings.exports.brief import write_brief
from meetings.exports.chronology import write_chronology
from meetings.exports.minutes import write_minutes

SETTINGS = Settings()
TODAY = dt.date(2026, 11, 20)
RESTRICTED_PERSON = "Zoë Strauß-Whitfield"
REFERRER = "Perpetua Quillfeather (neighbour across the road)"


def demo_case() -> Case:
    return schema.load(Case, json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8")))


def every_text(path: Path) -> str:
    """All a .docx holds, read back as Word would show it: each paragraph, each table cell (nested
    too), each header and footer, each core property; and, in case, the text of every XML part."""
    document = docx.Document(str(path))
    found: list[str] = [p.text for p in document.paragraphs]

    def cells(tables: list) -> None:  # type: ignore[type-arg]
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    found.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    cells(document.tables)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            found.extend(p.text for p in part.paragraphs)
            cells(part.tables)
    props = document.core_properties
    found += [props.title, props.subject, props.author, props.keywords, props.comments, props.category,
              props.last_modified_by, props.content_status, props.identifier, props.version]  # fmt: skip
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                found.append(package.read(name).decode("utf-8", "replace"))
    return "\n".join(s for s in found if s)


def exports(case: Case, folder: Path, copy_type: CopyType) -> str:
    """The minutes of meeting 2, the brief and the chronology of `case` in one copy, as text."""
    folder.mkdir(exist_ok=True)
    written = [
        write_minutes(case, 2, folder / "minutes.docx", copy=copy_type, settings=SETTINGS),
        write_brief(case, folder / "brief.docx", today=TODAY, copy=copy_type, settings=SETTINGS),
        write_chronology(case, folder / "chronology.docx", copy=copy_type, today=TODAY, settings=SETTINGS),
    ]
    return "\n".join(every_text(p) for p in written)


def kept_at_meeting_2(case: Case, action: Action) -> None:
    """Add `action`, raised at meeting 2, as the finished meetings from 2 on kept it."""
    case.actions.append(action)
    for meeting in case.meetings:
        if meeting.recorded_at_finish and meeting.number >= 2:
            meeting.actions_at_finish.append(copy.deepcopy(action))


# ----- the record-level rule alone ----------------------------------------------------------------

# Words that appear only in restricted records: none may reach the family copy.
MARKERS = {
    "restricted person": "Ottoline Marchbanks",
    "restricted action": "Quietly ask the other council about the wintergreen address.",
    "action of a restricted person": "Marchbanks to attend the bramblewood programme.",
    "concern not shareable": "The caller said the lanternfish van was outside at night.",
    "restricted notes": "Police intelligence about the copperleaf flat was shared.",
    "withheld referrer": "Tobias Nettleford",
    "chronology entry not shareable": "Strategy discussion about the juniperhall address.",
    "safety arrangements": "Arrive by the tamarisk side door, fifteen minutes apart.",
}


def with_restricted_records(case: Case) -> Case:
    """The demo case with a restricted record of every kind, each holding a marker above, and no
    restricted name typed anywhere the family may see (so only the record-level rule is at work)."""
    person = Person(id=case.next_number("people"), name=MARKERS["restricted person"], relationship=Relationship.OTHER,
                    restricted=True, risks="Subject of a non-molestation order.")  # fmt: skip
    case.people.append(person)
    meeting = next(m for m in case.meetings if m.number == 2)
    meeting.attendees.append(Attendee(name=person.name, role="Family friend", person_id=person.id,
                                      status=AttendanceStatus.INVITED))  # fmt: skip
    meeting.steps[5].restricted_notes = MARKERS["restricted notes"]
    meeting.safety_arrangements = MARKERS["safety arrangements"]
    kept_at_meeting_2(case, Action(number=case.next_number("actions"), text=MARKERS["restricted action"],
                                   owner="Alex Chair (fictional)", raised_at=2, due=dt.date(2026, 12, 1),
                                   restricted=True))  # fmt: skip
    kept_at_meeting_2(case, Action(number=case.next_number("actions"), text=MARKERS["action of a restricted person"],
                                   owner="Alex Chair (fictional)", raised_at=2, due=dt.date(2026, 12, 1),
                                   person_id=person.id))  # fmt: skip
    case.concerns.append(Concern(id=case.next_number("concerns"), received_on=meeting.date - dt.timedelta(days=3),
                                 source="Police", reported=MARKERS["concern not shareable"], meeting=2,
                                 shareable=False))  # fmt: skip
    case.concerns.append(Concern(id=case.next_number("concerns"), received_on=meeting.date - dt.timedelta(days=2),
                                 source_kind=SourceKind.PERSON, source="Telephone", referrer=MARKERS["withheld referrer"],
                                 referrer_restricted=True, reported="Children heard crying late at night.",
                                 meeting=2))  # fmt: skip
    case.chronology.append(ChronologyEntry(id=case.next_number("chronology"), date=meeting.date - dt.timedelta(days=9),
                                           source="Children's Social Care",
                                           event=MARKERS["chronology entry not shareable"], shareable=False))  # fmt: skip
    return case


def test_the_record_level_rule_alone_withholds_every_restricted_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = with_restricted_records(demo_case())
    full = exports(case, tmp_path / "full", CopyType.FULL)
    # The name guard switched off: no name is withheld from any text.
    monkeypatch.setattr(Restrictions, "pattern", property(lambda self: None))
    assert Restrictions.of(case, CopyType.FAMILY).cleaner() is None
    family = exports(case, tmp_path / "family", CopyType.FAMILY)
    for kind, marker in MARKERS.items():
        assert marker in full, f"the full copies should hold the {kind}"
        assert marker not in family, f"the family copies hold the {kind}"
    assert "Jo Example" in family  # the family copy is written, with what the family may see


# ----- the name guard alone ------------------------------------------------------------------------


def typed_in_shared_text(case: Case, typed: list[str]) -> Case:
    """`typed` written into shareable free text the family copies print, and into the chair's name
    (the documents' author)."""
    meeting = next(m for m in case.meetings if m.number == 2)
    meeting.steps[5].notes += "\n" + "; ".join(f"{t} was mentioned" for t in typed)
    meeting.decisions += "\n" + " and ".join(typed) + " to be kept informed."
    meeting.chair = f"{meeting.chair}, with {typed[0]}"
    case.danger_statement += f" {typed[-1]} visits the home."
    case.concerns.append(Concern(id=case.next_number("concerns"), received_on=meeting.date - dt.timedelta(days=1),
                                 source="Housing provider", reported=f"A neighbour saw {typed[1]} at the door.",
                                 response="Discussed at the core group.", meeting=2))  # fmt: skip
    case.chronology.append(ChronologyEntry(id=case.next_number("chronology"), date=meeting.date - dt.timedelta(days=4),
                                           source="Health visitor", event=f"Home visit; {typed[2]} was present."))  # fmt: skip
    return case


def test_a_double_barrelled_surname_first_goes_in_no_family_export(tmp_path: Path) -> None:
    case = demo_case()
    case.people.append(Person(id=case.next_number("people"), name=RESTRICTED_PERSON, restricted=True,
                              relationship=Relationship.OTHER))  # fmt: skip
    typed = ["Strauß-Whitfield, Zoë", "STRAUSS-WHITFIELD ZOE", "Zoe Strauss Whitfield", "Mr Strauß-Whitfield",
             "Ms Whitfield", "Strauss"]  # fmt: skip
    case = typed_in_shared_text(case, typed)
    family = fold_text(exports(case, tmp_path / "family", CopyType.FAMILY))
    for part in ("strauss", "whitfield", "zoe"):
        assert part not in family
    assert "[name withheld]" in family
    assert "jo example" in family  # the family's own names stay


def test_a_withheld_referrer_is_withheld_by_name_alone_wherever_typed(tmp_path: Path) -> None:
    case = demo_case()
    case.concerns.append(Concern(id=case.next_number("concerns"), received_on=dt.date(2026, 10, 1),
                                 source_kind=SourceKind.PERSON, source="Telephone", referrer=REFERRER,
                                 referrer_restricted=True, reported="Shouting heard most evenings.", meeting=2,
                                 response="Visit arranged."))  # fmt: skip
    case = typed_in_shared_text(case, ["Perpetua Quillfeather", "Quillfeather, Perpetua", "Mrs Quillfeather"])
    family = fold_text(exports(case, tmp_path / "family", CopyType.FAMILY))
    assert "quillfeather" not in family
    assert "perpetua" not in family or "perpetua" in fold_text(review_words(case))  # a first name alone is reviewed


def review_words(case: Case) -> str:
    return "\n".join(review_family_copy(case).words())


SYLLABLES = ["bram", "wick", "holt", "ster", "mere", "vane", "corr", "dell", "foss", "garth", "lund", "thorn"]
FORENAMES = ["Zoë", "Anneliese", "Björn", "Siobhán", "Oluwaseun", "Marguerite", "Teodor"]
part_st = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3).map(lambda s: "".join(s).capitalize())


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    forename=st.sampled_from(FORENAMES),
    surname=st.lists(part_st, min_size=1, max_size=3, unique=True),
    joiner=st.sampled_from(["-", " "]),
    written=st.sampled_from(
        [
            "forename surname",
            "surname, forename",
            "surname forename",
            "initial surname",
            "title surname",
            "part",
            "upper",
            "lower full",
        ]
    ),  # fmt: skip
    which=st.integers(min_value=0, max_value=2),
    recorded_surname_first=st.booleans(),
)
def test_the_name_guard_alone_catches_a_restricted_name_in_every_order(
    forename: str, surname: list[str], joiner: str, written: str, which: int, recorded_surname_first: bool
) -> None:
    recorded_surname = "-".join(surname)
    recorded = f"{recorded_surname}, {forename}" if recorded_surname_first else f"{forename} {recorded_surname}"
    family = Restrictions(True, frozenset(), (recorded,))
    typed_surname = joiner.join(surname)
    typed = {
        "forename surname": f"{forename} {typed_surname}",
        "surname, forename": f"{typed_surname}, {forename}",
        "surname forename": f"{typed_surname} {forename}",
        "initial surname": f"{forename[0]}. {typed_surname}",
        "title surname": f"Mx {typed_surname}",
        "part": surname[which % len(surname)],
        "upper": f"{typed_surname}, {forename}".upper(),
        "lower full": f"{forename} {typed_surname}".lower(),
    }[written]
    text = f"At the visit {typed} said the children were at school."
    cleaned = fold_text(withhold(family.pattern, text))
    for part in surname:
        assert fold_text(part) not in cleaned
    assert cleaned.startswith("at the visit ") and cleaned.endswith(" said the children were at school.")


# ----- the review before a family copy -------------------------------------------------------------


def test_the_command_line_lists_what_it_withheld_and_the_near_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    case = demo_case()
    case.people.append(Person(id=case.next_number("people"), name=RESTRICTED_PERSON, restricted=True,
                              relationship=Relationship.OTHER))  # fmt: skip
    meeting = next(m for m in case.meetings if m.number == 2)
    meeting.steps[5].notes += "\nStrauß-Whitfield, Zoë rang the school. Zoë was calm. Z.S-W. to be told."
    store_root = tmp_path / "store"
    from meetings.storage.store import Store

    Store(store_root).import_data(schema.dump(case))
    out = tmp_path / "m.docx"
    assert main(["--store", str(store_root), "minutes", case.id, "--meeting", "2", "--copy", "family",
                 "--out", str(out)]) == 0  # fmt: skip
    said = capsys.readouterr().out
    step = f"Meeting 2, step \u2018{meeting.steps[5].title}\u2019, notes"
    assert f"{step}: \u201cStrauß-Whitfield, Zoë\u201d (a restricted person's name; withheld)" in said
    assert f"{step}: \u201cZoë\u201d (a first name alone; left in: check it)" in said
    assert f"{step}: \u201cZ.S-W.\u201d (initials; left in: check it)" in said
    assert "Strauß-Whitfield" not in every_text(out)


async def test_the_app_shows_the_review_before_the_family_copy_and_escape_writes_nothing(
    tmp_path: Path, make_app: object
) -> None:
    from textual.widgets import Input, Static
    from tui_helpers import put, settle, wait_until

    from meetings.storage.store import Store

    case = demo_case()
    case.people.append(Person(id=case.next_number("people"), name=RESTRICTED_PERSON, restricted=True,
                              relationship=Relationship.OTHER))  # fmt: skip
    next(m for m in case.meetings if m.number == 2).decisions += "\nWhitfield, Zoë Strauß to be told by letter."
    store = Store(tmp_path / "store")
    store.import_data(schema.dump(case))
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        await pilot.press("c")  # meeting 2, finished
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")
        await pilot.press("f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        shown = str(app.screen.query_one("#review-words", Static).render())
        assert "Meeting 2, decisions: \u201cWhitfield, Zoë Strauß\u201d (a restricted person's name; withheld)" in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen")
        assert not list(out.iterdir())  # escape: nothing written
        await pilot.press("f3")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "NameReviewScreen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Ask")
        put(app.screen, "#ask-input", str(out))
        assert app.screen.query_one("#ask-input", Input).value == str(out)
        await pilot.press("enter")
        await settle(pilot, app)
        await wait_until(pilot, lambda: len(list(out.iterdir())) == 2)
    family = fold_text(every_text(out / f"{case.id}-core-group-2-family.docx"))
    assert "strauss" not in family and "whitfield" not in family
