"""A real PostgreSQL server for the team store's tests.

The server is `$COREGROUP_TEST_PG` (an address of a role that may create databases and roles),
else the one on 127.0.0.1:5432. Each test gets a database of its own, copied from a template
that this test process set up once with the store's migrations, so tests never see each other's
cases. Without a server the tests that need one are skipped, unless `$COREGROUP_REQUIRE_PG` is set
(as CI sets it): then they fail, so a missing server is never mistaken for a pass.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ADMIN = os.environ.get("COREGROUP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
LOGINS = {
    "sw_one": "coregroup_social_worker",
    "sw_two": "coregroup_social_worker",
    "minutes": "coregroup_minute_taker",
    "manager": "coregroup_manager",
    "reader": "coregroup_readonly",
    "unlisted": "coregroup_readonly",  # in a coregroup role, with no cg_staff row in the database
}
_SETUP_LOCK = 0x7465737473  # one test process sets up roles at a time
_template: str | None = None


def url_for(dbname: str, user: str | None = None) -> str:
    """The address of `dbname` on the test server, signed in as the admin or as a test sign-in."""
    parts = conninfo_to_dict(ADMIN)
    login = f"cgtest_{user}" if user is not None else str(parts.get("user") or "")
    password = f":{quote(str(parts['password']))}" if parts.get("password") and user is None else ""
    host = str(parts.get("host") or "127.0.0.1")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{quote(login)}{password}@{host}{port}/{dbname}"


def admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        if os.environ.get("COREGROUP_REQUIRE_PG"):
            raise
        pytest.skip("no PostgreSQL server for the team store's tests (set COREGROUP_TEST_PG)")


def _setup_template() -> str:
    """A database with the store's schema, made once per test process, and the test sign-ins."""
    global _template
    if _template is not None:
        return _template
    from meetings.storage.postgres import PostgresStore

    name = f"cgtmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            store = PostgresStore(url_for(name), upgrade=True)  # applies the migrations, creating the roles
            store.close()
            for login, role in LOGINS.items():
                conn.execute(
                    sql.SQL(
                        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {lit}) "
                        "THEN CREATE ROLE {ident} LOGIN; END IF; END $$"
                    ).format(lit=sql.Literal(f"cgtest_{login}"), ident=sql.Identifier(f"cgtest_{login}"))
                )
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(f"cgtest_{login}")))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
    _template = name
    return name


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new database holding the store's schema and nothing else; dropped afterwards."""
    template = _setup_template()
    name = f"cgtest_{uuid.uuid4().hex[:12]}"
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    with psycopg.connect(url_for(name), autocommit=True) as conn:  # privileges are not copied from a template
        from meetings.storage import pgschema

        conn.execute(pgschema.DATABASE_PRIVILEGES.replace("@s@", "public").encode())
    try:
        yield name
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_templates() -> None:
    if _template is None:
        return
    with contextlib.suppress(psycopg.Error), admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_template)))


def ensure_logins() -> None:
    """The test sign-ins exist on the server (they are made with the template database)."""
    _setup_template()
