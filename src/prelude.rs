//! The items the basic flow needs, in one import: `use crm::prelude::*;`.
//!
//! A workspace with its staff ([`Crm`], [`NewStaff`], [`Role`]), customers ([`NewCustomer`],
//! [`ContactKind`]), a message taken in ([`InboundMessage`], [`Sender`], [`Channel`],
//! [`WebForm`]), the request in the cartable ([`Request`], [`RequestStatus`], [`Holder`],
//! [`PageRequest`]), the worker that delivers the outbox ([`Worker`], [`Notifier`]) and the
//! errors ([`Error`], [`Result`]).

pub use crm_core::channel::Channel;
pub use crm_core::customer::{ContactKind, Customer};
pub use crm_core::notify::Notifier;
pub use crm_core::request::{Holder, Request, RequestStatus};
pub use crm_core::service::{
    InboundMessage, IntakeOutcome, NewCustomer, NewStaff, Sender, WebForm,
};
pub use crm_core::staff::Role;
pub use crm_core::store::{PageRequest, Store};
pub use crm_core::worker::Worker;
pub use crm_core::{Crm, Error, Result, Session};

/// The in-memory store (feature `memory`).
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
pub use crm_store_memory::MemoryStore;
