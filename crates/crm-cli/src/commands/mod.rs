//! The commands, one file per area.

pub(crate) mod actions;
pub(crate) mod cartable;
pub(crate) mod customers;
pub(crate) mod intake;
pub(crate) mod outbox;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod run;
pub(crate) mod setup;
pub(crate) mod show;
pub(crate) mod staff;
