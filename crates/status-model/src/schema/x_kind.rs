//! `x-kind` on every field of the schema: the field's kind ([`crate::kinds`]) as an extension
//! keyword, from the same declaration `docs/fields.md` reads. A field's path is written as in
//! `docs/fields.md` (`collection.sections.<key>.outcome`, `health.checks[].status`); a type shared by
//! fields of different kinds (none today) keeps the first one's.

use serde_json::Value;

use crate::kinds::kind_of;

/// How deep the walk goes: far below the deepest field, and a stop for a type that contains itself.
const MAX_DEPTH: usize = 24;

/// Adds `x-kind` to every property schema reachable from the root of `schema`.
pub(super) fn annotate(schema: &mut Value) {
    let mut marks = Vec::new();
    walk(schema, schema, "", "", &mut marks, 0);
    for (pointer, kind) in marks {
        if let Some(Value::Object(property)) = schema.pointer_mut(&pointer) {
            property.entry("x-kind").or_insert_with(|| Value::from(kind));
        }
    }
}

/// Where `at` (at JSON pointer `pointer` in `root`) is found once its `$ref`s are followed.
fn resolve<'s>(root: &'s Value, at: &'s Value, pointer: &str) -> (&'s Value, String) {
    match at["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => {
            let pointer = format!("/$defs/{}", escape(name));
            resolve(root, &root["$defs"][name], &pointer)
        }
        None => (at, pointer.to_owned()),
    }
}

fn walk(
    root: &Value,
    at: &Value,
    pointer: &str,
    path: &str,
    marks: &mut Vec<(String, &'static str)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let (schema, pointer) = resolve(root, at, pointer);
    let options: Vec<(&Value, String)> = match schema["anyOf"].as_array() {
        Some(options) => options
            .iter()
            .enumerate()
            .filter(|(_, option)| option["type"] != "null")
            .map(|(i, option)| resolve(root, option, &format!("{pointer}/anyOf/{i}")))
            .collect(),
        None => vec![(schema, pointer)],
    };
    for (option, pointer) in options {
        if let Some(properties) = option["properties"].as_object() {
            for (name, field) in properties {
                let field_pointer = format!("{pointer}/properties/{}", escape(name));
                let field_path =
                    if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                marks.push((field_pointer.clone(), kind_of(&field_path).as_str()));
                walk(root, field, &field_pointer, &field_path, marks, depth + 1);
            }
        }
        if let Some(values) = option.get("additionalProperties").filter(|v| v.is_object()) {
            let values_pointer = format!("{pointer}/additionalProperties");
            walk(root, values, &values_pointer, &format!("{path}.<key>"), marks, depth + 1);
        }
        if let Some(items) = option.get("items").filter(|v| v.is_object()) {
            walk(root, items, &format!("{pointer}/items"), &format!("{path}[]"), marks, depth + 1);
        }
    }
}

/// A JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
