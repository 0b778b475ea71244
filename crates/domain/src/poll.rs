//! How often the Hub polls a followed feed (members' calendars, funding feeds): one
//! rule for the API, the command line and the configuration.

use std::fmt;

use crate::ValidationError;

/// Minutes between two polls of one feed: at least 5 (polling more often burdens the
/// members' own servers and finds nothing new), at most a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PollInterval(u32);

impl PollInterval {
    /// The shortest interval.
    pub const MIN_MINUTES: u32 = 5;
    /// The longest interval: a week.
    pub const MAX_MINUTES: u32 = 7 * 24 * 60;
    /// Every hour (the default for members' calendars).
    pub const HOURLY: Self = Self(60);
    /// Every six hours (the default for funding feeds).
    pub const SIX_HOURLY: Self = Self(360);

    /// Checks a number of minutes.
    pub fn parse(minutes: i64) -> Result<Self, ValidationError> {
        u32::try_from(minutes)
            .ok()
            .filter(|m| (Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(m))
            .map(Self)
            .ok_or_else(|| {
                ValidationError::new(
                    "",
                    "range",
                    format!(
                        "must be {} to {} minutes (a week), got {minutes}",
                        Self::MIN_MINUTES,
                        Self::MAX_MINUTES
                    ),
                )
            })
    }

    /// The minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The minutes as the database stores them.
    pub fn as_i32(self) -> i32 {
        // At most 10,080: always fits.
        i32::try_from(self.0).unwrap_or(i32::MAX)
    }
}

impl fmt::Display for PollInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} min", self.0)
    }
}

/// Minutes until a failing feed is polled again: its interval doubled per failure in
/// a row, at most a day. Calendar and funding feeds back off alike.
pub fn backoff_minutes(interval_minutes: i32, failures: i32) -> i64 {
    let factor = 1i64 << failures.clamp(0, 10);
    (i64::from(interval_minutes.max(1)) * factor).min(24 * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_everywhere() {
        for (minutes, ok) in [
            (-1, false),
            (0, false),
            (1, false),
            (4, false),
            (5, true),
            (60, true),
            (360, true),
            (10_080, true),
            (10_081, false),
            (i64::MAX, false),
        ] {
            let got = PollInterval::parse(minutes);
            assert_eq!(got.is_ok(), ok, "{minutes}: {got:?}");
            if let Ok(p) = got {
                assert_eq!(i64::from(p.minutes()), minutes);
            }
        }
        for c in [PollInterval::HOURLY, PollInterval::SIX_HOURLY] {
            assert_eq!(PollInterval::parse(i64::from(c.minutes())), Ok(c));
        }
        let err = PollInterval::parse(1).expect_err("too short");
        assert!(err.to_string().contains("5 to 10080"), "{err}");
    }

    #[test]
    fn backoff_doubles_per_failure_up_to_a_day() {
        for (interval, failures, wait) in [
            (60, 0, 60),
            (60, 1, 120),
            (60, 3, 480),
            (60, 5, 1440),
            (5, 40, 1440),
            (0, 1, 2),
            (10_080, 1, 1440),
        ] {
            assert_eq!(
                backoff_minutes(interval, failures),
                wait,
                "{interval} min, {failures} failures"
            );
        }
    }
}
