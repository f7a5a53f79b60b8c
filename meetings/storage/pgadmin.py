"""Setting up and running a team's store on PostgreSQL: the work of the council's IT team.

- `init` (an administrator: a superuser, or a role with CREATEDB and CREATEROLE) makes the owner
  role and the database, and applies coregroup's migrations as that owner, saying each step.
  Run again, it changes nothing and says so.
- `schema_status` says where a database is without changing it; `upgrade` applies what is
  missing, as the database's owner (an administrator who may act as the owner is switched to it,
  so every table stays the owner's).
- `staff_add`, `staff_list`, `staff_remove` (the owner): each person's login, their one coregroup
  role and their team (`cg_staff`).
- `allocation_problems`: why logins may not be allocated a case of a team, in words.

Role names belong to the whole server, not to one database: a login made a member of
`coregroup_social_worker` for one council's database is a member in every database on the server.
What keeps a case in its own database is the `cg_staff` row there. The messages here name roles,
databases and teams, never anything of a case.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..domain.records import Case
from . import pgschema
from .base import StoreError
from .postgres import PostgresStore, _cannot_connect, _where

#: The short names `staff add --role` takes, and the role each one is on the server.
ROLES = pgschema.ROLES
ROLE_WORDS = {
    "social_worker": "a social worker",
    "minute_taker": "a minute-taker",
    "manager": "a team manager",
    "readonly": "read-only staff",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")

Conn = psycopg.Connection[Any]


# ----- connections ---------------------------------------------------------------------------------
def conninfo(url: str, *, dbname: str | None = None, role: str | None = None) -> str:
    """`url` to another database of the same server, or acting as `role` from the start (as SET ROLE)."""
    extra: dict[str, str] = {}
    if dbname is not None:
        extra["dbname"] = dbname
    if role is not None:
        given = str(conninfo_to_dict(url).get("options") or "")
        extra["options"] = f"{given} -c role={role}".strip()
    return make_conninfo(url, **extra) if extra else url


def address(url: str, *, dbname: str, user: str) -> str:
    """The postgresql:// address of `dbname` on the server of `url`, signed in as `user` (no password)."""
    return _where(make_conninfo(url, dbname=dbname, user=user))


