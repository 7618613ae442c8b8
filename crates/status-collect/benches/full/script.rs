//! The git-CLI baseline of `full`: the calls a script would make for the same facts.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::{git, run_git};

/// The script's calls for the repository, its worktrees and the deploy checkout, trees on up to 4
/// threads. Read-only like the engine: `--no-optional-locks` keeps `status` from rewriting indexes.
pub(crate) fn script(repo: &Path) -> usize {
    let list = git(repo, &["worktree", "list", "--porcelain"]);
    let worktrees: Vec<PathBuf> = list
        .lines()
        .filter_map(|line| line.strip_prefix("worktree "))
        .skip(1)
        .map(PathBuf::from)
        .collect();
    let facts = Mutex::new(0);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut count = 0;
            for args in [
                &["rev-parse", "HEAD"][..],
                &["--no-optional-locks", "status", "--porcelain"],
                &["rev-list", "--count", "@{u}..HEAD"],
                &["for-each-ref", "--format=%(refname)", "refs/heads/snapshot/*"],
            ] {
                count += usize::from(run_git(repo, args).0);
            }
            *facts.lock().unwrap_or_else(PoisonError::into_inner) += count;
        });
        // The deploy section reads the same checkout again, as a second script would.
        scope.spawn(|| {
            let mut count = 0;
            for args in [
                &["rev-parse", "HEAD"][..],
                &["--no-optional-locks", "status", "--porcelain"],
                &["rev-list", "--count", "@{u}..HEAD"],
            ] {
                count += usize::from(run_git(repo, args).0);
            }
            *facts.lock().unwrap_or_else(PoisonError::into_inner) += count;
        });
        for chunk in worktrees.chunks(worktrees.len().div_ceil(2).max(1)) {
            let facts = &facts;
            scope.spawn(move || {
                let mut count = 0;
                for dir in chunk {
                    for args in [
                        &["rev-parse", "HEAD"][..],
                        &["--no-optional-locks", "status", "--porcelain"],
                        &["rev-list", "--count", "main..HEAD"],
                        &["rev-list", "--count", "HEAD..main"],
                    ] {
                        count += usize::from(run_git(dir, args).0);
                    }
                }
                *facts.lock().unwrap_or_else(PoisonError::into_inner) += count;
            });
        }
    });
    facts.into_inner().unwrap_or_else(PoisonError::into_inner)
}
