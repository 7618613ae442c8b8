//! The health-check table of `docs/config.md`, generated from `status_model::checks::CHECKS` between
//! the `<!-- checks:start -->` and `<!-- checks:end -->` markers; the rest of the file is prose.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use status_model::checks::{CHECKS, Thresholds};

const START: &str = "<!-- checks:start -->\n";
const END: &str = "<!-- checks:end -->";

/// `config_md` with the block between the markers replaced by the current table.
pub(crate) fn splice(config_md: &str) -> anyhow::Result<String> {
    let start = config_md.find(START).context("docs/config.md lacks `<!-- checks:start -->`")?;
    let end = config_md.find(END).context("docs/config.md lacks `<!-- checks:end -->`")?;
    if end < start {
        bail!("docs/config.md: the checks markers are out of order");
    }
    let head = &config_md[..start + START.len()];
    Ok(format!("{head}{}{}", table()?, &config_md[end..]))
}

fn table() -> anyhow::Result<String> {
    let mut out = String::from(
        "| check | component / measurement | unit | compared | default warn | default fail | critical |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for check in CHECKS {
        let d = &check.default;
        let (compared, warn, fail) = match check.thresholds {
            Thresholds::None => ("by the check itself", None, None),
            Thresholds::Above => ("above", d.warn_above, d.fail_above),
            Thresholds::Below => ("below", d.warn_below, d.fail_below),
        };
        let number = |value: Option<f64>| value.map_or("—".to_owned(), |v| format!("`{v}`"));
        writeln!(
            out,
            "| `{}` | {} / {} | {} | {compared} | {} | {} | {} |",
            check.name,
            check.component,
            check.measurement,
            check.unit.unwrap_or("—"),
            number(warn),
            number(fail),
            if d.critical { "yes" } else { "no" },
        )?;
    }
    Ok(out)
}
