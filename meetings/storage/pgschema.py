"""The team store's database schema, as versioned migrations.

Each migration is applied once, in a transaction, and recorded in `coregroup_migrations`, by
`coregroup db init` and `db upgrade` only (as the database's owner): opening a store never changes
a schema, so a mistyped address cannot set coregroup up in another database, and the schema is never
changed by hand. Migrations are only ever added at the end: a released one is never edited.

What the database enforces, whatever program connects (the app, `psql`, a script):

- Who may see a case: the social workers (and chairs) it is allocated to, and the minute-takers,
  team managers and read-only staff of its team (`cg_staff` says who is in which team).
- Who may change what: an allocated social worker edits the case; a minute-taker changes only the
  minutes' distribution of a meeting (a trigger compares the rest of the meeting); a team manager
  allocates cases (`allocated_to`, `team`) and reads; read-only staff read.
- The history is append-only: no role can update or delete it through its tables (the triggers).

Version 2 (below) makes these hold whatever the caller does (see its comment): fixed search paths,
column grants, staff required, a history written only by the server and chained by hash. What no
design stops: a database superuser, and the tables' owner (who may drop the triggers), can rewrite
anything; `coregroup history --verify` then finds the rewrite, unless the chain was recomputed too.
"""

from __future__ import annotations

from ..domain.changes import GATHER_SECONDS  # the same minute as the file store's

ROLES = {
    "social_worker": "coregroup_social_worker",
    "minute_taker": "coregroup_minute_taker",
    "manager": "coregroup_manager",
    "readonly": "coregroup_readonly",
}

_CREATE_ROLES = "\n".join(
    f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} NOLOGIN; END IF;
END $$;"""
    for role in ROLES.values()
)

V1 = (
    _CREATE_ROLES
    + """
CREATE TABLE cg_staff (
    login name PRIMARY KEY,
    team text NOT NULL DEFAULT ''
);

CREATE TABLE cg_cases (
    id text PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1,
    header jsonb NOT NULL,
    summary jsonb NOT NULL,
    team text NOT NULL DEFAULT '',
    allocated_to name[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name NOT NULL DEFAULT current_user
);

CREATE SEQUENCE cg_record_position;

CREATE TABLE cg_records (
    case_id text NOT NULL REFERENCES cg_cases (id) ON DELETE CASCADE,
    tbl text NOT NULL,
    key text NOT NULL,
    position bigint NOT NULL DEFAULT nextval('cg_record_position'),
    data jsonb NOT NULL,
    PRIMARY KEY (case_id, tbl, key)
);

CREATE TABLE cg_history (
    id bigserial PRIMARY KEY,
    case_id text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    who text NOT NULL DEFAULT current_user,
    machine text NOT NULL DEFAULT '',
    changes jsonb NOT NULL,
    imported boolean NOT NULL DEFAULT false,
    recorded_by name NOT NULL DEFAULT current_user
);
CREATE INDEX cg_history_case ON cg_history (case_id, id);

CREATE TABLE cg_report_items (
    case_id text NOT NULL REFERENCES cg_cases (id) ON DELETE CASCADE,
    from_date date NOT NULL,
    item jsonb NOT NULL
);
CREATE INDEX cg_report_items_case ON cg_report_items (case_id);
CREATE INDEX cg_report_items_from ON cg_report_items (from_date);

CREATE TABLE cg_holders (
    case_id text PRIMARY KEY,
    who name NOT NULL DEFAULT current_user,
    machine text NOT NULL,
    pid integer NOT NULL,
    since timestamptz NOT NULL DEFAULT now(),
    backend_pid integer NOT NULL DEFAULT pg_backend_pid()
);

-- Whose team a signed-in person is in ('' when not listed).
CREATE FUNCTION cg_my_team() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT team FROM cg_staff WHERE login = current_user), '')
$$;

CREATE FUNCTION cg_is(role name) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user, role, 'member')
$$;

-- May the signed-in person see a case of this team, allocated to these people?
CREATE FUNCTION cg_sees(c_team text, c_allocated name[]) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT current_user = ANY (c_allocated)
        OR (c_team = cg_my_team() AND (cg_is('coregroup_manager') OR cg_is('coregroup_minute_taker')
                                       OR cg_is('coregroup_readonly')))
$$;

