//! CloudFormation and SAM templates: `AWS::AppStream::Fleet`, `AWS::AppStream::Stack` and
//! `AWS::AppStream::ImageBuilder` resources. YAML short forms (`!Ref X`, `!If [...]`) become their long forms
//! (`{"Ref": "X"}`, `{"Fn::If": [...]}`), which the readers report as unresolved.

use super::node::Node;
use super::{Document, Note, read_builder, read_fleet, read_stack};
use crate::error::InputError;
use crate::finding::Source;
use crate::model::Origin;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;

/// A template has `Resources` (or names a template format version).
pub fn is_template(value: &Value) -> bool {
    value.get("Resources").is_some_and(Value::is_object)
        || value.get("AWSTemplateFormatVersion").is_some()
}

/// Parses YAML into the JSON value model, converting CloudFormation short-form tags.
///
/// Aliases are expanded as the YAML is read, so the values built are counted: a
/// document may hold at most one value per byte of its text (no YAML without aliases
/// holds more), which bounds an alias bomb to the size of its text.
pub fn yaml_to_json(text: &str) -> Result<Value, serde_norway::Error> {
    let budget = Cell::new(text.len().saturating_add(1024));
    NodeSeed { budget: &budget }.deserialize(serde_norway::Deserializer::from_str(text))
}

/// Reads one YAML node into a JSON value, spending one unit of the budget per value.
#[derive(Clone, Copy)]
struct NodeSeed<'b> {
    budget: &'b Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NodeSeed<'_> {
    fn spend<E: de::Error>(self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(
                "aliases expand to more values than the document has bytes; \
                 write the values out (CloudFormation does not support aliases)",
            )),
        }
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        self.spend()?;
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(self)? {
            let key = key_string(key);
            let value = map.next_value_seed(self)?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate entry with key {key:?}"
                )));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    /// A tagged node: CloudFormation's short forms (`!Ref X`) become their long forms.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, value) = data.variant::<String>()?;
        let value = value.newtype_variant_seed(self)?;
        let name = tag.trim_start_matches('!');
        let key = match name {
            "Ref" | "Condition" => name.to_owned(),
            _ => format!("Fn::{name}"),
        };
        let mut map = Map::new();
        map.insert(key, value);
        Ok(Value::Object(map))
    }
}

fn key_string(key: Value) -> String {
    match key {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Reads the AppStream resources of a template into `doc`.
pub fn read_template(root: &Node<'_>, text: &str, doc: &mut Document) -> Result<(), InputError> {
    let Some(resources) = root.get("Resources") else {
        doc.notes.push(Note {
            location: root.location(),
            message: "template has no Resources".to_owned(),
        });
        return Ok(());
    };
    let mut found = 0;
    let lines = key_lines(text);
    for (logical_id, resource) in resources.entries()? {
        let kind = resource
            .get("Type")
            .and_then(|t| t.value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let Some(kind) = Kind::of(&kind) else {
            continue;
        };
        found += 1;
        let source = Source {
            file: root.file.to_owned(),
            line: lines.get(logical_id).copied(),
            pointer: Some(resource.pointer.clone()),
        };
        let Some(properties) = resource.get("Properties") else {
            // A stack needs no property; a fleet or a builder needs at least its
            // InstanceType.
            if kind == Kind::Stack {
                kind.read(&resource, source, logical_id, doc);
            } else {
                doc.errors.push(InputError::Missing {
                    location: resource.location(),
                    field: "Properties",
                });
            }
            continue;
        };
        if let Some(expr) = properties.intrinsic() {
            doc.notes.push(Note {
                location: properties.location(),
                message: format!(
                    "{logical_id}: Properties is unresolved ({expr}); no rule was evaluated"
                ),
            });
            continue;
        }
        kind.read(&properties, source, logical_id, doc);
    }
    if found == 0 {
        doc.notes.push(Note {
            location: resources.location(),
            message: "no AWS::AppStream::Fleet, AWS::AppStream::Stack or \
                      AWS::AppStream::ImageBuilder resources"
                .to_owned(),
        });
    }
    Ok(())
}

/// The AppStream resource types a template is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fleet,
    Stack,
    ImageBuilder,
}

impl Kind {
    fn of(resource_type: &str) -> Option<Kind> {
        match resource_type {
            "AWS::AppStream::Fleet" => Some(Kind::Fleet),
            "AWS::AppStream::Stack" => Some(Kind::Stack),
            "AWS::AppStream::ImageBuilder" => Some(Kind::ImageBuilder),
            _ => None,
        }
    }

    /// Reads the resource at `node` (its `Properties`) into `doc`.
    fn read(self, node: &Node<'_>, source: Source, logical_id: &str, doc: &mut Document) {
        let name = Some(logical_id);
        let read = match self {
            Kind::Fleet => {
                read_fleet(node, Origin::Template, source, name).map(|f| doc.fleets.push(f))
            }
            Kind::Stack => {
                read_stack(node, Origin::Template, source, name).map(|s| doc.stacks.push(s))
            }
            Kind::ImageBuilder => {
                read_builder(node, Origin::Template, source, name).map(|b| doc.builders.push(b))
            }
        };
        if let Err(e) = read {
            doc.errors.push(e);
        }
    }
}

/// The line of the first declaration of each key in a template, found in one pass:
/// YAML `Key:` or JSON `"Key":` at the start of a line. Looking each resource's logical
/// ID up by scanning the text took time quadratic in the template (5,000 fleets: 11 to
/// 21 s in a release build).
fn key_lines(text: &str) -> HashMap<&str, usize> {
    let mut lines = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let key = match t.strip_prefix('"') {
            Some(quoted) => quoted
                .split_once('"')
                .and_then(|(key, rest)| rest.trim_start().starts_with(':').then_some(key)),
            None => t.split_once(':').map(|(key, _)| key),
        };
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            lines.entry(key).or_insert(i + 1);
        }
    }
    lines
}
