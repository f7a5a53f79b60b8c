"""The app on a team's store on PostgreSQL, as a chair and a colleague use it: the same screens,
what is typed lands in the database, a second person sees who has the case and follows the
editor's saves read-only, and a lost connection loses nothing typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
from pg_helpers import admin, url_for
from textual.widgets import Input, Static
from tui_helpers import DEMO_ID, burst, human, open_walkthrough, save_now, shown_body, wait_until

from meetings.domain.locations import data_dir
from meetings.storage.postgres import PostgresStore

DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


def meeting_notes(store: PostgresStore, number: int, key: str) -> str:
    meeting = next(m for m in store.export_data(DEMO_ID)["meetings"] if m["number"] == number)
    return str(next(s for s in meeting["steps"] if s["key"] == key)["notes"])


async def test_a_chair_types_a_step_and_it_is_in_the_database(pg: PostgresStore, make_app: Any) -> None:
    app: Any = make_app(pg)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        walk = app.screen
        key = walk.step.key
        await human(pilot, *"Seen at home today")
        number = app.case_session.case.meetings[-1].number
        await wait_until(pilot, lambda: meeting_notes(pg, number, key) == "Seen at home today")
        history = pg.history(DEMO_ID)
        assert any(c.path.startswith(f"meetings[{number}]") for entry in history for c in entry.changes)
        assert shown_body(walk) is not None


async def test_a_colleague_sees_who_has_the_case_and_follows_the_editors_saves(
    pg: PostgresStore, make_app: Any, tmp_path: Path
) -> None:
    editor = pg.open(DEMO_ID)
    viewer_store = PostgresStore(pg.url, journal_dir=tmp_path / "viewer-journal")
    app: Any = make_app(viewer_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert f"Case {DEMO_ID} is open for editing by {pg.user}" in question
        await human(pilot, "enter")  # "Open read-only"
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        assert "READ-ONLY" in str(app.screen.sub_title)
        changed = {**DEMO["children"][0], "name": "Wren Renamed-Example"}
        editor.case.children[0].name = changed["name"]
        editor.save()
        await wait_until(pilot, lambda: "Wren Renamed-Example" in str(app.screen.sub_title), timeout=15)
    editor.close()
    viewer_store.close()


async def test_typing_goes_on_when_the_connection_drops_and_lands_when_it_returns(
    pg: PostgresStore, database: str, make_app: Any
) -> None:
    app: Any = make_app(pg)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_walkthrough(pilot, app)
        key = app.screen.step.key
        number = app.case_session.case.meetings[-1].number
        await human(pilot, *"Before ")
        await wait_until(pilot, lambda: meeting_notes(pg, number, key) == "Before ")
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        await human(pilot, *"and after the network went")
        await wait_until(pilot, lambda: app.case_session.connection_state == "offline")
        await wait_until(pilot, lambda: any("connection to the team's store is lost" in n for n in app.notices))
        await wait_until(pilot, lambda: "OFFLINE: changes kept on this computer" in str(app.screen.sub_title))
        assert not app.case_session.save_failed  # nothing to retry: it is kept on this computer
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await wait_until(pilot, lambda: app.case_session.connection_state == "connected", timeout=30)
        await wait_until(pilot, lambda: "OFFLINE" not in str(app.screen.sub_title))
        await wait_until(pilot, lambda: meeting_notes(pg, number, key) == "Before and after the network went")


async def test_a_team_manager_opens_a_case_read_only_and_is_told_why(
    pg: PostgresStore, database: str, make_app: Any, tmp_path: Path
) -> None:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("INSERT INTO cg_staff (login, team) VALUES ('cgtest_manager', 'A'), ('cgtest_sw_one', 'A')")
    pg.allocate(DEMO_ID, ["cgtest_sw_one"], team="A")
    manager = PostgresStore(url_for(database, "manager"), journal_dir=tmp_path / "manager-journal")
    app: Any = make_app(manager)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        assert "READ-ONLY" in str(app.screen.sub_title)
        assert any("may read case DEMO-0001 but not edit it" in n for n in app.notices)
        await human(pilot, "m")  # start a meeting: refused, in words
        await wait_until(pilot, lambda: any("read-only" in n for n in list(app.notices)[-1:]))
    manager.close()


async def test_a_minute_taker_records_who_was_sent_the_minutes_and_nothing_else(
    pg: PostgresStore, database: str, make_app: Any, tmp_path: Path
) -> None:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("INSERT INTO cg_staff (login, team) VALUES ('cgtest_minutes', 'A'), ('cgtest_sw_one', 'A')")
    pg.allocate(DEMO_ID, ["cgtest_sw_one"], team="A")
    minutes = PostgresStore(url_for(database, "minutes"), journal_dir=tmp_path / "minutes-journal")
    app: Any = make_app(minutes)
    async with app.run_test(size=(120, 36)) as pilot:
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
        assert "READ-ONLY" in str(app.screen.sub_title)
        await human(pilot, "m")  # a meeting is the social worker's to start
        await wait_until(pilot, lambda: any("read-only" in n for n in list(app.notices)[-1:]))
        await human(pilot, "c")  # meeting 2, finished
        await wait_until(pilot, lambda: type(app.screen).__name__ == "WalkthroughScreen" and app.screen.ready)
        await human(pilot, "f5")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DistributionScreen")
        app.screen.query_one("#d-recipient", Input).focus()
        await human(pilot, *"Nobody Fictional", "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await human(pilot, "y")
        await save_now(pilot)
    minutes.close()
    meeting_2 = next(m for m in pg.export_data(DEMO_ID)["meetings"] if m["number"] == 2)
    assert [d["recipient"] for d in meeting_2["distribution"]] == ["Nobody Fictional"]
    assert pg.history(DEMO_ID)[-1].who == "cgtest_minutes"


async def test_the_case_list_says_when_the_server_is_out_of_reach_and_comes_back(
    pg: PostgresStore, database: str, make_app: Any
) -> None:
    app: Any = make_app(pg)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseListScreen" and app.screen.summaries)
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        await human(pilot, "ctrl+r")
        await wait_until(pilot, lambda: any("Cannot reach the team's store" in n for n in app.notices))
        assert [s.id for s in app.screen.summaries] == [DEMO_ID]  # what was shown stays
        with admin() as conn:
            conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await human(pilot, "ctrl+r")
        await burst(pilot, "enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CaseScreen")