-- May the signed-in person edit the case (an allocated social worker or chair)?
CREATE FUNCTION cg_edits(c_id text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT cg_is('coregroup_social_worker')
        AND EXISTS (SELECT 1 FROM cg_cases c WHERE c.id = c_id AND current_user = ANY (c.allocated_to))
$$;

CREATE FUNCTION cg_takes_minutes(c_id text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT cg_is('coregroup_minute_taker') AND EXISTS (SELECT 1 FROM cg_cases c WHERE c.id = c_id)
$$;

ALTER TABLE cg_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON cg_cases FOR SELECT USING (cg_sees(team, allocated_to));
CREATE POLICY add ON cg_cases FOR INSERT WITH CHECK (
    (cg_is('coregroup_social_worker') AND current_user = ANY (allocated_to))
    OR (cg_is('coregroup_manager') AND team = cg_my_team()));
CREATE POLICY edit ON cg_cases FOR UPDATE USING (
    (cg_is('coregroup_social_worker') AND current_user = ANY (allocated_to))
    OR (cg_is('coregroup_minute_taker') AND team = cg_my_team())
    OR (cg_is('coregroup_manager') AND team = cg_my_team()))
    WITH CHECK (cg_sees(team, allocated_to) OR (cg_is('coregroup_manager') AND team = cg_my_team()));

ALTER TABLE cg_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON cg_records FOR SELECT USING (EXISTS (SELECT 1 FROM cg_cases c WHERE c.id = case_id));
CREATE POLICY add ON cg_records FOR INSERT WITH CHECK (cg_edits(case_id));
CREATE POLICY edit ON cg_records FOR UPDATE USING (cg_edits(case_id) OR (tbl = 'meetings' AND cg_takes_minutes(case_id)));
CREATE POLICY remove ON cg_records FOR DELETE USING (cg_edits(case_id));

-- A minute-taker changes a meeting's distribution, and nothing else of it.
CREATE FUNCTION cg_only_distribution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT cg_edits(NEW.case_id) AND NOT pg_has_role(current_user, 'pg_write_all_data', 'member')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) IS NOT TRUE
       AND (NEW.tbl <> OLD.tbl OR NEW.key <> OLD.key OR NEW.case_id <> OLD.case_id
            OR (NEW.data - 'distribution') IS DISTINCT FROM (OLD.data - 'distribution')) THEN
        RAISE EXCEPTION 'a minute-taker may change only the distribution of the minutes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER only_distribution BEFORE UPDATE ON cg_records FOR EACH ROW EXECUTE FUNCTION cg_only_distribution();

ALTER TABLE cg_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON cg_history FOR SELECT USING (EXISTS (SELECT 1 FROM cg_cases c WHERE c.id = case_id));
CREATE POLICY add ON cg_history FOR INSERT WITH CHECK (
    recorded_by = current_user AND (imported OR who = current_user)
    AND (cg_edits(case_id) OR cg_takes_minutes(case_id)));

CREATE FUNCTION cg_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the history of changes is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON cg_history FOR EACH ROW EXECUTE FUNCTION cg_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON cg_history EXECUTE FUNCTION cg_append_only();

ALTER TABLE cg_report_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON cg_report_items FOR SELECT USING (EXISTS (SELECT 1 FROM cg_cases c WHERE c.id = case_id));
CREATE POLICY add ON cg_report_items FOR INSERT WITH CHECK (cg_edits(case_id) OR cg_takes_minutes(case_id));
CREATE POLICY remove ON cg_report_items FOR DELETE USING (cg_edits(case_id) OR cg_takes_minutes(case_id));

ALTER TABLE cg_holders ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON cg_holders FOR SELECT USING (true);
CREATE POLICY add ON cg_holders FOR INSERT WITH CHECK (who = current_user);
CREATE POLICY edit ON cg_holders FOR UPDATE USING (true) WITH CHECK (who = current_user);
CREATE POLICY remove ON cg_holders FOR DELETE USING (
    who = current_user OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = backend_pid));

GRANT SELECT ON coregroup_migrations, cg_staff TO coregroup_social_worker, coregroup_minute_taker, coregroup_manager, coregroup_readonly;
GRANT SELECT ON cg_cases, cg_records, cg_history, cg_report_items, cg_holders
    TO coregroup_social_worker, coregroup_minute_taker, coregroup_manager, coregroup_readonly;
GRANT INSERT, UPDATE (header, summary, version, updated_at, updated_by) ON cg_cases TO coregroup_social_worker;
GRANT UPDATE (summary, version, updated_at, updated_by) ON cg_cases TO coregroup_minute_taker;
GRANT INSERT, UPDATE (team, allocated_to) ON cg_cases TO coregroup_manager;
GRANT INSERT, UPDATE, DELETE ON cg_records TO coregroup_social_worker;
GRANT UPDATE (data) ON cg_records TO coregroup_minute_taker;
GRANT INSERT ON cg_history TO coregroup_social_worker, coregroup_minute_taker;
GRANT INSERT, DELETE ON cg_report_items TO coregroup_social_worker, coregroup_minute_taker;
GRANT INSERT, UPDATE, DELETE ON cg_holders TO coregroup_social_worker, coregroup_minute_taker;
GRANT USAGE ON SEQUENCE cg_record_position, cg_history_id_seq TO coregroup_social_worker, coregroup_minute_taker;
"""
)

#: (version, what it does, SQL). Append only.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "cases, records, append-only history, holders, report items; roles and row-level security", V1),
]
LATEST = MIGRATIONS[-1][0]

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS coregroup_migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by name NOT NULL DEFAULT current_user
)"""

