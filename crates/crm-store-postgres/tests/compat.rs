//! Old data stays readable.
//!
//! `fixtures/v2.sql` is a schema written by the store at migration version 2 (typed tables
//! per record kind), dumped with `pg_dump --inserts` (its schema's name replaced by
//! `__crm_fixture_schema__`); `fixtures/v2.records.json` holds every record it contains, as
//! that version read them back. Connecting today's store to it runs migration 3 (the records
//! move into `records`, the typed tables go) and re-indexes every kind; then every record must
//! read back equal, and every query must answer as the memory store holding the same records.
//! `fixtures/v4.sql` likewise, written at version 4, goes through migration 5.
//!
//! Never regenerate a fixture to make a failing test pass: a failure means data written by
//! released versions no longer reads. `CRM_REGENERATE_FIXTURES=1 cargo test -p
//! crm-store-postgres --test compat generate` writes the fixture of the current version
//! (`v5.sql`, `v5.records.json`); never the older ones. `v4` was written by schema version 4
//! (bodies as `jsonb`, its views made).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fixture_data;

use chrono::{DateTime, Duration, Utc};
use crm_core::activity::AssignmentFence;
use crm_core::audit::AuditEntry;
use crm_core::counter::Counter;
use crm_core::customer::{ContactKind, Customer, CustomerFilter, LifecycleStage};
use crm_core::id::{CustomerId, DepartmentId, StaffId, WorkspaceId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{OutboxMessage, OutboxStatus};
use crm_core::record::{Entity, RecordKind};
use crm_core::request::{Holder, Request, RequestView, RoutingRule};
use crm_core::service::NewCustomer;
use crm_core::staff::{Department, Staff};
use crm_core::store::{Commit, PageRequest, Scan, Store, StoreExt};
use crm_core::workspace::Workspace;
use crm_core::{Conflict, Crm, Error};
use crm_store_memory::MemoryStore;
use crm_store_postgres::{PostgresStore, TestSchema};
use serde::Deserialize;
use sqlx::{Connection, PgConnection, Row};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

/// The placeholder for the schema's name in a dumped fixture.
const SCHEMA_PLACEHOLDER: &str = "__crm_fixture_schema__";

/// The fixture [`generate_fixture`] writes: that of the current migration version.
const CURRENT: &str = "v5";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fixture's `records.json`.
#[derive(Deserialize)]
struct Fixture {
    workspace: Uuid,
    records: Vec<FixtureRecord>,
}

/// One record of a fixture: its kind's name and its serde form.
#[derive(Deserialize)]
struct FixtureRecord {
    kind: String,
    record: serde_json::Value,
}

#[tokio::test]
async fn generate_fixture() {
    if std::env::var("CRM_REGENERATE_FIXTURES").as_deref() != Ok("1") {
        return;
    }
    let url = common::database_url().expect("CRM_TEST_POSTGRES_URL");
    let (store, schema) = TestSchema::create(&url).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let (ws, _admin) = fixture_data::write(store.clone()).await;
    let mut records = Vec::new();
    for kind in RecordKind::BUILTIN {
        let mut scan = Scan::records(*kind);
        loop {
            let hits = store.scan(ws, &scan).await.unwrap();
            for hit in &hits {
                let body = hit
                    .record
                    .as_ref()
                    .unwrap()
                    .body
                    .decode::<serde_json::Value>();
                records.push(serde_json::json!({ "kind": kind.as_str(), "record": body.unwrap() }));
            }
            match hits.last() {
                Some(last) if hits.len() == scan.max() => {
                    scan = scan.after(&last.position).unwrap()
                }
                _ => break,
            }
        }
    }
    let dump = std::process::Command::new("pg_dump")
        .args(["--inserts", "--no-owner", "--no-privileges", "--schema"])
        .arg(schema.name())
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let sql = String::from_utf8(dump.stdout)
        .unwrap()
        .replace(schema.name(), SCHEMA_PLACEHOLDER);
    std::fs::create_dir_all(fixture_path("")).unwrap();
    std::fs::write(fixture_path(&format!("{CURRENT}.sql")), sql).unwrap();
    let json = serde_json::json!({ "workspace": ws.0, "records": records });
    std::fs::write(
        fixture_path(&format!("{CURRENT}.records.json")),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_fixture_reads_back() {
    fixture_reads_back("v2", 55).await;
}

/// Version 4 kept bodies as `jsonb` and had made its views over them: migration 5 drops the
/// views, turns the bodies into `json`, and the store makes the views again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v4_fixture_reads_back() {
    fixture_reads_back("v4", 56).await;
}

/// Loads the fixture `name` into a store of today, which migrates it, and checks that its
/// `count` records read back, that queries answer as the memory store's, and that it goes on.
async fn fixture_reads_back(name: &str, count: usize) {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, schema) = load_fixture(&url, name).await;
    let fixture: Fixture = serde_json::from_str(
        &std::fs::read_to_string(fixture_path(&format!("{name}.records.json"))).unwrap(),
    )
    .unwrap();
    let ws = WorkspaceId(fixture.workspace);
    let postgres: Arc<dyn Store> = Arc::new(store.clone());

    // Every record reads back equal to what that version read.
    let mut everything = Commit::new();
    for record in &fixture.records {
        reads_back(&*postgres, ws, record, &mut everything).await;
    }
    assert_eq!(fixture.records.len(), count);

    // Every query answers as the memory store holding the same records.
    let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
    memory.commit(ws, everything).await.unwrap();
    let want = queries(&memory, ws, &fixture).await;
    let got = queries(&postgres, ws, &fixture).await;
    assert_eq!(want.len(), got.len());
    for (want, got) in want.iter().zip(&got) {
        assert_eq!(want, got);
    }
    assert!(want.len() > 150, "{}", want.len());

    spot_checks(&postgres, ws).await;
    the_schema_is_generic(&url, &schema, &store).await;
    views_have_the_columns(&url, &schema, ws).await;
    writes_go_on(&postgres, ws).await;
}

/// A fresh schema holding the dump `name.sql`, and a store connected to it (which migrates
/// it).
async fn load_fixture(url: &str, name: &str) -> (PostgresStore, TestSchema) {
    let schema = restore_fixture(url, name).await;
    let store = PostgresStore::connect_with(schema.config().max_connections(4))
        .await
        .unwrap();
    (store, schema)
}

/// A fresh schema holding the dump `name.sql`, not migrated.
async fn restore_fixture(url: &str, name: &str) -> TestSchema {
    let schema = TestSchema::reserve(url);
    let dump = std::fs::read_to_string(fixture_path(&format!("{name}.sql"))).unwrap();
    // psql meta-commands (`\restrict`) are not SQL.
    let sql: String = dump
        .replace(SCHEMA_PLACEHOLDER, schema.name())
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    schema
}

/// The schema's migration version, the type of `records.body`, and the number of views.
async fn migration_state(conn: &mut PgConnection) -> (i64, String, i64) {
    sqlx::query_as(
        "SELECT (SELECT max(version) FROM _sqlx_migrations), \
                (SELECT atttypid::regtype::text FROM pg_attribute \
                  WHERE attrelid = 'records'::regclass AND attname = 'body'), \
                (SELECT count(*) FROM pg_class c \
                  WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace)",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

/// A view of the application's own over `records.body` stops migration 5 (the column's type
/// cannot change under it): connecting fails, and the schema is left at version 4 with its
/// views; once that view is dropped, connecting migrates.
#[tokio::test]
async fn an_own_view_over_bodies_stops_migration_5_and_changes_nothing() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = restore_fixture(&url, "v4").await;
    let mut conn = common::schema_conn(&url, &schema).await;
    sqlx::raw_sql("CREATE VIEW my_report AS SELECT id, body FROM records")
        .execute(&mut conn)
        .await
        .unwrap();
    let before = migration_state(&mut conn).await;
    assert_eq!((before.0, before.1.as_str()), (4, "jsonb"));
    let err = PostgresStore::connect_with(schema.config().max_connections(2))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert_eq!(migration_state(&mut conn).await, before);

    sqlx::raw_sql("DROP VIEW my_report")
        .execute(&mut conn)
        .await
        .unwrap();
    let store = PostgresStore::connect_with(schema.config().max_connections(2))
        .await
        .unwrap();
    let after = migration_state(&mut conn).await;
    assert_eq!(
        (after.0, after.1.as_str(), after.2),
        (5, "json", before.2 - 1)
    );
    store.close().await;
    conn.close().await.unwrap();
}

/// Checks that `record` reads back from `store` as the fixture has it, and adds it to
/// `commit` at every version up to its own (so that a store checking versions takes it).
async fn reads_back(
    store: &dyn Store,
    ws: WorkspaceId,
    record: &FixtureRecord,
    commit: &mut Commit,
) {
    macro_rules! check_as {
        ($t:ty) => {{
            let want: $t = serde_json::from_value(record.record.clone()).unwrap();
            let got: $t = store.fetch(ws, Entity::id(&want)).await.unwrap();
            assert_eq!(got, want, "{} {}", record.kind, Entity::id(&want));
            for version in 1..=want.version {
                let mut at = want.clone();
                at.version = version;
                commit.put(at);
            }
        }};
    }
    match record.kind.as_str() {
        "workspace" => check_as!(Workspace),
        "customer" => check_as!(Customer),
        "interaction" => check_as!(Interaction),
        "staff" => check_as!(Staff),
        "department" => check_as!(Department),
        "audit" => check_as!(AuditEntry),
        "outbox" => check_as!(OutboxMessage),
        "request" => check_as!(Request),
        "routing_rule" => check_as!(RoutingRule),
        "counter" => check_as!(Counter),
        "assignment_fence" => check_as!(AssignmentFence),
        other => panic!("a kind no fixture has: {other}"),
    }
}

/// The ids of the fixture's records of `kind`.
fn ids_of(fixture: &Fixture, kind: &str) -> Vec<Uuid> {
    fixture
        .records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| serde_json::from_value(r.record["id"].clone()).unwrap())
        .collect()
}

/// Every page of a list, logged with its cursors.
macro_rules! walk {
    ($log:expr, $label:expr, |$page:ident| $call:expr) => {{
        for size in [1, 2, 1000] {
            let mut $page = PageRequest::first(size);
            loop {
                match $call {
                    Ok(p) => {
                        $log.push(format!(
                            "{} /{size}: {:?} next={:?}",
                            $label, p.items, p.next
                        ));
                        match p.next {
                            Some(c) => $page = PageRequest::after(c, size),
                            None => break,
                        }
                    }
                    Err(e) => {
                        $log.push(format!("{} /{size}: error {e}", $label));
                        break;
                    }
                }
            }
        }
    }};
}

/// Every query of the store contract over the fixture's data, logged.
async fn queries(store: &Arc<dyn Store>, ws: WorkspaceId, fixture: &Fixture) -> Vec<String> {
    let mut log = Vec::new();
    let customers = ids_of(fixture, "customer");
    let staff = ids_of(fixture, "staff");
    for record in fixture.records.iter().filter(|r| r.kind == "customer") {
        let customer: Customer = serde_json::from_value(record.record.clone()).unwrap();
        for contact in &customer.contacts {
            let found = store.customer_by_contact(ws, &contact.key).await;
            log.push(format!(
                "{}: {:?}",
                contact.key,
                found.map(|c| c.map(|c| c.id))
            ));
        }
    }
    for email in [
        "reza@pars.example",
        "nava@pars.example",
        "sara@pars.example",
    ] {
        log.push(format!(
            "staff {email}: {:?}",
            store.staff_by_email(ws, email).await
        ));
    }
    let mut filters = vec![CustomerFilter::default()];
    for stage in LifecycleStage::ALL {
        filters.push(CustomerFilter {
            stage: Some(stage),
            ..CustomerFilter::default()
        });
    }
    for tag in ["vip", "تهران", "prospect", "none"] {
        filters.push(CustomerFilter {
            tag: Some(tag.into()),
            ..CustomerFilter::default()
        });
    }
    for owner in &staff {
        filters.push(CustomerFilter {
            owner: Some(StaffId(*owner)),
            ..CustomerFilter::default()
        });
    }
    for filter in &filters {
        walk!(log, format!("list {filter:?}"), |page| store
            .list_customers(ws, filter, &page)
            .await);
    }
    for query in [
        "علي",
        "علی",
        "رضایی",
        "ali",
        "mina teh",
        "pars co",
        "new",
        "p",
        "zzz",
    ] {
        let tokens = crm_core::normalize::search_tokens(query);
        walk!(log, format!("search {query}"), |page| store
            .search_customers(ws, &tokens, &page)
            .await);
    }
    for customer in &customers {
        walk!(log, format!("interactions {customer}"), |page| store
            .interactions(ws, CustomerId(*customer), &page)
            .await);
    }
    let department = ids_of(fixture, "department")[0];
    let mut views = vec![
        RequestView::Holder(Holder::Officers),
        RequestView::Holder(Holder::Department(DepartmentId(department))),
        RequestView::PossibleDuplicates,
    ];
    for s in &staff {
        views.push(RequestView::Holder(Holder::Staff(StaffId(*s))));
        views.push(RequestView::AwaitingReview(StaffId(*s)));
        views.push(RequestView::FollowedBy(StaffId(*s)));
    }
    for customer in &customers {
        views.push(RequestView::Customer(CustomerId(*customer)));
    }
    let t0 = fixture_data::t0();
    for hours in [0, 2, 30, 24 * 30] {
        views.push(RequestView::Overdue(t0 + Duration::hours(hours)));
    }
    views.push(RequestView::Created {
        from: DateTime::<Utc>::MIN_UTC,
        to: DateTime::<Utc>::MAX_UTC,
    });
    views.push(RequestView::Created {
        from: t0 + Duration::hours(1),
        to: t0 + Duration::hours(2),
    });
    for view in &views {
        walk!(log, format!("{view:?}"), |page| store
            .requests(ws, view, &page)
            .await);
    }
    walk!(log, "audit", |page| store.audit(ws, None, &page).await);
    for record in &fixture.records {
        // A fence's id is its staff member's.
        let field = if record.kind == "assignment_fence" {
            "staff"
        } else {
            "id"
        };
        let id: Uuid = serde_json::from_value(record.record[field].clone()).unwrap();
        let trail = store.audit(ws, Some(id), &PageRequest::first(100)).await;
        log.push(format!("audit of {id}: {trail:?}"));
    }
    for status in [
        OutboxStatus::Pending,
        OutboxStatus::Delivered,
        OutboxStatus::Failed,
    ] {
        walk!(log, format!("outbox {status:?}"), |page| store
            .list_outbox(ws, status, &page)
            .await);
    }
    for hours in [0, 1, 2, 1000] {
        let due = store.outbox_due(ws, t0 + Duration::hours(hours), 100).await;
        log.push(format!("due +{hours}h: {due:?}"));
    }
    walk!(log, "staff", |page| store.list_staff(ws, &page).await);
    walk!(log, "departments", |page| store
        .list_departments(ws, &page)
        .await);
    walk!(log, "rules", |page| store
        .list_routing_rules(ws, &page)
        .await);
    for key in [
        "request-no:1",
        "request-no:2",
        "request-no:3",
        "request-no:4",
        "msg:email:<m1@example.com>",
        "msg:sms:sms-77",
        "msg:email:<m2@example.net>",
        "thread:email:<m1@example.com>",
    ] {
        let found = store.request_by_key(ws, key).await;
        log.push(format!("{key}: {:?}", found.map(|r| r.map(|r| r.number))));
    }
    log
}

/// What the fixture is known to hold, found the way applications look for it.
async fn spot_checks(store: &Arc<dyn Store>, ws: WorkspaceId) {
    let ali = store
        .customer_by_contact(ws, "tel:+989121234567")
        .await
        .unwrap()
        .expect("Ali by his mobile");
    assert_eq!(ali.display_name(), "علي رضايي");
    for key in ["email:ali.rezaei@example.com", "telegram:ali_rz"] {
        let found = store.customer_by_contact(ws, key).await.unwrap();
        assert_eq!(found.map(|c| c.id), Some(ali.id), "{key}");
    }
    // A postal address and a web site are never look-up keys.
    assert!(
        store
            .customer_by_contact(ws, "address:تهران، خیابان ولیعصر")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .customer_by_contact(ws, "web:pars.example")
            .await
            .unwrap()
            .is_none()
    );
    let pars = store
        .customer_by_contact(ws, "tel:+982188880000")
        .await
        .unwrap()
        .expect("Pars Co by its phone");
    assert_eq!(pars.display_name(), "Pars Co");
    let reza = store
        .staff_by_email(ws, "reza@pars.example")
        .await
        .unwrap()
        .expect("Reza by his email");
    assert_eq!(reza.name, "رضا کریمی");

    let all = store
        .list_customers(ws, &CustomerFilter::default(), &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 4);
    let vip = CustomerFilter {
        tag: Some("vip".into()),
        ..CustomerFilter::default()
    };
    let vip = store
        .list_customers(ws, &vip, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(
        vip.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ali.id]
    );
    let found = store
        .search_customers(
            ws,
            &crm_core::normalize::search_tokens("رضایی"),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ali.id]
    );
    let history = store
        .interactions(ws, ali.id, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(history.items.len(), 6);
    assert!(
        history
            .items
            .windows(2)
            .all(|w| w[0].occurred_at >= w[1].occurred_at)
    );

    let officers = store
        .requests(
            ws,
            &RequestView::Holder(Holder::Officers),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        officers.items.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let of_ali = store
        .requests(ws, &RequestView::Customer(ali.id), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        of_ali.items.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let first = store
        .request_by_key(ws, "request-no:1")
        .await
        .unwrap()
        .expect("#1");
    assert_eq!(first.satisfaction.map(|s| s.rating), Some(5));
    let trail = store
        .audit(ws, Some(first.id.0), &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(
        trail.items.len(),
        7,
        "created, referred, taken, resolved, approved, replied, rated"
    );
    let everything = store
        .audit(ws, None, &PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(everything.items.len(), 25);
    let pending = store
        .list_outbox(ws, OutboxStatus::Pending, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(pending.items.len(), 9);
}

/// The typed tables are gone, their names are views, and every kind was re-indexed.
async fn the_schema_is_generic(url: &str, schema: &TestSchema, store: &PostgresStore) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    for table in [
        "workspaces",
        "customers",
        "contact_points",
        "customer_tokens",
        "customer_tags",
        "interactions",
        "staff",
        "departments",
        "audit_entries",
        "outbox",
        "requests",
        "request_keys",
        "request_followers",
        "routing_rules",
        "counters",
    ] {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
        )
        .bind(schema.name())
        .bind(table)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
        let view = !matches!(
            table,
            "customer_tokens" | "customer_tags" | "request_keys" | "request_followers"
        );
        assert_eq!(kind.as_deref(), view.then_some("v"), "{table}");
    }
    let versions: Vec<(i16, String, i32)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT kind, name, index_version FROM \"{}\".crm_kinds ORDER BY kind",
        schema.name()
    )))
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let want: Vec<(i16, String, i32)> = store
        .kinds()
        .iter()
        .map(|k| {
            let tag = i16::try_from(k.tag()).unwrap();
            (
                tag,
                k.as_str().to_owned(),
                i32::try_from(k.index_version()).unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, want);
    let body: String = sqlx::query_scalar(
        "SELECT a.atttypid::regtype::text FROM pg_attribute a \
         WHERE a.attrelid = format('%I.records', $1::text)::regclass AND a.attname = 'body'",
    )
    .bind(schema.name())
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        body, "json",
        "bodies are kept as written (schema version 5)"
    );
    conn.close().await.unwrap();
}

/// The views of the migrated data have the declared columns and values.
async fn views_have_the_columns(url: &str, schema: &TestSchema, ws: WorkspaceId) {
    let mut conn = common::schema_conn(url, schema).await;
    let columns = |table: &'static str| {
        sqlx::query_as::<_, (String, String)>(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
    };
    let customers = columns("customers").fetch_all(&mut conn).await.unwrap();
    let names: Vec<&str> = customers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "workspace_id",
            "id",
            "version",
            "party_type",
            "given_name",
            "family_name",
            "org_name",
            "organisation_id",
            "stage",
            "owner_id",
            "tags",
            "fields",
            "occasions",
            "consent",
            "merged_into",
            "created_at",
            "updated_at"
        ]
    );
    let ty = |cols: &[(String, String)], name: &str| {
        cols.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    assert_eq!(ty(&customers, "id"), "uuid");
    assert_eq!(ty(&customers, "version"), "bigint");
    assert_eq!(ty(&customers, "tags"), "ARRAY");
    assert_eq!(ty(&customers, "fields"), "jsonb");
    assert_eq!(ty(&customers, "created_at"), "timestamp with time zone");
    let points = columns("contact_points")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let names: Vec<&str> = points.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "workspace_id",
            "customer_id",
            "ordinal",
            "kind",
            "value",
            "key",
            "label"
        ]
    );
    let requests = columns("requests").fetch_all(&mut conn).await.unwrap();
    assert_eq!(ty(&requests, "number"), "bigint");
    assert_eq!(ty(&requests, "candidates"), "ARRAY");
    assert_eq!(ty(&requests, "escalated"), "boolean");

    let ali: (String, String, String, Vec<String>, DateTime<Utc>) = sqlx::query_as(
        "SELECT given_name, family_name, stage, tags, created_at FROM customers \
         WHERE workspace_id = $1 AND given_name = 'علي'",
    )
    .bind(ws.0)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        ali,
        (
            "علي".into(),
            "رضايي".into(),
            "loyal".into(),
            vec!["vip".into(), "تهران".into()],
            fixture_data::t0()
        )
    );
    let points: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT p.ordinal, p.kind, p.key FROM contact_points p \
         JOIN customers c ON c.workspace_id = p.workspace_id AND c.id = p.customer_id \
         WHERE c.given_name = 'علي' ORDER BY p.ordinal",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        points
            .iter()
            .map(|(o, k, _)| (*o, k.as_str()))
            .collect::<Vec<_>>(),
        [
            (0, "email"),
            (1, "mobile"),
            (2, "social:telegram"),
            (3, "address")
        ]
    );
    let all_points: i64 = sqlx::query_scalar("SELECT count(*) FROM contact_points")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(all_points, 8);
    let rows = sqlx::query(
        "SELECT number, status, holder_kind, priority, rating FROM requests ORDER BY number",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let requests: Vec<(i64, String, String, String, Option<i64>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    assert_eq!(
        requests,
        [
            (1, "replied".into(), "staff".into(), "high".into(), Some(5)),
            (2, "new".into(), "officers".into(), "normal".into(), None),
            (3, "new".into(), "officers".into(), "normal".into(), None),
        ]
    );
    let inbound: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM interactions WHERE direction = 'inbound' AND subject IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(inbound, 3);
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT actor_type, actor FROM audit_entries WHERE action = 'rated'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(audit, [("system".to_owned(), "email".to_owned())]);
    conn.close().await.unwrap();
}

/// The migrated workspace takes new commits: its keys were claimed again.
async fn writes_go_on(store: &Arc<dyn Store>, ws: WorkspaceId) {
    let crm = Crm::new(store.clone());
    let admin = store
        .list_staff(ws, &PageRequest::first(10))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.name == "Sara Admin")
        .unwrap();
    let s = crm.session(ws, admin.id).await.unwrap();
    let ali = s
        .find_by_contact(ContactKind::Mobile, "0912 123 4567")
        .await
        .unwrap()
        .unwrap();
    let taken = s
        .create_customer(
            NewCustomer::person("Ali", "Again")
                .contact(ContactKind::Email, "ali.rezaei@example.com"),
        )
        .await;
    match taken {
        Err(Error::AlreadyExists { key, holder, .. }) => {
            assert_eq!(key, "email:ali.rezaei@example.com");
            assert_eq!(holder.id, ali.id.0);
            assert_eq!(holder.kind, RecordKind::CUSTOMER);
        }
        other => panic!("expected the key to be taken, got {other:?}"),
    }
    // The same, straight to the store: the contract's conflict.
    let mut rival = ali.clone();
    rival.id = CustomerId(Uuid::now_v7());
    let mut commit = Commit::new();
    commit.put(rival);
    match store.commit(ws, commit).await {
        Err(Error::Conflict(Conflict::KeyTaken { key, holder })) => {
            assert_eq!(key, "email:ali.rezaei@example.com");
            assert_eq!(holder.id, ali.id.0);
        }
        other => panic!("expected the key to be taken, got {other:?}"),
    }
    let changes = crm_core::service::CustomerChanges {
        add_tags: vec!["migrated".into()],
        ..Default::default()
    };
    let changed = s
        .update_customer(ali.id, Some(ali.version), changes)
        .await
        .unwrap();
    assert_eq!(changed.version, ali.version + 1);
    let tagged = CustomerFilter {
        tag: Some("migrated".into()),
        ..CustomerFilter::default()
    };
    let tagged = store
        .list_customers(ws, &tagged, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(tagged.items, vec![changed]);
}
