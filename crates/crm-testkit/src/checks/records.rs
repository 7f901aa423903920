//! The generic contract, on a record kind the store has never heard of ([`crate::note`]):
//! declared indexes read in order, both ways, by prefix and by range, paged; unique keys;
//! snapshots that never mix two commits; readers that never see damage while records go.

use crate::note::{BY_TIME, BY_TOPIC, Note, slug_key};
use crate::support::{Desk, start_time};
use chrono::{DateTime, Duration, Utc};
use crm_core::customer::ContactKind;
use crm_core::id::WorkspaceId;
use crm_core::interaction::Direction;
use crm_core::record::{Entity, Key, RecordRef};
use crm_core::service::{NewCustomer, NewInteraction};
use crm_core::store::{Commit, Page, PageRequest, Scan, SnapshotExt, Store, StoreExt};
use crm_core::{Conflict, Error};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

const WS: WorkspaceId = WorkspaceId(Uuid::from_u128(0x9001));

/// Topics that an escaping or ordering mistake would misplace: Persian and Arabic letters
/// that look alike, a prefix of another topic, the empty text, a NUL inside.
const TOPICS: [&str; 6] = ["علی", "علي", "ali", "al", "", "a\u{0}b"];
/// Ranks at the edges of `i64`, negative ones included.
const RANKS: [i64; 4] = [i64::MIN, -5, 0, i64::MAX];

fn time(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("time")
}

/// Every note of the check: each topic with each rank, at times from before 1970 on.
fn notes() -> Vec<Note> {
    let mut notes = Vec::new();
    for (t, topic) in TOPICS.iter().enumerate() {
        for (r, rank) in RANKS.iter().enumerate() {
            let n = (t * RANKS.len() + r) as u128;
            // Ids out of topic order, times on both sides of 1970 and some equal.
            let id = 1000 - n;
            let at = time((n as i64 % 7 - 3) * 86_400 * 365);
            notes.push(Note::new(id, topic, *rank, at));
        }
    }
    notes
}

async fn all_pages(store: &dyn Store, scan: Scan, size: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut page = PageRequest::first(size);
    loop {
        let got: Page<Note> = store.page(WS, scan.clone(), &page).await.expect("page");
        assert!(got.items.len() <= size);
        ids.extend(got.items.iter().map(|n| n.id));
        match got.next {
            Some(next) => page = PageRequest::after(next, size),
            None => return ids,
        }
    }
}

fn ids(notes: &[&Note]) -> Vec<Uuid> {
    notes.iter().map(|n| n.id).collect()
}

/// A kind declared only by the test suite is stored, indexed, listed in order (forwards,
/// backwards, by prefix, by text prefix, by range, page by page), and keeps its unique keys,
/// with no code for it in the store.
pub async fn a_new_kind_needs_no_store_code(store: &Arc<dyn Store>) {
    let notes = notes();
    let mut commit = Commit::new();
    for note in &notes {
        commit.put(note.clone());
    }
    store.commit(WS, commit).await.expect("commit notes");

    let mut by_topic: Vec<&Note> = notes.iter().collect();
    by_topic.sort_by(|a, b| (&a.topic, a.rank, a.id).cmp(&(&b.topic, b.rank, b.id)));
    let mut by_time: Vec<&Note> = notes.iter().collect();
    by_time.sort_by_key(|n| (n.at, n.id));

    let whole = Scan::index(BY_TOPIC);
    assert_eq!(
        all_pages(&**store, whole.clone(), 1000).await,
        ids(&by_topic)
    );
    assert_eq!(all_pages(&**store, whole.clone(), 3).await, ids(&by_topic));
    let mut backwards = ids(&by_topic);
    backwards.reverse();
    assert_eq!(all_pages(&**store, whole.reverse(), 5).await, backwards);
    assert_eq!(
        all_pages(&**store, Scan::index(BY_TIME), 4).await,
        ids(&by_time)
    );

    for topic in TOPICS {
        let exact = Scan::index(BY_TOPIC).prefix(&Key::new().text(topic));
        let want: Vec<&Note> = by_topic
            .iter()
            .copied()
            .filter(|n| n.topic == topic)
            .collect();
        assert_eq!(
            all_pages(&**store, exact, 2).await,
            ids(&want),
            "topic {topic:?}"
        );
    }
    let starts = Scan::index(BY_TOPIC).prefix(&Key::new().text_prefix("al"));
    let want: Vec<&Note> = by_topic
        .iter()
        .copied()
        .filter(|n| n.topic.starts_with("al"))
        .collect();
    assert_eq!(all_pages(&**store, starts, 3).await, ids(&want));
    let ranks = Scan::index(BY_TOPIC)
        .from(&Key::new().text("علی").i64(-5))
        .until(&Key::new().text("علی").i64(1));
    let want: Vec<&Note> = by_topic
        .iter()
        .copied()
        .filter(|n| n.topic == "علی" && (-5..1).contains(&n.rank))
        .collect();
    assert_eq!(all_pages(&**store, ranks, 1).await, ids(&want));
    let before_1970 = Scan::index(BY_TIME).until(&Key::new().time(time(0)));
    let want: Vec<&Note> = by_time.iter().copied().filter(|n| n.at < time(0)).collect();
    assert_eq!(all_pages(&**store, before_1970, 2).await, ids(&want));
    let mut by_id: Vec<Uuid> = notes.iter().map(|n| n.id).collect();
    by_id.sort();
    assert_eq!(
        all_pages(&**store, Scan::records(Note::KIND), 7).await,
        by_id
    );

    // A cursor of one list is refused by another.
    let first: Page<Note> = store
        .page(WS, Scan::index(BY_TOPIC), &PageRequest::first(2))
        .await
        .expect("page");
    let elsewhere = Scan::index(BY_TOPIC).prefix(&Key::new().text("zzz"));
    let page = PageRequest::after(first.next.expect("more"), 2);
    match store.page::<Note>(WS, elsewhere, &page).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "cursor"),
        other => panic!("expected an invalid cursor, got {other:?}"),
    }

    unique_keys_and_changes(store, &notes).await;
}

