//! How a snapshot is cut into the leaves the history stores, and put back together.
//!
//! A leaf is a scalar, or an empty object or list, found by walking every object and every list. Its
//! path is stored as a JSON array of keys and list positions (`["health","checks",3,"status"]`), which
//! no key can make ambiguous, beside the dotted key that `status-cli history --key` asks for: the
//! leaf's keys up to the first list (`health.checks`), as [`status_model::diff::flatten`] names the
//! leaves it diffs. A path is `exact` when it is that key itself (no list on the way).

use serde_json::{Map, Value};

/// One leaf of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Leaf {
    /// The path, as a JSON array.
    pub(super) path: String,
    /// The dotted key of the series it belongs to.
    pub(super) key: String,
    /// Whether the path is the key itself.
    pub(super) exact: bool,
    /// The leaf's JSON text.
    pub(super) value: String,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

/// Every leaf of `value`, in document order.
pub(super) fn leaves(value: &Value) -> Vec<Leaf> {
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn walk<'v>(value: &'v Value, path: &mut Vec<Step<'v>>, out: &mut Vec<Leaf>) {
    match value {
        Value::Object(object) if !object.is_empty() => {
            for (key, child) in object {
                path.push(Step::Key(key));
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, child) in items.iter().enumerate() {
                path.push(Step::Index(index));
                walk(child, path, out);
                path.pop();
            }
        }
        _ => out.push(leaf(path, value)),
    }
}

#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

fn leaf(path: &[Step<'_>], value: &Value) -> Leaf {
    let steps: Vec<Value> = path
        .iter()
        .map(|step| match step {
            Step::Key(key) => Value::String((*key).to_owned()),
            Step::Index(index) => Value::from(*index),
        })
        .collect();
    let keys: Vec<&str> = path
        .iter()
        .map_while(|step| match step {
            Step::Key(key) => Some(*key),
            Step::Index(_) => None,
        })
        .collect();
    Leaf {
        path: Value::Array(steps).to_string(),
        key: keys.join("."),
        exact: keys.len() == path.len(),
        value: value.to_string(),
    }
}

/// Parses a stored path.
pub(super) fn parse_path(text: &str) -> Result<Vec<Segment>, String> {
    let steps: Vec<Value> =
        serde_json::from_str(text).map_err(|error| format!("a stored path {text:?}: {error}"))?;
    steps
        .into_iter()
        .map(|step| match step {
            Value::String(key) => Ok(Segment::Key(key)),
            Value::Number(number) => number
                .as_u64()
                .and_then(|index| usize::try_from(index).ok())
                .map(Segment::Index)
                .ok_or_else(|| format!("a stored path {text:?} has a bad position")),
            _ => Err(format!("a stored path {text:?} has a step that is neither key nor position")),
        })
        .collect()
}

/// Puts leaves back together into one value; `leaves` in the order they were first stored (which
/// keeps the document's key order). Paths that contradict each other are an error.
pub(super) fn assemble<'l>(
    leaves: impl IntoIterator<Item = (&'l [Segment], &'l Value)>,
) -> Result<Value, String> {
    let mut root: Option<Value> = None;
    for (path, value) in leaves {
        match &mut root {
            None => root = Some(build(path, value)?),
            Some(root) => place(root, path, value)?,
        }
    }
    Ok(root.unwrap_or_else(|| Value::Object(Map::new())))
}

/// A new value holding only `value` at `path`.
fn build(path: &[Segment], value: &Value) -> Result<Value, String> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(value.clone());
    };
    let child = build(rest, value)?;
    Ok(match first {
        Segment::Key(key) => Value::Object(Map::from_iter([(key.clone(), child)])),
        Segment::Index(0) => Value::Array(vec![child]),
        Segment::Index(index) => {
            return Err(format!("a stored position {index} after a gap in its list"));
        }
    })
}

/// Adds `value` at `path` inside `slot`, which already holds other leaves.
fn place(slot: &mut Value, path: &[Segment], value: &Value) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return Err("two stored leaves at one path".to_owned());
    };
    match (first, slot) {
        (Segment::Key(key), Value::Object(object)) => match object.get_mut(key) {
            Some(child) => place(child, rest, value),
            None => {
                object.insert(key.clone(), build(rest, value)?);
                Ok(())
            }
        },
        (Segment::Index(index), Value::Array(items)) => {
            let len = items.len();
            match items.get_mut(*index) {
                Some(child) => place(child, rest, value),
                None if *index == len => {
                    items.push(build(rest, value)?);
                    Ok(())
                }
                None => Err(format!("a stored position {index} after a gap in its list")),
            }
        }
        (Segment::Key(key), _) => {
            Err(format!("a stored key {key:?} inside a value that is not an object"))
        }
        (Segment::Index(index), _) => {
            Err(format!("a stored position {index} inside a value that is not a list"))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn leaves_put_back_together_are_the_value() {
        let value = json!({
            "a": {"b": 1, "c.d": "x", "e": {}, "f": []},
            "checks": [{"name": "disk", "status": "pass"}, {"name": "mem", "tags": [1, [2]]}],
            "n": null, "t": true,
        });
        let leaves = leaves(&value);
        let keys: Vec<(&str, bool)> =
            leaves.iter().map(|leaf| (leaf.key.as_str(), leaf.exact)).collect();
        assert_eq!(
            keys,
            [
                ("a.b", true),
                ("a.c.d", true),
                ("a.e", true),
                ("a.f", true),
                ("checks", false),
                ("checks", false),
                ("checks", false),
                ("checks", false),
                ("checks", false),
                ("n", true),
                ("t", true),
            ]
        );
        assert_eq!(leaves[1].path, r#"["a","c.d"]"#);
        assert_eq!(leaves[8].path, r#"["checks",1,"tags",1,0]"#);
        let paths: Vec<Vec<Segment>> =
            leaves.iter().map(|leaf| parse_path(&leaf.path).unwrap()).collect();
        let values: Vec<Value> =
            leaves.iter().map(|leaf| serde_json::from_str(&leaf.value).unwrap()).collect();
        let rebuilt = assemble(paths.iter().map(Vec::as_slice).zip(values.iter())).unwrap();
        assert_eq!(rebuilt, value);
        assert_eq!(rebuilt.to_string(), value.to_string(), "keys in the document's order");
    }

    #[test]
    fn contradicting_paths_are_an_error() {
        let key = |k: &str| Segment::Key(k.to_owned());
        let (one, two) = (json!(1), json!(2));
        let clash = [(vec![key("a")], &one), (vec![key("a"), key("b")], &two)];
        assert!(assemble(clash.iter().map(|(p, v)| (p.as_slice(), *v))).is_err());
        let gap = [(vec![key("a"), Segment::Index(1)], &one)];
        assert!(assemble(gap.iter().map(|(p, v)| (p.as_slice(), *v))).is_err());
        assert!(parse_path(r#"["a",-1]"#).is_err() && parse_path("x").is_err());
    }
}
