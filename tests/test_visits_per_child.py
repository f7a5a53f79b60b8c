"""Issue 12, points 1 and 6: visits read per child. Each child not seen within the visit rule, or
not seen alone for the configured weeks, is flagged by name; a sibling seen never hides one who
was not; the reason a child was not seen is said. Visits are recorded on a form (the Visits tab,
or f9 at a meeting), listed at the visits step, and are in the chronology; a school's attendance
concern is linked to its child. Fictional data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Select, Static
from tui_helpers import human, wait_until

from meetings.domain.brief import build_brief
from meetings.domain.chronology import EventKind, chronology
from meetings.domain.flags import Flag, case_flags
from meetings.domain.records import (
    Case,
    Child,
    ChildAtVisit,
    CopyType,
    Meeting,
    MeetingStatus,
    Mobility,
    NotSeenReason,
    PlanCategory,
    Visit,
)
from meetings.domain.settings import Settings
from meetings.storage.store import Store
from tui.screens.case import CaseScreen
from tui.screens.visits import CHILD_CHOICES, VisitForm
from tui.screens.walkthrough import WalkthroughScreen

D = dt.date
SETTINGS = Settings()
TODAY = D(2026, 11, 20)  # conftest's FIXED_NOW


def siblings(*visits: Visit) -> Case:
    """Two fictional siblings, and a baby not yet born, on a plan with one core group held."""
    return Case(
        id="TEST-12",
        children=[
            Child(id=1, name="Wren Example", date_of_birth=D(2025, 6, 1), mobility=Mobility.MOBILE),
            Child(id=2, name="Robin Example", date_of_birth=D(2019, 5, 6), mobility=Mobility.MOBILE),
            Child(id=3, name="Unborn baby of Jo Example", due_date=D(2027, 2, 1), mobility=Mobility.UNBORN),
        ],
        plan_categories=[PlanCategory.NEGLECT],
        icpc_date=D(2026, 6, 1),
        meetings=[Meeting(number=1, date=D(2026, 7, 1), status=MeetingStatus.FINISHED)],
        visits=list(visits),
    )


def seen(child_id: int, *, alone: bool = False) -> ChildAtVisit:
    return ChildAtVisit(child_id=child_id, seen=True, seen_alone=alone)


def not_seen(child_id: int, reason: NotSeenReason, detail: str = "") -> ChildAtVisit:
    return ChildAtVisit(child_id=child_id, seen=False, not_seen_reason=reason, not_seen_detail=detail)


def flags_of(case: Case, today: dt.date, kind: str) -> list[Flag]:
    return [f for f in case_flags(case, SETTINGS, today) if f.kind == kind]


# ----- the rules, child by child -----------------------------------------------------------------


def test_a_sibling_seen_never_hides_the_one_not_seen_and_the_reason_is_said() -> None:
    case = siblings(
        Visit(id=1, date=D(2026, 11, 2), children=[seen(1, alone=True), seen(2, alone=True)]),
        Visit(
            id=2,
            date=D(2026, 11, 16),
            visited_by="Jordan Pike",
            children=[seen(1), not_seen(2, NotSeenReason.ACCESS_REFUSED)],
        ),
    )
    # Robin last seen 2 November: 15 working days run to 23 November; Wren was seen on the 16th.
    (within,) = flags_of(case, D(2026, 11, 20), "child_not_seen")
    assert within.message.startswith("Robin Example was last seen on 2 November 2026")
    assert "Not seen at the visit on 16 November 2026: access refused" in within.message
    assert "Wren" not in within.message and "Unborn" not in within.message
    (late,) = flags_of(case, D(2026, 11, 25), "child_not_seen")
    assert "Robin Example was last seen on 2 November 2026, 17 working days ago" in late.message
    assert "access refused" in late.message and "Wren" not in late.message
    # Once Wren too is overdue, each child has a flag of their own; the baby not yet born none.
    both = flags_of(case, D(2026, 12, 15), "child_not_seen")
    assert [f.message.split(" was ")[0] for f in both] == ["Wren Example", "Robin Example"]


def test_seen_alone_no_at_ten_visits_in_a_row_is_flagged_for_that_child_only() -> None:
    visits = [
        Visit(id=n, date=D(2026, 7, 6) + dt.timedelta(weeks=2 * (n - 1)), children=[seen(1), seen(2)])
        for n in range(1, 11)
    ]
    case = siblings(*visits)
    today = visits[-1].date + dt.timedelta(days=1)
    (flag,) = flags_of(case, today, "child_not_seen_alone")
    assert flag.message.startswith("Robin Example has not been recorded as seen alone at any visit")
    assert "seen at 10 visits since, not alone" in flag.message
    assert "every 6 weeks" in flag.message
    assert flags_of(case, today, "child_not_seen") == []  # seen, just never alone
    # Wren, under two, is not asked about; at three she is too, once seen alone has been left for six weeks ...
    case.children[0].date_of_birth = D(2023, 1, 1)
    assert [f.message.split(" has ")[0] for f in flags_of(case, today, "child_not_seen_alone")] == [
        "Wren Example",
        "Robin Example",
    ]
    # ... and a visit seeing Robin alone clears Robin's flag only.
    case.visits.append(Visit(id=11, date=today, children=[seen(1), seen(2, alone=True)]))
    (left,) = flags_of(case, today, "child_not_seen_alone")
    assert left.message.startswith("Wren Example")


def test_a_restricted_visit_says_nothing_on_the_shared_screen_but_the_warning_stays() -> None:
    case = siblings(
        Visit(id=1, date=D(2026, 10, 1), children=[seen(1), seen(2)]),
        Visit(
            id=2,
            date=D(2026, 11, 2),
            children=[seen(1), not_seen(2, NotSeenReason.OTHER, "at Max Fictional's flat")],
            restricted=True,
        ),
    )
    # Wren's visit counts, whoever may see it; Robin's warning stands, without the restricted words.
    shared = [f for f in flags_of(case, TODAY, "child_not_seen") if not f.restricted]
    assert [f.message.split(" was ")[0] for f in shared] == ["Robin Example"]
    assert "Max Fictional" not in shared[0].message and "2 November" not in shared[0].message


def test_the_chronology_has_each_child_at_each_visit() -> None:
    case = siblings(
        Visit(
            id=1,
            date=D(2026, 10, 5),
            visited_by="Jordan Pike",
            agency="Children's Social Care",
            where="home",
            announced=False,
            children=[seen(1, alone=False), not_seen(2, NotSeenReason.OUT, "at school trip")],
        )
    )
    events = [i.event for i in chronology(case, today=TODAY) if i.kind is EventKind.CONTACT]
    assert events == [
        "Wren Example seen, not alone; visit by Jordan Pike, Children's Social Care, home, unannounced.",
        "Robin Example not seen: out (at school trip); visit by Jordan Pike, Children's Social Care, home, "
        "unannounced.",
    ]


# ----- in the app --------------------------------------------------------------------------------


def shown(screen: Any, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


async def tab_to(pilot: Any, widget_id: str, most: int = 30) -> None:
    """Press tab, as a chair does, until the field `widget_id` has the focus."""
    for _ in range(most):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await human(pilot, "tab")
    raise AssertionError(f"tab never reached {widget_id}")


async def choose(pilot: Any, labels: list[str], words: str) -> None:
    """Open the focused choice with enter (its empty line first, highlighted) and move down to
    `words` among `labels`, then pick it."""
    await human(pilot, "enter", *["down"] * (labels.index(words) + 1), "enter")


async def test_a_visit_recorded_on_the_visits_tab_clears_the_childs_flag(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        case_screen = app.screen
        flags = shown(case_screen, "#case-flags")  # as the chair first sees them: restricted hidden
        assert "Sky Example was last seen on 27 October 2026, 18 working days ago" in flags
        assert "Not seen at the visit on 10 November 2026: access refused" in flags
        assert "Sky Example was last seen alone on 1 September 2026" in flags
        assert "Wren Example was last seen" not in flags  # seen on the 10th: her sibling hides nothing
        await human(pilot, "9")
        await human(pilot, "a")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitForm))
        await tab_to(pilot, "f-visited_by")  # the date is today's already
        await human(pilot, *"Jordan Pike")
        await tab_to(pilot, "child-2")
        await choose(pilot, [words for words, _ in CHILD_CHOICES], "seen alone")
        await wait_until(pilot, lambda: app.screen.query_one("#child-2", Select).value == "seen_alone")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await wait_until(pilot, lambda: "Sky Example was last seen" not in shown(case_screen, "#case-flags"))
        assert "Sky Example was last seen alone" not in shown(case_screen, "#case-flags")
        table = case_screen.query_one("#table-visits", DataTable)
        await wait_until(pilot, lambda: table.row_count == 7)
        newest = [str(cell) for cell in table.get_row_at(0)]
        assert newest[:2] == ["2026-11-20", "Jordan Pike"]
        assert newest[4] == "Sky: seen alone"  # Wren left without a choice: not recorded
    with store.open("DEMO-0001", read_only=True) as opened:
        saved = opened.case.visits[-1]
    assert (saved.date, saved.visited_by) == (TODAY, "Jordan Pike")
    assert [(c.child_id, c.seen, c.seen_alone) for c in saved.children] == [(2, True, True)]


async def test_the_visits_step_lists_the_visits_since_the_last_meeting(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await human(pilot, "m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartMeetingForm")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "AttendanceScreen")
        await human(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
        walk = app.screen
        await walk.go_to("visits")
        await wait_until(pilot, lambda: walk.ready and walk.body is not None and walk.body.query("#visits-list"))
        listed = shown(walk.body, "#visits-list")
        assert listed.startswith("Visits since core group 2 (1 October 2026): 2 (f9 records a visit)")
        assert "27 October 2026" in listed and "29 September 2026" not in listed
        assert "Sky Example not seen: access refused" in listed and "Wren Example seen, not alone" in listed
        assert not walk.body.query("#answer-visits_count")  # no count asked: the visits are listed
        await human(pilot, "f9")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitForm))


async def test_an_attendance_concern_is_about_its_child_and_shown_against_them(store: Store, make_app: Any) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await human(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.ready)
        case_screen = app.screen
        flags = shown(case_screen, "#case-flags")
        assert "Sky Example's attendance at Sample Street Primary School is 84%" in flags
        assert "under 90% is persistent absence" in flags
        await human(pilot, "2")
        table = case_screen.query_one("#table-children", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        sky = table.get_row_at(1)
        assert str(sky[0]) == "Sky Example" and str(sky[3]) == "Sample Street Primary School"
        assert isinstance(sky[4], Text) and sky[4].plain == "84%, 1 concern"
        assert [str(c) for c in sky[5:]] == ["2026-10-27", "2026-09-01"]
        # A new concern: "About which child" offers the children.
        await human(pilot, "5", "a")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ConcernForm")
        await tab_to(pilot, "f-source")
        await human(pilot, *"Sample Nursery")
        await tab_to(pilot, "f-child_id")
        await choose(pilot, ["Wren Example", "Sky Example"], "Wren Example")
        await wait_until(pilot, lambda: app.screen.query_one("#f-child_id", Select).value == 1)
        await tab_to(pilot, "f-reported")
        await human(pilot, *"Wren missed three nursery sessions")
        await human(pilot, "ctrl+s")
        await wait_until(pilot, lambda: app.screen is case_screen)
        await human(pilot, "2")
        await wait_until(pilot, lambda: str(table.get_row_at(0)[4]) == "1 concern")
    with store.open("DEMO-0001", read_only=True) as opened:
        assert opened.case.concerns[-1].child_id == 1


def test_the_chairs_brief_says_when_each_child_was_last_seen() -> None:
    case = siblings(
        Visit(id=1, date=D(2026, 10, 5), children=[seen(1), seen(2, alone=True)]),
        Visit(id=2, date=D(2026, 11, 2), children=[seen(1), not_seen(2, NotSeenReason.ASLEEP)]),
        Visit(id=3, date=D(2026, 11, 9), children=[seen(1), seen(2)], restricted=True),
    )
    full = [line for line in build_brief(case, SETTINGS, TODAY).changes if line.startswith("Child last seen")]
    assert full == [
        "Child last seen: Wren Example 9 November 2026 (too young to be seen alone)",
        "Child last seen: Robin Example 9 November 2026 (seen alone 5 October 2026)",
    ]
    family = build_brief(case, SETTINGS, TODAY, CopyType.FAMILY).changes
    assert (
        "Child last seen: Robin Example 5 October 2026 (seen alone 5 October 2026; not seen 2 November 2026: asleep)"
        in family
    )
