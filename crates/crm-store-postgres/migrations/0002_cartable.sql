-- crm-rs PostgreSQL schema, version 2: the electronic cartable.
--
-- Requests, routing rules and counters; how departments assign requests; each workspace's
-- cartable settings. Same rules as version 1: workspace_id leads every key and index, no
-- foreign keys, ordered text is COLLATE "C".

-- A workspace's cartable settings (SLA policy with its work calendar, intake window, hop
-- limit). '{}' reads as the defaults.
ALTER TABLE workspaces ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;

-- How requests routed to a department reach a member, and who got the last round-robin one.
ALTER TABLE departments
    ADD COLUMN assignment text NOT NULL DEFAULT 'queue'
        CHECK (assignment IN ('queue', 'round_robin', 'least_loaded')),
    ADD COLUMN last_assigned uuid;

-- Customer requests (tickets). What the cartable views and the reports select, filter and
-- sort by is a column; the nested history (referrals, reviews, the answer and reply, the
-- rating, messages awaiting an officer, the service-level clock) is jsonb.
-- Derived columns, written with the record: priority_rank (0 urgent .. 3 low), due_at (the
-- current deadline, 9999-12-31 23:59:59 when none: what cartables sort by), is_active (not
-- replied or closed), is_possible_duplicate (no customer yet, several candidates), hops.
CREATE TABLE requests (
    workspace_id          uuid        NOT NULL,
    id                    uuid        NOT NULL,
    version               bigint      NOT NULL CHECK (version > 0),
    number                bigint      NOT NULL CHECK (number >= 0),
    customer_id           uuid,
    candidates            uuid[]      NOT NULL,
    channel               text        NOT NULL,
    thread                text,
    subject               text        NOT NULL,
    category              text,
    priority              text        NOT NULL,
    priority_rank         smallint    NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
    line                  text        NOT NULL,
    status                text        NOT NULL,
    holder_kind           text        NOT NULL
        CHECK (holder_kind IN ('officers', 'department', 'staff')),
    holder_id             uuid,
    department_id         uuid,
    officer_id            uuid,
    followers             uuid[]      NOT NULL,
    escalated             boolean     NOT NULL,
    hops                  integer     NOT NULL,
    due_at                timestamptz NOT NULL,
    is_active             boolean     NOT NULL,
    is_possible_duplicate boolean     NOT NULL,
    referrals             jsonb       NOT NULL,
    answer                jsonb,
    reviews               jsonb       NOT NULL,
    reply                 jsonb,
    satisfaction          jsonb,
    messages              uuid[]      NOT NULL,
    message_keys          text[]      NOT NULL,
    pending               jsonb       NOT NULL,
    sla                   jsonb       NOT NULL,
    received_at           timestamptz NOT NULL,
    last_message_at       timestamptz NOT NULL,
    reopened              bigint      NOT NULL CHECK (reopened >= 0),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    closed_at             timestamptz,
    PRIMARY KEY (workspace_id, id),
    CHECK ((holder_kind = 'officers') = (holder_id IS NULL))
);
-- Cartable views, each in the views' order (priority rank, due time, id).
CREATE INDEX requests_by_holder
    ON requests (workspace_id, holder_kind, holder_id, priority_rank, due_at, id)
    WHERE is_active;
CREATE INDEX requests_by_due ON requests (workspace_id, priority_rank, due_at, id)
    WHERE is_active;
CREATE INDEX requests_for_review ON requests (workspace_id, priority_rank, due_at, id)
    WHERE status = 'resolved';
CREATE INDEX requests_possible_duplicates ON requests (workspace_id, priority_rank, due_at, id)
    WHERE is_active AND is_possible_duplicate;
-- A customer's requests, newest first; requests by creation time (reports).
CREATE INDEX requests_by_customer ON requests (workspace_id, customer_id, created_at, id)
    WHERE customer_id IS NOT NULL;
CREATE INDEX requests_by_created ON requests (workspace_id, created_at, id);

-- The unique keys of requests (number, every message taken in, thread): one request each.
CREATE TABLE request_keys (
    workspace_id uuid NOT NULL,
    key          text COLLATE "C" NOT NULL,
    request_id   uuid NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX request_keys_by_request ON request_keys (workspace_id, request_id);

-- Followers of requests (the requests.followers array is the record; this is its index), with
-- the request's sort columns so the "followed by me" view reads in order.
CREATE TABLE request_followers (
    workspace_id  uuid        NOT NULL,
    request_id    uuid        NOT NULL,
    staff_id      uuid        NOT NULL,
    priority_rank smallint    NOT NULL,
    due_at        timestamptz NOT NULL,
    is_active     boolean     NOT NULL,
    PRIMARY KEY (workspace_id, request_id, staff_id)
);
CREATE INDEX request_followers_by_staff
    ON request_followers (workspace_id, staff_id, priority_rank, due_at, request_id)
    WHERE is_active;

-- Routing rules: data, not code.
CREATE TABLE routing_rules (
    workspace_id uuid        NOT NULL,
    id           uuid        NOT NULL,
    version      bigint      NOT NULL CHECK (version > 0),
    name         text        NOT NULL,
    position     bigint      NOT NULL CHECK (position >= 0),
    enabled      boolean     NOT NULL,
    conditions   jsonb       NOT NULL,
    actions      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- Named counters (request numbers), versioned like every record.
CREATE TABLE counters (
    workspace_id uuid   NOT NULL,
    id           uuid   NOT NULL,
    version      bigint NOT NULL CHECK (version > 0),
    value        bigint NOT NULL CHECK (value >= 0),
    PRIMARY KEY (workspace_id, id)
);
