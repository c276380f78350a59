//! Time as the domain sees it: instants ([`Timestamp`], Unix milliseconds),
//! lengths of time ([`Duration`]), half-open windows ([`Window`]) and calendar
//! days ([`Date`], for birth dates).
//!
//! The domain never reads a clock. Every instant comes in as an argument, so
//! a rule about deadlines can be tested at the exact millisecond it flips.
//!
//! Stored form: a [`Timestamp`] is a plain integer of Unix milliseconds, a
//! [`Duration`] an integer of milliseconds (loading refuses a negative one),
//! a [`Window`] `{"from": ms, "until": ms}` (loading refuses an empty one, as
//! [`Window::new`] does), and a [`Date`] a `YYYY-MM-DD` string (loading
//! refuses a day the calendar does not have, as [`Date::parse_iso`] does).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldProblem};
use crate::storage::serde_as_str;

const MILLIS_PER_HOUR: i64 = 60 * 60 * 1000;
const MILLIS_PER_DAY: i64 = 24 * MILLIS_PER_HOUR;

/// An instant: milliseconds since 1970-01-01T00:00:00Z (UTC, no leap seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The instant `duration` later, saturating at the end of representable time
    /// (about 292 million years away, so it never matters in practice).
    pub const fn saturating_add(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_add(duration.0))
    }

    /// The calendar day (UTC) this instant falls on.
    pub fn date(self) -> Date {
        let days = self.0.div_euclid(MILLIS_PER_DAY);
        Date::from_days_since_epoch(days)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A non-negative length of time, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Duration(i64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// A length of time in milliseconds; negative lengths are refused.
    pub fn from_millis(millis: i64) -> Result<Self, DomainError> {
        if millis < 0 {
            return Err(DomainError::field(
                "duration",
                FieldProblem::OutOfRange {
                    min: 0,
                    max: i64::MAX,
                    found: millis,
                },
            ));
        }
        Ok(Duration(millis))
    }

    /// A whole number of hours.
    pub const fn hours(hours: u32) -> Self {
        Duration(hours as i64 * MILLIS_PER_HOUR)
    }

    /// A whole number of days of 24 hours.
    pub const fn days(days: u32) -> Self {
        Duration(days as i64 * MILLIS_PER_DAY)
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Duration {
    type Error = DomainError;

    /// The same as [`Duration::from_millis`].
    fn try_from(millis: i64) -> Result<Self, Self::Error> {
        Duration::from_millis(millis)
    }
}

impl From<Duration> for i64 {
    fn from(duration: Duration) -> i64 {
        duration.0
    }
}

/// A half-open window of time `[from, until)`: it contains `from` and every
/// instant before `until`, but not `until` itself. It is never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "StoredWindow", into = "StoredWindow")]
pub struct Window {
    from: Timestamp,
    until: Timestamp,
}

impl Window {
    /// The window `[from, until)`; refused unless `until` is after `from`.
    pub fn new(from: Timestamp, until: Timestamp) -> Result<Self, DomainError> {
        if until <= from {
            return Err(DomainError::field("window", FieldProblem::EmptyWindow));
        }
        Ok(Window { from, until })
    }

    /// The first instant inside the window.
    pub fn from(&self) -> Timestamp {
        self.from
    }

    /// The first instant after the window.
    pub fn until(&self) -> Timestamp {
        self.until
    }

    /// Whether `at` lies inside the window.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }

    /// Whether `other` lies entirely inside this window (a window covers itself).
    pub fn covers(&self, other: &Window) -> bool {
        self.from <= other.from && other.until <= self.until
    }
}

/// The stored form of a [`Window`], checked by [`Window::new`] on loading.
#[derive(Serialize, Deserialize)]
struct StoredWindow {
    from: Timestamp,
    until: Timestamp,
}

impl From<Window> for StoredWindow {
    fn from(window: Window) -> Self {
        StoredWindow {
            from: window.from,
            until: window.until,
        }
    }
}

impl TryFrom<StoredWindow> for Window {
    type Error = DomainError;

    fn try_from(stored: StoredWindow) -> Result<Self, Self::Error> {
        Window::new(stored.from, stored.until)
    }
}

/// A day of the Gregorian calendar, years 1000 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    // The field order makes the derived ordering chronological.
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The first year a [`Date`] can name.
    pub const MIN_YEAR: i32 = 1000;
    /// The last year a [`Date`] can name.
    pub const MAX_YEAR: i32 = 9999;

    /// The day `year-month-day`; refused if the calendar has no such day.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, DomainError> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(DomainError::field(
                "date",
                FieldProblem::OutOfRange {
                    min: Self::MIN_YEAR.into(),
                    max: Self::MAX_YEAR.into(),
                    found: year.into(),
                },
            ));
        }
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        if !valid {
            return Err(DomainError::field(
                "date",
                FieldProblem::NoSuchDay { year, month, day },
            ));
        }
        // Both casts are lossless: the checks above bound month and day.
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Parses an ISO 8601 calendar date, `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Result<Self, DomainError> {
        let format = || {
            DomainError::field(
                "date",
                FieldProblem::Format {
                    expected: "a date as YYYY-MM-DD",
                },
            )
        };
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(format());
        }
        // The shape check makes these slices ASCII digits, so parsing cannot fail,
        // but the errors are mapped anyway rather than unwrapped.
        let year = text[0..4].parse().map_err(|_| format())?;
        let month = text[5..7].parse().map_err(|_| format())?;
        let day = text[8..10].parse().map_err(|_| format())?;
        Date::new(year, month, day)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u32 {
        self.month.into()
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u32 {
        self.day.into()
    }

    /// Days from 1970-01-01 to this date (negative before), by the
    /// proleptic Gregorian calendar: the inverse of [`Timestamp::date`]'s
    /// day count.
    pub fn days_since_epoch(self) -> i64 {
        // Count from 0000-03-01, as `from_days_since_epoch` does.
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let shifted_month = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The day `days` days after 1970-01-01, by the proleptic Gregorian calendar.
    /// Days outside the years 1000 to 9999 are clamped to the nearest end.
    fn from_days_since_epoch(days: i64) -> Date {
        // Count from 0000-03-01 so that the leap day is the last day of a
        // "year"; the 400-year cycle has 146,097 days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if year < i64::from(Self::MIN_YEAR) {
            return Date {
                year: Self::MIN_YEAR,
                month: 1,
                day: 1,
            };
        }
        if year > i64::from(Self::MAX_YEAR) {
            return Date {
                year: Self::MAX_YEAR,
                month: 12,
                day: 31,
            };
        }
        // The bounds above make the year fit; month and day are 1..=12 and 1..=31.
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse_iso(s)
    }
}

serde_as_str!(Date, "a date as YYYY-MM-DD", Date::parse_iso);

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_epoch_inverts_the_date_of_a_timestamp() {
        let day = |y, m, d| Date::new(y, m, d).unwrap().days_since_epoch();
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(2026, 2, 6), 20_490);
        assert_eq!(day(1969, 12, 31), -1);
        for days in [-354_285, -1, 0, 59, 60, 20_490, 2_932_896] {
            let date = Timestamp::from_millis(days * 86_400_000).date();
            assert_eq!(date.days_since_epoch(), days, "{date:?}");
        }
    }

    #[test]
    fn dates_follow_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2023, 4, 31).is_err());
        assert!(Date::new(2023, 13, 1).is_err());
        assert!(Date::new(2023, 1, 0).is_err());
        assert_eq!(
            Date::new(999, 1, 1).unwrap_err().to_string(),
            "field \"date\": 999 is outside the range 1000 to 9999"
        );
        assert_eq!(
            Date::new(2023, 2, 30).unwrap_err().to_string(),
            "field \"date\": 2023-02-30 is not a day of the calendar"
        );
    }

    #[test]
    fn iso_dates_parse_and_print() {
        let date = Date::parse_iso("1980-02-29").unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (1980, 2, 29));
        assert_eq!(date.to_string(), "1980-02-29");
        for bad in [
            "1980-2-29",
            "1980/02/29",
            "19800229",
            "1980-02-29 ",
            "+980-02-29",
            "",
        ] {
            assert!(Date::parse_iso(bad).is_err(), "{bad}");
        }
        assert!(Date::parse_iso("1981-02-29").is_err());
    }

    #[test]
    fn dates_order_chronologically() {
        let a = Date::new(1980, 12, 31).unwrap();
        let b = Date::new(1981, 1, 1).unwrap();
        assert!(a < b);
    }

    #[test]
    fn timestamps_fall_on_utc_days() {
        assert_eq!(Timestamp::from_millis(0).date().to_string(), "1970-01-01");
        assert_eq!(Timestamp::from_millis(-1).date().to_string(), "1969-12-31");
        // 2026-02-06T00:00:00Z, the opening day of the Milano Cortina Games.
        let opening = Timestamp::from_millis(1_770_336_000_000);
        assert_eq!(opening.date().to_string(), "2026-02-06");
        assert_eq!(
            Timestamp::from_millis(1_770_336_000_000 - 1)
                .date()
                .to_string(),
            "2026-02-05"
        );
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).date().to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Timestamp::from_millis(i64::MIN).date().year(),
            Date::MIN_YEAR
        );
        assert_eq!(
            Timestamp::from_millis(i64::MAX).date().year(),
            Date::MAX_YEAR
        );
    }

    #[test]
    fn windows_are_half_open_and_never_empty() {
        let t = Timestamp::from_millis;
        let w = Window::new(t(10), t(20)).unwrap();
        assert!(w.contains(t(10)));
        assert!(w.contains(t(19)));
        assert!(!w.contains(t(20)));
        assert!(!w.contains(t(9)));
        assert!(Window::new(t(10), t(10)).is_err());
        assert!(Window::new(t(10), t(9)).is_err());
        assert!(w.covers(&w));
        assert!(w.covers(&Window::new(t(12), t(20)).unwrap()));
        assert!(!w.covers(&Window::new(t(9), t(20)).unwrap()));
        assert!(!w.covers(&Window::new(t(10), t(21)).unwrap()));
    }

    #[test]
    fn durations_are_never_negative() {
        assert_eq!(Duration::hours(8).as_millis(), 8 * 3_600_000);
        assert_eq!(Duration::days(3).as_millis(), 3 * 86_400_000);
        assert!(Duration::from_millis(-1).is_err());
        assert_eq!(
            Timestamp::from_millis(i64::MAX).saturating_add(Duration::days(1)),
            Timestamp::from_millis(i64::MAX)
        );
    }
}
