//! Greetings sent to customers on their occasions: one record per customer, occasion and
//! year, so a greeting goes out once.

use crate::customer::{OccasionCalendar, OccasionKind};
use crate::id::{CustomerId, GreetingId, OutboxId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A greeting queued for a customer's occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Greeting {
    /// The id.
    pub id: GreetingId,
    /// Optimistic version.
    pub version: u64,
    /// The customer.
    pub customer: CustomerId,
    /// What was celebrated.
    pub occasion: OccasionKind,
    /// The occasion's calendar.
    pub calendar: OccasionCalendar,
    /// The year (in the occasion's calendar) it was celebrated in.
    pub year: i32,
    /// The date it fell on.
    pub date: NaiveDate,
    /// The message queued in the outbox.
    pub message: OutboxId,
    /// When queued.
    pub at: DateTime<Utc>,
}

impl Greeting {
    /// The unique key of the greeting of `customer` for `occasion` in `year`.
    pub fn key(
        customer: CustomerId,
        occasion: &OccasionKind,
        calendar: OccasionCalendar,
        year: i32,
    ) -> String {
        let what = match occasion {
            OccasionKind::Birthday => "birthday".to_owned(),
            OccasionKind::Anniversary => "anniversary".to_owned(),
            OccasionKind::Other(label) => format!("other:{label}"),
        };
        let calendar = match calendar {
            OccasionCalendar::Gregorian => "g",
            OccasionCalendar::Jalali => "j",
        };
        format!("greeting:{customer}:{calendar}:{year}:{what}")
    }
}

/// Who took over a deactivated staff member's work: stored by the hand-over under the
/// leaver's id, so that work assigned to them by a session that raced the hand-over is moved
/// on to the successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    /// The leaver's id (the record's id).
    pub leaver: crate::id::StaffId,
    /// Optimistic version.
    pub version: u64,
    /// The person who takes over their tasks, customers and deals.
    pub successor: crate::id::StaffId,
    /// When handed over.
    pub at: DateTime<Utc>,
}
