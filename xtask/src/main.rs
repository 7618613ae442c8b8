//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask ci`: what CI checks: formatting, clippy with warnings denied, the generated docs
//!   are fresh, `cargo doc` with warnings denied, every test.
//! - `cargo xtask bench`: every benchmark (divan prints medians).
//! - `cargo xtask schema [--check]`: writes (or checks) `docs/status.schema.json` and
//!   `docs/fields.md`, generated from the model.
//!
//! The tidy checks (a `//!` doc on every file, no file over 400 lines, no upward dependency between
//! the crates) are tests in this crate, so `cargo test --workspace` runs them.

mod schema;
mod tidy;

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "bench" => bench(),
        "schema" => schema::run(std::env::args().any(|arg| arg == "--check")),
        _ => {
            report("usage: cargo xtask <ci|bench|schema [--check]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&format!("xtask {task} failed: {error:#}"));
            ExitCode::FAILURE
        }
    }
}

#[expect(clippy::print_stderr, reason = "xtask reports to the terminal that ran it")]
pub(crate) fn report(message: &str) {
    eprintln!("{message}");
}

fn ci() -> anyhow::Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    report("$ cargo xtask schema --check");
    schema::run(true)?;
    // Missing docs on public items, broken links and bad doc markup fail like clippy warnings.
    cargo_env(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    cargo(&["test", "--workspace"])
}

fn bench() -> anyhow::Result<()> {
    cargo(&["bench", "-p", "status-collect", "-p", "status-http", "--benches"])
}

/// Runs cargo with `args`, failing when it fails.
fn cargo(args: &[&str]) -> anyhow::Result<()> {
    cargo_env(args, &[])
}

/// Runs cargo with `args` and the environment variables `env`, failing when it fails. The one place
/// xtask starts a process.
#[expect(clippy::disallowed_methods, reason = "xtask's job is to run cargo")]
fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let shown: Vec<String> = env.iter().map(|(name, value)| format!("{name}={value:?} ")).collect();
    report(&format!("$ {}cargo {}", shown.concat(), args.join(" ")));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("failed to run {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` exited with {status}", args.join(" "));
    }
    Ok(())
}
