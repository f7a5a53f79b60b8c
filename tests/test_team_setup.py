"""Setting up a team's store on a fresh PostgreSQL server works as the README says, word for word.

The README's setup steps are read from the README itself and run through the real command line
(`tui.cli.main`) on a fresh database, with fresh role names: role names belong to the whole server
and the tests run in parallel, so each test's names carry a random suffix, and every role and
database it made is dropped afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_helpers import ADMIN, _setup_template, admin
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from meetings.domain.locations import data_dir
from meetings.storage.base import StoreError
from meetings.storage.postgres import PostgresStore
from meetings.storage.store import Store
from tui.cli import main

CASE = "DEMO-0001"
DEMO_FILE = data_dir() / "demo" / "demo-case.json"
DEMO: dict[str, Any] = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
README = Path(__file__).resolve().parent.parent / "README.md"


@dataclasses.dataclass(frozen=True)
class Server:
    """Fresh names on the test server for one test: the README's names, each with a suffix."""

    suffix: str

    @property
    def database(self) -> str:
        return f"cgsetup_{self.suffix}"

    def role(self, readme_name: str) -> str:
        return f"{readme_name}_{self.suffix}"

    def url(self, login: str | None = None, database: str | None = None) -> str:
        """The address of the database signed in as `login` (a README name or a fresh one), else the admin."""
        parts = conninfo_to_dict(ADMIN)
        host = f"{parts.get('host') or '127.0.0.1'}" + (f":{parts['port']}" if parts.get("port") else "")
        user = str(parts.get("user") or "") if login is None else login
        password = f":{parts['password']}" if login is None and parts.get("password") else ""
        return f"postgresql://{user}{password}@{host}/{database or self.database}"


README_LOGINS = ("coregroup_owner", "pat_example", "sam_example", "kim_example")


@pytest.fixture
def server() -> Iterator[Server]:
    """A fresh database name and fresh role names; whatever the test made of them is dropped afterwards."""
    _setup_template()  # coregroup's four roles exist before any test runs `db init` (made once, under a lock)
    names = Server(uuid.uuid4().hex[:8])
    yield names
    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(names.database)))
        made = [
            str(row[0])
            for row in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY rolname LIKE 'coregroup_owner%%'",
                (f"%\\_{names.suffix}",),
            ).fetchall()
        ]
        for role in made:  # the people first, the owner (who granted their roles) last
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def readme_steps() -> list[list[str]]:
    """The `coregroup` commands of the README's "Setting up the server", in order, as arguments."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Setting up the server") :]
    block = section[section.index("```") + 3 :]
    block = block[: block.index("```")]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("coregroup ")]


def as_on_test_server(args: list[str], names: Server) -> list[str]:
    """A README command with the test server's address, the fresh names, and the demo case."""
    url = re.compile(r"postgresql://([^@]+)@cg-db\.example\.invalid/(\w+)")
    fresh = {name: names.role(name) for name in README_LOGINS}

    def one(arg: str) -> str:
        found = url.fullmatch(arg)
        if found:
            login, database = found.groups()
            return names.url(fresh.get(login, login), names.database if database == "coregroup" else database)
        if arg in fresh:
            return fresh[arg]
        return {"case.json": str(DEMO_FILE), "CASE-1": CASE}.get(arg, arg)

    out = [one(arg) for arg in args]
    if "--database" in out:
        out[out.index("--database") + 1] = names.database
    return out


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    got = capsys.readouterr()
    return code, got.out, got.err


