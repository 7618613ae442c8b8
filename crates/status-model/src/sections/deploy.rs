//! The `deploy` section: what the app's own checkout is running and when it was last deployed.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's own checkout and its last recorded deploy.
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
    /// When the app last deployed, RFC 3339 UTC: from the deploy record in the database `[deploy]
    /// database` names (`router_state.last_deploy_at`), else when the app last called
    /// `record_deploy`; `null` when neither says.
    pub last_deploy_at: Option<Timestamp>,
    /// The sha of that deploy (`router_state.last_deploy_sha`, else
    /// `deployment_state.applied_sha`, else the sha passed to `record_deploy`).
    pub last_deploy_sha: Option<String>,
    /// `deployment_state.pending_sha` when it differs from the applied sha: a deploy waiting to be
    /// applied; `null` otherwise.
    #[serde(default)]
    pub pending_sha: Option<String>,
    /// When this collector first saw that pending sha (it has no time of its own in the database;
    /// a restart of the collector starts it again); `null` when nothing is pending.
    #[serde(default)]
    pub pending_since: Option<Timestamp>,
}
