//! Old data stays readable.
//!
//! - `fixtures/v1/`: a small data directory written by schema version 1 (a workspace with
//!   two staff members, three customers with contacts, tags, custom fields, occasions and
//!   consent, and their interactions). [`v1_fixture_reads_back`] opens a copy and checks
//!   every value, and that opening brought the schema version up to date.
//! - `fixtures/v2/`: the same data written by schema version 2 by a process that crashed
//!   (aborted) right after its last commit was acknowledged: sled's files and the journal,
//!   which holds every commit (the zeros after the journal's last entry are cut off to keep
//!   the fixture small). [`v2_fixture_reads_back`] opens a copy, which replays the journal.
//! - [`record_without_a_later_field_decodes`]: a record encoded before a field existed
//!   decodes, the field taking its default.
//!
//! Never regenerate a fixture to make a failing test pass: a failure means data written by
//! released versions no longer reads. A new schema version gets a new fixture directory
//! beside the others: `CRM_REGENERATE_FIXTURES=1 cargo test -p crm-store-sled --test compat
//! generate` writes the one of the current [`SCHEMA_VERSION`].

#![allow(clippy::unwrap_used)] // a test: failing loudly is its job

mod raw;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::audit::AuditEntry;
use crm_core::channel::{Channel, SocialNetwork};
use crm_core::clock::ManualClock;
use crm_core::customer::CustomerFilter;
use crm_core::customer::{
    ContactKind, Customer, FieldValue, LifecycleStage, Occasion, OccasionCalendar, OccasionKind,
    Party,
};
use crm_core::id::{CustomerId, IdGenerator, StaffId, WorkspaceId};
use crm_core::interaction::Direction;
use crm_core::record::RecordKind;
use crm_core::record::{Body, FORMAT_NAMED, FORMAT_POSITIONAL};
use crm_core::service::{NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, Store, StoreExt};
use crm_core::workspace::Workspace;
use crm_core::{Crm, Error};
use crm_store_sled::{SCHEMA_VERSION, SledConfig, SledStore};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

/// A decimal custom field from its text.
fn dec(text: &str) -> FieldValue {
    FieldValue::Decimal(text.parse().unwrap())
}

/// Set in the child process that writes a fixture: the directory to write.
const CHILD_DIR: &str = "CRM_FIXTURE_CHILD_DIR";

fn fixture_dir(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/v{version}"))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 21, 8, 30, 0).unwrap()
}

/// Writes `fixtures/v<SCHEMA_VERSION>` with the current code, in a child process that
/// aborts after its last commit. Only with `CRM_REGENERATE_FIXTURES=1`.
#[test]
fn generate_fixture() {
    if std::env::var("CRM_REGENERATE_FIXTURES").as_deref() != Ok("1")
        || std::env::var_os(CHILD_DIR).is_some()
    {
        return;
    }
    let dir = fixture_dir(SCHEMA_VERSION);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "fixture_child", "--nocapture"])
        .env(CHILD_DIR, &dir)
        .status()
        .unwrap();
    assert!(!status.success(), "the writer was to abort");
    assert!(dir.join("ids.txt").exists(), "the writer did not finish");
    for entry in std::fs::read_dir(dir.join("db/journal")).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        // The header, then entries (`len: u32`, `crc: u32`, payload) up to a zero length.
        let mut used = 16;
        while let Some(len) = bytes.get(used..used + 4) {
            let len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
            if len == 0 {
                break;
            }
            used += 8 + len;
        }
        bytes.truncate(used);
        std::fs::write(&path, bytes).unwrap();
    }
}

/// The writer of [`generate_fixture`]. Does nothing unless started by it.
#[test]
fn fixture_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _open = rt.block_on(write_fixture(&dir));
    // A crash while the store is open: no destructor runs, the journal stays as it is.
    std::process::abort();
}

