"""Issue 20: the team store's promises, tried as a curious or careless colleague would, with plain
psycopg (what `psql` does) signed in as each coregroup role on a real PostgreSQL server.

Two teams share the database: the demo case is team A's (allocated to sw_one; the minute-taker,
the manager and the reader are in A), and OTHER-0001 is team B's (allocated to sw_two). `unlisted`
is in coregroup_readonly with no cg_staff row here. Every attempt below succeeded before migration
V2 of the schema; each test says what a council's information-governance lead expects instead.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_helpers import url_for

from meetings.domain.locations import data_dir
from meetings.storage.base import StoreError
from meetings.storage.postgres import PostgresStore
from tui.cli import main

CASE = "DEMO-0001"
OTHER = "OTHER-0001"
DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


@pytest.fixture
def two_teams(pg: PostgresStore, database: str) -> str:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        for login, team in (("sw_one", "A"), ("minutes", "A"), ("manager", "A"), ("reader", "A"), ("sw_two", "B")):
            conn.execute("INSERT INTO cg_staff (login, team) VALUES (%s, %s)", (f"cgtest_{login}", team))
    pg.allocate(CASE, ["cgtest_sw_one"], team="A")
    other = copy.deepcopy(DEMO)
    other["id"] = OTHER
    pg.import_data(other, team="B")
    pg.allocate(OTHER, ["cgtest_sw_two"])
    return database


def connect(database: str, login: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(url_for(database, login), autocommit=True)


def visible(conn: psycopg.Connection[tuple[Any, ...]]) -> set[str]:
    return {str(row[0]) for row in conn.execute("SELECT id FROM cg_cases").fetchall()}


@pytest.fixture
def temp_allowed(two_teams: str) -> Iterator[str]:
    """TEMP granted back to everyone (as a careless DBA might): the policies must hold regardless."""
    with psycopg.connect(url_for(two_teams), autocommit=True) as conn:
        conn.execute(f'GRANT TEMPORARY ON DATABASE "{two_teams}" TO PUBLIC')
    yield two_teams


# ----- 1. shadowing the policies' tables -----------------------------------------------------------
def test_no_one_may_make_temporary_tables(two_teams: str) -> None:
    for login in ("reader", "manager", "minutes", "sw_one"):
        with connect(two_teams, login) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TEMP TABLE cg_staff (login name, team text)")


@pytest.mark.parametrize("login", ["reader", "manager", "minutes"])
def test_a_temporary_staff_table_does_not_move_anyone_into_another_team(temp_allowed: str, login: str) -> None:
    with connect(temp_allowed, login) as conn:
        assert visible(conn) == {CASE}
        conn.execute("CREATE TEMP TABLE cg_staff (login name, team text)")
        conn.execute("INSERT INTO cg_staff VALUES (session_user, 'B')")
        assert visible(conn) == {CASE}
        assert conn.execute("SELECT count(*) FROM cg_records WHERE case_id = %s", (OTHER,)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM cg_history WHERE case_id = %s", (OTHER,)).fetchone() == (0,)


def test_a_temporary_cases_table_does_not_let_a_chair_write_into_another_teams_case(temp_allowed: str) -> None:
    with connect(temp_allowed, "sw_one") as conn:
        conn.execute("CREATE TEMP TABLE cg_cases (id text, team text, allocated_to name[])")
        conn.execute("INSERT INTO cg_cases VALUES (%s, 'A', ARRAY[session_user])", (OTHER,))
        for statement, args in (
            ("INSERT INTO public.cg_records (case_id, tbl, key, data) VALUES (%s, 'people', '99', '{}')", (OTHER,)),
            ("INSERT INTO public.cg_report_items (case_id, from_date, item) VALUES (%s, '2026-01-01', '{}')", (OTHER,)),
            ("SELECT cg_log(%s, 'laptop', '[]')", (OTHER,)),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, args)
    with psycopg.connect(url_for(temp_allowed), autocommit=True) as admin:
        assert admin.execute("SELECT count(*) FROM cg_records WHERE key = '99'").fetchone() == (0,)


def test_a_temporary_pg_roles_does_not_make_a_minute_taker_a_superuser(temp_allowed: str) -> None:
    with connect(temp_allowed, "minutes") as conn:
        conn.execute("CREATE TEMP TABLE pg_roles (rolname name, rolsuper boolean)")
        conn.execute("INSERT INTO pg_roles VALUES (session_user, true)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "UPDATE public.cg_records SET data = jsonb_set(data, '{venue}', '\"Moved by psql\"') "
                "WHERE case_id = %s AND tbl = 'meetings'",
                (CASE,),
            )


def test_every_function_a_policy_or_trigger_calls_has_a_fixed_search_path(two_teams: str) -> None:
    with psycopg.connect(url_for(two_teams), autocommit=True) as conn:
        loose = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname LIKE 'cg%%' AND NOT EXISTS "
            "(SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c WHERE c LIKE 'search_path=%%pg_temp')"
        ).fetchall()
    assert loose == []


def test_connect_and_temp_are_revoked_from_public(two_teams: str) -> None:
    with psycopg.connect(url_for(two_teams), autocommit=True) as conn:
        [(connect_ok, temp_ok)] = conn.execute(
            "SELECT has_database_privilege('public', current_database(), 'CONNECT'), "
            "has_database_privilege('public', current_database(), 'TEMPORARY')"
        ).fetchall()
    assert not connect_ok and not temp_ok


# ----- 2. a minute-taker writes only the distribution ------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM cg_report_items WHERE case_id = %s",
        "UPDATE cg_cases SET summary = jsonb_set(summary, '{children}', '\"Renamed by psql\"') WHERE id = %s",
        "UPDATE cg_cases SET version = 1 WHERE id = %s",
        "UPDATE cg_cases SET updated_by = 'cgtest_manager' WHERE id = %s",
        "INSERT INTO cg_history (case_id, changes) VALUES (%s, '[]')",
    ],
)
def test_a_minute_taker_cannot_reach_past_the_distribution(two_teams: str, statement: str) -> None:
    with connect(two_teams, "minutes") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement, (CASE,))


def test_a_minute_takers_save_of_anything_else_is_refused_and_leaves_no_trace(two_teams: str, tmp_path: Path) -> None:
    store = PostgresStore(url_for(two_teams, "minutes"), journal_dir=tmp_path / "journal")
    before = store.history(CASE)
    with psycopg.connect(url_for(two_teams), autocommit=True) as admin:
        [(version,)] = admin.execute("SELECT version FROM cg_cases WHERE id = %s", (CASE,)).fetchall()
    with store.open(CASE) as case_file:
        assert case_file.distribution_only
        with pytest.raises(StoreError, match="may record only who the minutes"):
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Changed by a minute-taker."))
    with psycopg.connect(url_for(two_teams), autocommit=True) as admin:
        assert admin.execute("SELECT version FROM cg_cases WHERE id = %s", (CASE,)).fetchone() == (version,)
    assert store.history(CASE) == before
    store.close()


def test_a_minute_taker_records_distribution_through_the_store_and_it_is_in_the_history(
    two_teams: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_for(two_teams, "minutes")
    meeting = DEMO["meetings"][0]["number"]
    said = ["--store", url, "sent", CASE, "--meeting", str(meeting), "--to", "Sam Example (fictional)"]
    said += ["--copy", "family", "--on", "2026-11-20", "--new-recipient", "--reason", "Asked for a copy (fictional)."]
    assert main(said) == 0, capsys.readouterr()
    store = PostgresStore(url)
    [sent] = [m for m in store.export_data(CASE)["meetings"] if m["number"] == meeting]
    assert any(d.get("recipient") == "Sam Example (fictional)" for d in sent["distribution"])
    last = store.history(CASE)[-1]
    assert last.who == "cgtest_minutes" and all(".distribution" in c.path for c in last.changes) and last.changes
    store.close()


# ----- 3. no team, no cases ------------------------------------------------------------------------
def test_a_login_with_no_staff_row_here_sees_nothing(two_teams: str) -> None:
    with connect(two_teams, "unlisted") as conn:
        assert visible(conn) == set()
        for table in ("cg_records", "cg_history", "cg_report_items", "cg_holders", "cg_staff"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_every_case_belongs_to_a_team(pg: PostgresStore) -> None:
    other = copy.deepcopy(DEMO)
    other["id"] = "NOTEAM-0001"
    with pytest.raises(StoreError, match="needs a team"):
        pg.import_data(other)
    with psycopg.connect(pg.url, autocommit=True) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO cg_cases (id, header, summary, team) VALUES ('NOTEAM-0002', '{}', '{}', '')")


def test_a_chair_cannot_create_a_case_in_another_team_nor_a_manager_an_empty_one(two_teams: str) -> None:
    refused = (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation)
    with connect(two_teams, "sw_one") as conn, pytest.raises(refused):
        conn.execute(
            "INSERT INTO cg_cases (id, header, summary, team, allocated_to) "
            "VALUES ('X-1', '{}', '{}', 'B', ARRAY[session_user])"
        )
    with connect(two_teams, "manager") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("INSERT INTO cg_cases (id, header, summary, team) VALUES ('X-2', '{}', '{}', 'A')")


def test_a_case_is_allocated_only_to_a_social_worker_of_its_team(two_teams: str) -> None:
    with connect(two_teams, "manager") as conn:
        for login in ("cgtest_sw_two", "cgtest_reader", "nobody_by_this_name"):
            with pytest.raises(psycopg.errors.CheckViolation, match="is not a social worker of A"):
                conn.execute("UPDATE cg_cases SET allocated_to = ARRAY[%s]::name[] WHERE id = %s", (login, CASE))


# ----- 4. locks, presence and notifications -----------------------------------------------------------
def _old_lock_key(case_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"coregroup-case:{case_id}".encode(), digest_size=8).digest(), "big") >> 1


def test_no_one_who_may_not_edit_can_hold_a_case_against_its_editor(two_teams: str, tmp_path: Path) -> None:
    with connect(two_teams, "reader") as squatter:
        assert squatter.execute("SELECT pg_try_advisory_lock(%s)", (_old_lock_key(CASE),)).fetchone() == (True,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            squatter.execute("SELECT cg_take_lock(%s, 'laptop', 1)", (CASE,))
        editor = PostgresStore(url_for(two_teams, "sw_one"), journal_dir=tmp_path / "journal")
        with editor.open(CASE) as case_file:  # not locked out
            assert case_file.case.id == CASE
        editor.close()
    with connect(two_teams, "reader") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT cg_lock_key(%s)", (CASE,))


def test_presence_and_channels_only_for_who_may_see_the_case(two_teams: str, tmp_path: Path) -> None:
    editor = PostgresStore(url_for(two_teams, "sw_two"), journal_dir=tmp_path / "journal")
    with editor.open(OTHER), connect(two_teams, "sw_one") as conn:
        assert conn.execute("SELECT count(*) FROM cg_holders").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE cg_holders SET who = session_user")
        assert conn.execute("SELECT cg_channel(%s)", (OTHER,)).fetchone() == (None,)
        assert conn.execute("SELECT cg_channel(%s)", (CASE,)).fetchone() != (None,)
        assert {r[0] for r in conn.execute("SELECT login FROM cg_staff").fetchall()} == {
            f"cgtest_{x}" for x in ("sw_one", "minutes", "manager", "reader")
        }
    editor.close()


# ----- 5-7. the history: written by the server, complete, and a rewrite shows --------------------------
def test_no_one_writes_the_history_directly_nor_in_someone_elses_name(two_teams: str) -> None:
    with connect(two_teams, "sw_one") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO cg_history (case_id, at, who, machine, changes, imported) "
                "VALUES (%s, '2020-01-01', 'cgtest_manager', 'x', '[]', true)",
                (CASE,),
            )
        conn.execute("SELECT cg_log_imported(%s, '2020-01-01T00:00:00Z', 'cgtest_manager', 'x', '[]')", (CASE,))
        [(who, imported, claimed)] = conn.execute(
            "SELECT who, imported, claimed_who FROM cg_history WHERE case_id = %s ORDER BY id DESC LIMIT 1", (CASE,)
        ).fetchall()
    assert (who, imported, claimed) == ("cgtest_sw_one", True, "cgtest_manager")


def test_a_forged_entry_in_an_imported_file_shows_as_the_files_claim(
    two_teams: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chair = PostgresStore(url_for(two_teams, "sw_one"), journal_dir=tmp_path / "journal")
    data = chair.export_data(CASE)
    data["history"] = [
        *data.get("history", []),
        {"at": "2020-01-01T09:00:00Z", "who": "cgtest_manager", "machine": "office", "changes": []},
    ]
    chair.import_data(data, replace=True)
    [forged] = [e for e in chair.history(CASE) if e.who == "cgtest_manager"]
    assert forged.imported_by == "cgtest_sw_one"
    capsys.readouterr()
    assert main(["--store", chair.url, "history", CASE, "--person", "cgtest_manager"]) == 0
    shown = capsys.readouterr().out
    assert "cgtest_manager" in shown and "imported by cgtest_sw_one" in shown
    chair.close()


def test_importing_replacing_and_allocating_are_in_the_history(pg: PostgresStore) -> None:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("INSERT INTO cg_staff (login, team) VALUES ('cgtest_sw_one', 'A')")
    pg.allocate(CASE, ["cgtest_sw_one"])
    pg.import_data({**DEMO, "lead_social_worker": "Robin Example (fictional)"}, replace=True)
    events = [e.event for e in pg.history(CASE)]
    assert events[:1] == ["imported"] and "allocated" in events and "replaced" in events


SAVE_AND_DIE = """
import dataclasses, os, signal, sys
from meetings.storage.postgres import PostgresStore

