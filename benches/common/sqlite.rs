//! The hand-written rusqlite baseline: the same work as the services and a crm-rs store, in
//! SQL, with one transaction per write, WAL and `synchronous=FULL`.
//!
//! - `customers`: the id, the queried columns (names, stage, times) and the whole record
//!   encoded as the sled store encodes it (`data`), so a look-up returns the same
//!   [`Customer`] value.
//! - `contacts`: canonical contact key → customer (`WITHOUT ROWID`: a key-to-id map).
//! - `audit`: one row per change, like the services' audit entries.
//! - `interactions`: real columns, indexed by `(customer_id, occurred_at DESC, id DESC)`.
//!
//! Contact points are normalised with crm-core's functions, as the services do. It keeps no
//! search-token, stage or audit-by-record index (the sled store does): a leaner baseline.

use super::{INTERACTIONS, email, interaction_body, interaction_time, mobile, names};
use chrono::{DateTime, Utc};
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, ContactPoint, Customer, LifecycleStage, Party};
use crm_core::id::{CustomerId, InteractionId};
use crm_core::interaction::{Direction, Interaction};
use crm_core::normalize::Region;
use crm_core::record::Body;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;
use uuid::Uuid;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id BLOB PRIMARY KEY,
    given TEXT NOT NULL,
    family TEXT NOT NULL,
    stage TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS contacts (
    key TEXT PRIMARY KEY,
    customer_id BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    id BLOB PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id BLOB NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interactions (
    id BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL,
    occurred_at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    staff BLOB,
    external_id TEXT,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_by_customer
    ON interactions (customer_id, occurred_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
";

/// The acting staff member of every audit row (the services write the admin's id).
const ACTOR: &str = "staff:0190b0c0-0000-7000-8000-000000000001";

/// A SQLite database of the baseline.
#[derive(Debug)]
pub struct Baseline {
    conn: Mutex<Connection>,
    busy: Uuid,
}

impl Baseline {
    /// Opens the seeded database at `path` for measuring (WAL, `synchronous=FULL`).
    pub fn open(path: &Path) -> Baseline {
        let conn = connect(path).expect("open sqlite");
        let busy: Vec<u8> = conn
            .query_row("SELECT value FROM meta WHERE key = 'busy'", [], |r| {
                r.get(0)
            })
            .expect("the busy customer");
        Baseline {
            conn: Mutex::new(conn),
            busy: Uuid::from_slice(&busy).expect("uuid"),
        }
    }

    /// Creates customer `i`: one transaction, durable when it returns.
    pub fn create(&self, i: u64) -> Result<()> {
        let conn = self.conn.lock().map_err(|_| "poisoned")?;
        create_with(&conn, i)
    }

    /// The customer holding the contact point `value` of `kind`.
    pub fn find_by_contact(&self, kind: ContactKind, value: &str) -> Result<Option<Customer>> {
        let key = crm_core::customer::canonical_key(kind, value, Region::IR)?;
        let conn = self.conn.lock().map_err(|_| "poisoned")?;
        let mut stmt = conn.prepare_cached(
            "SELECT c.data FROM contacts k JOIN customers c ON c.id = k.customer_id \
             WHERE k.key = ?1",
        )?;
        let data: Option<Vec<u8>> = stmt.query_row([&key], |r| r.get(0)).optional()?;
        data.map(|bytes| {
            Body::Binary(bytes)
                .decode_at::<Customer>(|| key.clone())
                .map_err(Into::into)
        })
        .transpose()
    }

    /// The busy customer's newest `limit` interactions (one more is read to tell whether a
    /// next page exists, as the stores do); returns how many were kept.
    pub fn interactions(&self, limit: usize) -> Result<usize> {
        let conn = self.conn.lock().map_err(|_| "poisoned")?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, customer_id, occurred_at, channel, direction, subject, body, staff, \
             external_id, recorded_at FROM interactions WHERE customer_id = ?1 \
             ORDER BY occurred_at DESC, id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![self.busy.as_bytes(), i64::try_from(limit + 1)?],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<Vec<u8>>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                ))
            },
        )?;
        let mut items = Vec::with_capacity(limit + 1);
        for row in rows {
            let (id, customer, at, channel, direction, subject, body, staff, external, rec) = row?;
            items.push(Interaction {
                id: InteractionId(Uuid::from_slice(&id)?),
                version: 1,
                customer: CustomerId(Uuid::from_slice(&customer)?),
                channel: channel.parse::<Channel>().map_err(|e| e.to_string())?,
                direction: match direction.as_str() {
                    "inbound" => Direction::Inbound,
                    _ => Direction::Outbound,
                },
                occurred_at: time(at)?,
                subject,
                body,
                staff: staff
                    .map(|s| Uuid::from_slice(&s).map(crm_core::id::StaffId))
                    .transpose()?,
                external_id: external,
                attachments: Vec::new(),
                recorded_at: time(rec)?,
            });
        }
        items.truncate(limit);
        Ok(std::hint::black_box(items).len())
    }

    /// Seeds a fresh database at `path` with customers `0..n` and the busy customer's
    /// interactions: the same rows as [`create_with`], 1,000 customers per transaction and
    /// `synchronous=OFF` (the fast way to load; measuring reopens with `FULL`), or with
    /// `durable`, one `synchronous=FULL` transaction per customer, as measured.
    pub fn seed(path: &Path, n: u64, durable: bool) {
        let mut conn = connect(path).expect("open sqlite");
        if durable {
            for i in 0..n {
                create_with(&conn, i).expect("seed customer");
            }
        } else {
            conn.pragma_update(None, "synchronous", "OFF")
                .expect("pragma");
            let mut i = 0;
            while i < n {
                let tx = conn.transaction().expect("begin");
                for j in i..n.min(i + 1000) {
                    insert_customer(&tx, j).expect("seed customer");
                }
                tx.commit().expect("commit");
                i += 1000;
            }
        }
        let busy = customer_id(&conn, 0).expect("customer 0");
        let tx = conn.transaction().expect("begin");
        for k in 0..INTERACTIONS {
            insert_interaction(&tx, busy, k).expect("seed interaction");
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('busy', ?1)",
            [busy.as_bytes()],
        )
        .expect("meta");
        tx.commit().expect("commit");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("checkpoint");
    }
}

