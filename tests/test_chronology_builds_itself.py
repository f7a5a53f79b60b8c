"""A chronology that builds itself (issue 10, point 1): each conference and core group, each
concern and the core group's response, each action raised, carried forward and closed, each
service, the birth, household changes, the child seen and the timescales missed come from the
record, with nothing typed twice; they follow the family-copy rules of their source, on screen
(hidden until f8) and in the Word family copy; and they can be filtered by kind, person, source
and dates, in the app and in the Word export."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from tui_helpers import human, wait_until

from meetings.domain import schema
from meetings.domain.chronology import (
    ChronologyItem,
    EventKind,
    chronology,
    filter_chronology,
    for_copy,
    parse_kind,
)
from meetings.domain.family import Restrictions
from meetings.domain.records import (
    Action,
    ActionStatus,
    ActionType,
    AgendaStep,
    AttendanceMode,
    AttendanceStatus,
    Attendee,
    Breach,
    BreachKind,
    Case,
    Child,
    ChildAtVisit,
    Concern,
    CopyType,
    Meeting,
    MeetingMode,
    MeetingStatus,
    Person,
    PlanCategory,
    Relationship,
    Service,
    SourceKind,
    Visit,
)
from meetings.domain.settings import Settings
from meetings.exports.chronology import write_chronology
from meetings.storage.store import Store

TODAY = dt.date(2026, 6, 1)
SETTINGS = Settings()
CASE_ID = "CHRON-0001"

HOUSING = "Flat cold and damp; a man seen leaving early in the morning (fictional)."
ANONYMOUS = "Baby heard crying for hours late at night (fictional)."
NOT_SHAREABLE = "Mother gave a refuge address that must stay private (fictional)."
HELPLINE = "Sample Helpline"  # who passed the anonymous referral on: never in the family copy


def attendee(name: str, agency: str, status: AttendanceStatus, person_id: int | None = None) -> Attendee:
    mode = AttendanceMode.IN_PERSON if status is AttendanceStatus.ATTENDED else None
    return Attendee(name=name, agency=agency, status=status, mode=mode, person_id=person_id)


def meeting(number: int, day: dt.date, mode: MeetingMode, *, decisions: str, **more: Any) -> Meeting:
    attendees = [
        attendee("Alex Chair (fictional)", "Children's Social Care", AttendanceStatus.ATTENDED),
        attendee("Jo Example", "Family", AttendanceStatus.ATTENDED, 1),
        attendee("Jordan Pike", "Family", AttendanceStatus.APOLOGIES, 2),
    ]
    return Meeting(
        number=number,
        date=day,
        mode=mode,
        mode_reason="" if mode is MeetingMode.IN_PERSON else "Snow closed the family centre (fictional).",
        attendees=attendees + more.pop("extra", []),
        decisions=decisions,
        status=MeetingStatus.FINISHED,
        **more,
    )


def assessment(status: ActionStatus = ActionStatus.OPEN, **more: Any) -> Action:
    return Action(
        number=1,
        text="Parenting assessment of Jo Example (fictional).",
        owner="Alex Chair (fictional)",
        agency="Children's Social Care",
        type=ActionType.PARENTING_ASSESSMENT,
        person_id=1,
        raised_at=1,
        due=dt.date(2026, 3, 1),
        status=status,
        **more,
    )


def fictional_case() -> Case:
    """Three meetings, three concerns, no typed chronology entries."""
    case = Case(
        id=CASE_ID,
        children=[Child(id=1, name="Wren Example", due_date=dt.date(2026, 3, 14), date_of_birth=dt.date(2026, 3, 10))],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=dt.date(2026, 1, 15),
        review_conferences=[dt.date(2026, 4, 9), dt.date(2026, 10, 9)],
        lead_social_worker="Alex Chair (fictional)",
        people=[
            Person(id=1, name="Jo Example", relationship=Relationship.MOTHER, lives_in_household=True),
            Person(
                id=2,
                name="Jordan Pike",
                relationship=Relationship.MOTHERS_PARTNER,
                lives_in_household=True,
                household_from=dt.date(2026, 2, 10),
            ),
            Person(
                id=3,
                name="Max Fictional",
                relationship=Relationship.REGULAR_VISITOR,
                regularly_present=True,
                household_from=dt.date(2026, 2, 20),
                restricted=True,
            ),
        ],
    )
    snapshot = assessment(ActionStatus.IN_PROGRESS, evidence="Two sessions held (fictional).")
    case.meetings = [
        meeting(1, dt.date(2026, 1, 29), MeetingMode.ONLINE, decisions="Parenting assessment to start (fictional)."),
        meeting(
            2,
            dt.date(2026, 2, 26),
            MeetingMode.IN_PERSON,
            decisions="Check who visits the flat (fictional).",
            extra=[attendee("Max Fictional", "Family", AttendanceStatus.ATTENDED, 3)],
        ),  # finished before the tool kept each meeting's actions: it says nothing about carrying forward
        meeting(
            3,
            dt.date(2026, 3, 26),
            MeetingMode.HYBRID,
            decisions="Assessment to finish by April (fictional).",
            steps=[
                AgendaStep(
                    key="childs_voice",
                    title="The child's voice",
                    answers={"child_last_seen_on": "2026-03-24", "seen_alone": False},
                )
            ],
            actions_at_finish=[snapshot],
            recorded_at_finish=True,
        ),
    ]
    # The visit (once a meeting's "child last seen" answer; the migration makes it a visit).
    case.visits = [Visit(id=1, date=dt.date(2026, 3, 24), children=[ChildAtVisit(child_id=1, seen=True)])]
    case.actions = [
        assessment(
            ActionStatus.DONE,
            evidence="Jo meets Wren's needs with daily support (fictional).",
            decision_informed="Support worker visits daily (fictional).",
            completed_on=dt.date(2026, 4, 20),
        ),
        Action(
            number=2,
            text="Check the address Max Fictional gave (fictional).",
            agency="Sample Constabulary",
            raised_at=2,
            person_id=3,
        ),
    ]
    case.concerns = [
        Concern(
            id=1,
            received_on=dt.date(2026, 1, 20),
            source="Sample Homes Housing (fictional)",
            how_received="Email",
            reported=HOUSING,
            response="Police checks on the man seen (fictional).",
            responded_by="Alex Chair (fictional)",
            meeting=1,
        ),
        Concern(
            id=2,
            received_on=dt.date(2026, 2, 15),
            source_kind=SourceKind.ANONYMOUS,
            source=f"{HELPLINE} (fictional)",
            reported=ANONYMOUS,
            response="Unannounced evening visit (fictional).",
            meeting=2,
        ),
        Concern(
            id=3,
            received_on=dt.date(2026, 3, 20),
            source="Example Street Surgery (fictional)",
            reported=NOT_SHAREABLE,
            shareable=False,
        ),
    ]
    case.services = [
        Service(
            id=1,
            name="Perinatal mental health (fictional)",
            agency="Sample NHS Trust",
            for_whom="Jo Example",
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 3, 31),
        )
    ]
    case.breaches = [
        Breach(
            id=1,
            kind=BreachKind.FIRST_CORE_GROUP_LATE,
            key="first_core_group",
            what="The first core group was held late",
            due_on=dt.date(2026, 1, 29) - dt.timedelta(days=1),
            happened_on=dt.date(2026, 1, 29),
            working_days_late=1,
            recorded_on=dt.date(2026, 1, 29),
            meeting=1,
        )
    ]
    return case


def of_kind(items: list[ChronologyItem], kind: EventKind) -> list[ChronologyItem]:
    return [i for i in items if i.kind is kind]


def table_rows(path: Path) -> list[list[str]]:
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Date")
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def whole_text(path: Path) -> str:
    """Every part of the Word file (body, headers, footers, properties), as XML text."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(name).decode("utf-8", errors="replace") for name in z.namelist())


