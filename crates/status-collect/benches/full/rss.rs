//! The resident set over 1,000 collections, printed after the benchmarks of `full`.

use super::{Parts, engine_of, fixture, runtime, touch};

/// 1,000 collections of the full configuration, one file of a worktree rewritten before every
/// tenth; prints the resident set after the first 10 and after the 1,000 (and on the way). The
/// standard sections alone and with the git part only go first, each from its own 10th
/// collection, to tell where growth comes from.
#[expect(clippy::print_stderr, reason = "the bench reports the resident set")]
pub(crate) fn over_collections() {
    let fixture = fixture();
    let rt = runtime();
    for (name, parts) in [
        ("standard sections", Parts { git: false, database: false }),
        ("standard + repos/deploy", Parts { git: true, database: false }),
        ("full configuration", Parts { git: true, database: true }),
    ] {
        let state = format!("state-rss-{}{}", u8::from(parts.git), u8::from(parts.database));
        let engine = engine_of(&rt, &fixture, &fixture.repo, &state, parts);
        let mut round = 0;
        let mut after_ten = 0;
        let mut on_the_way = Vec::new();
        for n in 1..=1_000 {
            if n % 10 == 0 {
                touch(&fixture, &mut round);
            }
            std::hint::black_box(rt.block_on(engine.collect()));
            if n == 10 {
                after_ten = rss_kib();
            }
            if [100, 250, 500, 750].contains(&n) {
                on_the_way.push(format!("{n}: {}", rss_kib()));
            }
        }
        let after_all = rss_kib();
        eprintln!(
            "{name}: RSS after 10 collections {after_ten} KiB, after 1,000 {after_all} KiB \
             ({:+} KiB; on the way {})",
            i64::try_from(after_all).unwrap_or(i64::MAX) - i64::try_from(after_ten).unwrap_or(0),
            on_the_way.join(", ")
        );
    }
}

/// This process's resident set (`VmRSS`), in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
