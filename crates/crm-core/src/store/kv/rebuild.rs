//! Re-indexing: the unique keys and index entries of a kind rebuilt from its records, when
//! the keys the kind declares have changed since its records were written.
//!
//! The [`Space::Meta`] key `index_version/<tag>` keeps the [`RecordKind::index_version`] a
//! kind's stored keys were made with. When a store opens, every kind it knows whose stored
//! version differs (or is missing while records exist) is rebuilt:
//!
//! 1. every unique key held by a record of the kind, and every index entry of one, is
//!    removed (both name their record's kind in the [`layout`]);
//! 2. every record of the kind claims its unique keys and index entries as declared now;
//! 3. the kind's version is written.
//!
//! Each step writes batches of at most [`CHUNK`] changes. A crash in between leaves the old
//! version (written last) in place, so the next open starts over; every step is safe to
//! repeat. Two records claiming one unique key (possible only when a new version declares new
//! unique keys) cannot both have it: the first in key order keeps it, and the other is
//! reported with `tracing::warn!`.

use super::layout::{self, Space};
use super::{Batch, Change, Engine, EngineSnapshot};
use crate::error::{Error, Result};
use crate::record::{Body, RecordKind};
use std::collections::{BTreeMap, HashSet};

/// The most changes one re-indexing batch holds.
pub const CHUNK: usize = 2000;

const VERSION_KEY: &[u8] = b"index_version/";

/// The [`Space::Meta`] key of `kind`'s index version.
pub fn version_key(kind: RecordKind) -> Vec<u8> {
    [VERSION_KEY, &kind.tag().to_be_bytes()].concat()
}

/// Rebuilds the keys of every kind of `kinds` whose stored index version is not its declared
/// one (see the [module](self) docs); returns the kinds rebuilt.
///
/// # Errors
/// [`Error::Storage`] or [`Error::Corrupted`] when records cannot be read or decoded.
pub fn outdated_kinds<E: Engine>(engine: &E, kinds: &[RecordKind]) -> Result<Vec<RecordKind>> {
    let snapshot = engine.snapshot()?;
    let mut outdated = Vec::new();
    for kind in kinds {
        let stored = snapshot.get(Space::Meta, &version_key(*kind))?;
        let stored = match stored {
            None => None,
            Some(bytes) => Some(parse_version(&bytes)?),
        };
        if stored != Some(kind.index_version()) {
            outdated.push(*kind);
        }
    }
    drop(snapshot);
    if outdated.is_empty() {
        return Ok(outdated);
    }
    let tags: HashSet<u16> = outdated.iter().map(|k| k.tag()).collect();
    remove_keys(engine, Space::Unique, &tags, |value| {
        layout::parse_holder(value).map(|(tag, _)| tag)
    })?;
    remove_keys(engine, Space::Index, &tags, |value| {
        <[u8; 2]>::try_from(value).ok().map(u16::from_be_bytes)
    })?;
    claim_keys(engine, &outdated)?;
    let changes = outdated
        .iter()
        .map(|kind| Change {
            space: Space::Meta,
            key: version_key(*kind),
            value: Some(kind.index_version().to_be_bytes().to_vec()),
        })
        .collect();
    engine.write(Batch { changes })?;
    Ok(outdated)
}

fn parse_version(bytes: &[u8]) -> Result<u32> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| Error::Corrupted {
            key: "meta/index_version".into(),
            source: format!("{} bytes, expected 4", bytes.len()).into(),
        })
}

/// Visits every key of `space` in chunks, each read from a fresh snapshot after the last
/// key of the one before; `visit` returns the changes of a chunk, written before the next.
fn in_chunks<E: Engine>(
    engine: &E,
    space: Space,
    mut visit: impl FnMut(&E::Snapshot<'_>, Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<Change>>,
) -> Result<()> {
    let mut start = Vec::new();
    loop {
        let snapshot = engine.snapshot()?;
        let entries = snapshot
            .scan(space, &start, None, false)
            .take(CHUNK)
            .collect::<Result<Vec<_>>>()?;
        let Some((last, _)) = entries.last() else {
            return Ok(());
        };
        start = [last.as_slice(), &[0]].concat();
        let done = entries.len() < CHUNK;
        let changes = visit(&snapshot, entries)?;
        drop(snapshot);
        if !changes.is_empty() {
            engine.room_blocking()?;
            engine.write(Batch { changes })?;
        }
        if done {
            return Ok(());
        }
    }
}

/// Removes the keys of `space` whose value names a kind of `tags`.
fn remove_keys<E: Engine>(
    engine: &E,
    space: Space,
    tags: &HashSet<u16>,
    kind_of: impl Fn(&[u8]) -> Option<u16>,
) -> Result<()> {
    in_chunks(engine, space, |_, entries| {
        Ok(entries
            .into_iter()
            .filter(|(_, value)| kind_of(value).is_some_and(|tag| tags.contains(&tag)))
            .map(|(key, _)| Change {
                space,
                key,
                value: None,
            })
            .collect())
    })
}

/// Gives every record of `kinds` its declared unique keys and index entries.
fn claim_keys<E: Engine>(engine: &E, kinds: &[RecordKind]) -> Result<()> {
    in_chunks(engine, Space::Records, |snapshot, entries| {
        let mut changes: BTreeMap<(Space, Vec<u8>), Option<Vec<u8>>> = BTreeMap::new();
        for (key, body) in entries {
            let (ws, tag, id) = layout::parse_record_key(&key).ok_or_else(|| Error::Corrupted {
                key: format!("records {key:02x?}"),
                source: "not a record key".into(),
            })?;
            let Some(kind) = kinds.iter().copied().find(|k| k.tag() == tag) else {
                continue;
            };
            let keys = kind.keys(&Body::Binary(body)).map_err(|e| match e {
                Error::Corrupted { source, .. } => Error::Corrupted {
                    key: format!("{kind}/{id} (workspace {})", ws.0),
                    source,
                },
                other => other,
            })?;
            for unique in &keys.unique {
                let stored = layout::unique_key(ws, unique);
                let pending = changes.get(&(Space::Unique, stored.clone())).cloned();
                let held = match pending {
                    Some(value) => value,
                    None => snapshot.get(Space::Unique, &stored)?,
                };
                match held.as_deref().and_then(layout::parse_holder) {
                    Some((_, holder)) if holder != id => tracing::warn!(
                        key = unique.as_str(),
                        %holder,
                        record = %id,
                        "re-indexing {kind}: the unique key is held by another record already"
                    ),
                    _ => {
                        changes.insert(
                            (Space::Unique, stored),
                            Some(layout::holder_value(kind, id)),
                        );
                    }
                }
            }
            for entry in &keys.entries {
                changes.insert(
                    (Space::Index, layout::index_key(ws, entry, id)),
                    Some(layout::index_value(kind)),
                );
            }
        }
        Ok(changes
            .into_iter()
            .map(|((space, key), value)| Change { space, key, value })
            .collect())
    })
}