# ----- the domain: assembled from the record ------------------------------------------------------


def test_three_meetings_and_three_concerns_make_a_chronology_with_nothing_typed() -> None:
    case = fictional_case()
    assert case.chronology == []
    items = chronology(case, today=TODAY)

    groups = of_kind(items, EventKind.CORE_GROUP)
    assert [g.date for g in groups] == [m.date for m in case.meetings]
    first = groups[0]
    assert "held online" in first.event and "Snow closed the family centre" in first.event
    assert "Attended: Alex Chair (fictional) (Children's Social Care); Jo Example (Family)." in first.event
    assert "Apologies: Jordan Pike (Family)." in first.event
    assert first.response == "Decisions: Parenting assessment to start (fictional)."

    concerns = of_kind(items, EventKind.CONCERN)
    assert [c.date for c in concerns] == [dt.date(2026, 1, 20), dt.date(2026, 2, 15), dt.date(2026, 3, 20)]
    assert concerns[0].event == HOUSING
    assert concerns[0].response.startswith("Police checks on the man seen (fictional)")
    assert concerns[2].response == "No response from the core group recorded yet." and concerns[2].needs_attention
    assert items == sorted(items, key=lambda i: i.date)  # oldest first


def test_a_concern_logged_once_appears_once() -> None:
    case = fictional_case()
    items = chronology(case, today=TODAY)
    for concern in case.concerns:
        assert sum(1 for i in items if i.record is concern) == 1
    assert sum(1 for i in items if HOUSING in i.event) == 1