/// Writes the fixture's data set; returns the store, still open.
async fn write_fixture(dir: &Path) -> Arc<SledStore> {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(SledStore::open(SledConfig::new(dir.join("db"))).unwrap());
    let crm = Crm::new(store.clone())
        .with_clock(clock.clone())
        .with_ids(IdGenerator::seeded(1));
    let (ws, admin) = crm
        .create_workspace(
            "Pars Trading",
            "IR",
            NewStaff::new("Sara Admin", Role::Admin),
        )
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let reza = s
        .create_staff(NewStaff::new("رضا کریمی", Role::Agent).email("Reza@Pars.example"))
        .await
        .unwrap();

    let mut ali = NewCustomer::person("علي", "رضايي")
        .contact(ContactKind::Email, "Ali.Rezaei@Example.com")
        .contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
        .contact(ContactKind::Social(SocialNetwork::Telegram), "@ali_rz")
        .contact(ContactKind::PostalAddress, "تهران، خیابان ولیعصر")
        .tag("VIP")
        .tag("تهران")
        .stage(LifecycleStage::Loyal);
    ali.owner = Some(reza.id);
    ali.fields = BTreeMap::from([
        ("credit".to_owned(), dec("1500000")),
        ("newsletter".to_owned(), FieldValue::Bool(true)),
        (
            "national_code".to_owned(),
            FieldValue::Text("0012345678".into()),
        ),
        (
            "since".to_owned(),
            FieldValue::Date(NaiveDate::from_ymd_opt(2020, 3, 20).unwrap()),
        ),
        ("visits".to_owned(), FieldValue::Integer(42)),
    ]);
    ali.occasions = vec![
        Occasion {
            kind: OccasionKind::Birthday,
            calendar: OccasionCalendar::Jalali,
            month: 1,
            day: 1,
            year: Some(1370),
        },
        Occasion {
            kind: OccasionKind::Other("Nowruz gift".into()),
            calendar: OccasionCalendar::Gregorian,
            month: 3,
            day: 21,
            year: None,
        },
    ];
    ali.consent = vec![(Channel::Email, true), (Channel::Sms, false)];
    let ali = s.create_customer(ali).await.unwrap();

    clock.advance(chrono::Duration::minutes(5));
    let pars = s
        .create_customer(
            NewCustomer::organisation("Pars Co")
                .contact(ContactKind::Website, "https://www.pars.example/")
                .contact(ContactKind::Phone, "021 8888 0000")
                .stage(LifecycleStage::Customer),
        )
        .await
        .unwrap();
    let mut mina = NewCustomer::person("Mina", "Tehrani")
        .contact(ContactKind::Email, "mina@example.org")
        .tag("prospect");
    if let Party::Person { organisation, .. } = &mut mina.party {
        *organisation = Some(pars.id);
    }
    s.create_customer(mina).await.unwrap();

    for (minutes, channel, direction, subject, body) in interactions() {
        let new = NewInteraction::new(ali.id, channel, direction, body)
            .at(t0() + chrono::Duration::minutes(minutes));
        let new = match subject {
            Some(subject) => new.subject(subject),
            None => new,
        };
        s.record_interaction(new).await.unwrap();
    }
    std::fs::write(
        dir.join("ids.txt"),
        format!("{}\n{}\n", ws.id.0, admin.id.0),
    )
    .unwrap();
    store
}

type Spec = (i64, Channel, Direction, Option<&'static str>, &'static str);

/// Ali's interactions, oldest first.
fn interactions() -> Vec<Spec> {
    vec![
        (
            10,
            Channel::Email,
            Direction::Inbound,
            Some("سفارش"),
            "سلام، سفارش من کی می‌رسد؟",
        ),
        (
            20,
            Channel::PhoneCall,
            Direction::Outbound,
            None,
            "Called back: ships Monday.",
        ),
        (
            30,
            Channel::Social(SocialNetwork::Telegram),
            Direction::Inbound,
            None,
            "ممنون!",
        ),
    ]
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn v1_fixture_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(1).join("db"), tmp.path());
    assert_eq!(stored_schema_version(tmp.path()), 1);
    fixture_reads_back(1, tmp.path()).await;
    assert_eq!(stored_schema_version(tmp.path()), SCHEMA_VERSION);
}

#[tokio::test]
async fn v2_fixture_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(2).join("db"), tmp.path());
    let journal = tmp.path().join("journal");
    let journaled: u64 = std::fs::read_dir(&journal)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(journaled > 1000, "the fixture's journal holds its commits");
    fixture_reads_back(2, tmp.path()).await;
    // Closed cleanly: everything is in sled, the journal is gone.
    assert_eq!(std::fs::read_dir(&journal).unwrap().count(), 0);
    assert_eq!(stored_schema_version(tmp.path()), SCHEMA_VERSION);
}

fn stored_schema_version(dir: &Path) -> u32 {
    let bytes = raw::with_sled(dir, |db| {
        db.open_tree("meta").unwrap().get("schema_version").unwrap()
    });
    u32::from_be_bytes(bytes.unwrap().as_ref().try_into().unwrap())
}

