//! [`Shapes`]: which keys of a snapshot are field names and which are names the user chose (map
//! keys), read once from the snapshot's JSON Schema.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// A node of the snapshot's shape: the objects a path can reach.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shape {
    /// Declared fields, each with the shape of its value (arrays see through to their items).
    pub(crate) fields: HashMap<String, usize>,
    /// A typed map (`additionalProperties` a schema): its keys are names, with this value shape.
    pub(crate) map: Option<usize>,
}

/// Every shape of the snapshot, by index.
#[derive(Debug)]
pub(crate) struct Shapes {
    nodes: Vec<Shape>,
    /// The snapshot's own shape.
    pub(crate) root: Option<usize>,
}

/// Where a key leads: whether it is a name the user chose, and the shape below it (`None` for
/// free-form JSON, where every key is a field name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) is_name: bool,
    pub(crate) shape: Option<usize>,
}

impl Shapes {
    /// The snapshot's shapes, computed once per process.
    pub(crate) fn snapshot() -> &'static Shapes {
        static SHAPES: OnceLock<Shapes> = OnceLock::new();
        SHAPES.get_or_init(|| Shapes::from_schema(&crate::schema::snapshot_schema()))
    }

    fn from_schema(root: &Value) -> Shapes {
        let mut builder = Builder { root, nodes: Vec::new(), defs: HashMap::new() };
        let root = builder.shape_of(root);
        Shapes { nodes: builder.nodes, root }
    }

    /// The step from the object of `shape` through `key`.
    pub(crate) fn step(&self, shape: Option<usize>, key: &str) -> Step {
        let Some(node) = shape.and_then(|index| self.nodes.get(index)) else {
            return Step { is_name: false, shape: None };
        };
        if let Some(&field) = node.fields.get(key) {
            return Step { is_name: false, shape: Some(field) };
        }
        match node.map {
            Some(value) => Step { is_name: true, shape: Some(value) },
            None => Step { is_name: false, shape: None },
        }
    }
}

struct Builder<'a> {
    root: &'a Value,
    nodes: Vec<Shape>,
    /// `$defs` already built (or being built), by name.
    defs: HashMap<String, Option<usize>>,
}

impl Builder<'_> {
    /// The shape of the objects `schema` allows, `None` when it allows none with known keys.
    fn shape_of(&mut self, schema: &Value) -> Option<usize> {
        let object = schema.as_object()?;
        if let Some(name) =
            object.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/"))
        {
            if let Some(known) = self.defs.get(name) {
                return *known;
            }
            // Reserve the index first: definitions may refer to themselves.
            let index = self.nodes.len();
            self.nodes.push(Shape::default());
            self.defs.insert(name.to_owned(), Some(index));
            let definition = self.root["$defs"].get(name).cloned().unwrap_or(Value::Null);
            let built = self.shape_of(&definition);
            match built {
                Some(built) if built != index => self.merge_into(index, built),
                _ => {}
            }
            return Some(index);
        }
        let mut shape = Shape::default();
        let mut any = false;
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in object.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(index) = self.shape_of(branch) {
                    any = true;
                    let branch = &self.nodes[index];
                    for (field, value) in &branch.fields {
                        shape.fields.entry(field.clone()).or_insert(*value);
                    }
                    shape.map = shape.map.or(branch.map);
                }
            }
        }
        if let Some(items) = object.get("items") {
            return self.shape_of(items);
        }
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            any = true;
            for (field, value) in properties {
                if let Some(index) = self.shape_of(value) {
                    shape.fields.insert(field.clone(), index);
                } else {
                    shape.fields.insert(field.clone(), usize::MAX);
                }
            }
        }
        if let Some(additional) = object.get("additionalProperties")
            && additional.is_object()
        {
            any = true;
            shape.map = Some(self.shape_of(additional).unwrap_or(usize::MAX));
        }
        if !any {
            return None;
        }
        self.nodes.push(shape);
        Some(self.nodes.len() - 1)
    }

    fn merge_into(&mut self, into: usize, from: usize) {
        let from = self.nodes[from].clone();
        let node = &mut self.nodes[into];
        node.fields.extend(from.fields);
        node.map = node.map.or(from.map);
    }
}