/// Opens a connection: WAL, `synchronous=FULL`, a busy timeout for concurrent writers.
pub fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// Creates customer `i` on `conn` in one (immediate) transaction.
fn create_with(conn: &Connection, i: u64) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    insert_customer(&tx, i)?;
    tx.commit()?;
    Ok(())
}

/// The customer record the services would build for customer `i`.
fn build_customer(i: u64) -> Result<Customer> {
    let (given, family) = names(i);
    let contacts = vec![
        ContactPoint::parse(ContactKind::Email, &email(i), None, Region::IR)?,
        ContactPoint::parse(ContactKind::Mobile, &mobile(i), None, Region::IR)?,
    ];
    Ok(lead(given, family, contacts, Utc::now()))
}

/// A new person at stage lead, as the services build one.
pub fn lead(
    given: &str,
    family: &str,
    contacts: Vec<ContactPoint>,
    now: chrono::DateTime<Utc>,
) -> Customer {
    let party = Party::Person {
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        organisation: None,
    };
    let mut customer = Customer::new(CustomerId(Uuid::now_v7()), party, LifecycleStage::Lead, now);
    customer.contacts = contacts;
    customer
}

/// Inserts customer `i`, its contact keys and its audit row (inside the caller's
/// transaction).
fn insert_customer(conn: &Connection, i: u64) -> Result<()> {
    let customer = build_customer(i)?;
    let (given, family) = names(i);
    let id = customer.id.0;
    let created = customer.created_at.timestamp_micros();
    let keys: Vec<String> = customer.contacts.iter().map(|c| c.key.clone()).collect();
    let data = Body::binary(&customer)?.as_bytes().to_vec();
    conn.prepare_cached(
        "INSERT INTO customers (id, given, family, stage, created, updated, data) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
    )?
    .execute(params![
        id.as_bytes(),
        given,
        family,
        LifecycleStage::Lead.as_str(),
        created,
        data
    ])?;
    let mut contact =
        conn.prepare_cached("INSERT INTO contacts (key, customer_id) VALUES (?1, ?2)")?;
    for key in keys {
        contact.execute(params![key, id.as_bytes()])?;
    }
    conn.prepare_cached(
        "INSERT INTO audit (id, at, actor, action, record_kind, record_id, detail) \
         VALUES (?1, ?2, ?3, 'created', 'customer', ?4, '')",
    )?
    .execute(params![
        Uuid::now_v7().as_bytes(),
        created,
        ACTOR,
        id.as_bytes()
    ])?;
    Ok(())
}

fn insert_interaction(conn: &Connection, customer: Uuid, k: usize) -> Result<()> {
    let now = Utc::now().timestamp_micros();
    conn.prepare_cached(
        "INSERT INTO interactions (id, customer_id, occurred_at, channel, direction, subject, \
         body, staff, external_id, recorded_at) \
         VALUES (?1, ?2, ?3, ?4, 'inbound', 'Delivery', ?5, NULL, NULL, ?6)",
    )?
    .execute(params![
        Uuid::now_v7().as_bytes(),
        customer.as_bytes(),
        interaction_time(k).timestamp_micros(),
        Channel::Email.to_string(),
        interaction_body(k),
        now
    ])?;
    Ok(())
}

fn customer_id(conn: &Connection, i: u64) -> Result<Uuid> {
    let key = crm_core::customer::canonical_key(ContactKind::Email, &email(i), Region::IR)?;
    let id: Vec<u8> = conn.query_row(
        "SELECT customer_id FROM contacts WHERE key = ?1",
        [key],
        |r| r.get(0),
    )?;
    Ok(Uuid::from_slice(&id)?)
}

fn time(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| "bad time".into())
}
