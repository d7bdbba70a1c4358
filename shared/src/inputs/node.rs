//! A cursor over a parsed JSON/YAML document that knows its JSON pointer, matches keys
//! in either PascalCase (API, CLI, templates) or lowerCamelCase (CloudTrail), and reads
//! CloudFormation intrinsic functions as unresolved values.

use crate::error::{InputError, Location};
use crate::model::{Attr, UnreadReason};
use serde_json::Value;

/// How strictly scalars are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// API-shaped JSON: types must match.
    Api,
    /// A CloudFormation template: numbers and booleans may be strings (CloudFormation
    /// converts them), and intrinsic functions stand for values known only at deploy time.
    Template,
}

/// A value in a document, with its pointer.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub value: &'a Value,
    pub pointer: String,
    pub file: &'a str,
    pub mode: Mode,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A short description of a JSON value's type for error messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.chars().count() > 40 => {
            let short: String = s.chars().take(40).collect();
            format!("string {short:?}...")
        }
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value, file: &'a str, mode: Mode) -> Self {
        Node {
            value,
            pointer: String::new(),
            file,
            mode,
        }
    }

    pub fn location(&self) -> Location {
        Location {
            file: self.file.to_owned(),
            pointer: Some(if self.pointer.is_empty() {
                "/".to_owned()
            } else {
                self.pointer.clone()
            }),
            line: None,
            column: None,
        }
    }

    pub fn wrong_type(&self, expected: &'static str) -> InputError {
        InputError::WrongType {
            location: self.location(),
            expected,
            found: describe(self.value),
        }
    }

    fn child(&self, key: &str, value: &'a Value) -> Node<'a> {
        Node {
            value,
            pointer: format!("{}/{}", self.pointer, escape(key)),
            file: self.file,
            mode: self.mode,
        }
    }

    /// The member `key`, matched exactly first, then ignoring ASCII case (so `Name`,
    /// `name` and `NAME` all match). A JSON `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.member(key).filter(|n| !n.value.is_null())
    }

    /// The member `key` as [`Node::get`] matches it, even when it is `null`.
    pub fn member(&self, key: &str) -> Option<Node<'a>> {
        let map = self.value.as_object()?;
        let (k, v) = map
            .get_key_value(key)
            .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))?;
        Some(self.child(k, v))
    }

    /// This node, if it is an object: a structure given as a string or a number is an
    /// error, never an empty structure.
    pub fn object(&self) -> Result<&Self, InputError> {
        if self.value.is_object() {
            Ok(self)
        } else {
            Err(self.wrong_type("an object"))
        }
    }

    /// The elements of an array.
    pub fn items(&self) -> Result<Vec<Node<'a>>, InputError> {
        let array = self
            .value
            .as_array()
            .ok_or_else(|| self.wrong_type("an array"))?;
        Ok(array
            .iter()
            .enumerate()
            .map(|(i, v)| self.child(&i.to_string(), v))
            .collect())
    }

    /// The members of an object, in document order.
    pub fn entries(&self) -> Result<Vec<(&'a str, Node<'a>)>, InputError> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.wrong_type("an object"))?;
        Ok(map
            .iter()
            .map(|(k, v)| (k.as_str(), self.child(k, v)))
            .collect())
    }

    /// The resource's `Name`, or `fallback` (a template's logical ID) when it has no
    /// literal one.
    pub fn name(&self, fallback: Option<&str>) -> Result<String, InputError> {
        match (self.attr_string("Name", "Name")?, fallback) {
            (Attr::Set(name), _) => Ok(name),
            (_, Some(fallback)) => Ok(fallback.to_owned()),
            (_, None) => Err(InputError::Missing {
                location: self.location(),
                field: "Name",
            }),
        }
    }

    /// A list of `{ErrorCode, ErrorMessage}` objects (FleetErrors, StackErrors).
    pub fn error_list(&self, key: &str) -> Result<Vec<(String, Option<String>)>, InputError> {
        let Some(list) = self.get(key) else {
            return Ok(Vec::new());
        };
        list.items()?
            .iter()
            .map(|e| {
                let e = e.object()?;
                let code = e.get("ErrorCode").map(|c| c.string()).transpose()?;
                let message = e.get("ErrorMessage").map(|m| m.string()).transpose()?;
                Ok((code.unwrap_or_else(|| "UNKNOWN".to_owned()), message))
            })
            .collect()
    }

    /// The intrinsic function this value is, if it is one (`!Ref X`, `Fn::If`, ...).
    pub fn intrinsic(&self) -> Option<String> {
        intrinsic(self.value)
    }

    /// A member as a value of type `T`, read by `read` unless absent or intrinsic.
    pub fn attr<T>(
        &self,
        key: &str,
        field: &'static str,
        read: impl FnOnce(&Node<'a>) -> Result<T, InputError>,
    ) -> Result<Attr<T>, InputError> {
        let Some(node) = self.get(key) else {
            return Ok(Attr::Absent);
        };
        if let Some(expr) = node.intrinsic() {
            return Ok(Attr::unread(field, UnreadReason::Intrinsic(expr)));
        }
        read(&node).map(Attr::Set)
    }

    pub fn attr_string(&self, key: &str, field: &'static str) -> Result<Attr<String>, InputError> {
        self.attr(key, field, Node::string)
    }

    pub fn attr_int(&self, key: &str, field: &'static str) -> Result<Attr<i64>, InputError> {
        self.attr(key, field, Node::int)
    }

    pub fn attr_bool(&self, key: &str, field: &'static str) -> Result<Attr<bool>, InputError> {
        self.attr(key, field, Node::bool)
    }

    pub fn attr_strings(
        &self,
        key: &str,
        field: &'static str,
    ) -> Result<Attr<Vec<String>>, InputError> {
        self.attr(key, field, Node::strings)
    }

    /// A string (numbers and booleans are accepted in templates, as CloudFormation does).
    pub fn string(&self) -> Result<String, InputError> {
        match (self.value, self.mode) {
            (Value::String(s), _) => Ok(s.clone()),
            (Value::Number(n), Mode::Template) => Ok(n.to_string()),
            (Value::Bool(b), Mode::Template) => Ok(b.to_string()),
            _ => Err(self.wrong_type("a string")),
        }
    }

    /// A whole number (a numeric string is accepted in templates).
    pub fn int(&self) -> Result<i64, InputError> {
        match (self.value, self.mode) {
            (Value::Number(n), _) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| self.wrong_type("a whole number")),
            (Value::String(s), Mode::Template) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| self.wrong_type("a whole number")),
            _ => Err(self.wrong_type("a whole number")),
        }
    }

    /// A boolean (`"true"`/`"false"` are accepted in templates).
    pub fn bool(&self) -> Result<bool, InputError> {
        match (self.value, self.mode) {
            (Value::Bool(b), _) => Ok(*b),
            (Value::String(s), Mode::Template) if s.eq_ignore_ascii_case("true") => Ok(true),
            (Value::String(s), Mode::Template) if s.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err(self.wrong_type("true or false")),
        }
    }

    /// A list of strings; an element that is an intrinsic function is kept as its
    /// expression in angle brackets, so counts stay right (two `!Ref` subnets are two).
    pub fn strings(&self) -> Result<Vec<String>, InputError> {
        self.items()?
            .into_iter()
            .map(|item| match item.intrinsic() {
                Some(expr) => Ok(format!("<{expr}>")),
                None => item.string(),
            })
            .collect()
    }
}

/// Recognises a CloudFormation intrinsic: an object with the single key `Ref`,
/// `Condition` or `Fn::*` (YAML short forms are converted to these when read).
pub fn intrinsic(value: &Value) -> Option<String> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (key, arg) = map.iter().next()?;
    if key == "Ref" {
        return Some(match arg {
            Value::String(s) => format!("!Ref {s}"),
            other => format!("!Ref {other}"),
        });
    }
    if key == "Fn::GetAtt" {
        return Some(match arg {
            Value::String(s) => format!("!GetAtt {s}"),
            Value::Array(parts) => format!(
                "!GetAtt {}",
                parts
                    .iter()
                    .map(|p| p.as_str().unwrap_or("?"))
                    .collect::<Vec<_>>()
                    .join(".")
            ),
            _ => "!GetAtt".to_owned(),
        });
    }
    if let Some(name) = key.strip_prefix("Fn::") {
        return Some(format!("!{name}"));
    }
    if key == "Condition" {
        return Some("!Condition".to_owned());
    }
    None
}
