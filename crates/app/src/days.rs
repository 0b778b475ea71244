//! Local days: funding deadlines and partner keys' usage are counted in Berlin's
//! dates, whatever the server's time zone.

use chrono::{NaiveDate, Utc};

/// Today in Berlin: deadlines are the funders' local dates, so a call closes at
/// midnight there, not at midnight UTC; a key's usage is counted by the same days.
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&netzwerk_domain::location::Timezone::berlin().tz())
        .date_naive()
}
