//! `[[repos]]` and `[deploy]`: the git repositories to report on and the host's own checkout.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// One `[[repos]]` entry. Only `path` is required.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    /// `path`: the repository: a work tree's top directory, or a bare repository.
    pub path: PathBuf,
    /// `name`: its key in the `repos` section. Default: the directory name.
    #[serde(default)]
    pub name: Option<String>,
    /// `main_branch`: the branch worktrees' `ahead`/`behind` are counted against. Default: the branch
    /// `origin/HEAD` names, else `main`.
    #[serde(default)]
    pub main_branch: Option<String>,
    /// `worktrees`: whether to report linked worktrees. Default `true`.
    #[serde(default = "yes")]
    pub worktrees: bool,
    /// `snapshot_refs`: a glob over full reference names, matched as `git for-each-ref` matches it
    /// (`*` within one component, `**` across `/`); its match count is `snapshot_branches`.
    /// Default `refs/heads/snapshot/*`.
    #[serde(default = "default_snapshot_refs")]
    pub snapshot_refs: String,
}

impl RepoConfig {
    /// A repository at `path` with every option at its default.
    pub fn new(path: impl Into<PathBuf>) -> RepoConfig {
        RepoConfig {
            path: path.into(),
            name: None,
            main_branch: None,
            worktrees: true,
            snapshot_refs: default_snapshot_refs(),
        }
    }

    /// The key in the `repos` section: `name`, else the last component of `path`.
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match self.path.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => self.path.display().to_string(),
        }
    }
}

/// `[deploy]`: the host's own checkout.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeployConfig {
    /// `repo`: the checkout the host runs from. Default: the first `[[repos]]` path.
    pub repo: Option<PathBuf>,
    /// `database`: the `[[databases]]` entry holding the host's deploy record (`router_state` keys
    /// `last_deploy_sha`/`last_deploy_at`, `deployment_state` `applied_sha`/`pending_sha`, as
    /// pynchy keeps them). Default: none; deploys come from `record_deploy` only.
    pub database: Option<String>,
}

impl DeployConfig {
    /// The checkout the `deploy` section reads: `repo`, else the first of `repos`, else none (and no
    /// `deploy` section).
    pub fn checkout<'a>(&'a self, repos: &'a [RepoConfig]) -> Option<&'a Path> {
        self.repo.as_deref().or_else(|| repos.first().map(|repo| repo.path.as_path()))
    }
}

fn yes() -> bool {
    true
}

fn default_snapshot_refs() -> String {
    "refs/heads/snapshot/*".to_owned()
}

/// `[[repos]]`, checked for names that would collide as keys of the `repos` section.
pub(super) fn unique_names<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<RepoConfig>, D::Error> {
    let repos = Vec::<RepoConfig>::deserialize(deserializer)?;
    let mut seen = BTreeSet::new();
    for repo in &repos {
        let name = repo.display_name();
        if !seen.insert(name.clone()) {
            return Err(serde::de::Error::custom(format!(
                "two `[[repos]]` entries are both named {name:?}: give one a different `name`"
            )));
        }
        if repo.snapshot_refs.is_empty() {
            return Err(serde::de::Error::custom(format!(
                "`snapshot_refs` of repo {name:?} is empty: give a glob such as \"refs/heads/snapshot/*\""
            )));
        }
    }
    Ok(repos)
}