def listed_cases(names: Server, login: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The case ids `coregroup cases` lists for `login` (its output into a pipe: a header, then a line a case)."""
    code, out, err = run(["--store", names.url(login), "cases"], capsys)
    assert code == 0, err
    if out.startswith("No cases"):
        return []
    return [line.split("\t")[0] for line in out.splitlines()[1:]]


@pytest.fixture
def team_store(server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """The README's setup steps, as written, run on the fresh database."""
    monkeypatch.setenv("COREGROUP_ROLE_PASSWORD", "not-a-real-password")  # the owner's, for `db init --password`
    steps = readme_steps()
    assert [s[2:4] if s[0] == "--store" else s[:1] for s in steps][:2] == [["db", "init"], ["staff", "add"]]
    for step in steps:
        code, out, err = run(as_on_test_server(step, server), capsys)
        assert code == 0, f"{shlex.join(step)}\n{out}\n{err}"
    yield server


# ----- the README, top to bottom ----------------------------------------------------------------------
def test_the_readme_sets_up_a_team_store_that_each_person_uses_as_they_should(
    team_store: Server, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    names = team_store
    chair, minutes, manager = (names.role(n) for n in ("pat_example", "sam_example", "kim_example"))
    owner = names.role("coregroup_owner")
    with psycopg.connect(names.url(), autocommit=True) as conn:
        assert conn.execute(
            "SELECT rolcanlogin, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = %s", (owner,)
        ).fetchone() == (True, True, False)
        assert conn.execute("SELECT team, allocated_to FROM cg_cases WHERE id = %s", (CASE,)).fetchone() == (
            "North team",
            [chair],
        )
        assert conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'cg_cases'").fetchone() == (
            owner,
        )
    # The chair opens the case and saves through the store, as the app does.
    store = PostgresStore(names.url(chair), journal_dir=tmp_path / "journal")
    try:
        with store.open(CASE) as case_file:
            case_file.save(dataclasses.replace(case_file.case.actions[1], outcome="Checks back (fictional)."))
        assert store.export_data(CASE)["actions"][1]["outcome"] == "Checks back (fictional)."
        assert {e.who for e in store.history(CASE) if not e.event} == {
            chair
        }  # the saves (events: the import, allocation)
    finally:
        store.close()
    # Each person lists what their role lets them see.
    for login in (chair, minutes, manager, owner):
        assert listed_cases(names, login, capsys) == [CASE], login
    code, out, _ = run(["--store", names.url(owner), "staff", "add", "lee_other_" + names.suffix,
                        "--role", "social_worker", "--team", "North team"], capsys)  # fmt: skip
    assert code == 0
    assert listed_cases(names, "lee_other_" + names.suffix, capsys) == []  # in the team, not allocated


def test_db_init_run_again_changes_nothing_and_says_so(team_store: Server, capsys: pytest.CaptureFixture[str]) -> None:
    [init] = [s for s in readme_steps() if "init" in s]
    code, out, err = run(as_on_test_server(init, team_store) + [], capsys)
    assert code == 0, err
    assert "Nothing was changed" in out and "Created" not in out
    assert "already there" in out


def test_staff_list_says_who_is_in_which_team(team_store: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--store", team_store.url(team_store.role("coregroup_owner")), "staff", "list"], capsys)
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "social_worker" in lines[team_store.role("pat_example")]
    assert "minute_taker" in lines[team_store.role("sam_example")]
    assert "manager" in lines[team_store.role("kim_example")] and "North team" in lines[team_store.role("kim_example")]


# ----- db version only reports --------------------------------------------------------------------------
def test_db_version_reports_and_changes_nothing(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(server.database)))
    code, out, err = run(["--store", server.url(), "db", "version"], capsys)
    assert code == 0, err
    assert "is at version 0 (not set up)." in out and "Not applied yet" in out and "1: cases, records" in out
    with psycopg.connect(server.url(), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


def test_db_upgrade_applies_as_the_databases_owner_and_says_so(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = server.role("coregroup_owner")
    with admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(server.database), sql.Identifier(owner))
        )
    code, out, err = run(["--store", server.url(), "db", "upgrade"], capsys)  # as the administrator
    assert code == 0, err
    assert f"as {owner})." in out
    with psycopg.connect(server.url(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'cg_cases'").fetchone() == (
            owner,
        )
    code, out, _ = run(["--store", server.url(owner), "db", "version"], capsys)
    assert "Nothing to apply" in out


def test_db_upgrade_counts_the_cases_of_no_team(team_store: Server, capsys: pytest.CaptureFixture[str]) -> None:
    # A case as release 1 left it, with no team: the schema refuses a new one, so the constraint is
    # set aside while the row is made (as the server's admin), then put back as the migration has it.
    with psycopg.connect(team_store.url(), autocommit=True) as conn, conn.transaction():
        conn.execute("ALTER TABLE cg_cases DROP CONSTRAINT cg_cases_has_team")
        conn.execute("ALTER TABLE cg_cases DISABLE TRIGGER guard")
        conn.execute("UPDATE cg_cases SET team = '', allocated_to = '{}' WHERE id = %s", (CASE,))
        conn.execute("ALTER TABLE cg_cases ENABLE TRIGGER guard")
        conn.execute("ALTER TABLE cg_cases ADD CONSTRAINT cg_cases_has_team CHECK (team <> '') NOT VALID")
    code, out, err = run(["--store", team_store.url(team_store.role("coregroup_owner")), "db", "upgrade"], capsys)
    assert code == 0, err
    assert "1 case(s) belong to no team" in out and "coregroup allocate CASE --team TEAM --to LOGIN" in out


# ----- allocating, in words -----------------------------------------------------------------------------
def allocate(names: Server, login: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, _, err = run(["--store", names.url(names.role(login)), "allocate", CASE, *args], capsys)
    return code, " ".join(err.split())


def allocated(names: Server) -> tuple[str, list[str]]:
    with psycopg.connect(names.url(), autocommit=True) as conn:
        row = conn.execute("SELECT team, allocated_to FROM cg_cases WHERE id = %s", (CASE,)).fetchone()
    assert row is not None
    return row[0], list(row[1])


def test_allocate_refuses_a_login_that_does_not_exist_or_is_not_a_social_worker_of_the_team(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    names = team_store
    before = allocated(names)
    owner_url = names.url(names.role("coregroup_owner"))
    south = names.role("ash_south")
    assert run(["--store", owner_url, "staff", "add", south, "--role", "social_worker", "--team", "South team"],
               capsys)[0] == 0  # fmt: skip
    nobody, minutes = names.role("nobody"), names.role("sam_example")
    code, said = allocate(names, "kim_example", "--to", nobody, "--to", south, "--to", minutes, capsys=capsys)
    assert code == 1
    assert f"Nobody signs in as {nobody} on this server (there is no such login)" in said
    # A manager of North does not see who is in South (staff rows are their own team's): only that
    # this social worker is not one of theirs.
    assert f"{south} is a social worker not listed in North team in this store: add them with coregroup staff add " \
           f'{south} --role social_worker --team "North team"' in said  # fmt: skip
    assert f"{minutes} is a minute-taker, not a social worker" in said
    assert allocated(names) == before


def test_allocate_by_someone_who_is_not_a_manager_says_who_may(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    names = team_store
    before = allocated(names)
    code, said = allocate(names, "sam_example", "--to", names.role("pat_example"), capsys=capsys)
    assert code == 1 and f"Only a team manager or the store's owner may allocate case {CASE}" in said
    code, said = allocate(names, "sam_example", "--team", "South team", capsys=capsys)
    assert code == 1 and f"Only a team manager or the store's owner may move case {CASE} to another team" in said
    code, said = allocate(names, "kim_example", "--team", "South team", capsys=capsys)
    assert code == 1 and "a team manager allocates cases within their own team (North team)" in said
    assert allocated(names) == before


def test_the_owner_moves_a_case_to_another_team_with_its_social_workers(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    names = team_store
    south = names.role("ash_south")
    owner_url = names.url(names.role("coregroup_owner"))
    assert run(["--store", owner_url, "staff", "add", south, "--role", "social_worker", "--team", "South team"],
               capsys)[0] == 0  # fmt: skip
    code, said = allocate(names, "coregroup_owner", "--team", "South team", capsys=capsys)
    assert code == 1 and f"{names.role('pat_example')} is a social worker of North team, not of South team" in said
    assert "--to LOGIN" in said
    code, said = allocate(names, "coregroup_owner", "--team", "South team", "--to", south, capsys=capsys)
    assert code == 0, said
    assert allocated(names) == ("South team", [south])
    assert listed_cases(names, names.role("kim_example"), capsys) == []  # North's manager no longer sees it


# ----- staff ------------------------------------------------------------------------------------------
def test_staff_add_refuses_an_unknown_role_naming_the_four(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--store", server.url(), "staff", "add", "x", "--role", "chair", "--team", "North"], capsys)
    assert code == 1
    assert "There is no role 'chair': choose one of social_worker, minute_taker, manager, readonly" in err


def test_staff_add_warns_when_a_login_in_a_coregroup_role_goes_to_another_team(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    owner_url = team_store.url(team_store.role("coregroup_owner"))
    pat = team_store.role("pat_example")
    code, out, err = run(["--store", owner_url, "staff", "add", pat, "--role", "manager", "--team", "South team"],
                         capsys)  # fmt: skip
    assert code == 0, err
    said = " ".join(out.split())
    assert f"Warning: {pat} is already in coregroup_social_worker, and listed in North team here" in said
    assert "Roles belong to the whole server" in said
    assert f"{pat} is no longer a social worker (coregroup_social_worker)" in said
    assert f"{pat} is a team manager (coregroup_manager) of South team in this store." in said


def test_staff_remove_takes_a_person_out_and_says_which_cases_need_allocating(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    owner_url = team_store.url(team_store.role("coregroup_owner"))
    pat = team_store.role("pat_example")
    code, out, err = run(["--store", owner_url, "staff", "remove", pat], capsys)
    assert code == 0, err
    said = " ".join(out.split())
    assert f"{pat} is no longer listed in North team here" in said
    assert f"Allocated to nobody now: {CASE}" in said and f"The login {pat} itself is kept" in said
    assert allocated(team_store) == ("North team", [])
    code, _, err = run(["--store", team_store.url(pat), "cases"], capsys)  # in no coregroup role: not even in
    assert code == 1 and f"may not connect to the database {team_store.database}" in " ".join(err.split())
    with psycopg.connect(team_store.url(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_has_role(%s, 'coregroup_social_worker', 'MEMBER')", (pat,)).fetchone() == (
            False,
        )


# ----- import and migrate name the team -------------------------------------------------------------------
def test_import_and_migrate_by_the_owner_need_a_team(
    team_store: Server, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    owner_url = team_store.url(team_store.role("coregroup_owner"))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**DEMO, "id": "DEMO-0002"}), encoding="utf-8")
    code, _, err = run(["--store", owner_url, "import", str(other)], capsys)
    assert code == 1 and "Give the team the cases belong to: coregroup import ... --team TEAM" in err
    folder = Store(tmp_path / "folder")
    folder.import_data({**DEMO, "id": "MOVE-0001"})
    code, _, err = run(["migrate", "--from", str(folder.root), "--to", owner_url], capsys)
    assert code == 1 and "coregroup migrate ... --team TEAM" in err
    code, out, err = run(["migrate", "--from", str(folder.root), "--to", owner_url, "--team", "North team"], capsys)
    assert code == 0, err
    with psycopg.connect(team_store.url(), autocommit=True) as conn:
        assert conn.execute("SELECT team FROM cg_cases WHERE id = 'MOVE-0001'").fetchone() == ("North team",)
    assert CASE in listed_cases(team_store, team_store.role("kim_example"), capsys)
    assert "MOVE-0001" in listed_cases(team_store, team_store.role("kim_example"), capsys)


# ----- a refused sign-in, in words ----------------------------------------------------------------------
def test_a_refused_sign_in_is_said_in_its_own_words(team_store: Server, capsys: pytest.CaptureFixture[str]) -> None:
    names = team_store
    no_login, outsider = names.role("nologin"), names.role("outsider")
    with admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(no_login)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(outsider)))
    cases: dict[str, str] = {
        names.url(no_login): f"the role {no_login} may not sign in (it was made without LOGIN)",
        names.url(names.role("ghost")): f"there is no login {names.role('ghost')} on that server",
        names.url(None, database=names.database + "_none"): f"there is no database {names.database}_none",
        names.url(outsider): f"the login may not connect to the database {names.database}",
    }
    for url, words in cases.items():
        code, _, err = run(["--store", url, "cases"], capsys)
        said = " ".join(err.split())
        assert code == 1 and words in said and "did not answer" not in said, said


# ----- what migration V2 enforces in the database itself ------------------------------------------------------
def test_a_login_without_a_cg_staff_row_here_sees_nothing(
    team_store: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    pat = team_store.role("pat_example")
    with psycopg.connect(team_store.url(team_store.role("coregroup_owner")), autocommit=True) as conn:
        conn.execute("DELETE FROM cg_staff WHERE login = %s", (pat,))  # still allocated, still a social worker
    assert listed_cases(team_store, pat, capsys) == []


def test_the_database_refuses_a_case_of_no_team(team_store: Server, tmp_path: Path) -> None:
    store = PostgresStore(team_store.url(team_store.role("coregroup_owner")), journal_dir=tmp_path / "journal")
    try:
        with pytest.raises(StoreError):
            store.import_data({**DEMO, "id": "DEMO-0003"})
    finally:
        store.close()


def test_the_database_refuses_allocating_a_login_not_listed_in_the_team(team_store: Server) -> None:
    unlisted = team_store.role("unlisted")
    with admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE coregroup_social_worker").format(sql.Identifier(unlisted)))
    with (
        psycopg.connect(team_store.url(team_store.role("coregroup_owner")), autocommit=True) as conn,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        conn.execute("UPDATE cg_cases SET allocated_to = ARRAY[%s]::name[] WHERE id = %s", (unlisted, CASE))


def test_db_upgrade_revokes_connect_and_temp_from_public(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    owner = server.role("coregroup_owner")
    with admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(owner)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(server.database), sql.Identifier(owner))
        )
    assert run(["--store", server.url(owner), "db", "upgrade"], capsys)[0] == 0
    with psycopg.connect(server.url(), autocommit=True) as conn:
        assert conn.execute(
            "SELECT has_database_privilege('public', %s, 'CONNECT'), has_database_privilege('public', %s, 'TEMP')",
            (server.database, server.database),
        ).fetchone() == (False, False)
