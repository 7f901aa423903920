-- crm-rs PostgreSQL schema, version 1.
--
-- Every table leads its primary key and every index with workspace_id, so every table can be
-- distributed by workspace_id (Citus) and every query touches one workspace's shard.
-- No foreign keys: the store contract does not ask for referential integrity (writes of one
-- commit apply in order, and a customer may be deleted before its interactions), and foreign
-- keys across distributed tables would need co-location anyway.
-- Text that is ordered or prefix-searched is COLLATE "C": byte order, as the other stores.

CREATE TABLE workspaces (
    workspace_id   uuid        NOT NULL,
    id             uuid        NOT NULL,
    version        bigint      NOT NULL CHECK (version > 0),
    name           text        NOT NULL,
    default_region text        NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE customers (
    workspace_id    uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         bigint      NOT NULL CHECK (version > 0),
    party_type      text        NOT NULL CHECK (party_type IN ('person', 'organisation')),
    given_name      text,
    family_name     text,
    org_name        text,
    organisation_id uuid,
    stage           text        NOT NULL,
    owner_id        uuid,
    tags            text[]      NOT NULL,
    fields          jsonb       NOT NULL,
    occasions       jsonb       NOT NULL,
    consent         jsonb       NOT NULL,
    merged_into     uuid,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    CHECK ((party_type = 'person') = (given_name IS NOT NULL AND family_name IS NOT NULL)),
    CHECK ((party_type = 'organisation') = (org_name IS NOT NULL))
);
CREATE INDEX customers_by_stage ON customers (workspace_id, stage, id)
    WHERE merged_into IS NULL;
CREATE INDEX customers_by_owner ON customers (workspace_id, owner_id, id)
    WHERE merged_into IS NULL AND owner_id IS NOT NULL;
CREATE INDEX customers_by_organisation ON customers (workspace_id, organisation_id)
    WHERE organisation_id IS NOT NULL;

-- Contact points of a customer, in order. A customer claims the canonical key of each
-- identifying contact point (email, phone, social handle): `claims_key` is true on the first
-- such point of each key, and the partial unique index gives a key to at most one customer.
-- Postal addresses and web sites are kept the same way but never claimed, so two customers
-- may share them.
CREATE TABLE contact_points (
    workspace_id uuid    NOT NULL,
    customer_id  uuid    NOT NULL,
    ordinal      integer NOT NULL,
    kind         text    NOT NULL,
    value        text    NOT NULL,
    key          text    COLLATE "C" NOT NULL,
    label        text,
    claims_key   boolean NOT NULL,
    PRIMARY KEY (workspace_id, customer_id, ordinal)
);
CREATE UNIQUE INDEX contact_points_claimed_key ON contact_points (workspace_id, key)
    WHERE claims_key;

-- Search tokens of live customers' names (prefix search by btree range).
CREATE TABLE customer_tokens (
    workspace_id uuid NOT NULL,
    token        text COLLATE "C" NOT NULL,
    customer_id  uuid NOT NULL,
    PRIMARY KEY (workspace_id, token, customer_id)
);
CREATE INDEX customer_tokens_by_customer ON customer_tokens (workspace_id, customer_id);

-- Tags of customers (the customers.tags array is the record; this is its index).
CREATE TABLE customer_tags (
    workspace_id uuid NOT NULL,
    tag          text COLLATE "C" NOT NULL,
    customer_id  uuid NOT NULL,
    PRIMARY KEY (workspace_id, tag, customer_id)
);
CREATE INDEX customer_tags_by_customer ON customer_tags (workspace_id, customer_id);

CREATE TABLE interactions (
    workspace_id uuid        NOT NULL,
    id           uuid        NOT NULL,
    version      bigint      NOT NULL CHECK (version > 0),
    customer_id  uuid        NOT NULL,
    channel      text        NOT NULL,
    direction    text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    occurred_at  timestamptz NOT NULL,
    subject      text,
    body         text        NOT NULL,
    staff_id     uuid,
    external_id  text,
    attachments  jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX interactions_by_customer
    ON interactions (workspace_id, customer_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_by_external_id ON interactions (workspace_id, channel, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX interactions_by_time ON interactions (workspace_id, occurred_at);

CREATE TABLE departments (
    workspace_id uuid        NOT NULL,
    id           uuid        NOT NULL,
    version      bigint      NOT NULL CHECK (version > 0),
    name         text        NOT NULL,
    manager_id   uuid,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE staff (
    workspace_id  uuid        NOT NULL,
    id            uuid        NOT NULL,
    version       bigint      NOT NULL CHECK (version > 0),
    name          text        NOT NULL,
    email         text COLLATE "C",
    roles         text[]      NOT NULL,
    department_id uuid,
    active        boolean     NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT staff_email_unique UNIQUE (workspace_id, email)
);

CREATE TABLE audit_entries (
    workspace_id uuid        NOT NULL,
    id           uuid        NOT NULL,
    version      bigint      NOT NULL CHECK (version > 0),
    at           timestamptz NOT NULL,
    actor_type   text        NOT NULL CHECK (actor_type IN ('staff', 'system')),
    actor_staff  uuid,
    actor_name   text,
    action       text        NOT NULL,
    record_kind  text        NOT NULL,
    record_id    uuid        NOT NULL,
    detail       text        NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_entries_by_record ON audit_entries (workspace_id, record_id, id);
CREATE INDEX audit_entries_by_actor ON audit_entries (workspace_id, actor_staff, at)
    WHERE actor_staff IS NOT NULL;

CREATE TABLE outbox (
    workspace_id    uuid        NOT NULL,
    id              uuid        NOT NULL,
    version         bigint      NOT NULL CHECK (version > 0),
    created_at      timestamptz NOT NULL,
    recipient       jsonb       NOT NULL,
    event           text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    record_kind     text,
    record_id       uuid,
    status          text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        bigint      NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    delivered_at    timestamptz,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX outbox_by_status ON outbox (workspace_id, status, id);
CREATE INDEX outbox_pending_due ON outbox (workspace_id, next_attempt_at, id)
    WHERE status = 'pending';
