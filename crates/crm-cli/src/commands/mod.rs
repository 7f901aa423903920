//! The commands, one file per area.

pub(crate) mod actions;
pub(crate) mod cartable;
pub(crate) mod club;
pub(crate) mod completions;
pub(crate) mod customers;
pub(crate) mod deals;
pub(crate) mod forecasts;
pub(crate) mod goals;
pub(crate) mod intake;
pub(crate) mod leads;
pub(crate) mod occasions;
pub(crate) mod orders;
pub(crate) mod outbox;
pub(crate) mod pipelines;
pub(crate) mod products;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod run;
pub(crate) mod sales_report;
pub(crate) mod settings;
pub(crate) mod setup;
pub(crate) mod show;
pub(crate) mod staff;
pub(crate) mod tasks;