def test_actions_are_raised_carried_forward_only_where_kept_and_closed_with_their_findings() -> None:
    case = fictional_case()
    action = case.actions[0]
    events = [(i.date, i.event.split(":")[0]) for i in chronology(case, today=TODAY) if i.record is action]
    assert events == [
        (dt.date(2026, 1, 29), "Action 1 raised at core group 1"),
        (dt.date(2026, 3, 26), "Action 1 carried forward at core group 3 (in progress)"),  # meeting 2 kept none
        (dt.date(2026, 4, 20), "Action 1 done"),
    ]
    assert events and all(i.event.endswith("(parenting assessment).") for i in chronology(case, today=TODAY)
                          if i.record is action)  # fmt: skip
    done = [i for i in chronology(case, today=TODAY) if i.record is action][-1]
    assert "Findings: Jo meets Wren's needs with daily support (fictional)." in done.response
    assert "Decision informed: Support worker visits daily (fictional)." in done.response


def test_conferences_services_birth_household_contacts_and_breaches_come_from_the_record() -> None:
    items = chronology(fictional_case(), today=TODAY)
    conferences = of_kind(items, EventKind.CONFERENCE)
    assert [(c.date, c.event) for c in conferences] == [
        (dt.date(2026, 1, 15), "Initial child protection conference: child protection plan for neglect."),
        (dt.date(2026, 4, 9), "Review child protection conference 1."),  # the one booked for October: not yet
    ]
    services = of_kind(items, EventKind.SERVICE)
    assert [s.event for s in services] == [
        "Perinatal mental health (fictional) for Jo Example started.",
        "Perinatal mental health (fictional) for Jo Example ended.",
    ]
    assert services[1].response == "Nothing recorded to follow it." and services[1].needs_attention
    assert [b.event for b in of_kind(items, EventKind.BIRTH)] == ["Wren Example born (due 14 Mar 2026)."]
    household = of_kind(items, EventKind.HOUSEHOLD)
    assert [(h.event, h.shareable) for h in household] == [
        ("Jordan Pike (mother's partner) joined the household.", True),
        ("Max Fictional (regular visitor) began staying regularly or overnight.", False),  # restricted
    ]
    seen = of_kind(items, EventKind.CONTACT)
    assert [(s.date, s.event) for s in seen] == [(dt.date(2026, 3, 24), "Wren Example seen, not alone; visit.")]
    breaches = of_kind(items, EventKind.BREACH)
    assert [b.event for b in breaches] == ["The first core group was held late: due 28 Jan 2026, 1 working day late."]


