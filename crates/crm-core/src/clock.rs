//! Time as the services see it.

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Mutex;

/// The source of "now" for the services.
///
/// Every timestamp crm-rs stores is UTC with microsecond precision (what every backend keeps
/// exactly); [`Clock::now`] implementations should return such values, and [`truncate`] makes
/// any time one.
pub trait Clock: Send + Sync + 'static {
    /// The current time, UTC, at microsecond precision.
    fn now(&self) -> DateTime<Utc>;
}

/// Truncates a time to the microsecond precision crm-rs stores.
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// A clock that stands still until moved: for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(truncate(at)),
        }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = truncate(at);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = truncate(*now + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}
