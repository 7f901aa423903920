//! crm-core: the domain, the logic and the storage and notification contracts of crm-rs.
//!
//! - Domain types: [`customer`], [`interaction`], [`staff`], [`audit`], [`outbox`].
//! - The logic: [`Crm`] and [`Session`] in [`service`], with access checks in [`access`] and
//!   input limits in [`limits`].
//! - Contracts: [`store::Store`] (one atomic commit of a whole change, and the reads) and
//!   [`notify::Notifier`] (delivery of outbox messages by the [`notify::Dispatcher`]).
//! - [`normalize`]: canonical emails, phone numbers, handles and Persian-aware search keys.
//! - [`template`]: messages rendered per workspace and language (English and Persian shipped).

pub mod access;
pub mod activity;
pub mod audit;
pub mod calendar;
pub mod channel;
pub mod clock;
pub mod club;
pub mod counter;
pub mod customer;
mod error;
pub mod id;
pub mod interaction;
pub mod limits;
pub mod normalize;
pub mod notify;
pub mod outbox;
pub mod record;
pub mod request;
pub mod sales;
pub mod service;
pub mod staff;
pub mod store;
pub mod template;
pub mod worker;
pub mod workspace;

pub use error::{BoxError, Conflict, Error, Result, Transition};
pub use service::{Crm, Session};
