//! The JSON document: `{"findings": [...], "unresolved": [...], "exempted": [...],
//! "errors": [...], "notes": [...], "summary": {...}}`.

use super::Report;
use crate::finding::{Finding, Severity};
use crate::policy::frameworks::{Reference, references};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};
use std::io::Write;

fn location_json(location: &crate::error::Location) -> Value {
    let mut map = Map::new();
    map.insert("file".into(), json!(location.file));
    if let Some(line) = location.line {
        map.insert("line".into(), json!(line));
    }
    if let Some(column) = location.column {
        map.insert("column".into(), json!(column));
    }
    if let Some(pointer) = &location.pointer {
        map.insert("pointer".into(), json!(pointer));
    }
    Value::Object(map)
}

/// Renders the report; `fail_on` is echoed in the summary with the verdict.
pub fn render_json(report: &Report, fail_on: Option<Severity>) -> Value {
    serde_json::to_value(JsonReport { report, fail_on }).unwrap_or_default()
}

/// Writes the report as [`render_json`] would print it, pretty, straight from the
/// report: findings are serialized as they are written, never copied into one value.
pub fn write_json(
    report: &Report,
    fail_on: Option<Severity>,
    out: impl Write,
) -> serde_json::Result<()> {
    JsonReport { report, fail_on }.serialize(&mut serde_json::Serializer::pretty(out))
}

struct JsonReport<'a> {
    report: &'a Report,
    fail_on: Option<Severity>,
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let problems = |items: Vec<(&crate::error::Location, &str)>| -> Vec<Value> {
            items
                .into_iter()
                .map(|(location, message)| {
                    json!({"location": location_json(location), "message": message})
                })
                .collect()
        };
        let mut map = serializer.serialize_map(Some(6))?;
        let findings = report.findings.iter().map(|finding| WithReferences {
            finding,
            account: report
                .source_accounts
                .get(&finding.source.file)
                .map(String::as_str),
            references: references(finding.rule_id),
        });
        map.serialize_entry("findings", &Seq(findings))?;
        map.serialize_entry("unresolved", &report.unresolved)?;
        map.serialize_entry("exempted", &report.exempted)?;
        map.serialize_entry(
            "errors",
            &problems(
                report
                    .errors
                    .iter()
                    .map(|e| (&e.location, e.message.as_str()))
                    .collect(),
            ),
        )?;
        map.serialize_entry(
            "notes",
            &problems(
                report
                    .notes
                    .iter()
                    .map(|n| (&n.location, n.message.as_str()))
                    .collect(),
            ),
        )?;
        map.serialize_entry("summary", &summary(report, self.fail_on))?;
        map.end()
    }
}

/// A finding with the framework controls of its rule.
#[derive(serde::Serialize)]
struct WithReferences<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    /// The account an audit read it from (absent offline).
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    references: &'static [Reference],
}

/// Serializes the items of an iterator as they come.
struct Seq<I>(I);

impl<I: Iterator<Item = T> + Clone, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

fn summary(report: &Report, fail_on: Option<Severity>) -> Value {
    let by_severity: Map<String, Value> = report
        .by_severity()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    json!({
        "files": report.files,
        "fleets": report.fleets,
        "stacks": report.stacks,
        "builders": report.builders,
        "images": report.images,
        "accounts": report.accounts,
        "sessions": report.sessions,
        "findings": report.findings.len(),
        "by_severity": by_severity,
        "resources_with_findings": report.resources_with_findings(),
        "unresolved": report.unresolved.len(),
        "exempted": report.exempted.len(),
        "errors": report.errors.len(),
        "policy": report.policy,
        "fail_on": fail_on.map_or("never", Severity::as_str),
        "failed": report.fails(fail_on),
    })
}
