//! [`Snapshot`] over an engine's snapshot: the generic reads in the [`layout`].

use super::layout::{self, Space};
use super::{Engine, EngineSnapshot};
use crate::error::{Error, Result};
use crate::id::WorkspaceId;
use crate::record::{Body, Key, RecordKind};
use crate::store::{Hit, Scan, Snapshot, Stored, Target};
use async_trait::async_trait;
use uuid::Uuid;

/// The reads of one workspace in one engine snapshot.
pub(super) struct KvSnapshot<'a, E: Engine> {
    pub(super) inner: E::Snapshot<'a>,
    pub(super) ws: WorkspaceId,
    pub(super) kinds: &'a [RecordKind],
}

impl<E: Engine> KvSnapshot<'_, E> {
    /// Hands a read's result out once it may be: the snapshot still holds.
    ///
    /// A read may see a commit whose sync is still under way (its committer is not
    /// acknowledged yet). Waiting here for it to be durable would make every operation that
    /// reads a hot record (the request counter, a department's round-robin turn) wait for
    /// the previous commit's sync, which undoes group commit; instead a commit made on such
    /// a read is durable only after what it read (engines sync in commit order), and the
    /// outbox dispatcher syncs the store before it delivers anything.
    fn deliver<T>(&self, result: Result<T>) -> Result<T> {
        let value = result?;
        self.inner.check()?;
        Ok(value)
    }

    fn record(&self, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        let key = layout::record_key(self.ws, kind, id);
        Ok(self
            .inner
            .get(Space::Records, &key)?
            .map(|bytes| stored(kind, id, bytes)))
    }

    fn holder_now(&self, key: &str) -> Result<Option<Stored>> {
        let Some(value) = self
            .inner
            .get(Space::Unique, &layout::unique_key(self.ws, key))?
        else {
            return Ok(None);
        };
        let (tag, id) = layout::parse_holder(&value).ok_or_else(|| Error::Corrupted {
            key: format!("unique key {key}"),
            source: "its holder is not a kind and an id".into(),
        })?;
        let kind = RecordKind::find(self.kinds, tag);
        match self.record(kind, id)? {
            Some(found) => Ok(Some(found)),
            None => Err(missing(kind, id, &format!("unique key {key}"))),
        }
    }

    fn scan_now(&self, scan: &Scan) -> Result<Vec<Hit>> {
        if scan.is_empty() {
            return Ok(Vec::new());
        }
        let (space, prefix) = match scan.target() {
            Target::Index(index) => {
                let mut prefix = layout::index_prefix(self.ws);
                prefix.extend_from_slice(&index.prefix());
                (Space::Index, prefix)
            }
            Target::Records(kind) => (Space::Records, layout::records_prefix(self.ws, kind)),
        };
        let kind = scan.target().kind();
        let start = [prefix.as_slice(), scan.start()].concat();
        let end = match scan.end() {
            Some(end) => Some([prefix.as_slice(), end].concat()),
            None => Key::from_bytes(prefix.clone())
                .prefix_end()
                .map(Key::into_bytes),
        };
        let mut hits = Vec::new();
        for entry in self
            .inner
            .scan(space, &start, end.as_deref(), scan.is_reverse())
            .take(scan.max())
        {
            let (key, value) = entry?;
            let position = key.get(prefix.len()..).unwrap_or_default().to_vec();
            let id = layout::index_target(&key).ok_or_else(|| not_a_key(&key))?;
            let record = match space {
                Space::Records => Some(stored(kind, id, value)),
                _ if value != layout::index_value(kind) => return Err(not_a_key(&key)),
                _ if scan.with_bodies() => match self.record(kind, id)? {
                    Some(record) => Some(record),
                    None => return Err(missing(kind, id, "an index entry")),
                },
                _ => None,
            };
            hits.push(Hit {
                position,
                id,
                record: record.filter(|_| scan.with_bodies()),
            });
        }
        Ok(hits)
    }
}

#[async_trait]
impl<E: Engine> Snapshot for KvSnapshot<'_, E> {
    async fn get(&mut self, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        let found = self.record(kind, id);
        self.deliver(found)
    }

    async fn holder(&mut self, key: &str) -> Result<Option<Stored>> {
        let found = self.holder_now(key);
        self.deliver(found)
    }

    async fn scan(&mut self, scan: &Scan) -> Result<Vec<Hit>> {
        let found = self.scan_now(scan);
        self.deliver(found)
    }

    async fn get_many(&mut self, kind: RecordKind, ids: &[Uuid]) -> Result<Vec<Option<Stored>>> {
        let found = ids.iter().map(|id| self.record(kind, *id)).collect();
        self.deliver(found)
    }
}

fn stored(kind: RecordKind, id: Uuid, bytes: Vec<u8>) -> Stored {
    Stored {
        kind,
        id,
        body: Body::Binary(bytes),
    }
}

/// A record that an entry of the same snapshot names is missing: damage.
fn missing(kind: RecordKind, id: Uuid, what: &str) -> Error {
    Error::Corrupted {
        key: format!("{kind}/{id}"),
        source: format!("{what} names a record that is not there").into(),
    }
}

fn not_a_key(key: &[u8]) -> Error {
    Error::Corrupted {
        key: format!("{key:02x?}"),
        source: "not a key of the store's layout".into(),
    }
}