def test_typed_entries_sit_among_the_events_of_the_record() -> None:
    from meetings.domain.records import ChronologyEntry

    case = fictional_case()
    case.chronology = [
        ChronologyEntry(id=1, date=dt.date(2026, 2, 1), source="Sample School (fictional)", event="Typed (fictional).")
    ]
    items = chronology(case, today=TODAY)
    typed = of_kind(items, EventKind.TYPED)
    assert [t.event for t in typed] == ["Typed (fictional)."] and typed[0].record is case.chronology[0]
    before = [i for i in items if i.date < dt.date(2026, 2, 1)]
    assert items.index(typed[0]) == len(before)


def test_the_family_view_leaves_out_what_the_family_copy_leaves_out() -> None:
    case = fictional_case()
    family = for_copy(chronology(case, today=TODAY), Restrictions.of(case, CopyType.FAMILY))
    text = "\n".join(f"{i.source} {i.event} {i.response}" for i in family)
    assert NOT_SHAREABLE not in text and HELPLINE not in text and "Max Fictional" not in text
    assert "Check the address" not in text  # an action about a restricted person
    anonymous = next(i for i in family if i.event == ANONYMOUS)
    assert anonymous.source == "Anonymous"
    assert all(3 not in i.person_ids for i in family)


def test_the_filter_picks_by_kind_person_source_and_dates() -> None:
    items = chronology(fictional_case(), today=TODAY)
    assert {i.kind for i in filter_chronology(items, kinds=[EventKind.CONCERN])} == {EventKind.CONCERN}
    about_jordan = filter_chronology(items, person_ids=[2])
    assert {i.kind for i in about_jordan} == {EventKind.CORE_GROUP, EventKind.HOUSEHOLD}
    housing = filter_chronology(items, agencies=["homes housing"])
    assert [i.event for i in housing] == [HOUSING]
    february = filter_chronology(items, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    assert february and all(dt.date(2026, 2, 1) <= i.date <= dt.date(2026, 2, 28) for i in february)
    assert parse_kind("core-group") is EventKind.CORE_GROUP and parse_kind("Concern") is EventKind.CONCERN


# ----- the Word export ------------------------------------------------------------------------------


def test_the_word_chronology_holds_the_meetings_and_concerns_with_their_kind(tmp_path: Path) -> None:
    out = write_chronology(fictional_case(), tmp_path / "c.docx", today=TODAY, settings=SETTINGS)
    rows = table_rows(out)
    kinds = [r[1] for r in rows]
    assert kinds.count("Core group") == 3 and kinds.count("Concern received") == 3
    assert "Chronology entry" not in kinds
    housing = next(r for r in rows if r[3] == HOUSING)
    assert housing[0] == "20 Jan 2026" and housing[2] == "Sample Homes Housing (fictional); Email"
    assert housing[6] == "From the record: Concerns log"
    assert sum(1 for r in rows if HOUSING in r[3]) == 1  # logged once, printed once
    assert {"Action", "Service", "Birth", "Household change", "Visit or child seen", "Timescale missed"} <= set(kinds)


def test_the_family_copy_leaves_out_a_concern_not_shareable_and_who_passed_on_an_anonymous_one(
    tmp_path: Path,
) -> None:
    case = fictional_case()
    case.concerns.append(
        Concern(
            id=4,
            received_on=dt.date(2026, 3, 2),
            source="Sample Nursery (fictional)",
            referrer="Dana Neighbour",
            referrer_restricted=True,
            reported="Wren often collected late (fictional).",
        )
    )
    full = write_chronology(case, tmp_path / "full.docx", today=TODAY, settings=SETTINGS)
    family = write_chronology(case, tmp_path / "family.docx", copy=CopyType.FAMILY, today=TODAY, settings=SETTINGS)
    for secret in (NOT_SHAREABLE, HELPLINE, "Dana Neighbour", "Max Fictional", "Check the address"):
        assert secret in whole_text(full), secret
        assert secret not in whole_text(family), secret
    rows = table_rows(family)
    assert next(r for r in rows if r[3] == ANONYMOUS)[2] == "Anonymous"
    assert "Wren often collected late (fictional)." in [r[3] for r in rows]  # shareable: only who referred is kept


def test_the_word_export_filters_by_kind_person_source_and_dates(tmp_path: Path) -> None:
    case = fictional_case()

    def rows(**chosen: Any) -> list[list[str]]:
        return table_rows(write_chronology(case, tmp_path / "c.docx", today=TODAY, settings=SETTINGS, **chosen))

    assert {r[1] for r in rows(kinds=[EventKind.CORE_GROUP, EventKind.SERVICE])} == {"Core group", "Service"}
    assert {r[1] for r in rows(person_ids=[2])} == {"Core group", "Household change"}
    assert [r[3] for r in rows(agencies=["housing"])] == [HOUSING]
    assert [r[0] for r in rows(start=dt.date(2026, 3, 24), end=dt.date(2026, 3, 26), kinds=[EventKind.CONTACT])] == [
        "24 Mar 2026"
    ]
    document = docx.Document(str(tmp_path / "c.docx"))
    said = "\n".join(p.text for p in document.paragraphs)
    assert "Kinds: Visit or child seen" in said and "Entries: From Tuesday 24 March 2026" in said


def test_the_chronology_command_filters_by_person_and_kind(tmp_path: Path) -> None:
    store = tmp_path / "store"
    Store(store).import_data(schema.dump(fictional_case()))
    out = tmp_path / "c.docx"
    env = {k: v for k, v in os.environ.items() if k != "COREGROUP_STORE"}
    command = [sys.executable, "-m", "tui", "--store", str(store), "chronology", CASE_ID, "--out", str(out)]
    done = subprocess.run(
        [*command, "--person", "jordan", "--kind", "household"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert [r[3] for r in table_rows(out)] == ["Jordan Pike (mother's partner) joined the household."]
    wrong = subprocess.run([*command, "--kind", "picnic"], capture_output=True, text=True, env=env, check=False)
    assert wrong.returncode != 0 and "is not a kind of chronology item" in wrong.stderr


# ----- the app: the Chronology tab ------------------------------------------------------------------


@pytest.fixture
def chronology_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.import_data(json.loads(json.dumps(schema.dump(fictional_case()))))
    return store


def tab_rows(screen: Any) -> list[list[str]]:
    from textual.widgets import DataTable

    table = screen.query_one("#table-chronology", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_chronology(pilot: Any, app: Any) -> Any:
    await human(pilot, "enter")
    await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen" and app.screen.ready)
    screen = app.screen
    await human(pilot, "7")
    await wait_until(pilot, lambda: screen.query_one("TabbedContent").active == "chronology" and bool(tab_rows(screen)))
    return screen


async def test_the_chronology_tab_lists_the_record_and_hides_what_the_family_may_not_see_until_f8(
    chronology_store: Store, make_app: Any
) -> None:
    app = make_app(chronology_store, now=dt.datetime(2026, 6, 1, 9, 0))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_chronology(pilot, app)
        rows = tab_rows(screen)
        assert [r[1] for r in rows].count("Core group") == 3
        assert [r[1] for r in rows].count("Concern received") == 2  # the third is not shareable
        text = " ".join(" ".join(r) for r in rows)
        for secret in (NOT_SHAREABLE[:30], HELPLINE, "Max Fictional", "Check the address"):
            assert secret not in text, secret
        assert "Anonymous" in text
        assert "restricted items hidden (f8 shows)" in str(screen.sub_title)
        days = [dt.datetime.strptime(r[0], "%d %b %Y").date() for r in rows]
        assert days == sorted(days, reverse=True)  # newest first

        await human(pilot, "f8")
        await wait_until(pilot, lambda: "RESTRICTED SHOWN" in str(screen.sub_title))
        await wait_until(pilot, lambda: NOT_SHAREABLE[:30] in " ".join(" ".join(r) for r in tab_rows(screen)))
        text = " ".join(" ".join(r) for r in tab_rows(screen))
        assert "Anonymous (passed on by Sample Help" in text and "Check the address" in text


async def test_the_chair_filters_the_chronology_tab_by_kind_person_source_and_dates(
    chronology_store: Store, make_app: Any
) -> None:
    from textual.widgets import Select

    app = make_app(chronology_store, now=dt.datetime(2026, 6, 1, 9, 0))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_chronology(pilot, app)
        every = len(tab_rows(screen))

        async def open_filter() -> Any:
            await human(pilot, "slash")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "RecordForm")
            return app.screen

        # The kind: the first field; enter opens its list, the arrows move, enter picks.
        form = await open_filter()
        await human(pilot, "enter", *["down"] * 4, "enter")  # blank, typed entry, conference, core group, concern
        await wait_until(pilot, lambda: form.query_one("#f-kind", Select).value == "concern")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and len(tab_rows(screen)) == 2)
        assert {r[1] for r in tab_rows(screen)} == {"Concern received"}
        assert "Showing 2 of" in str(screen.query_one("#chronology-filter").render())

        # The person, the next field: Jordan Pike, the second person shown.
        form = await open_filter()
        await human(pilot, "enter", "home", "enter")  # back to every kind
        await human(pilot, "tab", "enter", "down", "down", "enter")
        await wait_until(pilot, lambda: form.query_one("#f-person_id", Select).value == 2)
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and {r[1] for r in tab_rows(screen)} == {
            "Core group", "Household change"})  # fmt: skip

        # A source and dates, typed; then every field emptied shows everything again.
        form = await open_filter()
        await human(pilot, "tab", "enter", "home", "enter")  # everyone
        await human(pilot, "tab", *"housing")
        await human(pilot, "ctrl+s")
        await wait_until(
            pilot, lambda: app.screen is screen and [r[4] for r in tab_rows(screen)] == [HOUSING[:59] + "…"]
        )

        form = await open_filter()
        await human(pilot, "tab", "tab", *["backspace"] * 7, "tab", *"2026-03-01", "tab", *"2026-03-31")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and len(tab_rows(screen)) > 0)
        march = tab_rows(screen)
        assert all("Mar 2026" in r[0] for r in march) and len(march) < every

        form = await open_filter()
        await human(pilot, "tab", "tab", "tab", *["backspace"] * 10, "tab", *["backspace"] * 10, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen and len(tab_rows(screen)) == every)


