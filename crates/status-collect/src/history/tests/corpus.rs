//! The redaction corpus on the history's and the files' surfaces.

use std::collections::BTreeMap;

use status_model::KeyFilter;

use super::*;

/// The redaction corpus planted in the reasons of a published snapshot: no secret reaches the
/// history's file (nor its journal) or the latest, prev and diff files, and what reads back is the
/// redacted snapshot.
#[tokio::test]
async fn no_secret_of_the_corpus_reaches_the_history_or_the_files() {
    use status_model::redact::corpus;
    use status_model::{Outcome, SectionReport};
    let (dir, pool) = store().await;
    let files = dir.path().join("files");
    let cache = Cache::default();
    let reasons: Vec<&str> = corpus::SECRETS.iter().map(|(_, text)| *text).collect();
    for sequence in 1..=2 {
        let (published, _) = published(sequence, T0 + 1000 * sequence as i64, sequence);
        let mut snapshot = (*published.snapshot).clone();
        for (index, reason) in reasons.iter().enumerate() {
            snapshot.collection.sections.insert(
                format!("section_{index}_{sequence}"),
                SectionReport {
                    outcome: Outcome::Error,
                    duration_ms: 1.0,
                    reason: Some((*reason).to_owned()),
                    stale_seconds: None,
                    unmeasured: BTreeMap::from([("field".to_owned(), (*reason).to_owned())]),
                    failures_total: sequence,
                },
            );
        }
        let published = cache.publish(snapshot).unwrap();
        insert(&pool, &published, &published.value, 100, i64::MIN).await.unwrap();
        crate::files::write_snapshot(
            &files,
            "agent",
            &published.json,
            &published.value,
            &KeyFilter::volatile(),
        )
        .unwrap();
    }
    let read = History::from_pool(pool.clone()).snapshots(None, 10).await.unwrap().join("\n");
    assert!(read.contains("[redacted]"), "the reasons are there, scrubbed");
    let mut surfaces = vec![("history read back".to_owned(), read.into_bytes())];
    for entry in std::fs::read_dir(dir.path().join("state"))
        .unwrap()
        .chain(std::fs::read_dir(&files).unwrap())
    {
        let path = entry.unwrap().path();
        surfaces.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    assert!(surfaces.len() >= 5, "the store, its journal and the files: {}", surfaces.len());
    for (surface, bytes) in &surfaces {
        let text = String::from_utf8_lossy(bytes);
        for (secret, _) in corpus::SECRETS {
            assert!(!text.contains(secret), "{secret} in {surface}");
        }
    }
}
