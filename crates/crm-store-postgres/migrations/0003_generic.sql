-- crm-rs PostgreSQL schema, version 3: the generic storage contract.
--
-- Records of every kind live in one table as JSON; the unique keys they claim and their index
-- entries in two more. A new record kind needs no table and no migration. Reporting tools get
-- real columns from views (`customers`, `contact_points`, `requests`, ...) that the store
-- creates on connect from each kind's declared columns.
--
-- Same rules as before: workspace_id leads every key (every table can be distributed by it on
-- Citus), no foreign keys, ordered text is COLLATE "C". bytea and uuid compare bytewise, which
-- is the order index positions and ids sort in in every crm-rs store.
--
-- Kind and index tags are u16 in crm-core, kept in smallint columns bit for bit: a tag above
-- 32767 reads as tag - 65536.

-- Every record: its kind's tag, id, version and JSON body (the serde form of its crm-core
-- type), with what it claims: its unique keys and its index entries (each as index tag, two
-- bytes big-endian, then the entry's position). A commit diffs the claims of the stored
-- version with those of the new one.
CREATE TABLE records (
    workspace_id uuid     NOT NULL,
    kind         smallint NOT NULL,
    id           uuid     NOT NULL,
    version      bigint   NOT NULL CHECK (version > 0),
    body         jsonb    NOT NULL,
    unique_keys  text[]   NOT NULL DEFAULT '{}',
    index_keys   bytea[]  NOT NULL DEFAULT '{}',
    PRIMARY KEY (workspace_id, kind, id)
);

-- Unique keys (contact points, staff emails, request numbers, ...): one holder each per
-- workspace.
CREATE TABLE unique_keys (
    workspace_id uuid     NOT NULL,
    key          text     COLLATE "C" NOT NULL,
    kind         smallint NOT NULL,
    holder       uuid     NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- Index entries: per index, positions in byte order (the entry's key, then the record's id),
-- each naming its record.
CREATE TABLE index_entries (
    workspace_id uuid     NOT NULL,
    index_id     smallint NOT NULL,
    position     bytea    NOT NULL,
    kind         smallint NOT NULL,
    record_id    uuid     NOT NULL,
    PRIMARY KEY (workspace_id, index_id, position)
);

-- The record kinds the store has seen, with the version of the keys their stored unique keys
-- and index entries were made with. A kind missing here, or at another version than the
-- program declares, is re-indexed from its records when a store connects.
CREATE TABLE crm_kinds (
    kind          smallint PRIMARY KEY,
    name          text     NOT NULL,
    index_version integer  NOT NULL
);

-- The index tag of a stored index key (its first two bytes, big-endian), as a smallint.
-- One expression, not STRICT: PostgreSQL inlines it into the statements that call it.
CREATE FUNCTION crm_index_tag(stored bytea) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (get_byte(stored, 0) * 256 + get_byte(stored, 1)
            - CASE WHEN get_byte(stored, 0) > 127 THEN 65536 ELSE 0 END)::smallint
$$;

-- The views of the record kinds (made on connect) are for reading. PostgreSQL would let a
-- write through a single-table view change `records` without the record's unique keys and
-- index entries; this trigger, on every view, refuses it (SQLSTATE 55000, as PostgreSQL
-- refuses a write to a view it cannot update).
CREATE FUNCTION crm_read_only_view() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('%I is a read-only view of crm-rs records: change them through the store',
                         TG_TABLE_NAME);
END
$$;

-- One commit, applied write by write in order, all or nothing (the rules of crm-core's
-- `store::kv::stage`):
--
-- - write i is record p_kinds[i] / p_ids[i] at p_versions[i]; p_bodies[i] is its JSON body,
--   NULL for a delete;
-- - a put claims the unique keys p_unique[p_unique_ends[i-1] + 1 .. p_unique_ends[i]] and
--   the index entries p_index[p_index_ends[i-1] + 1 .. p_index_ends[i]] (index tag, then
--   position); a delete's range is empty;
-- - a put of version n needs version n - 1 stored (absent: 0), a delete exactly its version:
--   otherwise SQLSTATE CRM01, DETAIL {"kind", "id", "expected", "found"};
-- - keys the stored version claims and the new one does not are released, new ones claimed
--   in byte order; a key another record holds: SQLSTATE CRM02, DETAIL {"key", "kind",
--   "holder"} (the smallest such key);
-- - index entries follow the diff of the stored and the new claims.
--
-- Run it in READ COMMITTED: each statement sees what concurrent commits committed before it,
-- so a racing commit is seen as a conflict, never a unique violation. A race it cannot decide
-- (a key released between two statements) is SQLSTATE 40001, for the caller to retry.
CREATE FUNCTION crm_commit(
    p_ws          uuid,
    p_kinds       smallint[],
    p_ids         uuid[],
    p_versions    bigint[],
    p_bodies      jsonb[],
    p_unique_ends integer[],
    p_unique      text[],
    p_index_ends  integer[],
    p_index       bytea[]
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_kind       smallint;
    v_id         uuid;
    v_version    bigint;
    v_found      bigint;
    v_done       bigint;
    v_old_unique text[];
    v_old_index  bytea[];
    v_new_unique text[];
    v_new_index  bytea[];
    v_wanted     bigint;
    v_claimed    bigint;
    v_taken      record;
    v_unique_lo  integer := 0;
    v_index_lo   integer := 0;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
        v_kind := p_kinds[i];
        v_id := p_ids[i];
        v_version := p_versions[i];
        v_new_unique := coalesce(p_unique[v_unique_lo + 1 : p_unique_ends[i]], '{}');
        v_new_index := coalesce(p_index[v_index_lo + 1 : p_index_ends[i]], '{}');
        v_unique_lo := p_unique_ends[i];
        v_index_lo := p_index_ends[i];

        IF p_bodies[i] IS NULL THEN
            -- A delete: the record at exactly its version, its keys and entries.
            SELECT r.version, r.unique_keys, r.index_keys
              INTO v_found, v_old_unique, v_old_index
              FROM records r
             WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id
               FOR UPDATE;
            IF NOT FOUND OR v_found <> v_version THEN
                RAISE EXCEPTION USING ERRCODE = 'CRM01', MESSAGE = 'stale version',
                    DETAIL = json_build_object('kind', v_kind, 'id', v_id,
                        'expected', v_version, 'found', coalesce(v_found, 0))::text;
            END IF;
            WITH keys AS (
                DELETE FROM unique_keys u
                 WHERE u.workspace_id = p_ws AND u.key = ANY (v_old_unique)
                   AND u.holder = v_id),
            entries AS (
                DELETE FROM index_entries e USING unnest(v_old_index) AS k(stored)
                 WHERE e.workspace_id = p_ws AND e.index_id = crm_index_tag(k.stored)
                   AND e.position = substring(k.stored FROM 3))
            DELETE FROM records r
             WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id;
            CONTINUE;
        END IF;

        IF v_version = 1 THEN
            -- A create, in one statement: the record, then (only if it was new) its keys,
            -- claimed in byte order, and its entries.
            WITH rec AS (
                INSERT INTO records AS r
                       (workspace_id, kind, id, version, body, unique_keys, index_keys)
                VALUES (p_ws, v_kind, v_id, 1, p_bodies[i], v_new_unique, v_new_index)
                ON CONFLICT DO NOTHING
                RETURNING 1),
            wanted AS (
                SELECT DISTINCT k.key COLLATE "C" AS key FROM unnest(v_new_unique) AS k(key)),
            claimed AS (
                INSERT INTO unique_keys AS u (workspace_id, key, kind, holder)
                SELECT p_ws, w.key, v_kind, v_id FROM wanted w, rec ORDER BY w.key
                ON CONFLICT (workspace_id, key) DO UPDATE SET kind = EXCLUDED.kind
                 WHERE u.holder = EXCLUDED.holder
                RETURNING 1),
            entries AS (
                INSERT INTO index_entries AS e
                       (workspace_id, index_id, position, kind, record_id)
                SELECT DISTINCT p_ws, crm_index_tag(k.stored), substring(k.stored FROM 3),
                       v_kind, v_id
                  FROM unnest(v_new_index) AS k(stored), rec
                ON CONFLICT (workspace_id, index_id, position)
                DO UPDATE SET kind = EXCLUDED.kind, record_id = EXCLUDED.record_id)
            SELECT (SELECT count(*) FROM rec), (SELECT count(*) FROM wanted),
                   (SELECT count(*) FROM claimed)
              INTO v_done, v_wanted, v_claimed;
            IF v_done = 0 THEN
                SELECT r.version INTO v_found FROM records r
                 WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id;
                RAISE EXCEPTION USING ERRCODE = 'CRM01', MESSAGE = 'stale version',
                    DETAIL = json_build_object('kind', v_kind, 'id', v_id,
                        'expected', 0, 'found', coalesce(v_found, 0))::text;
            END IF;
            v_old_unique := '{}';
        ELSE
            -- A change: the stored version, locked, then in one statement the record, the
            -- keys it no longer claims released, the new ones claimed, its entries diffed.
            SELECT r.version, r.unique_keys, r.index_keys
              INTO v_found, v_old_unique, v_old_index
              FROM records r
             WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id
               FOR UPDATE;
            IF NOT FOUND OR v_found <> v_version - 1 THEN
                RAISE EXCEPTION USING ERRCODE = 'CRM01', MESSAGE = 'stale version',
                    DETAIL = json_build_object('kind', v_kind, 'id', v_id,
                        'expected', v_version - 1, 'found', coalesce(v_found, 0))::text;
            END IF;
            WITH rec AS (
                UPDATE records r
                   SET version = v_version, body = p_bodies[i],
                       unique_keys = v_new_unique, index_keys = v_new_index
                 WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id),
            released AS (
                DELETE FROM unique_keys u
                 WHERE u.workspace_id = p_ws AND u.key = ANY (v_old_unique)
                   AND NOT (u.key = ANY (v_new_unique)) AND u.holder = v_id),
            wanted AS (
                SELECT DISTINCT k.key COLLATE "C" AS key FROM unnest(v_new_unique) AS k(key)
                 WHERE NOT (k.key = ANY (v_old_unique))),
            claimed AS (
                INSERT INTO unique_keys AS u (workspace_id, key, kind, holder)
                SELECT p_ws, w.key, v_kind, v_id FROM wanted w ORDER BY w.key
                ON CONFLICT (workspace_id, key) DO UPDATE SET kind = EXCLUDED.kind
                 WHERE u.holder = EXCLUDED.holder
                RETURNING 1),
            gone AS (
                DELETE FROM index_entries e USING unnest(v_old_index) AS k(stored)
                 WHERE NOT (k.stored = ANY (v_new_index))
                   AND e.workspace_id = p_ws AND e.index_id = crm_index_tag(k.stored)
                   AND e.position = substring(k.stored FROM 3)),
            added AS (
                INSERT INTO index_entries AS e
                       (workspace_id, index_id, position, kind, record_id)
                SELECT DISTINCT p_ws, crm_index_tag(k.stored), substring(k.stored FROM 3),
                       v_kind, v_id
                  FROM unnest(v_new_index) AS k(stored)
                 WHERE NOT (k.stored = ANY (v_old_index))
                ON CONFLICT (workspace_id, index_id, position)
                DO UPDATE SET kind = EXCLUDED.kind, record_id = EXCLUDED.record_id)
            SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM claimed)
              INTO v_wanted, v_claimed;
        END IF;

        IF v_claimed < v_wanted THEN
            -- Another record holds one of the new keys: name the smallest.
            SELECT u.key, u.kind, u.holder INTO v_taken FROM unique_keys u
             WHERE u.workspace_id = p_ws AND u.holder <> v_id
               AND u.key = ANY (v_new_unique) AND NOT (u.key = ANY (v_old_unique))
             ORDER BY u.key
             LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '40001',
                    MESSAGE = 'a unique key changed hands during the commit';
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'CRM02', MESSAGE = 'unique key taken',
                DETAIL = json_build_object('key', v_taken.key,
                    'kind', v_taken.kind, 'holder', v_taken.holder)::text;
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- The data of version 2: every row of the typed tables becomes a record whose body is the
-- serde form of the crm-core type the old store read from it. Unique keys and index entries
-- are not derived here: crm_kinds is empty, so the first store to connect re-indexes every
-- kind from the records (the same code as any later change of a kind's keys).

-- A timestamp as serde writes a chrono DateTime<Utc> (RFC 3339, UTC, microseconds).
CREATE FUNCTION crm_v2_time(at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT w.workspace_id, 1, w.id, w.version, jsonb_build_object(
    'id', w.id,
    'version', w.version,
    'name', w.name,
    'default_region', w.default_region,
    'created_at', crm_v2_time(w.created_at),
    'settings', w.settings)
FROM workspaces w;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT c.workspace_id, 2, c.id, c.version, jsonb_build_object(
    'id', c.id,
    'version', c.version,
    'party', CASE c.party_type
        WHEN 'person' THEN jsonb_build_object(
            'type', 'person',
            'given_name', c.given_name,
            'family_name', c.family_name,
            'organisation', c.organisation_id)
        ELSE jsonb_build_object('type', 'organisation', 'name', c.org_name) END,
    'stage', c.stage,
    'owner', c.owner_id,
    'tags', to_jsonb(c.tags),
    'fields', c.fields,
    'occasions', c.occasions,
    'consent', c.consent,
    'contacts', coalesce(
        (SELECT jsonb_agg(jsonb_build_object(
                    'kind', p.kind, 'value', p.value, 'key', p.key, 'label', p.label)
                ORDER BY p.ordinal)
           FROM contact_points p
          WHERE p.workspace_id = c.workspace_id AND p.customer_id = c.id),
        '[]'::jsonb),
    'merged_into', c.merged_into,
    'created_at', crm_v2_time(c.created_at),
    'updated_at', crm_v2_time(c.updated_at))
FROM customers c;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT i.workspace_id, 3, i.id, i.version, jsonb_build_object(
    'id', i.id,
    'version', i.version,
    'customer', i.customer_id,
    'channel', i.channel,
    'direction', i.direction,
    'occurred_at', crm_v2_time(i.occurred_at),
    'subject', i.subject,
    'body', i.body,
    'staff', i.staff_id,
    'external_id', i.external_id,
    'attachments', i.attachments,
    'recorded_at', crm_v2_time(i.recorded_at))
FROM interactions i;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT s.workspace_id, 4, s.id, s.version, jsonb_build_object(
    'id', s.id,
    'version', s.version,
    'name', s.name,
    'email', s.email,
    'roles', to_jsonb(s.roles),
    'department', s.department_id,
    'active', s.active,
    'created_at', crm_v2_time(s.created_at),
    'updated_at', crm_v2_time(s.updated_at))
FROM staff s;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT d.workspace_id, 5, d.id, d.version, jsonb_build_object(
    'id', d.id,
    'version', d.version,
    'name', d.name,
    'manager', d.manager_id,
    'assignment', d.assignment,
    'last_assigned', d.last_assigned,
    'created_at', crm_v2_time(d.created_at),
    'updated_at', crm_v2_time(d.updated_at))
FROM departments d;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT a.workspace_id, 6, a.id, a.version, jsonb_build_object(
    'id', a.id,
    'version', a.version,
    'at', crm_v2_time(a.at),
    'actor', CASE a.actor_type
        WHEN 'staff' THEN jsonb_build_object('type', 'staff', 'id', a.actor_staff)
        ELSE jsonb_build_object('type', 'system', 'id', a.actor_name) END,
    'action', a.action,
    'record', jsonb_build_object('kind', a.record_kind, 'id', a.record_id),
    'detail', a.detail)
FROM audit_entries a;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT o.workspace_id, 7, o.id, o.version, jsonb_build_object(
    'id', o.id,
    'version', o.version,
    'created_at', crm_v2_time(o.created_at),
    'notification', jsonb_build_object(
        'recipient', o.recipient,
        'event', o.event,
        'subject', o.subject,
        'body', o.body,
        'record', CASE WHEN o.record_kind IS NOT NULL
            THEN jsonb_build_object('kind', o.record_kind, 'id', o.record_id) END),
    'status', o.status,
    'attempts', o.attempts,
    'next_attempt_at', crm_v2_time(o.next_attempt_at),
    'last_error', o.last_error,
    'delivered_at', crm_v2_time(o.delivered_at))
FROM outbox o;

-- Derived columns (priority_rank, due_at, is_active, is_possible_duplicate, hops) are not
-- part of the record: its index entries are derived again on connect.
INSERT INTO records (workspace_id, kind, id, version, body)
SELECT r.workspace_id, 8, r.id, r.version, jsonb_build_object(
    'id', r.id,
    'version', r.version,
    'number', r.number,
    'customer', r.customer_id,
    'candidates', to_jsonb(r.candidates),
    'channel', r.channel,
    'thread', r.thread,
    'subject', r.subject,
    'category', r.category,
    'priority', r.priority,
    'line', r.line,
    'status', r.status,
    'holder', CASE r.holder_kind
        WHEN 'officers' THEN jsonb_build_object('type', 'officers')
        ELSE jsonb_build_object('type', r.holder_kind, 'id', r.holder_id) END,
    'department', r.department_id,
    'officer', r.officer_id,
    'followers', to_jsonb(r.followers),
    'referrals', r.referrals,
    'escalated', r.escalated,
    'answer', r.answer,
    'reviews', r.reviews,
    'reply', r.reply,
    'satisfaction', r.satisfaction,
    'messages', to_jsonb(r.messages),
    'message_keys', to_jsonb(r.message_keys),
    'pending', r.pending,
    'sla', r.sla,
    'received_at', crm_v2_time(r.received_at),
    'last_message_at', crm_v2_time(r.last_message_at),
    'reopened', r.reopened,
    'created_at', crm_v2_time(r.created_at),
    'updated_at', crm_v2_time(r.updated_at),
    'closed_at', crm_v2_time(r.closed_at))
FROM requests r;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT g.workspace_id, 9, g.id, g.version, jsonb_build_object(
    'id', g.id,
    'version', g.version,
    'name', g.name,
    'position', g.position,
    'enabled', g.enabled,
    'conditions', g.conditions,
    'actions', g.actions,
    'created_at', crm_v2_time(g.created_at),
    'updated_at', crm_v2_time(g.updated_at))
FROM routing_rules g;

INSERT INTO records (workspace_id, kind, id, version, body)
SELECT n.workspace_id, 10, n.id, n.version, jsonb_build_object(
    'id', n.id,
    'version', n.version,
    'value', n.value)
FROM counters n;

-- Bodies keep NUL characters (which jsonb cannot hold) as U+E000 '0', and U+E000 itself
-- doubled (the store's src/escape.rs). Text of version 2 holds no NUL; a U+E000 is doubled.
UPDATE records SET body = replace(body::text, U&'\E000', U&'\E000\E000')::jsonb
WHERE strpos(body::text, U&'\E000') > 0;

DROP FUNCTION crm_v2_time(timestamptz);

-- The typed tables go: views of the same names take their place on connect.
DROP TABLE workspaces, customers, contact_points, customer_tokens, customer_tags,
    interactions, departments, staff, audit_entries, outbox, requests, request_keys,
    request_followers, routing_rules, counters;
