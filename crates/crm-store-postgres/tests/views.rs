//! The SQL views: every kind with a table gets a view with its declared columns and types,
//! child arrays get views of their own, values read as the records hold them, an
//! application's own kind gets its views with no code in the store, and processes connecting
//! at once make the views once without failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::Crm;
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, Customer};
use crm_core::interaction::{Direction, Interaction};
use crm_core::record::{
    Child, Column, ColumnType, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use crm_core::request::Request;
use crm_core::service::{InboundMessage, NewCustomer, NewInteraction, NewStaff, Sender};
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Scan, Store, StoreExt};
use crm_store_postgres::{PostgresStore, TestSchema};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection, Row};
use std::sync::Arc;
use uuid::Uuid;

/// A kind of the application's own, with a child array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Parcel {
    id: Uuid,
    version: u64,
    tracking: String,
    weight_grams: u64,
    insured: bool,
    value: String,
    items: Vec<Item>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    sku: String,
    count: u32,
}

static PARCEL: KindSpec = KindSpec::of::<Parcel>("parcel", 7100, 1, Some(&PARCEL_TABLE));
const BY_TRACKING: Index = Index::new(Parcel::KIND, 7100, "parcel_by_tracking");

impl Entity for Parcel {
    const KIND: RecordKind = RecordKind::of(&PARCEL);
    fn id(&self) -> Uuid {
        self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn unique_keys(&self) -> Vec<String> {
        vec![format!("parcel:{}", self.tracking)]
    }
    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![BY_TRACKING.entry(Key::new().text(&self.tracking))]
    }
}

static PARCEL_TABLE: Table = Table {
    name: "parcels",
    columns: &[
        Column::new("id", ColumnType::Uuid, &["id"]),
        Column::new("tracking", ColumnType::Text, &["tracking"]),
        Column::new("weight_grams", ColumnType::BigInt, &["weight_grams"]),
        Column::new("insured", ColumnType::Boolean, &["insured"]),
        Column::new("value", ColumnType::Numeric, &["value"]),
        Column::new("skus", ColumnType::Json, &["items"]),
        Column::new("note", ColumnType::Text, &["note"]),
    ],
    children: &[Child {
        name: "parcel_items",
        parent_column: "parcel_id",
        array: &["items"],
        columns: &[
            Column::new("sku", ColumnType::Text, &["sku"]),
            Column::new("count", ColumnType::BigInt, &["count"]),
        ],
    }],
};

/// The `udt_name` information_schema gives a view column of type `ty`.
fn udt(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text => "text",
        ColumnType::Uuid => "uuid",
        ColumnType::Timestamp => "timestamptz",
        ColumnType::Date => "date",
        ColumnType::BigInt => "int8",
        ColumnType::Numeric => "numeric",
        ColumnType::Boolean => "bool",
        ColumnType::TextArray => "_text",
        ColumnType::UuidArray => "_uuid",
        _ => "jsonb",
    }
}