def connect(url: str) -> Conn:
    """A connection for the IT team's commands; a refused one in words (never the password)."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="coregroup")
    except psycopg.Error as problem:
        raise StoreError(f"Cannot connect to {_where(url)}: {_cannot_connect(problem)}") from None


@contextlib.contextmanager
def _connection(target: Conn | PostgresStore) -> Iterator[Conn]:
    if isinstance(target, PostgresStore):
        with target._db() as conn:
            yield conn
    else:
        yield target


def _one(conn: Conn, query: str | sql.Composable, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    return row[0] if row else None


def check_name(name: str, what: str) -> str:
    """A role or database name coregroup will create: plain letters, digits and _ . @ -."""
    if not _NAME.fullmatch(name) or name.lower().startswith("pg_"):
        raise StoreError(
            f"{name!r} cannot be {what}: use letters, digits and _ . @ - (at most 63, not starting with a digit "
            "or pg_). Nothing was changed."
        )
    return name


def check_team(team: str) -> str:
    team = team.strip()
    if not team or len(team) > 100 or any(not ch.isprintable() for ch in team):
        raise StoreError('A team is a name of 1 to 100 printable characters (e.g. "North team"). Nothing was changed.')
    return team


def _verifier(conn: Conn, login: str, password: str) -> str:
    """The password as the server keeps it (SCRAM), worked out here: the password itself is never
    sent to the server, so never written to its log."""
    return conn.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()


# ----- the database: set up, where it is, upgraded -------------------------------------------------
@dataclass(frozen=True)
class Step:
    changed: bool
    words: str


def init(url: str, *, database: str, owner: str, password: Callable[[], str] | None = None) -> Iterator[Step]:
    """Set up a team's store from nothing, as an administrator signed in at `url` (any database of
    the server): the owner role, the database owned by it, coregroup's migrations applied as it,
    and only coregroup's roles allowed to connect. Each step is said as it is done; a step already
    done is said and left as it is. `password` gives the owner's password when the owner is made
    (an owner already there keeps its own: `\\password` in psql changes it)."""
    check_name(database, "a database's name")
    check_name(owner, "the owner role's name")
    with connect(url) as admin:
        me, is_super, can_createdb, can_createrole = admin.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone() or ("", False, False, False)
        if not (is_super or (can_createdb and can_createrole)):
            raise StoreError(
                f"`coregroup db init` is for an administrator of the server: a superuser, or a role with CREATEDB "
                f"and CREATEROLE. {me} is neither. Nothing was changed."
            )
        if owner == me or owner in ROLES.values():
            raise StoreError(
                f"The owner must be a role of its own, not {owner}: e.g. --owner coregroup_owner. Nothing was changed."
            )
        yield from _owner_role(admin, me, owner, password, is_super=bool(is_super))
        yield _database(admin, database, owner)
    in_db = conninfo(url, dbname=database)
    yield _migrations(conninfo(in_db, role=owner), owner)
    with connect(conninfo(in_db, role=owner)) as as_owner:
        yield _connect_privileges(as_owner, database)
    with connect(in_db) as admin_in_db:
        step = _public_schema(admin_in_db)
        if step is not None:
            yield step


def _owner_role(
    admin: Conn, me: str, owner: str, ask_password: Callable[[], str] | None, *, is_super: bool
) -> Iterator[Step]:
    found = admin.execute(
        "SELECT rolcanlogin, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = %s", (owner,)
    ).fetchone()
    if found is None:
        password = ask_password() if ask_password else None
        how = "with the password given" if password else "no password: it signs in as the server's pg_hba.conf allows"
        statement = sql.SQL("CREATE ROLE {} LOGIN CREATEROLE NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS").format(
            sql.Identifier(owner)
        )
        if password:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(_verifier(admin, owner, password)))
        admin.execute(statement)
        yield Step(True, f"Created the owner role {owner}: it may sign in and create roles (coregroup's four "
                         f"roles and each person's login), and is not a superuser ({how}).")  # fmt: skip
    else:
        can_login, can_createrole, is_owner_super = found
        missing = [word for word, has in (("LOGIN", can_login), ("CREATEROLE", can_createrole)) if not has]
        if missing:
            admin.execute(sql.SQL("ALTER ROLE {} " + " ".join(missing)).format(sql.Identifier(owner)))
            yield Step(True, f"The owner role {owner} was there without {' and '.join(missing)}: it now may sign in "
                             "and create roles, as it must to apply coregroup's migrations and add staff.")  # fmt: skip
        else:
            yield Step(False, f"The owner role {owner} is already there (it may sign in and create roles).")
        if ask_password:
            yield Step(False, f"The password of {owner} is left as it was (\\password {owner} in psql changes it).")
        if is_owner_super:
            yield Step(False, f"Warning: {owner} is a superuser. It need not be, and should not be: "
                              f"ALTER ROLE {owner} NOSUPERUSER (as a superuser).")  # fmt: skip
    if not is_super and not _one(admin, "SELECT pg_has_role(current_user, %s, 'MEMBER')", (owner,)):
        # An administrator who is not a superuser creates the owner's database and acts as it as a member.
        admin.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(owner)))
        yield Step(True, f"Made {me} a member of {owner}, so that it may give {owner} the database and act as it.")


def _database(admin: Conn, database: str, owner: str) -> Step:
    has = _one(admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,))
    if has is None:
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
        return Step(True, f"Created the database {database}, owned by {owner}.")
    if has != owner:
        raise StoreError(
            f"The database {database} is already there, owned by {has}, not {owner}: give --owner {has}, or choose "
            "another --database. Nothing more was changed."
        )
    return Step(False, f"The database {database} is already there, owned by {owner}.")


def _migrations(as_owner: str, owner: str) -> Step:
    with connect(as_owner) as conn:
        before = schema_status(conn)
    if not before.pending:
        return Step(False, f"The tables, roles and row-level security are already at version {before.version}.")
    PostgresStore(as_owner, upgrade=True).close()  # as its owner: applies what is missing
    done = ", ".join(f"{v} ({words})" for v, words in before.pending)
    return Step(True, f"Applied coregroup's migrations as {owner}: version {done}.")


def _connect_privileges(as_owner: Conn, database: str) -> Step:
    """Only coregroup's roles (and the owner) may connect; nobody may make temporary tables."""
    public = as_owner.execute(
        "SELECT has_database_privilege('public', %s, 'CONNECT'), has_database_privilege('public', %s, 'TEMPORARY')",
        (database, database),
    ).fetchone() or (False, False)
    lacking = [r for r in ROLES.values() if not _one(as_owner, "SELECT has_database_privilege(%s, %s, 'CONNECT')",
                                                        (r, database))]  # fmt: skip
    if not any(public) and not lacking:
        return Step(False, f"Only coregroup's roles (and its owner) may connect to {database}.")
    db = sql.Identifier(database)
    as_owner.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(db))
    as_owner.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            db, sql.SQL(", ").join(map(sql.Identifier, ROLES.values()))
        )
    )
    return Step(True, f"Only coregroup's roles (and its owner) may connect to {database} now: CONNECT and TEMP "
                      f"revoked from PUBLIC, CONNECT granted to {', '.join(ROLES.values())}.")  # fmt: skip


