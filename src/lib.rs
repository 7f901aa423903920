//! crm: the facade of crm-rs.
pub use crm_core::*;
