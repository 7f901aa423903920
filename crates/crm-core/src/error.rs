//! The one error type of crm-rs.

use crate::access::Permission;
use crate::audit::Actor;
use crate::outbox::OutboxStatus;
use crate::record::{RecordKind, RecordRef};
use crate::request::{RequestAction, RequestStatus};
use uuid::Uuid;

/// A boxed error from a backend or notifier, kept as the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every fallible crm-rs operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in crm-rs.
///
/// Each variant means one thing a caller can act on: [`Error::NotFound`] and
/// [`Error::Invalid`] are the caller's input, [`Error::Conflict`] asks to re-read and retry,
/// [`Error::Unauthorized`] is the actor's role, [`Error::Storage`] and [`Error::Corrupted`] are
/// the backend's. Whatever the variant, an operation that fails has changed nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No record of this kind and id exists in the workspace.
    #[error("{kind} {id} not found")]
    NotFound {
        /// The kind of record looked for.
        kind: RecordKind,
        /// Its id.
        id: Uuid,
    },
    /// The change collides with what is stored: re-read and decide again.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// The input breaks a rule; nothing was stored.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field (or argument) at fault, e.g. `contact.email`.
        field: String,
        /// Why it was refused, for a person to read.
        reason: String,
    },
    /// What a create or a change would claim (a contact point, a work email) already belongs
    /// to another record: doing it again cannot succeed. Nothing was stored.
    #[error("{}", already_exists(.key, .holder, .holder_name.as_deref()))]
    AlreadyExists {
        /// The unique key, e.g. `email:ali@example.com`.
        key: String,
        /// The record that holds it.
        holder: RecordRef,
        /// The holder's name, for a person to read (a customer's or staff member's name),
        /// when it could be read.
        holder_name: Option<String>,
    },
    /// The actor may not do this.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// Who was refused, when known (not for a staff id that names nobody).
        actor: Option<Actor>,
        /// The permission the actor's role lacks, when that is the refusal; `None` when the
        /// refusal is about this record (not its holder, another salesperson's lead, ...).
        permission: Option<Permission>,
        /// What was refused and why, for a person to read.
        reason: String,
    },
    /// The action is not allowed in the record's current state (e.g. replying with an answer
    /// that was not approved).
    #[error("{transition}")]
    IllegalTransition {
        /// The record's state machine, its current state and the action refused.
        transition: Transition,
    },
    /// The backend failed (I/O, connection, transaction); nothing was applied.
    #[error("storage error: {source}")]
    Storage {
        /// The backend's own error.
        #[source]
        source: BoxError,
    },
    /// Stored bytes could not be decoded: the record at `key` is damaged. Nothing was changed.
    #[error("corrupted data at {key}: {source}")]
    Corrupted {
        /// Where the damaged bytes are, in the backend's words.
        key: String,
        /// The decoder's error.
        #[source]
        source: BoxError,
    },
    /// The data was written by a newer crm-rs whose schema this version cannot read.
    #[error("data schema version {found} is newer than the supported {supported}; upgrade crm-rs")]
    SchemaTooNew {
        /// The version found in the data.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The store's files are held by another process or another open handle.
    #[error("store at {path} is locked by another process or handle: {source}")]
    Locked {
        /// The path of the store.
        path: String,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
}

/// What a [`Error::Conflict`] collided with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// The record changed since it was read (or exists when it was expected not to).
    StaleVersion {
        /// The kind of record.
        kind: RecordKind,
        /// Its id.
        id: Uuid,
        /// The version the change was based on (0: "must not exist").
        expected: u64,
        /// The version stored now (0: absent).
        found: u64,
    },
    /// A unique key (a contact point, say) already belongs to another record.
    KeyTaken {
        /// The key, e.g. `email:ali@example.com`.
        key: String,
        /// The record that holds it.
        holder: RecordRef,
    },
}

/// A refused state change, typed: the state machine, the state the record is in, the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// A request in the cartable (see [`RequestStatus::allows`]).
    Request {
        /// The request's status.
        status: RequestStatus,
        /// The action refused.
        action: RequestAction,
    },
    /// Replaying an outbox message that is not failed, bounced or parked.
    OutboxReplay {
        /// The message's status.
        status: OutboxStatus,
    },
}

impl std::fmt::Display for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transition::Request { status, action } => {
                let action = format!("{action:?}").to_lowercase();
                write!(f, "cannot {action} a request that is {}", status.as_str())
            }
            Transition::OutboxReplay { status } => {
                write!(f, "cannot replay a message that is {}", status.as_str())
            }
        }
    }
}

/// "`key` already belongs to customer Ali Rezaei (id)".
fn already_exists(key: &str, holder: &RecordRef, name: Option<&str>) -> String {
    match name {
        Some(name) => format!(
            "{key} already belongs to {} {name} ({})",
            holder.kind, holder.id
        ),
        None => format!("{key} already belongs to {} {}", holder.kind, holder.id),
    }
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::StaleVersion {
                kind,
                id,
                expected,
                found,
            } => write!(
                f,
                "{kind} {id} is at version {found}, the change expected {expected}"
            ),
            Conflict::KeyTaken { key, holder } => {
                write!(f, "{key} already belongs to {} {}", holder.kind, holder.id)
            }
        }
    }
}

impl Error {
    /// An [`Error::Invalid`] for `field` with `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::Unauthorized`] with `reason`, for no known actor and no permission.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Error::Unauthorized {
            actor: None,
            permission: None,
            reason: reason.into(),
        }
    }

    /// An [`Error::Unauthorized`] refusing `actor` (lacking `permission`, when that is the
    /// refusal) with `reason`.
    pub fn refused(
        actor: Actor,
        permission: Option<Permission>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Unauthorized {
            actor: Some(actor),
            permission,
            reason: reason.into(),
        }
    }

    /// An [`Error::IllegalTransition`] of a request.
    pub fn illegal_request_transition(status: RequestStatus, action: RequestAction) -> Self {
        Error::IllegalTransition {
            transition: Transition::Request { status, action },
        }
    }

    /// An [`Error::Storage`] wrapping a backend error.
    pub fn storage(source: impl Into<BoxError>) -> Self {
        Error::Storage {
            source: source.into(),
        }
    }

    /// True for [`Error::Conflict`]: the operation may succeed if re-read and retried.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Conflict(_))
    }
}