# ----- version 2: roles that hold from psql, a history written by the server ---------------------
# `@s@` is the schema holding the tables (as the migrator's search path found it), substituted
# when the migration is applied: every function names each table it uses in full and has a fixed
# search_path, so no temporary table (searched first for relations) can stand in for one.
#
# What changes:
# - Identity is `session_user` everywhere (the signed-in login), never the role someone SET ROLEs to.
# - A login with no `cg_staff` row in this database sees nothing; every case belongs to a team.
# - Column grants give each role exactly what it writes. A minute-taker writes nothing directly:
#   `cg_record_distribution` records who the minutes were sent to. `version`, `updated_at` and
#   `updated_by` are the server's (a trigger), whatever the client sends.
# - The history is written only by SECURITY DEFINER functions and triggers: `who` is the session's
#   login, `at` the server's time, and each entry holds the hash of the one before (per case), so a
#   rewrite shows in `coregroup history --verify`. Creating, importing, allocating and deleting a
#   case are recorded by triggers. An imported entry keeps what its file claims apart
#   (`claimed_who`, `claimed_at`) from who imported it (`who`).
# - A case's advisory lock and its notification channel are derived from a secret only the
#   functions read, and are handed out only to who may edit (the lock) or see (the channel) it.
# - Presence rows (`cg_holders`) and staff rows are visible only to who may see the case / the team.
# - The report's policy is evaluated once per query (a hashed list of the visible cases), not per item.
_SIGNED_IN = "coregroup_social_worker, coregroup_minute_taker, coregroup_manager, coregroup_readonly"
_FIXED = "SET search_path = pg_catalog, @s@, pg_temp"

