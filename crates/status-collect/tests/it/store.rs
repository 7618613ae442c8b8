//! The `store` section: a real write to the embedded store, rolled back.

use sqlx::Connection;
use status_collect::store::{FILE_NAME, Store};
use status_collect::testing::Collector;
use status_collect::testing::collectors::StoreCollector;
use status_model::{SectionData, StoreSection};

async fn probe(store: &Store) -> StoreSection {
    match StoreCollector::new(store.clone()).collect().await.unwrap().data {
        SectionData::Store(section) => section,
        other => panic!("not a store section: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_takes_a_write_and_keeps_nothing_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let section = probe(&store).await;
    assert!(section.writable, "{section:?}");
    assert_eq!(section.journal_mode.as_deref(), Some("wal"));
    assert!(section.error.is_none() && section.write_ms.is_some());
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name LIKE 'status_write_probe%'")
            .fetch_all(&store.pool().await.unwrap())
            .await
            .unwrap();
    assert!(tables.is_empty(), "the probe's table was rolled back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_locked_by_another_writer_is_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    store.pool().await.unwrap();
    let url = format!("sqlite://{}", dir.path().join(FILE_NAME).display());
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.unwrap();
    let section = probe(&store).await;
    assert!(!section.writable, "{section:?}");
    assert!(section.error.as_deref().unwrap().contains("locked"), "{section:?}");
    assert_eq!(section.write_ms, None);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    assert!(probe(&store).await.writable, "writable again once the other writer is done");
}
