"""A team's store set up by the earlier release (schema version 1), upgraded to version 2: the
cases, their records and their history are all still there, nothing is invented, and what version 1
could not vouch for is said so (issue 20; "files written by an earlier release keep working").
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pg_helpers import admin, ensure_logins, url_for
from psycopg import sql
from psycopg.types.json import Jsonb
from test_team_store_worked_out import MARK, breach_entries, late_review

from meetings.domain import schema
from meetings.domain.locations import data_dir
from meetings.domain.migrations import migrate
from meetings.domain.records import COLLECTIONS, Case
from meetings.storage import pgschema
from meetings.storage.base import HEADER_ID, HEADER_TABLE, CaseSummary, tables_of
from meetings.storage.postgres import PostgresStore

CASE = "DEMO-0001"
DEMO: dict[str, Any] = json.loads((data_dir() / "demo" / "demo-case.json").read_text(encoding="utf-8"))


@pytest.fixture
def version_one() -> Iterator[str]:
    """A database as release 1 left it: schema version 1, the demo case imported by the owner (team
    '' and allocated to the owner, as version 1 did), one imported history entry claiming to be a
    manager's, and one save of the owner's."""
    ensure_logins()  # the test sign-ins (server-wide roles), made by the first test that needs them
    name = f"cgtest_v1_{uuid.uuid4().hex[:10]}"
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(url_for(name), autocommit=True) as conn, conn.transaction():
            conn.execute(pgschema.MIGRATIONS_TABLE)
            version, description, statements = pgschema.MIGRATIONS[0]
            conn.execute(statements.encode())
            conn.execute(
                "INSERT INTO coregroup_migrations (version, description) VALUES (%s, %s)", (version, description)
            )
            case = schema.load(Case, migrate(dict(DEMO)))
            tables = tables_of(case)
            conn.execute(
                "INSERT INTO cg_cases (id, header, summary, allocated_to) VALUES (%s, %s, %s, ARRAY[current_user])",
                (CASE, Jsonb(tables[HEADER_TABLE][str(HEADER_ID)]), Jsonb(CaseSummary.of(case).to_json())),
            )
            for name_ in COLLECTIONS:
                for key, data in tables[name_].items():
                    conn.execute(
                        "INSERT INTO cg_records (case_id, tbl, key, data) VALUES (%s, %s, %s, %s)",
                        (CASE, name_, key, Jsonb(data)),
                    )
            conn.execute(
                "INSERT INTO cg_history (case_id, at, who, machine, changes, imported) "
                "VALUES (%s, '2026-03-02T09:00:00Z', 'a.manager', 'office-1', '[]', true)",
                (CASE,),
            )
            conn.execute(
                "INSERT INTO cg_history (case_id, at, machine, changes) VALUES (%s, %s, 'laptop-2', %s)",
                (CASE, dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC),
                 Jsonb([{"path": "case.lead_social_worker", "old": "A", "new": "B", "restricted": False}])),
            )  # fmt: skip
        yield name
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_an_upgrade_keeps_every_case_and_entry_and_invents_nothing(version_one: str) -> None:
    store = PostgresStore(url_for(version_one), upgrade=True)  # `db upgrade`: the owner applies version 2
    assert store.schema_version() == pgschema.LATEST
    assert [s.id for s in store.list_cases()] == [CASE]
    exported = store.export_data(CASE)
    assert {k: v for k, v in exported.items() if k != "history"} == DEMO
    first, second = store.history(CASE)
    # The entry version 1 took from a case file: still the file's claim, now said to be imported
    # (by whoever imported it then), never the importer's own.
    assert (first.who, first.at, first.imported_by) == ("a.manager", "2026-03-02T09:00:00Z", "postgres")
    assert (second.who, second.at, second.imported_by, second.event) == ("postgres", "2026-03-03T10:00:00Z", "", "")
    check = store.verify_history(CASE)
    assert check.intact and "2 entries were written before the server kept the time" in check.words
    with psycopg.connect(url_for(version_one), autocommit=True) as conn:
        [(team,)] = conn.execute("SELECT team FROM cg_cases WHERE id = %s", (CASE,)).fetchall()
    assert team == ""  # no team was invented: the owner allocates it
    store.close()


def test_a_case_without_a_team_is_seen_by_no_one_until_it_is_allocated_to_one(version_one: str) -> None:
    store = PostgresStore(url_for(version_one), upgrade=True)
    with psycopg.connect(url_for(version_one), autocommit=True) as conn:
        conn.execute("INSERT INTO cg_staff (login, team) VALUES ('cgtest_reader', 'North'), ('cgtest_sw_one', 'North')")
    with psycopg.connect(url_for(version_one, "reader"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM cg_cases").fetchone() == (0,)
    store.allocate(CASE, ["cgtest_sw_one"], team="North")
    with psycopg.connect(url_for(version_one, "reader"), autocommit=True) as conn:
        assert conn.execute("SELECT id FROM cg_cases").fetchall() == [(CASE,)]
    assert store.history(CASE)[-1].event == "allocated"
    assert store.verify_history(CASE).intact
    store.close()


def test_an_upgrade_from_version_two_keeps_coregroup_s_mark_on_saves_gathered_after_it(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store at version 2 with a save being gathered as `db upgrade` runs: the save gathered with
    it after the upgrade (version 3) keeps each breach marked as worked out by coregroup, and when."""
    url = url_for(database)
    with psycopg.connect(url, autocommit=True) as conn:  # a fresh database: made again at version 2
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    monkeypatch.setattr(pgschema, "MIGRATIONS", [m for m in pgschema.MIGRATIONS if m[0] <= 2])
    monkeypatch.setattr(pgschema, "LATEST", 2)
    store = PostgresStore(url, upgrade=True)
    assert store.schema_version() == 2
    store.import_data(dict(DEMO), team="A")
    with store.open(CASE) as case_file:
        for late in (1, 2, 3):  # added, changed, and the third save gathered (on the server)
            late_review(case_file.case, late)
            case_file.save()
        monkeypatch.undo()
        upgraded = PostgresStore(url, upgrade=True)  # `db upgrade` as the owner, the case still open
        assert upgraded.schema_version() == pgschema.LATEST == 3
        upgraded.close()
        late_review(case_file.case, 4)
        case_file.save()  # gathered with the third, by version 3's cg_log
    entries = breach_entries(store)
    assert [(old, new) for path, old, new, _ in entries[-1] if path.endswith(".working_days_late")] == [(2, 4)]
    assert {mark for entry in entries for path, _, _, mark in entry if path.startswith("case.breaches")} == {MARK}
    assert store.verify_history(CASE).intact
    store.close()