def _public_schema(conn: Conn) -> Step | None:
    """Nobody but the owner creates anything in the schema `public` (PostgreSQL 15 does this itself)."""
    if not _one(conn, "SELECT has_schema_privilege('public', 'public', 'CREATE')"):
        return None
    try:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    except psycopg.errors.InsufficientPrivilege:
        return Step(False, "Warning: every role may create tables in the schema public of this database: a "
                           "superuser should run REVOKE CREATE ON SCHEMA public FROM PUBLIC in it.")  # fmt: skip
    return Step(True, "Revoked CREATE on the schema public from PUBLIC.")


@dataclass(frozen=True)
class SchemaStatus:
    version: int
    pending: list[tuple[int, str]]  # (version, what it does), not yet applied

    @property
    def newer(self) -> bool:
        return self.version > pgschema.LATEST


def schema_status(target: Conn | PostgresStore) -> SchemaStatus:
    """Where the database is, and what `db upgrade` would apply: read, never changed."""
    with _connection(target) as conn:
        if not _one(conn, "SELECT to_regclass('coregroup_migrations') IS NOT NULL"):
            have: set[int] = set()
        else:
            try:
                have = {int(r[0]) for r in conn.execute("SELECT version FROM coregroup_migrations").fetchall()}
            except psycopg.errors.InsufficientPrivilege:
                raise StoreError(
                    "Your sign-in may not read which version this database is at: sign in as its owner, or as "
                    "one of coregroup's roles."
                ) from None
    pending = [(v, words) for v, words, _ in pgschema.MIGRATIONS if v not in have]
    return SchemaStatus(max(have, default=0), pending)


def database_owner(conn: Conn) -> tuple[str, str, bool]:
    """(the database's owner, the signed-in role, whether it may act as the owner)."""
    row = conn.execute(
        "SELECT pg_get_userbyid(d.datdba), current_user, pg_has_role(current_user, d.datdba, 'MEMBER') "
        "FROM pg_database d WHERE d.datname = current_database()"
    ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1]), bool(row[2])


