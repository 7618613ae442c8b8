//! The `terminals` section: tmux and screen sessions on the machine.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Terminal multiplexer sessions. A count is `null` only when the tool is not installed (or could not
/// be asked; the reason is in the collection report) and 0 when no server or socket exists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TerminalsSection {
    /// tmux sessions.
    pub tmux_sessions: Option<u64>,
    /// Their names, sorted.
    pub tmux_session_names: Option<Vec<String>>,
    /// screen sessions.
    pub screen_sessions: Option<u64>,
}