/// Unique keys of the new kind are claimed, refused to another record naming the holder,
/// moved and released; index entries follow updates and deletes.
async fn unique_keys_and_changes(store: &Arc<dyn Store>, notes: &[Note]) {
    let mut a = notes[0].next();
    a.slug = Some("first".into());
    let mut commit = Commit::new();
    commit.put(a.clone());
    store.commit(WS, commit).await.expect("claim");
    let mut b = notes[1].next();
    b.slug = Some("first".into());
    let mut commit = Commit::new();
    commit.put(b);
    match store.commit(WS, commit).await {
        Err(Error::Conflict(Conflict::KeyTaken { key, holder })) => {
            assert_eq!(key, slug_key("first"));
            assert_eq!(holder, RecordRef::to::<Note>(a.id));
        }
        other => panic!("expected KeyTaken, got {other:?}"),
    }
    let held: Option<Note> = store
        .holder_of(WS, &slug_key("first"))
        .await
        .expect("holder");
    assert_eq!(held, Some(a.clone()));

    // Moving the slug and the topic: the old key is free, the old entry gone.
    let mut moved = a.next();
    moved.slug = Some("second".into());
    moved.topic = "moved".into();
    let mut commit = Commit::new();
    commit.put(moved.clone());
    store.commit(WS, commit).await.expect("move");
    assert_eq!(
        store.holder(WS, &slug_key("first")).await.expect("read"),
        None
    );
    let held: Option<Note> = store
        .holder_of(WS, &slug_key("second"))
        .await
        .expect("read");
    assert_eq!(held, Some(moved.clone()));
    let old_topic = Scan::index(BY_TOPIC).prefix(&Key::new().text(&a.topic));
    let listed = all_pages(&**store, old_topic, 100).await;
    assert!(!listed.contains(&a.id), "the old entry stayed");
    let new_topic = Scan::index(BY_TOPIC).prefix(&Key::new().text("moved"));
    assert_eq!(all_pages(&**store, new_topic.clone(), 100).await, [a.id]);

    // A stale version of the new kind is a conflict naming it.
    let mut stale = moved.clone();
    stale.rank = 99;
    let mut commit = Commit::new();
    commit.put(stale);
    match store.commit(WS, commit).await {
        Err(Error::Conflict(Conflict::StaleVersion { kind, id, .. })) => {
            assert_eq!((kind, id), (Note::KIND, a.id));
        }
        other => panic!("expected StaleVersion, got {other:?}"),
    }

    // Deleting releases the key and the entries.
    let mut commit = Commit::new();
    commit.delete_of::<Note>(moved.id, moved.version);
    store.commit(WS, commit).await.expect("delete");
    assert_eq!(
        store.holder(WS, &slug_key("second")).await.expect("read"),
        None
    );
    assert!(all_pages(&**store, new_topic, 100).await.is_empty());
    assert_eq!(store.load::<Note>(WS, a.id).await.expect("read"), None);
}