def upgrade(url: str) -> tuple[SchemaStatus, str, int]:
    """Apply the migrations the database lacks, as its owner: (what was pending, who applied them,
    how many cases now belong to no team). An administrator who may act as the owner (a
    superuser, a member of it) is switched to it, so the tables stay the owner's."""
    with connect(url) as conn:
        owner, me, may_act = database_owner(conn)
        before = schema_status(conn)
    if before.newer:
        raise StoreError(
            f"The team's store at {_where(url)} was set up by a newer release of coregroup (database version "
            f"{before.version}; this release knows up to {pgschema.LATEST}). Install the newer release to use it."
        )
    as_whom = conninfo(url, role=owner) if me != owner and may_act else url
    PostgresStore(as_whom, upgrade=True).close()  # as a role that may: applies what is missing
    with connect(as_whom) as conn:
        return before, (owner if me != owner and may_act else me), cases_without_team(conn)


def cases_without_team(target: Conn | PostgresStore) -> int:
    """How many cases (that this sign-in can see: the owner sees all) belong to no team."""
    with _connection(target) as conn:
        return int(_one(conn, "SELECT count(*) FROM cg_cases WHERE team = ''") or 0)


# ----- who is who in this store --------------------------------------------------------------------
def own_team(target: Conn | PostgresStore) -> str | None:
    """The team of the signed-in social worker, from their `cg_staff` row; None for anyone else
    (the owner, IT, a manager): they name the team of a case they bring in."""
    with _connection(target) as conn:
        row = conn.execute(
            "SELECT pg_has_role(current_user, 'coregroup_social_worker', 'MEMBER'), "
            "(SELECT team FROM cg_staff WHERE login = current_user)"
        ).fetchone()
    if row and row[0] and row[1]:
        return str(row[1])
    return None


def is_owner(conn: Conn) -> bool:
    """Whether the signed-in role owns the store's tables (or may act as their owner: a superuser)."""
    return bool(
        _one(
            conn,
            "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
            "WHERE c.oid = to_regclass('cg_cases')",
        )  # fmt: skip
    )


def import_case(
    store: PostgresStore, data: Any, *, replace: bool = False, team: str | None = None, event: str = "imported"
) -> Case:
    """A case into the team's store, in `team` (else the importing social worker's own)."""
    return store.import_data(data, replace=replace, team=team, event=event)


def allocation_problems(conn: Conn, logins: list[str], team: str) -> list[str]:
    """What stops each of `logins` from being allocated a case of `team`, in words (none: all well)."""
    problems = []
    for login in logins:
        row = conn.execute(
            "SELECT r.rolcanlogin, pg_has_role(r.oid, 'coregroup_social_worker', 'MEMBER'), "
            "(SELECT s.team FROM cg_staff s WHERE s.login = r.rolname), "
            "ARRAY(SELECT k FROM unnest(%s::text[]) k WHERE pg_has_role(r.oid, k, 'MEMBER')) "
            "FROM pg_roles r WHERE r.rolname = %s",
            (list(ROLES.values()), login),
        ).fetchone()
        add = f"coregroup staff add {login} --role social_worker --team {_quoted(team)}"
        if row is None:
            problems.append(
                f"Nobody signs in as {login} on this server (there is no such login): check the spelling, or ask "
                f"the store's owner to add them: {add}."
            )
            continue
        can_login, social_worker, listed, roles = row
        if not social_worker:
            what = " and ".join(ROLE_WORDS[k] for k, r in ROLES.items() if r in roles) or "not in any coregroup role"
            problems.append(
                f"{login} is {what}, not a social worker: cases are allocated to social workers and chairs. "
                f"If they are one, the store's owner adds them: {add}."
            )
        elif listed != team:
            where = f"of {listed}, not of {team}" if listed else f"not listed in {team} in this store"
            problems.append(f"{login} is a social worker {where}: add them with {add}.")
        elif not can_login:
            problems.append(f"{login} may not sign in (the role has NOLOGIN): ALTER ROLE {login} LOGIN, as IT.")
    return problems


def _quoted(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_.@-]+", text) else f'"{text}"'


