//! What `tasks` and `app_jobs` share: reading a row's run times and deciding whether it is late.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sqlx::sqlite::SqliteRow;

use crate::database::row::time;

/// Rows listed per section; `total` counts them all.
pub(super) const LISTED: i64 = 200;

/// A row's run times and lateness.
pub(super) struct RunTimes {
    pub(super) next_run: Option<Timestamp>,
    pub(super) last_run: Option<Timestamp>,
    pub(super) overdue: Option<bool>,
}

/// Decides lateness against one `now` for a whole section.
pub(super) struct Lateness {
    now: Timestamp,
    grace: SignedDuration,
}

impl Lateness {
    pub(super) fn new(now: Timestamp, grace: Duration) -> Lateness {
        Lateness { now, grace: SignedDuration::try_from(grace).unwrap_or(SignedDuration::MAX) }
    }

    /// Reads the `next_run` and `last_run` columns. Only a row that should run (`due`) can be
    /// overdue; an unreadable `next_run` makes `overdue` unknown, with the reason under `field`.
    pub(super) fn read(
        &self,
        row: &SqliteRow,
        next_run: usize,
        last_run: usize,
        due: bool,
        field: &str,
        unmeasured: &mut BTreeMap<String, String>,
    ) -> RunTimes {
        let mut read = |index: usize, name: &str| match time(row, index) {
            Ok(time) => Ok(time),
            Err(reason) => {
                unmeasured.insert(format!("{field}.{name}"), reason);
                Err(())
            }
        };
        let next = read(next_run, "next_run");
        let last_run = read(last_run, "last_run").ok().flatten();
        let overdue = match next {
            Ok(Some(next)) => Some(due && self.now.duration_since(next) > self.grace),
            Ok(None) => Some(false),
            Err(()) => (!due).then_some(false),
        };
        RunTimes { next_run: next.ok().flatten(), last_run, overdue }
    }
}
