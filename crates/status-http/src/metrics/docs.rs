//! The field reference (`docs/fields.md`, generated from the model by `cargo xtask schema`),
//! compiled in: each family's HELP text, which fields are counters (`count since start`), which
//! objects are maps (their keys become labels) and which strings are enums (their values become
//! labels).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

const FIELDS_MD: &str = include_str!("../../../../docs/fields.md");

/// One documented field.
#[derive(Debug, Default)]
pub(super) struct Field {
    /// The meaning column.
    pub(super) meaning: String,
    /// Its unit is `count since start`.
    pub(super) counter: bool,
    /// The values of an enum field; empty for any other.
    pub(super) variants: Vec<String>,
}

/// Fields by path (`host.disks.<key>.total_bytes`), and the paths that are maps.
#[derive(Debug, Default)]
pub(super) struct Docs {
    fields: BTreeMap<String, Field>,
    maps: BTreeSet<String>,
}

static DOCS: LazyLock<Docs> = LazyLock::new(|| parse(FIELDS_MD));

pub(super) fn docs() -> &'static Docs {
    &DOCS
}

impl Docs {
    pub(super) fn field(&self, path: &str) -> Option<&Field> {
        self.fields.get(path)
    }

    pub(super) fn is_map(&self, path: &str) -> bool {
        self.maps.contains(path)
    }
}

/// Reads the field tables: rows `| \`path\` | type | unit | kind of change | meaning |`.
pub(super) fn parse(text: &str) -> Docs {
    let mut docs = Docs::default();
    for line in text.lines() {
        let Some(row) = line.strip_prefix("| `").and_then(|row| row.strip_suffix(" |")) else {
            continue;
        };
        // An enum's type holds `\|`, never ` | `.
        let mut columns = row.splitn(5, " | ");
        let (Some(path), Some(kind), Some(unit), Some(_change), Some(meaning)) =
            (columns.next(), columns.next(), columns.next(), columns.next(), columns.next())
        else {
            continue;
        };
        let path = path.trim_end_matches('`');
        let mut prefix = path;
        while let Some((before, _)) = prefix.rsplit_once(".<key>") {
            docs.maps.insert(before.to_owned());
            prefix = before;
        }
        if kind.starts_with("map of") {
            docs.maps.insert(path.to_owned());
        }
        let variants = if kind.contains("\\|") {
            kind.trim_end_matches(" or null")
                .split("\\|")
                .filter_map(|part| {
                    part.trim().strip_prefix("`\"")?.strip_suffix("\"`").map(str::to_owned)
                })
                .collect()
        } else {
            Vec::new()
        };
        let field = Field {
            meaning: meaning.replace("\\|", "|"),
            counter: unit == "count since start" && path.ends_with("_total"),
            variants,
        };
        docs.fields.insert(path.to_owned(), field);
    }
    docs
}