# ----- staff ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffMember:
    login: str
    roles: tuple[str, ...]  # the short names of the coregroup roles it is a member of
    team: str  # '' when not listed in this store
    can_login: bool
    exists: bool = True

    def role_words(self) -> str:
        return ", ".join(self.roles) if self.roles else "no coregroup role"


def _require_staff_admin(conn: Conn) -> None:
    if not _one(conn, "SELECT to_regclass('cg_staff') IS NOT NULL"):
        raise StoreError(
            "This database is not set up as a team's store: run `coregroup db init` (or db upgrade) first."
        )
    if not is_owner(conn):
        owner = _one(conn, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('cg_staff')")
        raise StoreError(
            f"Staff are listed, added and removed by the store's owner ({owner}): sign in as it "
            f"(--store postgresql://{owner}@HOST/DATABASE). Nothing was changed."
        )


def _memberships(conn: Conn, login: str) -> tuple[list[str], list[str]]:
    """The coregroup roles `login` is granted directly, and those it has only through another role."""
    rows = conn.execute(
        "SELECT g.rolname, EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = g.oid AND m.member = u.oid) "
        "FROM pg_roles g, pg_roles u WHERE u.rolname = %s AND g.rolname = ANY (%s) "
        "AND pg_has_role(u.oid, g.oid, 'MEMBER') ORDER BY g.rolname",
        (login, list(ROLES.values())),
    ).fetchall()
    return [r for r, direct in rows if direct], [r for r, direct in rows if not direct]


def _short(role: str) -> str:
    return next(k for k, r in ROLES.items() if r == role)


def staff_add(conn: Conn, login: str, role: str, team: str, *, password: str | None = None) -> list[str]:
    """Give `login` (made if missing) exactly one coregroup role, and list it in `team` here."""
    if role not in ROLES:
        raise StoreError(f"There is no role {role!r}: choose one of {', '.join(ROLES)}. Nothing was changed.")
    check_name(login, "a login")
    team = check_team(team)
    _require_staff_admin(conn)
    wanted = ROLES[role]
    said: list[str] = []
    with conn.transaction():
        if login in ROLES.values() or login == _one(conn, "SELECT current_user"):
            raise StoreError(f"{login} is not a person's login. Nothing was changed.")
        found = conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        ident = sql.Identifier(login)
        if found is None:
            statement = sql.SQL("CREATE ROLE {} LOGIN").format(ident)
            if password:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(_verifier(conn, login, password)))
            conn.execute(statement)
            said.append(f"Created the login {login} ("
                        + ("with the password given" if password else "no password: they sign in as the server's "
                           "pg_hba.conf allows, e.g. a certificate or Kerberos") + ").")  # fmt: skip
        else:
            can_login, is_super = found
            if password:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(_verifier(conn, login, password)))
                )
                said.append(f"Set the new password of {login}.")
            if not can_login:
                said.append(f"Warning: {login} may not sign in (NOLOGIN): ALTER ROLE {login} LOGIN to let them.")
            if is_super:
                said.append(f"Warning: {login} is a superuser: they may read and change everything, whatever "
                            "their coregroup role.")  # fmt: skip
        direct, indirect = _memberships(conn, login)
        listed = _one(conn, "SELECT team FROM cg_staff WHERE login = %s", (login,))
        if (direct or indirect) and listed != team:
            said.append(
                f"Warning: {login} is already in {', '.join(direct + indirect)}, and "
                + (f"listed in {listed} here" if listed else "not listed in this store")
                + ". Roles belong to the whole server: if they work in another team's database on this server, "
                "a change of role here is a change there too."
            )
        for other in direct:
            if other != wanted:
                conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(other), ident))
                said.append(f"{login} is no longer {ROLE_WORDS[_short(other)]} ({other}).")
        for other in indirect:
            if other != wanted:
                said.append(f"Warning: {login} is in {other} through another role: revoke that role to take it away.")
        changed = wanted not in direct + indirect or listed != team
        if wanted not in direct + indirect:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(wanted), ident))
        conn.execute(
            "INSERT INTO cg_staff (login, team) VALUES (%s, %s) ON CONFLICT (login) DO UPDATE SET team = EXCLUDED.team",
            (login, team),
        )
    said.append(f"{login} is {ROLE_WORDS[role]} ({wanted}) of {team} in this store" + ("." if changed else " already."))
    return said


