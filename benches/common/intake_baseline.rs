//! The hand-written SQLite intake of the intake benchmark (`benches/intake.rs`): the
//! seeded baseline database of [`super::sqlite`] plus a `requests` table, and per message one
//! `IMMEDIATE` transaction doing the work the issue names (look-up by email, create the
//! customer if new, create the request and the interaction), `synchronous=FULL`.

use chrono::Utc;
use crm_core::Crm;
use crm_core::Session;
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, ContactPoint, Customer, LifecycleStage};
use crm_core::id::RequestId;
use crm_core::normalize::Region;
use crm_core::request::Request;
use crm_core::service::{InboundMessage, NewStaff, Sender};
use crm_core::staff::Role;
use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

/// The body of message `k` (about 150 bytes, Persian and English).
pub fn body_of(k: u64) -> String {
    format!(
        "Message {k}: my order {} has not arrived yet, could you tell me when it ships? \
         سفارش من هنوز نرسیده است",
        200_000 + k
    )
}

/// A request produced by a real intake (on a memory store), to copy.
pub fn template_request(rt: &tokio::runtime::Runtime) -> Request {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let crm = Crm::new(store);
    rt.block_on(async {
        let (ws, _) = crm
            .create_workspace(
                "Template",
                "IR",
                NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
            )
            .await
            .expect("workspace");
        let system = crm
            .system_session(ws.id, "bench-intake")
            .await
            .expect("system session");
        first_request(&system).await
    })
}

/// The request a real intake makes of one message on `system`'s store.
pub async fn first_request(system: &Session) -> Request {
    let message = InboundMessage::new(
        Channel::Email,
        "template@mail.example.com",
        Sender {
            email: Some("template.sender@example.com".to_owned()),
            ..Sender::default()
        },
        &body_of(0),
    )
    .subject("Where is my order?");
    system.intake(message).await.expect("intake").request
}

const REQUESTS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS requests (
    id BLOB PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    customer_id BLOB,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    subject TEXT NOT NULL,
    holder TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due INTEGER NOT NULL,
    created INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_holder ON requests (holder, priority DESC, due, id);
CREATE INDEX IF NOT EXISTS requests_by_customer ON requests (customer_id, created DESC, id DESC);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('request_numbers', 0);
";

const ACTOR: &str = "system:bench-intake";

/// The hand-written intake: the seeded baseline database plus a `requests` table.
pub struct IntakeBaseline {
    conn: Connection,
    template: Request,
}

impl IntakeBaseline {
    pub fn open(path: &Path, template: Request) -> Self {
        let conn = super::sqlite::connect(path).expect("open sqlite");
        conn.execute_batch(REQUESTS_SCHEMA)
            .expect("requests schema");
        let mode: String = conn
            .query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))
            .map(|v| v.to_string())
            .expect("pragma");
        assert_eq!(mode, "2", "synchronous=FULL");
        Self { conn, template }
    }

    /// Takes in message `k` from `from`: one `IMMEDIATE` transaction.
    pub fn intake(&self, from: &str, k: u64) -> Result<(), Box<dyn std::error::Error>> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let key = crm_core::customer::canonical_key(ContactKind::Email, from, Region::IR)?;
        let now = Utc::now();
        let micros = now.timestamp_micros();
        let found: Option<Vec<u8>> = tx
            .prepare_cached(
                "SELECT c.data FROM contacts k JOIN customers c ON c.id = k.customer_id \
                 WHERE k.key = ?1",
            )?
            .query_row([&key], |r| r.get(0))
            .optional()?;
        let customer = match found {
            Some(bytes) => {
                crm_core::record::Body::Binary(bytes).decode_at::<Customer>(|| key.clone())?
            }
            None => {
                let customer = lead(from, now)?;
                let id = customer.id.0;
                let data = crm_core::record::Body::binary(&customer)?
                    .as_bytes()
                    .to_vec();
                tx.prepare_cached(
                    "INSERT INTO customers (id, given, family, stage, created, updated, data) \
                     VALUES (?1, ?2, '', ?3, ?4, ?4, ?5)",
                )?
                .execute(params![
                    id.as_bytes(),
                    from.split('@').next().unwrap_or(""),
                    LifecycleStage::Lead.as_str(),
                    micros,
                    data
                ])?;
                tx.prepare_cached("INSERT INTO contacts (key, customer_id) VALUES (?1, ?2)")?
                    .execute(params![key, id.as_bytes()])?;
                audit(&tx, micros, "created", "customer", id, "from email intake")?;
                customer
            }
        };
        let number: i64 = tx
            .prepare_cached(
                "UPDATE counters SET value = value + 1 WHERE name = 'request_numbers' \
                 RETURNING value",
            )?
            .query_row([], |r| r.get(0))?;
        let interaction = Uuid::now_v7();
        let external = format!("bench-{k}@mail.example.com");
        let mut request = self.template.clone();
        request.id = RequestId(Uuid::now_v7());
        request.number = u64::try_from(number)?;
        request.customer = Some(customer.id);
        request.message_keys = BTreeSet::from([format!("msg:email:{external}")]);
        request.messages = vec![crm_core::id::InteractionId(interaction)];
        request.received_at = now;
        request.last_message_at = now;
        request.created_at = now;
        request.updated_at = now;
        let rid = request.id.0;
        let holder = request.holder.to_string();
        let priority = request.priority as i64;
        let due = request.sort_due().timestamp_micros();
        let subject = request.subject.clone();
        let status = request.status.as_str();
        let data = crm_core::record::Body::binary(&request)?
            .as_bytes()
            .to_vec();
        tx.prepare_cached(
            "INSERT INTO requests (id, number, customer_id, channel, status, subject, holder, \
             priority, due, created, data) VALUES (?1, ?2, ?3, 'email', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            rid.as_bytes(),
            number,
            customer.id.0.as_bytes(),
            status,
            subject,
            holder,
            priority,
            due,
            micros,
            data
        ])?;
        tx.prepare_cached(
            "INSERT INTO interactions (id, customer_id, occurred_at, channel, direction, \
             subject, body, staff, external_id, recorded_at) \
             VALUES (?1, ?2, ?3, 'email', 'inbound', 'Where is my order?', ?4, NULL, ?5, ?3)",
        )?
        .execute(params![
            interaction.as_bytes(),
            customer.id.0.as_bytes(),
            micros,
            body_of(k),
            external
        ])?;
        audit(
            &tx,
            micros,
            "interaction_recorded",
            "interaction",
            interaction,
            "",
        )?;
        audit(
            &tx,
            micros,
            "created",
            "request",
            rid,
            &format!("email {external}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Checks that every message made a request.
    pub fn check(&self, intakes: u64) {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
            .expect("count");
        assert_eq!(u64::try_from(count).expect("count"), intakes);
    }
}

fn audit(
    conn: &Connection,
    at: i64,
    action: &str,
    kind: &str,
    id: Uuid,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (id, at, actor, action, record_kind, record_id, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        Uuid::now_v7().as_bytes(),
        at,
        ACTOR,
        action,
        kind,
        id.as_bytes(),
        detail
    ])?;
    Ok(())
}

/// The lead intake makes of a new sender.
fn lead(from: &str, now: chrono::DateTime<Utc>) -> Result<Customer, Box<dyn std::error::Error>> {
    let contact = ContactPoint::parse(ContactKind::Email, from, None, Region::IR)?;
    let name = from.split('@').next().unwrap_or("");
    Ok(super::sqlite::lead(name, "", vec![contact], now))
}