V2 = f"""
ALTER TABLE @s@.cg_cases ADD COLUMN IF NOT EXISTS last_save text;
ALTER TABLE @s@.cg_cases ADD CONSTRAINT cg_cases_has_team CHECK (team <> '') NOT VALID;

CREATE TABLE @s@.cg_secret (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret text NOT NULL
);
INSERT INTO @s@.cg_secret (secret) VALUES (gen_random_uuid()::text || gen_random_uuid()::text);
REVOKE ALL ON @s@.cg_secret FROM PUBLIC;

-- Who is signed in, and what they may do --------------------------------------------------------
CREATE OR REPLACE FUNCTION @s@.cg_my_team() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT s.team FROM @s@.cg_staff s WHERE s.login = session_user AND s.team <> ''
$$;

CREATE OR REPLACE FUNCTION @s@.cg_is(role name) RETURNS boolean LANGUAGE sql STABLE {_FIXED} AS $$
    SELECT pg_catalog.pg_has_role(session_user, role, 'member')
$$;

-- The tables' owner (or a superuser): the migrator, IT.
CREATE FUNCTION @s@.cg_is_owner() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT pg_catalog.pg_has_role(session_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = '@s@.cg_cases'::pg_catalog.regclass), 'member')
$$;

-- Reads every case of their team: a manager, a minute-taker, read-only staff.
CREATE FUNCTION @s@.cg_reads_team() RETURNS boolean LANGUAGE sql STABLE {_FIXED} AS $$
    SELECT @s@.cg_is('coregroup_manager') OR @s@.cg_is('coregroup_minute_taker') OR @s@.cg_is('coregroup_readonly')
$$;

CREATE FUNCTION @s@.cg_sees_case(c_id text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT @s@.cg_is_owner() OR EXISTS (
        SELECT 1 FROM @s@.cg_cases c
        WHERE c.id = c_id AND c.team = @s@.cg_my_team()
          AND (@s@.cg_reads_team() OR session_user = ANY (c.allocated_to)))
$$;

-- May the signed-in person edit the case: an allocated social worker (or chair) of its team, or the owner.
CREATE OR REPLACE FUNCTION @s@.cg_edits(c_id text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT @s@.cg_is_owner() OR (@s@.cg_is('coregroup_social_worker') AND EXISTS (
        SELECT 1 FROM @s@.cg_cases c
        WHERE c.id = c_id AND c.team = @s@.cg_my_team() AND session_user = ANY (c.allocated_to)))
$$;

-- May the signed-in person record who a meeting's minutes were sent to: a minute-taker of its team.
CREATE OR REPLACE FUNCTION @s@.cg_takes_minutes(c_id text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT @s@.cg_is('coregroup_minute_taker') AND EXISTS (
        SELECT 1 FROM @s@.cg_cases c WHERE c.id = c_id AND c.team = @s@.cg_my_team())
$$;

-- The policies: the functions without an argument are evaluated once per query, as (SELECT f()).
DROP POLICY IF EXISTS see ON @s@.cg_cases;
DROP POLICY IF EXISTS add ON @s@.cg_cases;
DROP POLICY IF EXISTS edit ON @s@.cg_cases;
CREATE POLICY see ON @s@.cg_cases FOR SELECT USING (
    team = (SELECT @s@.cg_my_team())
    AND ((SELECT @s@.cg_reads_team()) OR session_user = ANY (allocated_to)));
CREATE POLICY add ON @s@.cg_cases FOR INSERT WITH CHECK (
    (SELECT @s@.cg_is('coregroup_social_worker'))
    AND team = (SELECT @s@.cg_my_team()) AND allocated_to = ARRAY[session_user]::name[]);
CREATE POLICY edit ON @s@.cg_cases FOR UPDATE USING (
    team = (SELECT @s@.cg_my_team())
    AND (((SELECT @s@.cg_is('coregroup_social_worker')) AND session_user = ANY (allocated_to))
         OR (SELECT @s@.cg_is('coregroup_manager'))))
    WITH CHECK (team = (SELECT @s@.cg_my_team()));

DROP TRIGGER IF EXISTS only_distribution ON @s@.cg_records;
DROP FUNCTION IF EXISTS @s@.cg_only_distribution();
DROP POLICY IF EXISTS see ON @s@.cg_records;
DROP POLICY IF EXISTS add ON @s@.cg_records;
DROP POLICY IF EXISTS edit ON @s@.cg_records;
DROP POLICY IF EXISTS remove ON @s@.cg_records;
CREATE POLICY see ON @s@.cg_records FOR SELECT USING (EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = case_id));
CREATE POLICY add ON @s@.cg_records FOR INSERT WITH CHECK (@s@.cg_edits(case_id));
CREATE POLICY edit ON @s@.cg_records FOR UPDATE USING (@s@.cg_edits(case_id)) WITH CHECK (@s@.cg_edits(case_id));
CREATE POLICY remove ON @s@.cg_records FOR DELETE USING (@s@.cg_edits(case_id));

DROP POLICY IF EXISTS see ON @s@.cg_report_items;
DROP POLICY IF EXISTS add ON @s@.cg_report_items;
DROP POLICY IF EXISTS remove ON @s@.cg_report_items;
-- `IN (a subquery)` is a hashed list of the visible cases, built once per query.
CREATE POLICY see ON @s@.cg_report_items FOR SELECT USING (case_id IN (SELECT c.id FROM @s@.cg_cases c));
CREATE POLICY add ON @s@.cg_report_items FOR INSERT WITH CHECK (@s@.cg_edits(case_id));
CREATE POLICY remove ON @s@.cg_report_items FOR DELETE USING (@s@.cg_edits(case_id));

DROP POLICY IF EXISTS see ON @s@.cg_holders;
DROP POLICY IF EXISTS add ON @s@.cg_holders;
DROP POLICY IF EXISTS edit ON @s@.cg_holders;
DROP POLICY IF EXISTS remove ON @s@.cg_holders;
CREATE POLICY see ON @s@.cg_holders FOR SELECT USING (EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = case_id));

ALTER TABLE @s@.cg_staff ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON @s@.cg_staff FOR SELECT USING (login = session_user OR team = (SELECT @s@.cg_my_team()));

DROP FUNCTION IF EXISTS @s@.cg_sees(text, name[]);

-- The history: written by the server, chained by hash ---------------------------------------------
ALTER TABLE @s@.cg_history
    ADD COLUMN event text NOT NULL DEFAULT '',
    ADD COLUMN claimed_who text,
    ADD COLUMN claimed_at text,
    ADD COLUMN server_time boolean NOT NULL DEFAULT true,
    ADD COLUMN prev_hash text,
    ADD COLUMN hash text;
DROP POLICY IF EXISTS see ON @s@.cg_history;
DROP POLICY IF EXISTS add ON @s@.cg_history;
CREATE POLICY see ON @s@.cg_history FOR SELECT USING (EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = case_id));

-- The hash of an entry: what `coregroup history --verify` recomputes (storage/postgres.py, `_entry_hash`).
CREATE FUNCTION @s@.cg_entry_hash(prev text, id bigint, case_id text, at timestamptz, who text, machine text,
                                  event text, imported boolean, claimed_who text, claimed_at text, changes jsonb)
    RETURNS text LANGUAGE sql IMMUTABLE {_FIXED} AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\\x1f', coalesce(prev, ''), id::text, case_id,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), who, machine, event, imported::text,
        coalesce(claimed_who, ''), coalesce(claimed_at, ''), changes::text), 'UTF8')), 'hex')
$$;

-- The entries written before this version: who imported an entry is what V1 kept as `recorded_by`;
-- their times were the client's (server_time false). Nothing else is changed, and they are chained.
ALTER TABLE @s@.cg_history DISABLE TRIGGER append_only;
UPDATE @s@.cg_history SET server_time = false;
UPDATE @s@.cg_history
    SET claimed_who = who,
        claimed_at = to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        who = recorded_by
    WHERE imported;
DO $$
DECLARE
    r record;
    last_case text := NULL;
    prev text := '';
BEGIN
    FOR r IN SELECT * FROM @s@.cg_history ORDER BY case_id, id LOOP
        IF last_case IS DISTINCT FROM r.case_id THEN
            prev := '';
            last_case := r.case_id;
        END IF;
        UPDATE @s@.cg_history SET prev_hash = prev,
            hash = @s@.cg_entry_hash(prev, r.id, r.case_id, r.at, r.who, r.machine, r.event, r.imported,
                                     r.claimed_who, r.claimed_at, r.changes)
            WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
END $$;
ALTER TABLE @s@.cg_history ENABLE TRIGGER append_only;
ALTER TABLE @s@.cg_history ALTER COLUMN hash SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL;

CREATE OR REPLACE FUNCTION @s@.cg_append_only() RETURNS trigger LANGUAGE plpgsql {_FIXED} AS $$
BEGIN
    RAISE EXCEPTION 'the history of changes is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

-- One entry, chained to the case's last: the only way an entry is written. `p_who` and `p_at` are
-- given only when a gathered entry (below) is written: its author and the time of its last save,
-- as the server recorded them then; otherwise the session's login and the server's clock.
CREATE FUNCTION @s@.cg_chain(p_case text, p_machine text, p_changes jsonb, p_event text, p_imported boolean,
                             p_claimed_who text, p_claimed_at text, p_who text, p_at timestamptz)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    prev text;
    new_id bigint;
    moment timestamptz := coalesce(p_at, clock_timestamp());
    author text := coalesce(p_who, session_user);
BEGIN
    IF p_event NOT IN ('', 'created', 'imported', 'replaced', 'restored', 'deleted', 'allocated', 'migrated') THEN
        RAISE EXCEPTION 'not an event of a case''s history' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(p_changes) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'the changes should be a list' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('coregroup history:' || p_case, 0));
    SELECT h.hash INTO prev FROM @s@.cg_history h WHERE h.case_id = p_case ORDER BY h.id DESC LIMIT 1;
    prev := coalesce(prev, '');
    new_id := nextval('@s@.cg_history_id_seq');
    INSERT INTO @s@.cg_history (id, case_id, at, who, machine, changes, imported, recorded_by, event,
                                claimed_who, claimed_at, server_time, prev_hash, hash)
    VALUES (new_id, p_case, moment, author, coalesce(p_machine, ''), p_changes, p_imported, session_user,
            p_event, p_claimed_who, p_claimed_at, true, prev,
            @s@.cg_entry_hash(prev, new_id, p_case, moment, author, coalesce(p_machine, ''), p_event,
                              p_imported, p_claimed_who, p_claimed_at, p_changes));
END $$;

-- Typing on in the same fields: the saves of one person, from one machine, changing the same
-- fields within a minute of the first are gathered into one entry (a line a minute for each field
-- typed in, not one for every burst of keys). The entry being gathered is kept here, written in
-- the same transaction as each save (so nothing is lost when the editor is killed), and goes into
-- the chain when a save changes anything else, when its minute is up, when anything else is
-- recorded, and when the case is closed or next opened. `coregroup history` shows it as the last.
CREATE TABLE @s@.cg_gathering (
    case_id text PRIMARY KEY,
    who text NOT NULL,
    machine text NOT NULL,
    started timestamptz NOT NULL,
    at timestamptz NOT NULL,
    changes jsonb NOT NULL
);
ALTER TABLE @s@.cg_gathering ENABLE ROW LEVEL SECURITY;
CREATE POLICY see ON @s@.cg_gathering FOR SELECT USING (EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = case_id));

CREATE FUNCTION @s@.cg_flush_gathered(p_case text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    g record;
BEGIN
    DELETE FROM @s@.cg_gathering WHERE case_id = p_case RETURNING * INTO g;
    IF FOUND AND g.changes <> '[]'::jsonb THEN
        PERFORM @s@.cg_chain(p_case, g.machine, g.changes, '', false, NULL, NULL, g.who, g.at);
    END IF;
END $$;

-- Everything but a save's own changes: what was gathered goes first, so the order is kept.
CREATE FUNCTION @s@.cg_append_history(p_case text, p_machine text, p_changes jsonb, p_event text,
                                      p_imported boolean, p_claimed_who text, p_claimed_at text)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
BEGIN
    PERFORM @s@.cg_flush_gathered(p_case);
    PERFORM @s@.cg_chain(p_case, p_machine, p_changes, p_event, p_imported, p_claimed_who, p_claimed_at, NULL, NULL);
END $$;

-- The paths a list of changes touches, in order: what decides whether a save goes on the last.
CREATE FUNCTION @s@.cg_paths(p_changes jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE {_FIXED} AS $$
    SELECT coalesce(array_agg(c->>'path' ORDER BY c->>'path'), '{{}}') FROM jsonb_array_elements(p_changes) c
$$;

-- What an editor's save changed (worked out by the client; who and when are the server's).
CREATE FUNCTION @s@.cg_log(p_case text, p_machine text, p_changes jsonb, p_event text DEFAULT '')
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    g record;
BEGIN
    IF NOT @s@.cg_edits(p_case) THEN
        RAISE EXCEPTION 'your sign-in may not record changes to this case' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_event NOT IN ('', 'replaced', 'restored') THEN
        RAISE EXCEPTION 'not an event an editor records' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(p_changes) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'the changes should be a list' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_event <> '' THEN
        PERFORM @s@.cg_append_history(p_case, p_machine, p_changes, p_event, false, NULL, NULL);
        RETURN;
    END IF;
    IF p_changes = '[]'::jsonb THEN
        RETURN;
    END IF;
    SELECT * INTO g FROM @s@.cg_gathering WHERE case_id = p_case FOR UPDATE;
    IF FOUND AND g.who = session_user AND g.machine = coalesce(p_machine, '')
       AND @s@.cg_paths(g.changes) = @s@.cg_paths(p_changes)
       AND clock_timestamp() - g.started < interval '{GATHER_SECONDS} seconds' THEN
        -- The old values of the first save, the new of this one; a change undone vanishes.
        UPDATE @s@.cg_gathering SET at = clock_timestamp(), changes = (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'path', o->>'path', 'old', o->'old', 'new', n->'new',
                       'restricted', coalesce((o->>'restricted')::boolean, false)
                                     OR coalesce((n->>'restricted')::boolean, false)) ORDER BY k), '[]')
            FROM jsonb_array_elements(g.changes) WITH ORDINALITY AS a(o, k)
            JOIN jsonb_array_elements(p_changes) n ON n->>'path' = o->>'path'
            WHERE (o->'old') IS DISTINCT FROM (n->'new'))
        WHERE case_id = p_case;
    ELSE
        PERFORM @s@.cg_flush_gathered(p_case);
        -- The first save of a burst goes into the chain at once (who changed the field, and when);
        -- the saves that go on changing the same fields after it are gathered.
        SELECT h.who, h.machine, h.at, h.changes, h.event, h.imported INTO g FROM @s@.cg_history h
            WHERE h.case_id = p_case ORDER BY h.id DESC LIMIT 1;
        IF FOUND AND g.who = session_user AND g.machine = coalesce(p_machine, '') AND g.event = '' AND NOT g.imported
           AND @s@.cg_paths(g.changes) = @s@.cg_paths(p_changes)
           AND clock_timestamp() - g.at < interval '{GATHER_SECONDS} seconds' THEN
            INSERT INTO @s@.cg_gathering (case_id, who, machine, started, at, changes)
                VALUES (p_case, session_user, coalesce(p_machine, ''), clock_timestamp(), clock_timestamp(), p_changes);
        ELSE
            PERFORM @s@.cg_chain(p_case, p_machine, p_changes, '', false, NULL, NULL, NULL, NULL);
        END IF;
    END IF;
END $$;

-- An entry carried in an imported case file: kept as what the file claims, apart from who imported it.
CREATE FUNCTION @s@.cg_log_imported(p_case text, p_claimed_at text, p_claimed_who text, p_machine text,
                                    p_changes jsonb, p_event text DEFAULT '')
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
BEGIN
    IF NOT @s@.cg_edits(p_case) THEN
        RAISE EXCEPTION 'your sign-in may not record changes to this case' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM @s@.cg_append_history(p_case, p_machine, p_changes, p_event, true, p_claimed_who, p_claimed_at);
END $$;

-- A case's row: the version and who saved it are the server's; whoever a case is allocated to is a
-- social worker of its team.
CREATE FUNCTION @s@.cg_case_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    worker name;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.id := OLD.id;
        IF (NEW.header, NEW.summary, NEW.last_save) IS DISTINCT FROM (OLD.header, OLD.summary, OLD.last_save) THEN
            NEW.version := OLD.version + 1;
            -- Each save carries an id made by the client (`last_save`), so a client whose answer to a
            -- save was lost asks which save the server holds instead of taking its own save for
            -- someone else's. A change made without a new id (psql, a script) clears it, so an old
            -- id never vouches for a case someone else has changed since.
            IF NEW.last_save IS NOT DISTINCT FROM OLD.last_save THEN
                NEW.last_save := NULL;
            END IF;
        ELSE
            NEW.version := OLD.version;  -- an allocation does not change what the editor holds
        END IF;
    ELSE
        NEW.version := 1;
    END IF;
    NEW.updated_at := now();
    NEW.updated_by := session_user;
    IF TG_OP = 'INSERT' OR NEW.allocated_to IS DISTINCT FROM OLD.allocated_to OR NEW.team IS DISTINCT FROM OLD.team THEN
        FOREACH worker IN ARRAY NEW.allocated_to LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = worker)
               OR NOT pg_catalog.pg_has_role(worker, 'coregroup_social_worker', 'member')
               OR NOT EXISTS (SELECT 1 FROM @s@.cg_staff s WHERE s.login = worker AND s.team = NEW.team) THEN
                RAISE EXCEPTION '% is not a social worker of %', worker, NEW.team USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER guard BEFORE INSERT OR UPDATE ON @s@.cg_cases FOR EACH ROW EXECUTE FUNCTION @s@.cg_case_guard();

-- A case's notification channel: a name only who may see the case is given.
CREATE FUNCTION @s@.cg_channel_of(p_case text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT 'cg_' || left(encode(sha256(convert_to(s.secret || ':channel:' || p_case, 'UTF8')), 'hex'), 40)
    FROM @s@.cg_secret s
$$;
REVOKE ALL ON FUNCTION @s@.cg_channel_of(text) FROM PUBLIC;
CREATE FUNCTION @s@.cg_channel(p_case text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT CASE WHEN @s@.cg_sees_case(p_case) THEN @s@.cg_channel_of(p_case) END
$$;

-- Creating, allocating and deleting a case are in its history; a save is announced on its channel.
CREATE FUNCTION @s@.cg_case_events() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    ev text := coalesce(nullif(current_setting('coregroup.event', true), ''), 'created');
    machine text := coalesce(current_setting('coregroup.machine', true), '');
    changes jsonb := '[]';
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF ev NOT IN ('created', 'imported', 'migrated') THEN
            ev := 'created';
        END IF;
        PERFORM @s@.cg_append_history(NEW.id, machine, '[]', ev, false, NULL, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM @s@.cg_append_history(OLD.id, machine, '[]', 'deleted', false, NULL, NULL);
    ELSE
        IF NEW.team IS DISTINCT FROM OLD.team THEN
            changes := changes || jsonb_build_array(jsonb_build_object(
                'path', 'allocation.team', 'old', OLD.team, 'new', NEW.team, 'restricted', false));
        END IF;
        IF NEW.allocated_to IS DISTINCT FROM OLD.allocated_to THEN
            changes := changes || jsonb_build_array(jsonb_build_object(
                'path', 'allocation.social_workers', 'old', to_jsonb(OLD.allocated_to::text[]),
                'new', to_jsonb(NEW.allocated_to::text[]), 'restricted', false));
        END IF;
        IF changes <> '[]'::jsonb THEN
            PERFORM @s@.cg_append_history(NEW.id, machine, changes, 'allocated', false, NULL, NULL);
        END IF;
        IF NEW.version <> OLD.version THEN
            PERFORM pg_notify(@s@.cg_channel_of(NEW.id), NEW.version::text);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events AFTER INSERT OR UPDATE OR DELETE ON @s@.cg_cases FOR EACH ROW EXECUTE FUNCTION @s@.cg_case_events();

-- The lock of a case: its key is derived from the secret, so only this function can take it ----------
CREATE FUNCTION @s@.cg_lock_key(p_case text) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER {_FIXED} AS $$
    SELECT hashtextextended(s.secret || ':lock:' || p_case, 0) FROM @s@.cg_secret s
$$;
REVOKE ALL ON FUNCTION @s@.cg_lock_key(text) FROM PUBLIC;

-- Take a case's lock for editing (or, for a minute-taker, for recording the distribution); a case
-- not yet in the store may be locked by who may create one. Returns since when it is held, or NULL
-- when someone else holds it.
CREATE FUNCTION @s@.cg_take_lock(p_case text, p_machine text, p_pid integer, p_since timestamptz DEFAULT NULL)
    RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    held timestamptz;
BEGIN
    IF EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = p_case) THEN
        IF NOT (@s@.cg_edits(p_case) OR @s@.cg_takes_minutes(p_case)) THEN
            RAISE EXCEPTION 'your sign-in may not edit this case' USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NOT (@s@.cg_is_owner() OR (@s@.cg_is('coregroup_social_worker') AND @s@.cg_my_team() IS NOT NULL)) THEN
        RAISE EXCEPTION 'your sign-in may not create a case' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT pg_try_advisory_lock(@s@.cg_lock_key(p_case)) THEN
        RETURN NULL;
    END IF;
    DELETE FROM @s@.cg_holders WHERE case_id = p_case;
    PERFORM @s@.cg_flush_gathered(p_case);  -- what a killed editor was typing goes into the chain now
    INSERT INTO @s@.cg_holders (case_id, who, machine, pid, since, backend_pid)
        VALUES (p_case, session_user, coalesce(p_machine, ''), coalesce(p_pid, 0), coalesce(p_since, now()),
                pg_backend_pid())
        RETURNING since INTO held;
    RETURN held;
END $$;

CREATE FUNCTION @s@.cg_release_lock(p_case text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
BEGIN
    DELETE FROM @s@.cg_holders WHERE case_id = p_case AND backend_pid = pg_backend_pid();
    IF EXISTS (SELECT 1 FROM @s@.cg_cases c WHERE c.id = p_case) THEN
        PERFORM @s@.cg_flush_gathered(p_case);
    END IF;
    WHILE pg_advisory_unlock(@s@.cg_lock_key(p_case)) LOOP
    END LOOP;
END $$;

-- A minute-taker records who a meeting's minutes were sent to: the meeting's distribution, the
-- case's "minutes not sent" report lines, and the history, nothing else. NULL: the case changed
-- since `p_version`.
CREATE FUNCTION @s@.cg_record_distribution(p_case text, p_meeting text, p_distribution jsonb, p_items jsonb,
                                           p_changes jsonb, p_version bigint, p_save text, p_machine text)
    RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER {_FIXED} AS $$
DECLARE
    v bigint;
    prefix text := 'meetings[' || p_meeting || '].distribution';
BEGIN
    IF NOT (@s@.cg_takes_minutes(p_case) OR @s@.cg_edits(p_case)) THEN
        RAISE EXCEPTION 'your sign-in may not record who the minutes were sent to' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF jsonb_typeof(p_distribution) IS DISTINCT FROM 'array' OR jsonb_typeof(p_items) IS DISTINCT FROM 'array'
       OR jsonb_typeof(p_changes) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'the distribution, report lines and changes should be lists' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_changes) ch
               WHERE left(ch->>'path', length(prefix)) IS DISTINCT FROM prefix) THEN
        RAISE EXCEPTION 'only the distribution of the minutes may be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE @s@.cg_cases c SET last_save = p_save,
        summary = jsonb_set(c.summary, '{{report_items}}',
            coalesce((SELECT jsonb_agg(i) FROM jsonb_array_elements(coalesce(c.summary->'report_items', '[]')) i
                      WHERE i->>'kind' IS DISTINCT FROM 'minutes_not_sent'), '[]')
            || coalesce((SELECT jsonb_agg(i) FROM jsonb_array_elements(p_items) i
                         WHERE i->>'kind' = 'minutes_not_sent'), '[]'))
        WHERE c.id = p_case AND c.version = p_version
        RETURNING c.version INTO v;
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE @s@.cg_records r SET data = jsonb_set(r.data, '{{distribution}}', p_distribution)
        WHERE r.case_id = p_case AND r.tbl = 'meetings' AND r.key = p_meeting;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no such meeting' USING ERRCODE = 'no_data_found';
    END IF;
    DELETE FROM @s@.cg_report_items i WHERE i.case_id = p_case AND i.item->>'kind' = 'minutes_not_sent';
    INSERT INTO @s@.cg_report_items (case_id, from_date, item)
        SELECT p_case, (i->>'from_date')::date, i FROM jsonb_array_elements(p_items) i
        WHERE i->>'kind' = 'minutes_not_sent';
    IF p_changes <> '[]'::jsonb THEN
        PERFORM @s@.cg_append_history(p_case, p_machine, p_changes, '', false, NULL, NULL);
    END IF;
    RETURN v;
END $$;

-- Grants: each role exactly what it writes -----------------------------------------------------------
REVOKE ALL ON @s@.cg_cases, @s@.cg_records, @s@.cg_history, @s@.cg_report_items, @s@.cg_holders, @s@.cg_staff,
    @s@.coregroup_migrations FROM PUBLIC, {_SIGNED_IN};
REVOKE ALL ON SEQUENCE @s@.cg_record_position, @s@.cg_history_id_seq FROM PUBLIC, {_SIGNED_IN};
GRANT SELECT ON @s@.cg_cases, @s@.cg_records, @s@.cg_history, @s@.cg_report_items, @s@.cg_holders, @s@.cg_staff,
    @s@.cg_gathering, @s@.coregroup_migrations TO {_SIGNED_IN};
GRANT INSERT (id, header, summary, team, allocated_to, last_save), UPDATE (header, summary, last_save)
    ON @s@.cg_cases TO coregroup_social_worker;
GRANT UPDATE (team, allocated_to) ON @s@.cg_cases TO coregroup_manager;
GRANT INSERT (case_id, tbl, key, data), UPDATE (data), DELETE ON @s@.cg_records TO coregroup_social_worker;
GRANT USAGE ON SEQUENCE @s@.cg_record_position TO coregroup_social_worker;
GRANT INSERT, DELETE ON @s@.cg_report_items TO coregroup_social_worker;

DO $$
DECLARE
    f text;
BEGIN
    -- Every function: no one but the coregroup roles (and the owner) may call them.
    FOR f IN SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = '@s@'::regnamespace AND p.proname LIKE 'cg\\_%' LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    FOR f IN SELECT unnest(ARRAY['cg_my_team()', 'cg_is(name)', 'cg_is_owner()', 'cg_reads_team()',
                                 'cg_sees_case(text)', 'cg_edits(text)', 'cg_takes_minutes(text)',
                                 'cg_entry_hash(text,bigint,text,timestamp with time zone,text,text,text,boolean,text,text,jsonb)',
                                 'cg_channel(text)', 'cg_take_lock(text,text,integer,timestamp with time zone)',
                                 'cg_release_lock(text)', 'cg_record_distribution(text,text,jsonb,jsonb,jsonb,bigint,text,text)',
                                 'cg_log(text,text,jsonb,text)', 'cg_log_imported(text,text,text,text,jsonb,text)']) LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION @s@.%s TO {_SIGNED_IN}', f);
    END LOOP;
END $$;
"""