store = PostgresStore(sys.argv[1], journal_dir=__import__("pathlib").Path(sys.argv[2]))
case_file = store.open("DEMO-0001")
for n in range(3):
    case_file.save(dataclasses.replace(case_file.case.actions[1], outcome=f"Typed on, save {n} (fictional)."))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_every_save_is_in_the_history_even_when_the_editor_is_killed(pg: PostgresStore, tmp_path: Path) -> None:
    """Typing on in one field is gathered (a line a minute, not one per burst of keys), and what is
    gathered is on the server with each save: the editor killed, nothing typed is missing."""
    child = subprocess.run([sys.executable, "-c", SAVE_AND_DIE, pg.url, str(tmp_path / "journal")], check=False)
    assert child.returncode == -9
    first = DEMO["actions"][1]["outcome"]
    changes = [(c.old, c.new) for e in pg.history(CASE) for c in e.changes if c.path.endswith(".outcome")]
    # The first save at once, then the two after it gathered into one: from save 0 to save 2.
    assert changes == [(first, "Typed on, save 0 (fictional)."),
                       ("Typed on, save 0 (fictional).", "Typed on, save 2 (fictional).")]  # fmt: skip
    assert "still being gathered" in pg.verify_history(CASE).words
    with pg.open(CASE):  # the next editor: what was gathered goes into the chain
        pass
    check = pg.verify_history(CASE)
    assert check.intact and "still being gathered" not in check.words
    assert [(c.old, c.new) for e in pg.history(CASE) for c in e.changes if c.path.endswith(".outcome")] == changes


def test_a_rewrite_by_the_tables_owner_is_detected(pg: PostgresStore, capsys: pytest.CaptureFixture[str]) -> None:
    with pg.open(CASE) as case_file:
        for n in range(3):  # three fields: three entries
            action = case_file.case.actions[n]
            case_file.save(dataclasses.replace(action, outcome=f"Save {n} (fictional)."))
    assert pg.verify_history(CASE).intact
    capsys.readouterr()
    assert main(["--store", pg.url, "history", CASE, "--verify"]) == 0
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE cg_history DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE cg_history SET who = 'cgtest_manager' WHERE id = "
            "(SELECT id FROM cg_history WHERE case_id = %s ORDER BY id OFFSET 2 LIMIT 1)",
            (CASE,),
        )
    check = pg.verify_history(CASE)
    assert not check.intact and check.words.startswith("Entry 3 of 4 ") and "changed after" in check.words
    assert main(["--store", pg.url, "history", CASE, "--verify"]) == 1
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM cg_history WHERE id = (SELECT id FROM cg_history WHERE case_id = %s ORDER BY id LIMIT 1)",
            (CASE,),
        )
    check = pg.verify_history(CASE)
    assert not check.intact and check.words.startswith("Entry 1 of 3 ") and "removed" in check.words
