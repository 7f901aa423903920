//! One commit as one sled transaction over the `records`, `unique` and `index` trees
//! ([`KvWrite`]).
//!
//! sled may run a transaction's closure more than once (on a conflict with a concurrent
//! transaction), so nothing here has an effect outside the transaction.

use crate::encoding;
use crate::read::{decode_owner, decode_record};
use crm_core::id::WorkspaceId;
use crm_core::store::kv::{self, KvWrite};
use crm_core::store::{Commit, Record, RecordKind};
use crm_core::{Error, Result};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use uuid::Uuid;

use crate::read::Trees;

/// Why a transaction's closure stopped.
pub(crate) enum TxnError {
    /// The commit is refused (conflict, invalid, corrupted): abort, change nothing.
    Abort(Error),
    /// sled's own: a conflict to retry or a storage failure; sled decides.
    Sled(UnabortableTransactionError),
}

impl From<Error> for TxnError {
    fn from(e: Error) -> Self {
        TxnError::Abort(e)
    }
}

impl From<UnabortableTransactionError> for TxnError {
    fn from(e: UnabortableTransactionError) -> Self {
        TxnError::Sled(e)
    }
}

impl From<TxnError> for ConflictableTransactionError<Error> {
    fn from(e: TxnError) -> Self {
        match e {
            TxnError::Abort(e) => ConflictableTransactionError::Abort(e),
            TxnError::Sled(e) => e.into(),
        }
    }
}

/// The three trees as one transaction sees them.
struct Txn<'a> {
    records: &'a TransactionalTree,
    unique: &'a TransactionalTree,
    index: &'a TransactionalTree,
}

/// Applies `commit` to `ws` in one transaction: all of it, or nothing.
pub(crate) fn commit(trees: &Trees, ws: WorkspaceId, commit: &Commit) -> Result<()> {
    let result = (&trees.records, &trees.unique, &trees.index).transaction(|(r, u, i)| {
        let mut txn = Txn {
            records: r,
            unique: u,
            index: i,
        };
        kv::apply_commit(&mut txn, ws, commit).map_err(ConflictableTransactionError::from)
    });
    match result {
        Ok(()) => Ok(()),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(crate::error::storage(e)),
    }
}

impl KvWrite for Txn<'_> {
    type Error = TxnError;

    fn record(
        &mut self,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<Option<Record>, TxnError> {
        match self.records.get(kv::record_key(ws, kind, id))? {
            Some(bytes) => Ok(Some(decode_record(ws, kind, id, &bytes)?)),
            None => Ok(None),
        }
    }

    fn put_record(&mut self, ws: WorkspaceId, record: &Record) -> Result<(), TxnError> {
        let key = kv::record_key(ws, record.kind(), record.id());
        self.records.insert(key, encoding::encode(record)?)?;
        Ok(())
    }

    fn remove_record(
        &mut self,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<(), TxnError> {
        self.records.remove(kv::record_key(ws, kind, id))?;
        Ok(())
    }

    fn unique_owner(&mut self, key: &[u8]) -> Result<Option<Uuid>, TxnError> {
        match self.unique.get(key)? {
            Some(bytes) => Ok(Some(decode_owner(key, &bytes)?)),
            None => Ok(None),
        }
    }

    fn put_unique(&mut self, key: &[u8], owner: Uuid) -> Result<(), TxnError> {
        self.unique.insert(key, owner.as_bytes().as_slice())?;
        Ok(())
    }

    fn remove_unique(&mut self, key: &[u8]) -> Result<(), TxnError> {
        self.unique.remove(key)?;
        Ok(())
    }

    fn put_index(&mut self, key: &[u8]) -> Result<(), TxnError> {
        self.index.insert(key, &[] as &[u8])?;
        Ok(())
    }

    fn remove_index(&mut self, key: &[u8]) -> Result<(), TxnError> {
        self.index.remove(key)?;
        Ok(())
    }
}
