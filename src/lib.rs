//! crm-rs: a customer relationship management engine to embed in your own Rust application.
//!
//! It keeps the customer database (people and organisations, contact points, consent and
//! the history of every contact), finds the same customer whichever way a phone number or an
//! email is written, and takes requests from every channel into an *electronic cartable*
//! where staff refer them until an approved answer goes back to the customer. Every change is
//! one atomic, audited commit; messages to the world leave through a transactional outbox that
//! a [`worker::Worker`] delivers.
//!
//! This crate (the package `crm-rs`, the library `crm`) re-exports [`crm_core`] and, by
//! feature, the stores:
//!
//! | feature | default | gives you |
//! |---|---|---|
//! | `sled` | yes | [`sled_store`]: embedded and durable (`SledStore`, `SledConfig`) |
//! | `memory` | no | [`MemoryStore`]: tests and prototypes |
//! | `postgres` | no | [`postgres_store`]: a shared PostgreSQL server (`PostgresStore`) |
//!
//! [`prelude`] holds the items of the basic flow: `use crm::prelude::*;`.
//!
//! # The flow: intake, the cartable, the reply
//!
//! A [`Crm`] runs over any [`store::Store`]. A [`Session`] is one actor in one workspace: a
//! staff member (`Crm::session`) or a named system component such as a channel adapter
//! (`Crm::system_session`). Every call checks the actor's permission and returns a typed
//! [`Error`].
//!
//! ```
//! use crm::prelude::*;
//! use crm::request::RequestView;
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> crm::Result<()> {
//! let crm = Crm::new(Arc::new(MemoryStore::new()));
//! let (workspace, admin) = crm
//!     .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
//!     .await?;
//! let admin = crm.session(workspace.id, admin.id).await?;
//! let officer = admin.create_staff(NewStaff::new("Maryam", Role::Officer)).await?;
//! let agent = admin.create_staff(NewStaff::new("Reza", Role::Agent)).await?;
//! let officer = crm.session(workspace.id, officer.id).await?;
//! let reza = crm.session(workspace.id, agent.id).await?;
//!
//! // 1. Intake: a channel adapter hands in a message. An unknown sender becomes a lead; the
//! //    same message delivered twice is one request.
//! let channels = crm.system_session(workspace.id, "mailbox").await?;
//! let sender = Sender {
//!     email: Some("Ali.Rezaei@Example.com".into()),
//!     name: Some("Ali Rezaei".into()),
//!     ..Sender::default()
//! };
//! let message = InboundMessage::new(Channel::Email, "<m1@example.com>", sender, "My invoice is wrong")
//!     .subject("Invoice 1001");
//! let outcome = channels.intake(message.clone()).await?;
//! assert!(outcome.new_customer);
//! assert!(channels.intake(message).await?.duplicate_delivery);
//! let request = outcome.request;
//! assert_eq!(request.status, RequestStatus::New);
//!
//! // 2. The cartable: without routing rules a request lands in the officers' cartable. The
//! //    officer refers it to an agent, who takes it up and writes the answer.
//! let officers = officer
//!     .cartable(&RequestView::Holder(Holder::Officers), &PageRequest::first(20))
//!     .await?;
//! assert_eq!(officers.items[0].id, request.id);
//! let r = officer
//!     .refer(request.id, request.version, Holder::Staff(agent.id), "Please check the amount")
//!     .await?;
//! assert_eq!(reza.my_cartable(&PageRequest::first(20)).await?.items[0].id, r.id);
//! let r = reza.take(r.id, r.version).await?;
//! let r = reza.resolve(r.id, r.version, "The amount is corrected.").await?;
//!
//! // 3. The reply: someone other than the author approves (maker-checker), then the answer
//! //    goes back on the request's channel through the outbox.
//! let r = officer.approve(r.id, r.version, "").await?;
//! let r = officer.reply(r.id, r.version, None).await?;
//! assert_eq!(r.status, RequestStatus::Replied);
//!
//! // A refused action is a typed error and changes nothing.
//! assert!(matches!(
//!     reza.approve(r.id, r.version, "").await,
//!     Err(Error::IllegalTransition { .. } | Error::Unauthorized { .. })
//! ));
//! # Ok(())
//! # }
//! ```
//!
//! # The worker delivers the outbox
//!
//! Messages (the reply, the satisfaction survey, notices to staff, webhook events) are written
//! in the same commit as the change that caused them and wait in the outbox. A
//! [`worker::Worker`] hands them to a [`notify::Notifier`] (the `crm-notify` crate has
//! SMTP, SMS gateways, signed webhooks and a router by channel), retries failures with backoff
//! and keeps the service-level clock. Run it for ever with `Worker::run(shutdown)`, or one
//! round at a time:
//!
//! ```
//! use crm::notify::MemoryNotifier;
//! use crm::outbox::Recipient;
//! use crm::prelude::*;
//! use std::sync::Arc;
//! use std::sync::atomic::AtomicBool;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> crm::Result<()> {
//! let crm = Crm::new(Arc::new(MemoryStore::new()));
//! let (workspace, admin) = crm
//!     .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
//!     .await?;
//! let admin = crm.session(workspace.id, admin.id).await?;
//! let officer = admin.create_staff(NewStaff::new("Maryam", Role::Officer)).await?;
//! let officer = crm.session(workspace.id, officer.id).await?;
//! let agent = NewStaff::new("Reza", Role::Agent).email("reza@acme.example");
//! let agent = admin.create_staff(agent).await?;
//! let channels = crm.system_session(workspace.id, "sms").await?;
//! let sender = Sender { phone: Some("0912 123 4567".into()), ..Sender::default() };
//! let message = InboundMessage::new(Channel::Sms, "sms-1", sender, "Please call me");
//! let request = channels.intake(message).await?.request;
//! // Referring tells the agent: a message in the outbox, in the same commit.
//! officer.refer(request.id, request.version, Holder::Staff(agent.id), "Call back").await?;
//!
//! let notifier = Arc::new(MemoryNotifier::new());
//! let worker = Worker::new(crm.clone(), notifier.clone(), vec![workspace.id]);
//! let round = worker.round(&AtomicBool::new(false)).await;
//! assert_eq!(round.errors, 0);
//! let told = notifier.delivered().into_iter().any(|(_, n)| {
//!     n.event == "request.referred" && n.recipient == Recipient::Staff { staff: agent.id }
//! });
//! assert!(told);
//! # Ok(())
//! # }
//! ```
//!
//! See `examples/` in the repository: `quickstart` (customers on sled), `cartable` (the whole
//! request process), `web_form` (a contact form behind axum), `custom_notifier` and
//! `postgres`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use crm_core::*;

pub mod prelude;

/// The in-memory store.
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
pub use crm_store_memory::MemoryStore;

/// The embedded sled store.
#[cfg(feature = "sled")]
#[cfg_attr(docsrs, doc(cfg(feature = "sled")))]
pub use crm_store_sled as sled_store;

/// The PostgreSQL store.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use crm_store_postgres as postgres_store;
