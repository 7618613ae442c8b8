//! The `deploy` collector: the host's own checkout (gix, on the blocking pool) and its last recorded
//! deploy (the store).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use status_model::{DeploySection, SectionData, SectionName};

use super::repos::interruptible;
use crate::collector::{CollectError, Collected, Collector};
use crate::git;
use crate::store::Store;

/// The git fields, each left `null` with the same reason when the checkout cannot be opened.
const GIT_FIELDS: &[&str] = &["head_sha", "branch", "head_commit", "dirty", "unpushed_commits"];

/// Collects the `deploy` section.
pub struct DeployCollector {
    checkout: PathBuf,
    store: Store,
    deadline: Duration,
}

impl DeployCollector {
    /// Reads the checkout at `checkout` and the last deploy recorded in `store`.
    pub fn new(checkout: PathBuf, store: Store, deadline: Duration) -> DeployCollector {
        DeployCollector { checkout, store, deadline }
    }
}

#[async_trait]
impl Collector for DeployCollector {
    fn section(&self) -> SectionName {
        SectionName::Deploy
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let path = self.checkout.clone();
        let (git, deploy) = tokio::join!(
            interruptible(self.deadline, move |interrupt| git::read_checkout(&path, interrupt)),
            self.store.last_deploy(),
        );
        let mut unmeasured = BTreeMap::new();
        let (checkout, git_error) = match git? {
            Ok((checkout, reasons)) => {
                unmeasured.extend(reasons);
                (checkout, None)
            }
            Err(error) => {
                for field in GIT_FIELDS {
                    unmeasured.insert((*field).to_owned(), error.to_string());
                }
                (git::Checkout::default(), Some(error))
            }
        };
        let last_deploy = match deploy {
            Ok(record) => record,
            Err(error) => {
                if let Some(git_error) = git_error {
                    return Err(CollectError::Failed(format!("{git_error}; {error}")));
                }
                for field in ["last_deploy_at", "last_deploy_sha"] {
                    unmeasured.insert(field.to_owned(), error.to_string());
                }
                None
            }
        };
        let (last_deploy_at, last_deploy_sha) = match last_deploy {
            Some(record) => (Some(record.at), Some(record.sha)),
            None => (None, None),
        };
        Ok(Collected {
            data: SectionData::Deploy(DeploySection {
                path: self.checkout.display().to_string(),
                head_sha: checkout.head_sha,
                branch: checkout.branch,
                head_commit: checkout.head_commit,
                dirty: checkout.dirty,
                unpushed_commits: checkout.unpushed_commits,
                last_deploy_at,
                last_deploy_sha,
            }),
            unmeasured,
        })
    }
}
