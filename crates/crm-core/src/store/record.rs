//! Records on their way into a store ([`Record`]) and back out of it ([`Stored`]).

use crate::error::{Error, Result};
use crate::record::{Body, Entity, Keys, RecordKind, RecordRef};
use std::any::Any;
use std::sync::Arc;
use uuid::Uuid;

/// A record to write: any [`Entity`], with the keys it claims worked out once. A store
/// encodes it in the form it keeps ([`Record::binary`] or [`Record::json`]).
#[derive(Clone)]
pub struct Record {
    kind: RecordKind,
    id: Uuid,
    keys: Keys,
    value: Arc<dyn Encode>,
}

/// An entity behind a [`Record`], encoded on demand.
trait Encode: Send + Sync {
    fn binary(&self) -> Result<Body>;
    fn json(&self) -> Result<Body>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Entity> Encode for T {
    fn binary(&self) -> Result<Body> {
        Body::binary(self)
    }

    fn json(&self) -> Result<Body> {
        Body::json(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Record {
    /// The record of `value`.
    pub fn new<T: Entity>(value: T) -> Self {
        let keys = Keys {
            version: value.version(),
            unique: value.unique_keys(),
            entries: value.index_entries(),
        };
        Self {
            kind: T::KIND,
            id: value.id(),
            keys,
            value: Arc::new(value),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// Its id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Its version.
    pub fn version(&self) -> u64 {
        self.keys.version
    }

    /// Its kind and id.
    pub fn record_ref(&self) -> RecordRef {
        RecordRef {
            kind: self.kind,
            id: self.id,
        }
    }

    /// Its version, unique keys and index entries.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Its binary body (key-value stores).
    ///
    /// # Errors
    /// [`Error::Storage`] when it cannot be encoded.
    pub fn binary(&self) -> Result<Body> {
        self.value.binary()
    }

    /// Its JSON body (SQL stores).
    ///
    /// # Errors
    /// [`Error::Storage`] when it cannot be encoded.
    pub fn json(&self) -> Result<Body> {
        self.value.json()
    }

    /// The entity, when it is a `T`.
    pub fn downcast_ref<T: Entity>(&self) -> Option<&T> {
        self.value.as_any().downcast_ref()
    }
}

impl<T: Entity> From<T> for Record {
    fn from(value: T) -> Self {
        Record::new(value)
    }
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} v{}", self.kind, self.id, self.keys.version)
    }
}

/// A record as a store read it: its kind, id and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The kind.
    pub kind: RecordKind,
    /// The id.
    pub id: Uuid,
    /// The body, in the store's encoding.
    pub body: Body,
}

impl Stored {
    /// The record as a `T`.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when it is not a `T` or its body does not decode as one, or the
    /// body holds another record's id.
    pub fn decode<T: Entity>(&self) -> Result<T> {
        if self.kind != T::KIND {
            return Err(self.corrupted(format!("holds a {}, not a {}", self.kind, T::KIND)));
        }
        let record: T = self.body.decode_at(|| self.location())?;
        if record.id() != self.id {
            return Err(self.corrupted(format!("the body holds record {}", record.id())));
        }
        Ok(record)
    }

    /// The keys the stored record claims.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when its body does not decode.
    pub fn keys(&self) -> Result<Keys> {
        self.kind.keys(&self.body)
    }

    fn location(&self) -> String {
        format!("{}/{}", self.kind, self.id)
    }

    fn corrupted(&self, why: String) -> Error {
        Error::Corrupted {
            key: self.location(),
            source: why.into(),
        }
    }
}