/// `(name, udt_name)` of each column of `view`, in order.
async fn columns(conn: &mut PgConnection, view: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT column_name::text, udt_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(view)
    .fetch_all(conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_has_a_view_with_its_columns_and_values() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = TestSchema::reserve(&url);
    let store = PostgresStore::connect_with(schema.config().kinds(&[Parcel::KIND]))
        .await
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let mut conn = common::schema_conn(&url, &schema).await;

    // Every kind's view and every child view, column by column.
    let mut kinds = RecordKind::BUILTIN.to_vec();
    kinds.push(Parcel::KIND);
    for kind in &kinds {
        let table = kind.table().expect("every kind here has a table");
        let mut want = vec![("workspace_id".to_owned(), "uuid".to_owned())];
        want.extend(
            table
                .columns
                .iter()
                .map(|c| (c.name.to_owned(), udt(c.ty).to_owned())),
        );
        assert_eq!(columns(&mut conn, table.name).await, want, "{kind}");
        for child in table.children {
            let mut want = vec![
                ("workspace_id".to_owned(), "uuid".to_owned()),
                (child.parent_column.to_owned(), "uuid".to_owned()),
                ("ordinal".to_owned(), "int4".to_owned()),
            ];
            want.extend(
                child
                    .columns
                    .iter()
                    .map(|c| (c.name.to_owned(), udt(c.ty).to_owned())),
            );
            assert_eq!(columns(&mut conn, child.name).await, want, "{}", child.name);
        }
    }

    // Values, as the records hold them.
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace(
            "Acme",
            "IR",
            NewStaff::new("Sara", Role::Admin).email("sara@acme.example"),
        )
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let ali = s
        .create_customer(
            NewCustomer::person("علی", "رضایی")
                .contact(ContactKind::Email, "Ali@Example.com")
                .contact(ContactKind::Mobile, "0912 123 4567")
                .tag("vip"),
        )
        .await
        .unwrap();
    let seen = s
        .record_interaction(
            NewInteraction::new(ali.id, Channel::Email, Direction::Inbound, "سلام").subject("Hi"),
        )
        .await
        .unwrap();
    let intake = crm.system_session(ws.id, "email").await.unwrap();
    let request = intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "<q1@example.com>",
                Sender {
                    email: Some("ali@example.com".into()),
                    ..Default::default()
                },
                "Where is my order?",
            )
            .subject("Order"),
        )
        .await
        .unwrap()
        .request;

    let row = sqlx::query(
        "SELECT id, version, party_type, given_name, family_name, stage, tags, fields, \
         merged_into, created_at FROM customers WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws.id.0)
    .bind(ali.id.0)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.get::<Uuid, _>(0), ali.id.0);
    assert_eq!(row.get::<i64, _>(1), 1);
    assert_eq!(row.get::<String, _>(2), "person");
    assert_eq!(row.get::<String, _>(3), "علی");
    assert_eq!(row.get::<String, _>(4), "رضایی");
    assert_eq!(row.get::<String, _>(5), "lead");
    assert_eq!(row.get::<Vec<String>, _>(6), vec!["vip".to_owned()]);
    assert_eq!(row.get::<serde_json::Value, _>(7), serde_json::json!({}));
    assert_eq!(row.get::<Option<Uuid>, _>(8), None);
    assert_eq!(
        row.get::<chrono::DateTime<chrono::Utc>, _>(9),
        ali.created_at
    );

    let points: Vec<(Uuid, i32, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT customer_id, ordinal, kind, value, key, label FROM contact_points \
         WHERE workspace_id = $1 ORDER BY ordinal",
    )
    .bind(ws.id.0)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let want: Vec<_> = ali
        .contacts
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let ordinal = i32::try_from(n).unwrap();
            (
                ali.id.0,
                ordinal,
                c.kind.to_string(),
                c.value.clone(),
                c.key.clone(),
                None,
            )
        })
        .collect();
    assert_eq!(points, want);

    let interactions: Vec<(Uuid, Uuid, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT id, customer_id, channel, direction, subject, body FROM interactions \
             WHERE workspace_id = $1 AND id = $2",
    )
    .bind(ws.id.0)
    .bind(seen.id.0)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        interactions,
        [(
            seen.id.0,
            ali.id.0,
            "email".into(),
            "inbound".into(),
            Some("Hi".into()),
            "سلام".into()
        )]
    );

    let row = sqlx::query(
        "SELECT number, customer_id, status, priority, holder_kind, holder_id, message_keys, \
         messages, sla, received_at, closed_at FROM requests WHERE workspace_id = $1",
    )
    .bind(ws.id.0)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.get::<i64, _>(0), 1);
    assert_eq!(row.get::<Option<Uuid>, _>(1), Some(ali.id.0));
    assert_eq!(row.get::<String, _>(2), "new");
    assert_eq!(row.get::<String, _>(3), "normal");
    assert_eq!(row.get::<String, _>(4), "officers");
    assert_eq!(row.get::<Option<Uuid>, _>(5), None);
    assert_eq!(
        row.get::<Vec<String>, _>(6),
        vec!["msg:email:<q1@example.com>".to_owned()]
    );
    assert_eq!(
        row.get::<Vec<Uuid>, _>(7),
        request.messages.iter().map(|m| m.0).collect::<Vec<_>>()
    );
    assert_eq!(
        row.get::<serde_json::Value, _>(8),
        serde_json::to_value(&request.sla).unwrap()
    );
    assert_eq!(
        row.get::<chrono::DateTime<chrono::Utc>, _>(9),
        request.received_at
    );
    assert_eq!(
        row.get::<Option<chrono::DateTime<chrono::Utc>>, _>(10),
        None
    );

    let staff: Vec<(String, Option<String>, Vec<String>, bool)> =
        sqlx::query_as("SELECT name, email, roles, active FROM staff WHERE workspace_id = $1")
            .bind(ws.id.0)
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        staff,
        [(
            "Sara".into(),
            Some("sara@acme.example".into()),
            vec!["admin".into()],
            true
        )]
    );
    let audit: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, record_kind, actor_type FROM audit_entries \
         WHERE workspace_id = $1 AND record_id = $2",
    )
    .bind(ws.id.0)
    .bind(ali.id.0)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [("created".into(), "customer".into(), "staff".into())]
    );

    // The application's own kind: stored, listed, unique, and in its views.
    let parcel = Parcel {
        id: Uuid::now_v7(),
        version: 1,
        tracking: "IR-1".into(),
        weight_grams: 1200,
        insured: true,
        value: "1250000.50".into(),
        items: vec![
            Item {
                sku: "tea".into(),
                count: 2,
            },
            Item {
                sku: "saffron".into(),
                count: 1,
            },
        ],
        note: None,
    };
    let mut commit = Commit::new();
    commit.put(parcel.clone());
    store.commit(ws.id, commit).await.unwrap();
    let held: Option<Parcel> = store.holder_of(ws.id, "parcel:IR-1").await.unwrap();
    assert_eq!(held, Some(parcel.clone()));
    let listed: Vec<Parcel> = store
        .page(ws.id, Scan::index(BY_TRACKING), &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(listed, vec![parcel.clone()]);
    let row = sqlx::query(
        "SELECT tracking, weight_grams, insured, value::text, skus, note FROM parcels \
         WHERE workspace_id = $1",
    )
    .bind(ws.id.0)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), "IR-1");
    assert_eq!(row.get::<i64, _>(1), 1200);
    assert!(row.get::<bool, _>(2));
    assert_eq!(row.get::<String, _>(3), "1250000.50");
    assert_eq!(
        row.get::<serde_json::Value, _>(4),
        serde_json::to_value(&parcel.items).unwrap()
    );
    assert_eq!(
        row.get::<Option<String>, _>(5),
        None,
        "a JSON null is SQL NULL"
    );
    let items: Vec<(Uuid, i32, String, i64)> = sqlx::query_as(
        "SELECT parcel_id, ordinal, sku, count FROM parcel_items \
         WHERE workspace_id = $1 ORDER BY ordinal",
    )
    .bind(ws.id.0)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        items,
        [
            (parcel.id, 0, "tea".into(), 2),
            (parcel.id, 1, "saffron".into(), 1)
        ]
    );

    // Every view reads every row it has without an error.
    for kind in &kinds {
        let table = kind.table().unwrap();
        let names = std::iter::once(table.name).chain(table.children.iter().map(|c| c.name));
        for name in names {
            let sql = format!("SELECT count(*) FROM \"{name}\"");
            let _: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        }
    }
    conn.close().await.unwrap();
    let _: Customer = store.fetch(ws.id, ali.id.0).await.unwrap();
    let _: Request = store.fetch(ws.id, request.id.0).await.unwrap();
    let _: Interaction = store.fetch(ws.id, seen.id.0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_views_refuse_writes_and_the_records_stay() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = TestSchema::reserve(&url);
    let store = PostgresStore::connect_with(schema.config()).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let ali = s
        .create_customer(
            NewCustomer::person("علی", "رضایی").contact(ContactKind::Email, "ali@example.com"),
        )
        .await
        .unwrap();

    let mut conn = common::schema_conn(&url, &schema).await;
    for sql in [
        "DELETE FROM customers",
        "UPDATE customers SET workspace_id = gen_random_uuid()",
        "DELETE FROM contact_points",
        "INSERT INTO counters (workspace_id, id, version, value) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 1, 1)",
    ] {
        let err = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect_err(sql);
        let code = err.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("55000"), "{sql}: {err}");
        assert!(err.to_string().contains("read-only view"), "{sql}: {err}");
    }
    conn.close().await.unwrap();

    let found = s
        .find_by_contact(ContactKind::Email, "ali@example.com")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(ali.id));
    let stored: Customer = store.fetch(ws.id, ali.id.0).await.unwrap();
    assert_eq!(stored.version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_connecting_at_once_make_the_views_once() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = TestSchema::reserve(&url);
    let connect = || PostgresStore::connect_with(schema.config().max_connections(2));
    // A fresh schema: both migrate, re-index and make views at the same moment.
    let (a, b, c) = tokio::join!(connect(), connect(), connect());
    for store in [a, b, c] {
        store.unwrap().close().await;
    }
    let mut conn = common::schema_conn(&url, &schema).await;
    // An outdated view (an older declaration, other columns) is made again, also racing.
    sqlx::raw_sql(
        "DROP VIEW customers; CREATE VIEW customers AS SELECT 1 AS legacy; \
         COMMENT ON VIEW customers IS 'crm-rs view 0'; \
         COMMENT ON VIEW interactions IS 'edited by hand'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (a, b) = tokio::join!(connect(), connect());
    let (a, b) = (a.unwrap(), b.unwrap());
    let names: Vec<String> = columns(&mut conn, "customers")
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names[..3], ["workspace_id", "id", "version"]);
    let comments: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname IN ('customers', 'interactions')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        comments
            .iter()
            .all(|c| c.as_deref().is_some_and(|c| c.starts_with("crm-rs view ")))
    );
    assert_ne!(comments[0], Some("crm-rs view 0".into()));
    a.close().await;
    b.close().await;
    conn.close().await.unwrap();
}
