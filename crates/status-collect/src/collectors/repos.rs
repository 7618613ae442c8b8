//! The `repos` collector: every configured repository and its worktrees, read in-process with gix on
//! the blocking pool.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use status_model::{ReposSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::config::RepoConfig;
use crate::git::{self, Interrupt};
use crate::task::blocking;

/// Collects the `repos` section.
pub struct ReposCollector {
    repos: Vec<RepoConfig>,
    deadline: Duration,
}

impl ReposCollector {
    /// Reads `repos`; reads still running at `deadline` are told to stop.
    pub fn new(repos: Vec<RepoConfig>, deadline: Duration) -> ReposCollector {
        ReposCollector { repos, deadline }
    }
}

#[async_trait]
impl Collector for ReposCollector {
    fn section(&self) -> SectionName {
        SectionName::Repos
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let repos = self.repos.clone();
        interruptible(self.deadline, move |interrupt| {
            let mut section = ReposSection::default();
            let mut unmeasured = BTreeMap::new();
            for config in &repos {
                let name = config.display_name();
                let read = git::read_repo(config, interrupt);
                for (field, reason) in read.unmeasured {
                    unmeasured.insert(format!("{name}.{field}"), reason);
                }
                section.0.insert(name, read.entry);
            }
            Collected { data: SectionData::Repos(section), unmeasured }
        })
        .await
    }
}

/// Runs `work` on the blocking pool and fires its [`Interrupt`] at `deadline`, so a read that the
/// engine has given up on stops soon after instead of holding a blocking thread.
pub(super) async fn interruptible<T: Send + 'static>(
    deadline: Duration,
    work: impl FnOnce(&Interrupt) -> T + Send + 'static,
) -> Result<T, CollectError> {
    let interrupt = Interrupt::default();
    let fire = interrupt.clone();
    let task = blocking(move || work(&interrupt));
    tokio::pin!(task);
    tokio::select! {
        result = &mut task => result,
        () = tokio::time::sleep(deadline) => {
            fire.fire();
            task.await
        }
    }
}