/// Opens the copy at `dir` of fixture `version` and checks every value.
async fn fixture_reads_back(version: u32, dir: &Path) {
    let ids = std::fs::read_to_string(fixture_dir(version).join("ids.txt")).unwrap();
    let mut lines = ids.lines().map(|l| Uuid::parse_str(l).unwrap());
    let ws = WorkspaceId(lines.next().unwrap());
    let admin = StaffId(lines.next().unwrap());
    let store = Arc::new(SledStore::open(SledConfig::new(dir)).unwrap());
    let crm = Crm::new(store.clone());
    let s = crm.session(ws, admin).await.unwrap();

    let staff = s.list_staff(&PageRequest::first(10)).await.unwrap().items;
    let names: Vec<_> = staff.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Sara Admin", "رضا کریمی"]);
    assert_eq!(staff[1].email.as_deref(), Some("reza@pars.example"));
    assert_eq!(staff[1].roles, BTreeSet::from([Role::Agent]));
    let reza = store
        .staff_by_email(ws, "reza@pars.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reza.id, staff[1].id);

    let ali = s
        .find_by_contact(ContactKind::Email, "ali.rezaei@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ali.version, 1);
    assert_eq!(
        ali.party,
        Party::Person {
            given_name: "علي".into(),
            family_name: "رضايي".into(),
            organisation: None
        }
    );
    assert_eq!(ali.stage, LifecycleStage::Loyal);
    assert_eq!(ali.owner, Some(reza.id));
    assert_eq!(
        ali.tags,
        BTreeSet::from(["vip".to_owned(), "تهران".to_owned()])
    );
    assert_eq!(
        ali.fields,
        BTreeMap::from([
            ("credit".to_owned(), dec("1500000")),
            ("newsletter".to_owned(), FieldValue::Bool(true)),
            (
                "national_code".to_owned(),
                FieldValue::Text("0012345678".into())
            ),
            (
                "since".to_owned(),
                FieldValue::Date(NaiveDate::from_ymd_opt(2020, 3, 20).unwrap())
            ),
            ("visits".to_owned(), FieldValue::Integer(42)),
        ])
    );
    assert_eq!(ali.occasions.len(), 2);
    assert_eq!(ali.occasions[0].kind, OccasionKind::Birthday);
    assert_eq!(ali.occasions[0].calendar, OccasionCalendar::Jalali);
    assert_eq!(
        (
            ali.occasions[0].month,
            ali.occasions[0].day,
            ali.occasions[0].year
        ),
        (1, 1, Some(1370))
    );
    assert_eq!(
        ali.occasions[1].kind,
        OccasionKind::Other("Nowruz gift".into())
    );
    assert!(ali.has_consent(Channel::Email));
    assert!(!ali.has_consent(Channel::Sms));
    assert_eq!(ali.consent[&Channel::Sms].at, t0());
    let keys: Vec<_> = ali.contacts.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "email:ali.rezaei@example.com",
            "tel:+989121234567",
            "telegram:ali_rz",
            "address:تهران، خیابان ولیعصر",
        ]
    );
    assert_eq!((ali.created_at, ali.updated_at), (t0(), t0()));
    for key in ["tel:+989121234567", "telegram:ali_rz"] {
        let found = store.customer_by_contact(ws, key).await.unwrap();
        assert_eq!(found.map(|c| c.id), Some(ali.id), "{key}");
    }

    let pars = s
        .find_by_contact(ContactKind::Phone, "02188880000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pars.display_name(), "Pars Co");
    assert_eq!(pars.stage, LifecycleStage::Customer);
    assert_eq!(pars.contacts[0].key, "web:pars.example");
    assert_eq!(pars.created_at, t0() + chrono::Duration::minutes(5));
    let mina = s
        .find_by_contact(ContactKind::Email, "mina@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mina.party.organisation(), Some(pars.id));
    assert_eq!(mina.tags, BTreeSet::from(["prospect".to_owned()]));

    // Indexes: search (Persian letter variants folded), lists by stage, owner and tag.
    let found = s
        .search_customers("علی رضایی", &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids_of(&found.items), vec![ali.id]);
    let all = s
        .list_customers(&CustomerFilter::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids_of(&all.items), vec![ali.id, pars.id, mina.id]);
    let owned = CustomerFilter {
        owner: Some(reza.id),
        ..Default::default()
    };
    let owned = s
        .list_customers(&owned, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids_of(&owned.items), vec![ali.id]);
    let staged = CustomerFilter {
        stage: Some(LifecycleStage::Customer),
        ..Default::default()
    };
    let staged = s
        .list_customers(&staged, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids_of(&staged.items), vec![pars.id]);

    let history = s
        .interactions(ali.id, &PageRequest::first(10))
        .await
        .unwrap();
    let expected: Vec<_> = interactions().into_iter().rev().collect();
    assert_eq!(history.items.len(), expected.len());
    for (i, (minutes, channel, direction, subject, body)) in history.items.iter().zip(expected) {
        assert_eq!(i.occurred_at, t0() + chrono::Duration::minutes(minutes));
        assert_eq!(i.channel, channel);
        assert_eq!(i.direction, direction);
        assert_eq!(i.subject.as_deref(), subject);
        assert_eq!(i.body, body);
        assert_eq!(i.customer, ali.id);
        assert_eq!(i.staff, Some(admin));
    }
    let trail = store
        .audit(ws, Some(ali.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(!trail.items.is_empty());
}

fn ids_of(customers: &[Customer]) -> Vec<CustomerId> {
    customers.iter().map(|c| c.id).collect()
}

/// A customer as an older version would have written it: without the fields added since.
#[derive(Serialize)]
struct CustomerBeforeTags {
    id: CustomerId,
    version: u64,
    party: Party,
    stage: LifecycleStage,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A customer as a newer version might write it: with a field this version does not know.
#[derive(Serialize)]
struct CustomerWithLaterField {
    id: CustomerId,
    version: u64,
    party: Party,
    stage: LifecycleStage,
    loyalty_points: u64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A record as schema versions 1 and 2 stored it: the format byte and named MessagePack.
fn stored<T: Serialize>(value: &T) -> Body {
    let mut bytes = vec![FORMAT_NAMED];
    bytes.extend(rmp_serde::to_vec_named(value).unwrap());
    Body::Binary(bytes)
}

#[test]
fn record_without_a_later_field_decodes() {
    let id = CustomerId(Uuid::from_u128(42));
    let party = Party::Organisation {
        name: "Old Co".into(),
    };
    let old = CustomerBeforeTags {
        id,
        version: 3,
        party: party.clone(),
        stage: LifecycleStage::Qualified,
        created_at: t0(),
        updated_at: t0(),
    };
    // Schema versions 1 and 2 wrote named fields; positional bodies take new fields only at
    // the end of a struct (crm-core's own tests prove that case).
    {
        let c: Customer = stored(&old).decode().unwrap();
        assert_eq!(
            (c.id, c.version, &c.party, c.stage),
            (id, 3, &party, LifecycleStage::Qualified)
        );
        assert!(c.tags.is_empty() && c.fields.is_empty() && c.contacts.is_empty());
        assert_eq!((c.owner, c.merged_into), (None, None));
    }
    let newer = CustomerWithLaterField {
        id,
        version: 1,
        party,
        stage: LifecycleStage::Lead,
        loyalty_points: 900,
        created_at: t0(),
        updated_at: t0(),
    };
    let c: Customer = stored(&newer).decode().unwrap();
    assert_eq!(c.id, id);
}

#[test]
fn every_record_kind_round_trips() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(SledConfig::new(dir.path())).unwrap());
        let crm = Crm::new(store.clone());
        let (ws, admin) = crm
            .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
            .await
            .unwrap();
        let s = crm.session(ws.id, admin.id).await.unwrap();
        s.create_department("Support", None).await.unwrap();
        let audit = store
            .audit(ws.id, None, &PageRequest::first(100))
            .await
            .unwrap();
        for entry in audit.items {
            let body = Body::binary(&entry).unwrap();
            assert_eq!(body.as_bytes()[0], FORMAT_POSITIONAL);
            assert_eq!(body.decode::<AuditEntry>().unwrap(), entry);
        }
        let stored = store
            .get(ws.id, RecordKind::WORKSPACE, ws.id.0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.decode::<Workspace>().unwrap(), ws);
    });
}

#[test]
fn unknown_format_byte_is_corrupted() {
    let err = Body::Binary(vec![9, 0x80])
        .decode_at::<Customer>(|| "here".to_owned())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Corrupted { key, .. } if key == "here"),
        "{err:?}"
    );
}

#[test]
fn stored_bytes_are_the_format_byte_and_the_struct_as_an_array() {
    let party = Party::Organisation {
        name: "Pars Co".into(),
    };
    let id = CustomerId(Uuid::from_u128(7));
    let mut customer = Customer::new(id, party, LifecycleStage::Lead, t0());
    customer.tags = BTreeSet::from(["vip".to_owned()]);
    customer.fields = BTreeMap::from([("credit".to_owned(), dec("12.50"))]);
    let body = Body::binary(&customer).unwrap();
    assert_eq!(body.as_bytes()[0], FORMAT_POSITIONAL);
    // MessagePack's fixarray of the struct's 13 fields, no field names.
    assert_eq!(body.as_bytes()[1], 0x90 | 13);
    assert!(body.as_bytes().len() < stored(&customer).as_bytes().len());
    assert_eq!(body.decode::<Customer>().unwrap(), customer);
    // The same bytes do not pass for another kind.
    let err = body.decode::<crm_core::staff::Staff>().unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
}