/// Several reads of one snapshot see one commit: notes changed together in every commit are
/// always read at the same generation, however the writer and the readers interleave.
pub async fn snapshots_never_mix_commits(store: &Arc<dyn Store>) {
    const PAIR: [u128; 3] = [1, 2, 3];
    let at = start_time();
    let mut commit = Commit::new();
    for n in PAIR {
        commit.put(Note::new(n, "pair", n as i64, at));
    }
    store.commit(WS, commit).await.expect("seed");
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let mut notes: Vec<Note> = PAIR
                .iter()
                .map(|n| Note::new(*n, "pair", *n as i64, at))
                .collect();
            for generation in 1..=300u64 {
                let mut commit = Commit::new();
                for note in &mut notes {
                    *note = note.next();
                    note.generation = generation;
                    // Moving in the index too: the list's order changes with each commit.
                    note.rank = (generation as i64 * 7 + note.id.as_u128() as i64) % 5 - 2;
                    commit.put(note.clone());
                }
                store.commit(WS, commit).await.expect("write");
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut readers = Vec::new();
    for r in 0..3 {
        let (store, done) = (store.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0;
            while !done.load(Ordering::SeqCst) || reads < 20 {
                let mut snapshot = store.snapshot(WS).await.expect("snapshot");
                let generations = if r == 0 {
                    // Point reads, one after another.
                    let mut g = Vec::new();
                    for n in PAIR {
                        let note: Note = snapshot
                            .load(Uuid::from_u128(n))
                            .await
                            .expect("read")
                            .expect("there");
                        g.push(note.generation);
                    }
                    g
                } else {
                    // A list read a note at a time.
                    let scan = Scan::index(BY_TOPIC).prefix(&Key::new().text("pair"));
                    let mut g = Vec::new();
                    let mut page = PageRequest::first(1);
                    loop {
                        let got = snapshot
                            .page_where(scan.clone(), &page, |_: &Note| true)
                            .await
                            .expect("page");
                        g.extend(got.items.iter().map(|n| n.generation));
                        match got.next {
                            Some(next) => page = PageRequest::after(next, 1),
                            None => break,
                        }
                    }
                    g
                };
                drop(snapshot);
                assert_eq!(
                    generations.len(),
                    PAIR.len(),
                    "a note missing or listed twice"
                );
                assert!(
                    generations.windows(2).all(|w| w[0] == w[1]),
                    "one snapshot mixed generations {generations:?}"
                );
                reads += 1;
                tokio::task::yield_now().await;
            }
        }));
    }
    writer.await.expect("writer");
    for reader in readers {
        reader.await.expect("reader");
    }
}

/// Customers deleted and merged while readers list their interactions, the customer lists
/// and search: readers see each customer whole or not at all, never an error.
pub async fn readers_never_see_damage_while_records_go(store: &Arc<dyn Store>) {
    let desk = Arc::new(Desk::open(store, "Churn").await);
    let s = &desk.manager;
    let mut customers = Vec::new();
    for n in 0..24 {
        let c = s
            .create_customer(
                NewCustomer::person("Churn", &format!("N{n}"))
                    .contact(ContactKind::Email, &format!("churn{n}@example.com")),
            )
            .await
            .expect("customer");
        for k in 0..5 {
            let at = start_time() + Duration::minutes(k);
            s.record_interaction(
                NewInteraction::new(
                    c.id,
                    crm_core::channel::Channel::Email,
                    Direction::Inbound,
                    "hi",
                )
                .at(at),
            )
            .await
            .expect("interaction");
        }
        customers.push(c);
    }
    let done = Arc::new(AtomicBool::new(false));
    let ws = desk.workspace.id;
    let writer = {
        let (desk, done, customers) = (desk.clone(), done.clone(), customers.clone());
        tokio::spawn(async move {
            for pair in customers.chunks(2) {
                let (a, b) = (&pair[0], &pair[1]);
                if a.id.0.as_u128() % 2 == 0 {
                    desk.manager
                        .delete_customer(a.id, a.version)
                        .await
                        .expect("delete");
                    desk.manager
                        .delete_customer(b.id, b.version)
                        .await
                        .expect("delete");
                } else {
                    desk.manager
                        .merge_customers(a.id, a.version, b.id, b.version)
                        .await
                        .expect("merge");
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut readers = Vec::new();
    for r in 0..3usize {
        let (desk, done, customers) = (desk.clone(), done.clone(), customers.clone());
        let store = store.clone();
        readers.push(tokio::spawn(async move {
            let mut rounds = 0;
            while !done.load(Ordering::SeqCst) || rounds < 3 {
                for c in &customers {
                    let page = PageRequest::first(3);
                    match r {
                        0 => {
                            // The store's list, whether the customer is still there or not.
                            let got = store.interactions(ws, c.id, &page).await;
                            match got {
                                Ok(page) => assert!(page.items.iter().all(|i| i.customer == c.id)),
                                Err(e) => panic!("interactions: {e:?}"),
                            }
                        }
                        1 => {
                            let got = desk.manager.search_customers("churn", &page).await;
                            assert!(got.is_ok(), "search: {got:?}");
                        }
                        _ => {
                            let got = crate::checks::all_customers(&desk.manager).await;
                            assert!(got.iter().all(|c| c.merged_into.is_none()));
                        }
                    }
                }
                rounds += 1;
            }
        }));
    }
    writer.await.expect("writer");
    for reader in readers {
        reader.await.expect("reader");
    }
}
