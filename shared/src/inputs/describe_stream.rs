//! describe-fleets / describe-stacks / describe-image-builders / describe-images /
//! describe-sessions output in JSON, read as it is parsed: each element of `Fleets`,
//! `Stacks`, `ImageBuilders`, `Images` and `Sessions` is parsed, read into the
//! model and dropped before the next, so a 200 MB document never exists as one
//! `serde_json::Value` (which took several times the text).
//!
//! Only a plain describe document takes this path: a JSON object whose keys are all
//! among those lists and `NextToken`. Anything else (other keys,
//! another kind, invalid JSON) is left to the general reader, which gives the same
//! answers for these documents, only with more memory.

use super::{Document, DocumentKind, NameLines, Node, Section, name_lines, read_item};
use super::{Mode, is_json};
use crate::error::InputError;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// In the order the general reader reads them.
const LISTS: [(&str, Section); 5] = [
    ("Fleets", Section::Fleets),
    ("Stacks", Section::Stacks),
    ("ImageBuilders", Section::Builders),
    ("Images", Section::Images),
    ("Sessions", Section::Other),
];

/// Reads `text` if it is a plain describe document in JSON; `None` otherwise.
pub(super) fn read(file: &str, text: &str) -> Option<Result<Document, InputError>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if !trimmed.starts_with('{') || !is_json(file, trimmed) {
        return None;
    }
    // A first pass over the top-level keys only (values skipped, nothing kept).
    let keys: BTreeMap<String, IgnoredAny> = serde_json::from_str(trimmed).ok()?;
    let plain = keys
        .keys()
        .all(|k| k == "NextToken" || LISTS.iter().any(|(list, _)| k == list))
        && keys.keys().any(|k| k != "NextToken");
    if !plain {
        return None;
    }
    let mut reader = Reader {
        file,
        lines: name_lines(text),
        parts: std::array::from_fn(|_| Document::new(DocumentKind::DescribeOutput)),
        fatal: std::array::from_fn(|_| None),
    };
    let mut deserializer = serde_json::Deserializer::from_str(trimmed);
    // The first pass parsed the same text, so this cannot fail on syntax; a failure here
    // is left to the general reader's message.
    (&mut reader).deserialize(&mut deserializer).ok()?;
    Some(reader.finish())
}

struct Reader<'t> {
    file: &'t str,
    lines: NameLines<'t>,
    /// What each list gave, in `LISTS` order, merged in that order at the end so errors
    /// come out as the general reader orders them.
    parts: [Document; LISTS.len()],
    /// A list that is not a list (`{"Fleets": null}`), per list.
    fatal: [Option<InputError>; LISTS.len()],
}

impl Reader<'_> {
    fn finish(self) -> Result<Document, InputError> {
        if let Some(e) = self.fatal.into_iter().flatten().next() {
            return Err(e);
        }
        let mut doc = Document::new(DocumentKind::DescribeOutput);
        for part in self.parts {
            doc.fleets.extend(part.fleets);
            doc.stacks.extend(part.stacks);
            doc.builders.extend(part.builders);
            doc.images.extend(part.images);
            doc.sessions.extend(part.sessions);
            doc.errors.extend(part.errors);
        }
        Ok(doc)
    }
}

impl<'de> DeserializeSeed<'de> for &mut Reader<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Reader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("describe output")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match LISTS.iter().position(|(list, _)| *list == key) {
                Some(index) => map.next_value_seed(List {
                    reader: &mut *self,
                    index,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// One of the lists, read element by element.
struct List<'r, 't> {
    reader: &'r mut Reader<'t>,
    index: usize,
}

impl List<'_, '_> {
    /// The list is not a list: the general reader's error for it, with its value.
    fn not_a_list(self, found: &Value) {
        let (key, _) = LISTS[self.index];
        let mut node = Node::root(found, self.reader.file, Mode::Api);
        node.pointer = format!("/{key}");
        self.reader.fatal[self.index] = Some(node.wrong_type("an array"));
    }
}

impl<'de> DeserializeSeed<'de> for List<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for List<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (key, section) = LISTS[self.index];
        let reader = self.reader;
        let mut i = 0usize;
        while let Some(value) = seq.next_element::<Value>()? {
            let mut node = Node::root(&value, reader.file, Mode::Api);
            node.pointer = format!("/{key}/{i}");
            read_item(
                section,
                &node,
                &mut reader.lines,
                &mut reader.parts[self.index],
            );
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.not_a_list(&value);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_a_list(&Value::Null);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.not_a_list(&Value::Bool(b));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.not_a_list(&Value::from(n));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.not_a_list(&Value::from(n));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        self.not_a_list(&Value::from(n));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.not_a_list(&Value::from(s));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_describe_documents_are_streamed() {
        for text in [
            r#"{"Fleets": [], "Records": []}"#,
            r#"{"Fleet": {"Name": "a"}}"#,
            r#"{"NextToken": "x"}"#,
            r#"["Fleets"]"#,
            r#"{"Fleets": [}"#,
        ] {
            assert!(read("d.json", text).is_none(), "{text}");
        }
        assert!(read("d.yaml", r#"{"Fleets": []}"#).is_none());
        assert!(read("d.json", r#"{"Fleets": [], "NextToken": "x"}"#).is_some());
    }

    #[test]
    fn a_list_that_is_not_a_list_is_named_with_its_value() {
        for (text, found) in [
            (r#"{"Fleets": null}"#, "found null"),
            (r#"{"Stacks": {"Name": "s"}}"#, "found an object"),
            (r#"{"Sessions": "none"}"#, "found string \"none\""),
        ] {
            let e = read("d.json", text)
                .and_then(Result::err)
                .map(|e| e.to_string());
            assert!(
                e.as_deref()
                    .is_some_and(|e| e.contains("expected an array, ") && e.contains(found)),
                "{text}: {e:?}"
            );
        }
    }
}
