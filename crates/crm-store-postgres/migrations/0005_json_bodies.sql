-- crm-rs PostgreSQL schema, version 5: bodies kept as json, the text as written.
--
-- The store writes whole bodies and reads them whole; it never looks inside one in SQL but
-- in the views. As jsonb, every body was parsed into PostgreSQL's binary form when written
-- and printed back to text when read: for a deal of 6.8 KB (a stage log of 40 moves), 78 µs
-- to parse and 48 µs to print, measured on PostgreSQL 15 over 20,000 bodies, where json only
-- checks the syntax (5 µs) and hands the text back as it is. A stage change writes the deal
-- and reads it, so that was about a sixth of the server's time per change. jsonb is also
-- larger on disk (8.6 KB against 6.8 KB for that deal).
--
-- The views read fields from the bodies: they now cast the body to jsonb once per row (the
-- store makes them again when it connects, since their queries changed), so their columns
-- keep their types. They depend on the column, so they are dropped here first: every view of
-- this schema whose comment marks it as made by crm-rs. A view of the application's own that
-- reads records.body makes this migration fail: drop it, connect, and make it again.
--
-- Large bodies are compressed with lz4 where the server has it (PostgreSQL 14 and later,
-- built with lz4, as Debian's and the official images are); pglz, the default, took 3 % of
-- the machine's time while deals changed stage. Values already stored keep their compression.
--
-- crm_commit takes json[] for the bodies; its rules and its text are version 4's otherwise.

DO $$
DECLARE
    v_view regclass;
BEGIN
    FOR v_view IN
        SELECT c.oid::regclass FROM pg_class c
         WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace
           AND obj_description(c.oid, 'pg_class') LIKE 'crm-rs view %'
    LOOP
        EXECUTE format('DROP VIEW %s', v_view);
    END LOOP;
END
$$;

ALTER TABLE records ALTER COLUMN body TYPE json USING body::json;

DO $$
BEGIN
    ALTER TABLE records ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL; -- a server built without lz4 keeps pglz
END
$$;

DROP FUNCTION crm_commit(uuid, smallint[], uuid[], bigint[], jsonb[], integer[], text[],
                         integer[], bytea[]);

-- One commit, applied write by write in order, all or nothing: see 0003_generic.sql for the
-- contract and 0004_commit_entries.sql for this shape.
CREATE FUNCTION crm_commit(
    p_ws          uuid,
    p_kinds       smallint[],
    p_ids         uuid[],
    p_versions    bigint[],
    p_bodies      json[],
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
    v_old_unique text[];
    v_old_index  bytea[];
    v_new_unique text[];
    v_new_index  bytea[];
    v_wanted     bigint;
    v_claimed    bigint;
    v_taken      record;
    v_unique_lo  integer := 0;
    v_index_lo   integer := 0;
    v_stored     bytea;
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
            FOREACH v_stored IN ARRAY v_old_index LOOP
                DELETE FROM index_entries e
                 WHERE e.workspace_id = p_ws AND e.index_id = crm_index_tag(v_stored)
                   AND e.position = substring(v_stored FROM 3);
            END LOOP;
            WITH keys AS (
                DELETE FROM unique_keys u
                 WHERE u.workspace_id = p_ws AND u.key = ANY (v_old_unique)
                   AND u.holder = v_id)
            DELETE FROM records r
             WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id;
            CONTINUE;
        END IF;

        v_wanted := 0;
        v_claimed := 0;
        IF v_version = 1 THEN
            -- A create: the record, then (only if it was new) its keys, claimed in byte
            -- order, and its entries.
            INSERT INTO records AS r
                   (workspace_id, kind, id, version, body, unique_keys, index_keys)
            VALUES (p_ws, v_kind, v_id, 1, p_bodies[i], v_new_unique, v_new_index)
            ON CONFLICT DO NOTHING;
            IF NOT FOUND THEN
                SELECT r.version INTO v_found FROM records r
                 WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id;
                RAISE EXCEPTION USING ERRCODE = 'CRM01', MESSAGE = 'stale version',
                    DETAIL = json_build_object('kind', v_kind, 'id', v_id,
                        'expected', 0, 'found', coalesce(v_found, 0))::text;
            END IF;
            v_old_unique := '{}';
            v_old_index := '{}';
        ELSE
            -- A change: the stored version, locked; the entries it no longer claims deleted
            -- one by one; the record; the keys it no longer claims released.
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
            FOREACH v_stored IN ARRAY v_old_index LOOP
                IF NOT (v_stored = ANY (v_new_index)) THEN
                    DELETE FROM index_entries e
                     WHERE e.workspace_id = p_ws AND e.index_id = crm_index_tag(v_stored)
                       AND e.position = substring(v_stored FROM 3);
                END IF;
            END LOOP;
            UPDATE records r
               SET version = v_version, body = p_bodies[i],
                   unique_keys = v_new_unique, index_keys = v_new_index
             WHERE r.workspace_id = p_ws AND r.kind = v_kind AND r.id = v_id;
            IF cardinality(v_old_unique) > 0 THEN
                DELETE FROM unique_keys u
                 WHERE u.workspace_id = p_ws AND u.key = ANY (v_old_unique)
                   AND NOT (u.key = ANY (v_new_unique)) AND u.holder = v_id;
            END IF;
        END IF;

        -- Then (create or change) the keys it newly claims, in byte order, and its new
        -- entries; each statement only when there is something to do.
        IF cardinality(v_new_unique) > 0 THEN
            WITH wanted AS (
                SELECT DISTINCT k.key COLLATE "C" AS key FROM unnest(v_new_unique) AS k(key)
                 WHERE NOT (k.key = ANY (v_old_unique))),
            claimed AS (
                INSERT INTO unique_keys AS u (workspace_id, key, kind, holder)
                SELECT p_ws, w.key, v_kind, v_id FROM wanted w ORDER BY w.key
                ON CONFLICT (workspace_id, key) DO UPDATE SET kind = EXCLUDED.kind
                 WHERE u.holder = EXCLUDED.holder
                RETURNING 1)
            SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM claimed)
              INTO v_wanted, v_claimed;
        END IF;
        IF cardinality(v_new_index) > 0 AND NOT (v_new_index <@ v_old_index) THEN
            INSERT INTO index_entries AS e
                   (workspace_id, index_id, position, kind, record_id)
            SELECT DISTINCT p_ws, crm_index_tag(k.stored), substring(k.stored FROM 3),
                   v_kind, v_id
              FROM unnest(v_new_index) AS k(stored)
             WHERE NOT (k.stored = ANY (v_old_index))
            ON CONFLICT (workspace_id, index_id, position)
            DO UPDATE SET kind = EXCLUDED.kind, record_id = EXCLUDED.record_id;
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