def staff_list(conn: Conn) -> tuple[list[StaffMember], list[StaffMember]]:
    """Everyone listed in this store's teams, and the members of coregroup's roles who are not (from
    another database on the server, or never listed): they see nothing here."""
    _require_staff_admin(conn)
    roles = list(ROLES.values())
    listed = [
        StaffMember(login, tuple(_short(r) for r in got or ()), team, bool(can_login), exists)
        for login, team, got, can_login, exists in conn.execute(
            "SELECT s.login, s.team, CASE WHEN r.oid IS NOT NULL THEN "
            "ARRAY(SELECT k FROM unnest(%s::text[]) k WHERE pg_has_role(r.oid, k, 'MEMBER')) END, "
            "coalesce(r.rolcanlogin, false), r.oid IS NOT NULL "
            "FROM cg_staff s LEFT JOIN pg_roles r ON r.rolname = s.login ORDER BY s.team, s.login",
            (roles,),
        ).fetchall()
    ]
    others = [
        StaffMember(login, tuple(_short(r) for r in got), "", bool(can_login))
        for login, got, can_login in conn.execute(
            "SELECT r.rolname, ARRAY(SELECT k FROM unnest(%s::text[]) k WHERE pg_has_role(r.oid, k, 'MEMBER')), "
            "r.rolcanlogin FROM pg_roles r WHERE NOT r.rolsuper AND r.rolname <> ALL (%s) "
            "AND r.rolname NOT LIKE 'pg\\_%%' "
            "AND EXISTS (SELECT 1 FROM unnest(%s::text[]) k WHERE pg_has_role(r.oid, k, 'MEMBER')) "
            "AND NOT EXISTS (SELECT 1 FROM cg_staff s WHERE s.login = r.rolname) ORDER BY r.rolname",
            (roles, roles, roles),
        ).fetchall()
    ]
    return listed, others


def staff_remove(conn: Conn, login: str) -> list[str]:
    """Take `login` out of this store: its `cg_staff` row, its coregroup roles, and the allocation of
    every case it was allocated (the login itself is kept)."""
    _require_staff_admin(conn)
    said: list[str] = []
    with conn.transaction():
        team = _one(conn, "DELETE FROM cg_staff WHERE login = %s RETURNING team", (login,))
        exists = _one(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)) is not None
        direct, indirect = _memberships(conn, login) if exists else ([], [])
        for role in direct:
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role), sql.Identifier(login)))
        cases = conn.execute(
            "UPDATE cg_cases SET allocated_to = array_remove(allocated_to, %s::name) WHERE %s::name = ANY (allocated_to) "
            "RETURNING id, cardinality(allocated_to)",
            (login, login),
        ).fetchall()
    if team is None and not direct and not cases:
        raise StoreError(f"{login} is not staff of this store (not listed, in no coregroup role): nothing was changed.")
    if team is not None:
        said.append(f"{login} is no longer listed in {team} here.")
    if direct:
        said.append(f"{login} is no longer in {', '.join(direct)} (on the whole server: in every database on it).")
    if indirect:
        said.append(f"Warning: {login} is still in {', '.join(indirect)} through another role: revoke that role too.")
    if cases:
        alone = sorted(case_id for case_id, left in cases if not left)
        said.append(f"Taken off the allocation of {len(cases)} case(s).")
        if alone:
            said.append(
                f"Allocated to nobody now: {', '.join(alone)}. Allocate each: coregroup allocate CASE --to LOGIN."
            )
    said.append(f"The login {login} itself is kept: DROP ROLE {login} removes it from the server.")
    return said
