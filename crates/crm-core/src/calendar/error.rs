//! The error type of the calendar module.

/// Why a calendar operation failed.
///
/// Every variant carries the offending values so that the message is useful on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A month number outside `1..=12`.
    #[error("invalid month {month}: expected 1 to 12")]
    InvalidMonth {
        /// The month given.
        month: u8,
    },
    /// A day that does not exist in the given Jalali month (for example Esfand 30 of a common
    /// year).
    #[error(
        "invalid day {day} for Jalali month {month} of {year}: that month has {days_in_month} days"
    )]
    InvalidDay {
        /// The Jalali year given.
        year: i32,
        /// The month given.
        month: u8,
        /// The day given.
        day: u8,
        /// How many days that month has in that year.
        days_in_month: u8,
    },
    /// A quarter number outside `1..=4`.
    #[error("invalid quarter {quarter}: expected 1 to 4")]
    InvalidQuarter {
        /// The quarter given.
        quarter: u8,
    },
    /// A date or instant outside the range this module (and `chrono`) can represent.
    #[error("{what} is outside the supported date range")]
    OutOfRange {
        /// What was out of range.
        what: String,
    },
    /// A custom period whose end is before its start.
    #[error("invalid period: its end {to} is before its start {from}")]
    InvertedRange {
        /// The start given.
        from: chrono::DateTime<chrono::Utc>,
        /// The end given.
        to: chrono::DateTime<chrono::Utc>,
    },
    /// Text that [`Period::parse`](super::Period::parse) does not understand.
    #[error("cannot parse period {input:?}: {reason}")]
    InvalidPeriod {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A [`WorkCalendar`](super::WorkCalendar) whose week has no working time at all, so no
    /// business time can ever elapse.
    #[error("the work calendar has no working time: every day of its week is off or empty")]
    NoWorkingTime,
    /// A negative duration was given where only forward durations make sense.
    #[error("negative duration {duration}: business time can only be added forward")]
    NegativeDuration {
        /// The duration given.
        duration: chrono::Duration,
    },
    /// The requested business time is not reached within the search horizon (see
    /// [`WorkCalendar::add_business_time`](super::WorkCalendar::add_business_time)).
    #[error("the business time is not reached within {days} days of the start")]
    BeyondHorizon {
        /// The horizon, in days.
        days: u32,
    },
}
