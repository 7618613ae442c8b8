//! The short name and state of a `/proc/<pid>/stat` line.

use super::*;

#[test]
fn comm_and_state_survive_spaces_and_parens_in_the_name() {
    assert_eq!(comm_and_state("42 (claude) S 1 42 42 0 -1\n"), Some(("claude", 'S')));
    assert_eq!(comm_and_state("42 (my (odd) app) Z 1\n"), Some(("my (odd) app", 'Z')));
    assert_eq!(comm_and_state("42 (a b) R 1\n"), Some(("a b", 'R')));
    assert_eq!(comm_and_state("42 claude S\n"), None);
    assert_eq!(comm_and_state("42 (claude)"), None);
}
