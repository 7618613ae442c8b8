//! Which variant of a layout a table follows, told by its columns (`PRAGMA table_info`), never by
//! guessing from its rows.

use sqlx::SqliteConnection;

use crate::collector::CollectError;
use crate::database::Database;

/// One way a table may be declared: a name for messages and the columns the queries need.
pub(crate) struct Variant {
    /// `messaging` (this project's layout) or `pynchy`.
    pub(crate) name: &'static str,
    /// Columns that must all be present.
    pub(crate) columns: &'static [&'static str],
}

/// The index in `variants` of the first one whose columns `table` has. A missing table makes the
/// section `unavailable` (`no such table: …`), as a query on it would; a table that matches no
/// variant is an error naming the columns each variant misses.
pub(crate) async fn detect(
    conn: &mut SqliteConnection,
    db: &Database,
    table: &str,
    variants: &[Variant],
) -> Result<usize, CollectError> {
    let present: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
    if present.is_empty() {
        return Err(CollectError::Unavailable(format!("no such table: {table} in {}", db.place())));
    }
    let mut misses = Vec::new();
    for (index, variant) in variants.iter().enumerate() {
        let missing: Vec<&str> = variant
            .columns
            .iter()
            .copied()
            .filter(|column| !present.iter().any(|name| name.eq_ignore_ascii_case(column)))
            .collect();
        if missing.is_empty() {
            return Ok(index);
        }
        let missing: Vec<String> = missing.iter().map(|column| format!("`{column}`")).collect();
        misses.push(format!("{} ({})", missing.join(", "), variant.name));
    }
    Err(CollectError::Failed(format!(
        "{}: table `{table}` matches no known layout: missing {}",
        db.place(),
        misses.join(" or ")
    )))
}
