//! `cargo xtask schema [--check]`: writes the snapshot's JSON Schema (`docs/status.schema.json`),
//! the field reference generated from it (`docs/fields.md`) and the health-check table of
//! `docs/config.md`; with `--check`, fails when any differs from what the model generates, so CI
//! catches a model change without regenerated docs.

mod checks;
mod fields;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// One generated file: where it goes, relative to the workspace root, and its contents.
pub(crate) struct Generated {
    pub(crate) path: &'static str,
    pub(crate) text: String,
}

/// Every file this task generates under `root`, from the model as compiled into xtask.
pub(crate) fn generate(root: &Path) -> anyhow::Result<Vec<Generated>> {
    let schema = status_model::schema::snapshot_schema();
    let mut json = serde_json::to_string_pretty(&schema)?;
    json.push('\n');
    let fields = fields::render(&schema)?;
    let config_path = root.join(CONFIG_MD);
    let config_md = std::fs::read_to_string(&config_path)
        .with_context(|| format!("failed to read {}", config_path.display()))?;
    Ok(vec![
        Generated { path: "docs/status.schema.json", text: json },
        Generated { path: "docs/fields.md", text: fields },
        Generated { path: CONFIG_MD, text: checks::splice(&config_md)? },
    ])
}

/// The configuration reference, whose health-check table is generated.
const CONFIG_MD: &str = "docs/config.md";

/// The files of [`generate`] whose committed copy under `root` differs (or is missing).
pub(crate) fn stale(root: &Path) -> anyhow::Result<Vec<&'static str>> {
    let mut stale = Vec::new();
    for file in generate(root)? {
        let committed = std::fs::read_to_string(root.join(file.path)).unwrap_or_default();
        if committed != file.text {
            stale.push(file.path);
        }
    }
    Ok(stale)
}

/// Writes the generated files, or with `check` only compares them.
pub(crate) fn run(check: bool) -> anyhow::Result<()> {
    let root = root();
    if check {
        let stale = stale(&root)?;
        if !stale.is_empty() {
            bail!("stale: {}; run `cargo xtask schema` and commit the result", stale.join(", "));
        }
        return Ok(());
    }
    for file in generate(&root)? {
        let path = root.join(file.path);
        std::fs::write(&path, file.text)
            .with_context(|| format!("failed to write {}", path.display()))?;
        crate::report(&format!("wrote {}", file.path));
    }
    Ok(())
}

/// The workspace root: xtask's parent directory.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_owned()
}

#[cfg(test)]
mod tests;
