//! The `deploy` section: what the host's own checkout is running and when it was last deployed.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The host's own checkout and its last recorded deploy.
///
/// The git fields are `null` when the checkout cannot be read, and the deploy fields when the store
/// cannot; the reason is in the section's `unmeasured` either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeploySection {
    /// The checkout's path as configured.
    pub path: String,
    /// The commit `HEAD` resolves to, as 40 hex digits.
    pub head_sha: Option<String>,
    /// The checked-out branch's short name; `null` when detached.
    pub branch: Option<String>,
    /// The subject of the `HEAD` commit, cut to 72 characters ending in `…`.
    pub head_commit: Option<String>,
    /// Whether `git status --porcelain` would print anything.
    pub dirty: Option<bool>,
    /// Commits on `HEAD` that its upstream lacks; `null` when there is no upstream.
    pub unpushed_commits: Option<u64>,
    /// When the host last called `record_deploy`, RFC 3339 UTC; `null` when it never has.
    pub last_deploy_at: Option<Timestamp>,
    /// The sha passed to that `record_deploy`.
    pub last_deploy_sha: Option<String>,
}
