//! Tests of the store against real SQLite files in temp dirs.

use super::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn nothing_is_created_until_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/nested");
    let store = Store::new(&state);
    assert!(!state.exists());
    runtime().block_on(async {
        assert_eq!(store.last_deploy().await.unwrap(), None);
    });
    assert!(state.join(FILE_NAME).is_file());
}

#[test]
fn the_last_deploy_wins_and_survives_a_new_pool() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::new(dir.path());
        store.record_deploy("ABCDEF0123").await.unwrap();
        let second = store.record_deploy("0123456789abcdef0123456789abcdef01234567").await.unwrap();
        store.pool().await.unwrap().close().await;

        let reopened = Store::new(dir.path());
        assert_eq!(reopened.last_deploy().await.unwrap(), Some(second));
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&reopened.pool().await.unwrap())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    });
}

#[test]
fn a_bad_sha_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = Store::new(dir.path());
        for sha in ["", "abc", "not-a-sha", &"a".repeat(65)] {
            let error = store.record_deploy(sha).await.unwrap_err().to_string();
            assert!(error.contains("not a commit sha"), "{error}");
        }
        assert_eq!(store.last_deploy().await.unwrap(), None);
    });
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), b"this is not sqlite, just some text".repeat(200))
        .unwrap();
    runtime().block_on(async {
        let error = Store::new(dir.path()).last_deploy().await.unwrap_err().to_string();
        assert!(error.contains(&dir.path().join(FILE_NAME).display().to_string()), "{error}");
    });
}

#[test]
fn a_state_dir_that_cannot_be_created_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    runtime().block_on(async {
        let error = Store::new(&file.join("state")).last_deploy().await.unwrap_err().to_string();
        assert!(error.contains("failed to create the state directory"), "{error}");
        assert!(error.contains("plain-file"), "{error}");
    });
}

#[test]
fn deploys_and_history_share_one_file_in_either_order() {
    for history_first in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        runtime().block_on(async {
            let file = dir.path().join(FILE_NAME);
            let history = || crate::history::open_store(&file);
            if history_first {
                history().await.unwrap().close().await;
            }
            let store = Store::new(dir.path());
            store.record_deploy("abcdef0123").await.unwrap();
            store.pool().await.unwrap().close().await;
            let pool = history().await.unwrap();
            let history = crate::History::from_pool(pool);
            assert_eq!(history.count().await.unwrap(), 0);
            let reopened = Store::new(dir.path());
            assert_eq!(reopened.last_deploy().await.unwrap().unwrap().sha, "abcdef0123");
        });
    }
}

/// Several processes opening one new store at once (a `serve` and one-shot runs on one state
/// directory) all get it migrated: pools of their own, as separate processes have, on threads of
/// their own.
#[test]
fn pools_opening_a_new_store_at_once_all_get_it_migrated() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    runtime().block_on(async {
                        let pool = open_pool(&path).await?;
                        pool.close().await;
                        Ok::<(), StoreError>(())
                    })
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().expect("every opener gets a migrated store");
        }
    }
}