async def test_enter_on_an_event_of_the_record_opens_the_record_it_comes_from(
    chronology_store: Store, make_app: Any
) -> None:
    from textual.widgets import TextArea

    from tui.widgets.forms import RecordForm

    app = make_app(chronology_store, now=dt.datetime(2026, 6, 1, 9, 0))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_chronology(pilot, app)
        row = next(i for i, r in enumerate(tab_rows(screen)) if r[4] == HOUSING[:59] + "…")
        await human(pilot, "tab")  # from the tabs to the table
        await wait_until(pilot, lambda: app.focused is screen.query_one("#table-chronology"))
        await human(pilot, *["down"] * row, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))  # the concern's own form
        assert app.screen.title_text == "Concern or information received"
        assert app.screen.query_one("#f-reported", TextArea).text == HOUSING
        await human(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is screen)
        missed = next(i for i, r in enumerate(tab_rows(screen)) if r[1] == "Timescale missed")
        await human(pilot, *["up"] * row, *["down"] * missed, "enter")  # kept by the tool: it says so
        await wait_until(pilot, lambda: any("recorded by the tool" in n for n in app.notices))
        assert app.screen is screen
        await human(pilot, "a")  # a typed entry is still added with the add key
        await wait_until(pilot, lambda: isinstance(app.screen, RecordForm))
        assert app.screen.title_text == "New chronology entry"
