"""The team store's database schema, as versioned migrations.

Each migration is applied once, in a transaction, and recorded in `coregroup_migrations`; the store
applies what is missing when it connects (as a role allowed to), so the schema is never changed by
hand. Migrations are only ever added at the end: a released one is never edited.

What the database enforces, whatever program connects (the app, `psql`, a script):

- Who may see a case: the social workers (and chairs) it is allocated to, and the minute-takers,
  team managers and read-only staff of its team (`cg_staff` says who is in which team).
- Who may change what: an allocated social worker edits the case; a minute-taker changes only the
  minutes' distribution of a meeting (a trigger compares the rest of the meeting); a team manager
  allocates cases (`allocated_to`, `team`) and reads; read-only staff read.
- The history is append-only: no role, not even the tables' owner, can update or delete it.
"""

from __future__ import annotations

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

#: Each save carries an id made by the client, kept as the case's `last_save` in the same
#: transaction: a client whose answer to a save was lost on the way back asks which save the
#: server holds, instead of taking its own save for someone else's. A change of version made
#: without a new id (a script, `psql`, a save that sets none) clears it, so an old id never
#: vouches for a case someone else has changed since.
V2_SAVE_IDS = """
ALTER TABLE cg_cases ADD COLUMN last_save text;
GRANT UPDATE (last_save) ON cg_cases TO coregroup_social_worker;

CREATE FUNCTION cg_forget_last_save() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version IS DISTINCT FROM OLD.version AND NEW.last_save IS NOT DISTINCT FROM OLD.last_save THEN
        NEW.last_save := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cg_forget_last_save BEFORE UPDATE ON cg_cases
    FOR EACH ROW EXECUTE FUNCTION cg_forget_last_save();
"""

#: (version, what it does, SQL). Append only.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "cases, records, append-only history, holders, report items; roles and row-level security", V1),
    (2, "client save ids", V2_SAVE_IDS),
]
LATEST = MIGRATIONS[-1][0]

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS coregroup_migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by name NOT NULL DEFAULT current_user
)"""
