//! Shared test support: a fake Kavenegar server, a tracing capture, the webhook receiver,
//! and a workspace with an outbox.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod capture;
pub mod desk;
pub mod fake_kavenegar;
pub mod receiver;
