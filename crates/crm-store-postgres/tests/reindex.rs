//! Re-indexing on connect: when a kind declares other keys (a new `index_version`), the
//! unique keys and index entries of its stored records are rebuilt from their bodies, in
//! every workspace and across batches; records whose new keys collide keep the first claim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::id::WorkspaceId;
use crm_core::record::{Entity, Index, IndexEntry, Key, KindSpec, RecordKind};
use crm_core::store::{Commit, PageRequest, Scan, Store, StoreExt};
use crm_core::{Conflict, Error};
use crm_store_postgres::{PostgresStore, TestSchema};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stored form of both versions of the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tally {
    id: Uuid,
    version: u64,
    name: String,
    group: u64,
}

/// Version 1 of the kind: listed by name, unique by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
struct TallyV1(Tally);

/// Version 2: listed by group, unique by group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
struct TallyV2(Tally);

const TAG: u16 = 7200;
static V1: KindSpec = KindSpec::of::<TallyV1>("tally", TAG, 1, None);
static V2: KindSpec = KindSpec::of::<TallyV2>("tally", TAG, 2, None);
const BY_NAME: Index = Index::new(TallyV1::KIND, 7200, "tally_by_name");
const BY_GROUP: Index = Index::new(TallyV2::KIND, 7201, "tally_by_group");

impl Entity for TallyV1 {
    const KIND: RecordKind = RecordKind::of(&V1);
    fn id(&self) -> Uuid {
        self.0.id
    }
    fn version(&self) -> u64 {
        self.0.version
    }
    fn unique_keys(&self) -> Vec<String> {
        vec![format!("tally-name:{}", self.0.name)]
    }
    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![BY_NAME.entry(Key::new().text(&self.0.name))]
    }
}

impl Entity for TallyV2 {
    const KIND: RecordKind = RecordKind::of(&V2);
    fn id(&self) -> Uuid {
        self.0.id
    }
    fn version(&self) -> u64 {
        self.0.version
    }
    fn unique_keys(&self) -> Vec<String> {
        vec![format!("tally-group:{}", self.0.group)]
    }
    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![BY_GROUP.entry(Key::new().u64(self.0.group))]
    }
}

/// More records than one re-indexing batch holds.
const RECORDS: u128 = 2500;

fn tally(ws: u128, n: u128) -> Tally {
    Tally {
        id: Uuid::from_u128((ws << 64) | (n + 1)),
        version: 1,
        name: format!("t{n:05}"),
        // Groups 0 and 1 are claimed twice: by record 0 and 1, and again by the last two.
        group: if n >= RECORDS - 2 {
            (n - (RECORDS - 2)) as u64
        } else {
            n as u64
        },
    }
}

async fn ids_of<T: Entity>(store: &PostgresStore, ws: WorkspaceId, scan: Scan) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut page = PageRequest::first(1000);
    loop {
        let got = store.page::<T>(ws, scan.clone(), &page).await.unwrap();
        ids.extend(got.items.iter().map(|t| t.id()));
        match got.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => return ids,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_index_version_rebuilds_the_keys_of_every_record() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = TestSchema::reserve(&url);
    let workspaces = [
        WorkspaceId(Uuid::from_u128(1)),
        WorkspaceId(Uuid::from_u128(2)),
    ];
    let old = PostgresStore::connect_with(schema.config().kinds(&[TallyV1::KIND]))
        .await
        .unwrap();
    for (w, ws) in workspaces.iter().enumerate() {
        let mut commit = Commit::new();
        for n in 0..RECORDS {
            let mut t = tally(w as u128 + 1, n);
            // Version 1 keys are unique by name: make the colliding groups distinct names.
            t.name = format!("{}-{n}", t.name);
            commit.put(TallyV1(t));
        }
        old.commit(*ws, commit).await.unwrap();
        let by_name = ids_of::<TallyV1>(&old, *ws, Scan::index(BY_NAME)).await;
        assert_eq!(by_name.len(), RECORDS as usize);
    }
    old.close().await;

    // The program now declares version 2: connecting rebuilds every record's keys.
    let new = PostgresStore::connect_with(schema.config().kinds(&[TallyV2::KIND]))
        .await
        .unwrap();
    for (w, ws) in workspaces.iter().enumerate() {
        assert!(
            ids_of::<TallyV2>(&new, *ws, Scan::index(BY_NAME))
                .await
                .is_empty()
        );
        let by_group = ids_of::<TallyV2>(&new, *ws, Scan::index(BY_GROUP)).await;
        assert_eq!(by_group.len(), RECORDS as usize);
        let first = tally(w as u128 + 1, 0);
        let name_key = format!("tally-name:{}-0", first.name);
        assert_eq!(new.holder(*ws, &name_key).await.unwrap(), None);
        // Group 0 is claimed by record 0 and by a later one: the first by id keeps it.
        let held: TallyV2 = new.holder_of(*ws, "tally-group:0").await.unwrap().unwrap();
        assert_eq!(held.0.id, first.id);
        let held: TallyV2 = new.holder_of(*ws, "tally-group:7").await.unwrap().unwrap();
        assert_eq!(held.0.id, tally(w as u128 + 1, 7).id);
    }

    // Later commits diff against the rebuilt claims: a change moves its entry and key.
    let ws = workspaces[0];
    let mut moved: TallyV2 = new.fetch(ws, tally(1, 7).id).await.unwrap();
    moved.0.version += 1;
    moved.0.group = 100_000;
    let mut commit = Commit::new();
    commit.put(moved.clone());
    new.commit(ws, commit).await.unwrap();
    assert_eq!(new.holder(ws, "tally-group:7").await.unwrap(), None);
    let held: TallyV2 = new
        .holder_of(ws, "tally-group:100000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held, moved);
    let at_7 = Scan::index(BY_GROUP).prefix(&Key::new().u64(7));
    assert!(ids_of::<TallyV2>(&new, ws, at_7).await.is_empty());
    let mut rival: TallyV2 = new.fetch(ws, tally(1, 8).id).await.unwrap();
    rival.0.version += 1;
    rival.0.group = 100_000;
    let mut commit = Commit::new();
    commit.put(rival);
    match new.commit(ws, commit).await {
        Err(Error::Conflict(Conflict::KeyTaken { key, holder })) => {
            assert_eq!(key, "tally-group:100000");
            assert_eq!(holder.id, moved.0.id);
            assert_eq!(holder.kind.as_str(), "tally");
        }
        other => panic!("expected a taken key, got {other:?}"),
    }
    new.close().await;

    // Connecting again at the same version does nothing more.
    let again = PostgresStore::connect_with(schema.config().kinds(&[TallyV2::KIND]))
        .await
        .unwrap();
    let by_group = ids_of::<TallyV2>(&again, ws, Scan::index(BY_GROUP)).await;
    assert_eq!(by_group.len(), RECORDS as usize);
    again.close().await;
}
