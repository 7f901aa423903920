//! Calendars for presentation, reporting and service levels.
//!
//! Timestamps in crm-rs are UTC; calendars are how people see and group them:
//!
//! - [`JalaliDate`]: the Jalali (Solar Hijri, Shamsi) calendar of Iran, converted with
//!   `icu_calendar`, with Persian month names and Persian digits ([`to_persian_digits`]).
//! - [`Period`]: reporting periods (Gregorian or Jalali month, quarter, year, or a custom
//!   range) mapped to UTC ranges in a time zone, and parsed from text such as `1405-Q3`;
//!   [`months_back`] for "the last six months" windows.
//! - [`WorkCalendar`]: working weeks and holidays (the Iranian week and Monday to Friday as
//!   presets) for SLA clocks that count business time.
//! - [`median`] and [`percentile`] of durations for reports.

mod error;
mod jalali;
mod period;
mod stats;
mod tz;
mod work;

pub use error::CalendarError;
pub use jalali::{JalaliDate, to_persian_digits};
pub use period::{JALALI_YEAR_LIMIT, Period, months_back};
pub use stats::{median, percentile};
pub use work::{SEARCH_HORIZON_DAYS, WorkCalendar, WorkDay};
