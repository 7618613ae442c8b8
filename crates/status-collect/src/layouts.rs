//! The built-in database layouts: the exact tables the database sections read, and the indexes
//! that keep reading them cheap.
//!
//! A `[[databases]]` entry names its layout with `schema = "operations"` or
//! `schema = "messaging"`. The collector only reads: it never creates, migrates or writes these
//! tables. A host that creates them with the statements below gets every section filled; a table
//! that is missing makes the sections that read it `unavailable` with the reason
//! `no such table: …`, and the other sections answer all the same.
//!
//! # Times
//! Time columns hold RFC 3339 UTC text (`2025-06-01T12:00:00Z`, fractions allowed). SQLite's own
//! `datetime('now')` form (`2025-06-01 12:00:00`, taken as UTC) and integer Unix time (seconds, or
//! milliseconds when above 10^11) are read too. Newest-first ordering compares the stored values, so
//! a column should keep one form.
//!
//! # Statuses
//! `execution_log.status` is `in_progress` while an operation runs; any other value counts as
//! finished. `notification_outbox.status` and `outbound_deliveries.status` are `pending` until
//! resolved. `scheduled_tasks.status` is `active` for a task that should run; `host_jobs.enabled` is
//! 1 for a job that should.
//!
//! # What is never shown
//! Message text (`message_text`, `content`, `prompt`, `command`) never leaves the database.
//! `error_details` and `last_result` of scheduled tasks appear only as a one-line summary of at
//! most 200 characters.
//!
//! # Indexes
//! The sections work without indexes, but then `broker` and `recent_operations` scan and sort the
//! whole `execution_log` on every collection, and `notifier` the whole outbox. Measured by this
//! crate's `db` benchmark (`cargo bench -p status-collect --bench db`, two cores) on an
//! `execution_log` of 1,000,000 rows and a `notification_outbox` of 100,000, all eight database
//! sections together took a median of 2.4 ms with [`OPERATIONS_INDEXES`] and
//! [`MESSAGING_INDEXES`], and 2.7 s without them. Each index costs the host a little on every
//! insert; these are the ones the queries use, nothing more.

pub(crate) mod columns;

/// The `operations` layout: fills `broker`, `notifier` and `recent_operations`.
///
/// ```sql
#[doc = include_str!("../layouts/operations.sql")]
/// ```
pub const OPERATIONS_TABLES: &str = include_str!("../layouts/operations.sql");

/// The recommended indexes of the `operations` layout.
///
/// - `broker`: the newest operation and the last 10 finished ones walk `execution_log_timestamp`
///   backwards; in-flight operations and their count read `execution_log_status_timestamp`.
/// - `recent_operations`: the newest 100 walk `execution_log_timestamp`.
/// - `notifier`: pending count and oldest pending read `notification_outbox_status_created_at`; the
///   last attempt reads `notification_outbox_sent_at`.
///
/// ```sql
#[doc = include_str!("../layouts/operations_indexes.sql")]
/// ```
pub const OPERATIONS_INDEXES: &str = include_str!("../layouts/operations_indexes.sql");

/// The `messaging` layout: fills `messages`, `tasks` and `app_jobs`.
///
/// Two variants are read, each table's told by its columns (`PRAGMA table_info`): the tables
/// below, and pynchy's ([`PYNCHY_TABLES`]). A table that has the columns of neither makes its
/// section an error naming the columns each variant misses.
///
/// - `messages`: `total_inbound`/`total_outbound` count `messages` by `direction` (pynchy:
///   `is_from_me` 0 or 1),
///   `last_received_at` is the newest inbound `timestamp`, `last_sent_at` the newest
///   `outbound_ledger.sent_at` (pynchy: the newest `outbound_deliveries.delivered_at`; when a
///   message actually left, not when it was written), and `pending_deliveries` counts
///   `outbound_deliveries` with status `pending` (pynchy: `delivered_at IS NULL`), also per channel
///   (`channel`, pynchy `channel_name`), with the oldest pending one's ledger time (`created_at`,
///   pynchy `timestamp`).
/// - `tasks`: every `scheduled_tasks` row (the group is `group_id`, pynchy `group_folder`) (up to 200, soonest `next_run` first); `overdue` when an
///   `active` task's `next_run` is past by more than the database's `overdue_grace`.
/// - `app_jobs`: every `host_jobs` row likewise; `overdue` when an enabled job is late.
///
/// ```sql
#[doc = include_str!("../layouts/messaging.sql")]
/// ```
pub const MESSAGING_TABLES: &str = include_str!("../layouts/messaging.sql");

/// The recommended indexes of the `messaging` layout.
///
/// ```sql
#[doc = include_str!("../layouts/messaging_indexes.sql")]
/// ```
pub const MESSAGING_INDEXES: &str = include_str!("../layouts/messaging_indexes.sql");

/// pynchy's tables as pynchy declares them: its variant of the `messaging` layout (`messages` with
/// `is_from_me`, `outbound_deliveries` with `channel_name` and `delivered_at`, `scheduled_tasks`
/// with `group_folder`) and its deploy record, `router_state` (`last_deploy_sha`,
/// `last_deploy_at`) and `deployment_state` (`applied_sha`, `pending_sha`), which `[deploy]
/// database` reads. Shipped for tests and for hosts that want the same tables.
///
/// ```sql
#[doc = include_str!("../layouts/pynchy.sql")]
/// ```
pub const PYNCHY_TABLES: &str = include_str!("../layouts/pynchy.sql");
