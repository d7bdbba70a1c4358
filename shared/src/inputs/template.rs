//! CloudFormation and SAM templates: `AWS::AppStream::Fleet` and `AWS::AppStream::Stack`
//! resources. YAML short forms (`!Ref X`, `!If [...]`) become their long forms
//! (`{"Ref": "X"}`, `{"Fn::If": [...]}`), which the readers report as unresolved.

use super::node::Node;
use super::{Document, Note, read_fleet, read_stack};
use crate::error::InputError;
use crate::finding::Source;
use crate::model::Origin;
use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

/// A template has `Resources` (or names a template format version).
pub fn is_template(value: &Value) -> bool {
    value.get("Resources").is_some_and(Value::is_object)
        || value.get("AWSTemplateFormatVersion").is_some()
}

/// Parses YAML into the JSON value model, converting CloudFormation short-form tags.
pub fn yaml_to_json(text: &str) -> Result<Value, serde_norway::Error> {
    let yaml: Yaml = serde_norway::from_str(text)?;
    Ok(convert(yaml))
}

fn convert(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(convert).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (key_string(k), convert(v)))
                .collect::<Map<_, _>>(),
        ),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = match name {
                "Ref" | "Condition" => name.to_owned(),
                _ => format!("Fn::{name}"),
            };
            let mut map = Map::new();
            map.insert(key, convert(tagged.value));
            Value::Object(map)
        }
    }
}

fn key_string(key: Yaml) -> String {
    match key {
        Yaml::String(s) => s,
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => "null".to_owned(),
        other => format!("{other:?}"),
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
    for (logical_id, resource) in resources.entries()? {
        let kind = resource
            .get("Type")
            .and_then(|t| t.value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let is_fleet = kind == "AWS::AppStream::Fleet";
        if !is_fleet && kind != "AWS::AppStream::Stack" {
            continue;
        }
        found += 1;
        let source = Source {
            file: root.file.to_owned(),
            line: line_of_key(text, logical_id),
            pointer: Some(resource.pointer.clone()),
        };
        let Some(properties) = resource.get("Properties") else {
            if is_fleet {
                doc.errors.push(InputError::Missing {
                    location: resource.location(),
                    field: "Properties",
                });
            } else {
                match read_stack(&resource, Origin::Template, source, Some(logical_id)) {
                    Ok(stack) => doc.stacks.push(stack),
                    Err(e) => doc.errors.push(e),
                }
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
        if is_fleet {
            match read_fleet(&properties, Origin::Template, source, Some(logical_id)) {
                Ok(fleet) => doc.fleets.push(fleet),
                Err(e) => doc.errors.push(e),
            }
        } else {
            match read_stack(&properties, Origin::Template, source, Some(logical_id)) {
                Ok(stack) => doc.stacks.push(stack),
                Err(e) => doc.errors.push(e),
            }
        }
    }
    if found == 0 {
        doc.notes.push(Note {
            location: resources.location(),
            message: "no AWS::AppStream::Fleet or AWS::AppStream::Stack resources".to_owned(),
        });
    }
    Ok(())
}

/// The line where a template resource's logical ID is declared (YAML `Id:` or JSON `"Id":`).
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let yaml = format!("{key}:");
    let json = format!("\"{key}\"");
    text.lines()
        .position(|line| {
            let t = line.trim_start();
            t.starts_with(&yaml)
                || (t.starts_with(&json) && t[json.len()..].trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}
