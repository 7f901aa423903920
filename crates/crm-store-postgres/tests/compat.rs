//! Old data stays readable.
//!
//! `fixtures/v2.sql` is a schema written by the store at migration version 2 (typed tables
//! per record kind), dumped with `pg_dump --inserts`; `fixtures/v2.records.json` holds every
//! record it contains, as that version read them back.
//!
//! Never regenerate a fixture to make a failing test pass: a failure means data written by
//! released versions no longer reads. `CRM_REGENERATE_FIXTURES=1 cargo test -p
//! crm-store-postgres --test compat generate` writes the fixture of the current version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fixture_data;

use crm_core::store::{RecordKind, Store};
use crm_store_postgres::TestSchema;
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

/// The placeholder for the schema's name in a dumped fixture.
const SCHEMA_PLACEHOLDER: &str = "__crm_fixture_schema__";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The tables of migration version 2 and the kind of record each holds.
const V2_TABLES: [(&str, RecordKind); 9] = [
    ("workspaces", RecordKind::Workspace),
    ("customers", RecordKind::Customer),
    ("interactions", RecordKind::Interaction),
    ("staff", RecordKind::Staff),
    ("departments", RecordKind::Department),
    ("audit_entries", RecordKind::Audit),
    ("outbox", RecordKind::Outbox),
    ("requests", RecordKind::Request),
    ("routing_rules", RecordKind::RoutingRule),
];

#[tokio::test]
async fn generate_fixture() {
    if std::env::var("CRM_REGENERATE_FIXTURES").as_deref() != Ok("1") {
        return;
    }
    let url = common::database_url().expect("CRM_TEST_POSTGRES_URL");
    let (store, schema) = TestSchema::create(&url).await.unwrap();
    let pool = store.pool().clone();
    let store: Arc<dyn Store> = Arc::new(store);
    let (ws, _admin) = fixture_data::write(store.clone()).await;
    let mut records = Vec::new();
    for (table, kind) in V2_TABLES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id"
        )))
        .bind(ws.0)
        .fetch_all(&pool)
        .await
        .unwrap();
        for row in rows {
            let id: Uuid = row.get(0);
            let record = store.get(ws, kind, id).await.unwrap().unwrap();
            records.push(serde_json::to_value(&record).unwrap());
        }
    }
    let counter = store
        .get(
            ws,
            RecordKind::Counter,
            crm_core::store::Counter::REQUEST_NUMBERS,
        )
        .await
        .unwrap()
        .unwrap();
    records.push(serde_json::to_value(&counter).unwrap());
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
    std::fs::write(fixture_path("v2.sql"), sql).unwrap();
    let json = serde_json::json!({ "workspace": ws.0, "records": records });
    std::fs::write(
        fixture_path("v2.records.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
}
