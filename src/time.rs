//! Integer-microsecond time owned by the core.
//!
//! The sans-IO core never reads a clock: the driver passes `now` in as an [`Instant`], a count of
//! microseconds since the run started. Integers keep the core exact and let tests write times as
//! plain numbers (`Instant::from_micros(250_000)`). Invariant: an `Instant` handed to the core never
//! goes backwards within one run (the driver reads a monotonic clock).

use std::fmt;
use std::ops::{Add, Sub};

/// A point in time: microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A span of time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_micros(us: u64) -> Self {
        Duration(us)
    }

    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1_000)
    }

    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_micros(self.0)
    }

    /// Parses a duration such as `250ms`, `1.5s`, `80us` or `2m`. A bare number is rejected:
    /// a unit is required so `timeout = 300` cannot silently mean seconds or milliseconds.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| crate::tr!("scenario-duration-no-unit", text = text))?;
        let (number, unit) = t.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| crate::tr!("scenario-duration-no-number", text = text))?;
        let scale = match unit.trim() {
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" => 1e6,
            "m" | "min" => 60e6,
            other => {
                return Err(crate::tr!(
                    "scenario-duration-unit",
                    text = text,
                    unit = other
                ));
            }
        };
        let us = value * scale;
        if !us.is_finite() || us > 1e15 {
            return Err(crate::tr!("scenario-duration-long", text = text));
        }
        Ok(Duration(us.round() as u64))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturating: time never goes backwards in the core, so a negative span is a zero span.
    fn sub(self, other: Instant) -> Duration {
        self.saturating_since(other)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for Duration {
    /// The shortest exact form: `250ms`, `1s`, `1500us`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us != 0 && us.is_multiple_of(1_000_000) {
            write!(f, "{}s", us / 1_000_000)
        } else if us != 0 && us.is_multiple_of(1_000) {
            write!(f, "{}ms", us / 1_000)
        } else {
            write!(f, "{us}us")
        }
    }
}

/// Formats microseconds as milliseconds with three decimals, the unit ping users read.
pub fn fmt_ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            Duration::parse("1.5s"),
            Ok(Duration::from_micros(1_500_000))
        );
        assert_eq!(Duration::parse("80us"), Ok(Duration::from_micros(80)));
        assert_eq!(Duration::parse(" 2m "), Ok(Duration::from_secs(120)));
    }

    #[test]
    fn rejects_missing_or_unknown_unit() {
        assert!(Duration::parse("300").unwrap_err().contains("no unit"));
        assert!(Duration::parse("3h").unwrap_err().contains("unknown unit"));
        assert!(Duration::parse("ms").is_err());
    }

    #[test]
    fn displays_shortest_form() {
        assert_eq!(Duration::from_millis(250).to_string(), "250ms");
        assert_eq!(Duration::from_secs(2).to_string(), "2s");
        assert_eq!(Duration::from_micros(1500).to_string(), "1500us");
        assert_eq!(fmt_ms(1234), "1.234");
    }

    #[test]
    fn instant_arithmetic_saturates() {
        let a = Instant::from_micros(10);
        let b = Instant::from_micros(25);
        assert_eq!(b - a, Duration::from_micros(15));
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!(a + Duration::from_micros(5), Instant::from_micros(15));
    }
}