#: What `db upgrade` makes sure of every time (a database's privileges are not copied with it from a
#: template or a dump, so they are not left to a migration that runs once): no one connects or makes
#: temporary tables but the coregroup roles, and no one creates objects in the tables' schema.
DATABASE_PRIVILEGES = f"""
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY, CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {_SIGNED_IN}', current_database());
    BEGIN
        EXECUTE 'REVOKE CREATE ON SCHEMA @s@ FROM PUBLIC';
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'could not revoke CREATE on the schema from PUBLIC: ask the database superuser to';
    END;
END $$;
"""

MIGRATIONS.append(
    (
        2,
        "roles that hold from psql (fixed search paths, column grants, staff required), a history written "
        "by the server and chained by hash, locks and channels only for who may use them",
        V2,
    )
)
LATEST = MIGRATIONS[-1][0]

# ----- version 3: a gathered save keeps what coregroup worked out marked as coregroup's ----------
# Version 2's `cg_log` gathers saves changing the same fields within a minute into one entry, but
# the entry it rebuilt kept only path, old, new and restricted: a change marked `worked_out` (a
# timescale breach coregroup keeps, with the event that triggered it: issue 22) lost its mark, so
# the history showed it without the event that caused it. Version 3 re-creates `cg_log` as version
# 2 wrote it, the merge keeping the mark of the first save (else of the later one). Version 2's text
# is taken as released, so only the merge differs (the assertion below fails if it ever does not).
_V2_LOG = V2[V2.index("CREATE FUNCTION @s@.cg_log(") : V2.index("-- An entry carried in an imported case file")]
_V2_MERGE = """'restricted', coalesce((o->>'restricted')::boolean, false)
                                     OR coalesce((n->>'restricted')::boolean, false)) ORDER BY k), '[]')"""
_V3_MERGE = """'restricted', coalesce((o->>'restricted')::boolean, false)
                                     OR coalesce((n->>'restricted')::boolean, false))
                       || CASE WHEN coalesce(o->>'worked_out', '') <> '' OR coalesce(n->>'worked_out', '') <> ''
                               THEN jsonb_build_object('worked_out',
                                                       coalesce(nullif(o->>'worked_out', ''), n->>'worked_out'))
                               ELSE '{}'::jsonb END ORDER BY k), '[]')"""
assert _V2_LOG.count(_V2_MERGE) == 1, "version 2's cg_log is released text: it never changes"
V3 = _V2_LOG.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(_V2_MERGE, _V3_MERGE)

MIGRATIONS.append(
    (3, "saves gathered within a minute keep what coregroup worked out marked as coregroup's (issue 22)", V3)
)
LATEST = MIGRATIONS[-1][0]
