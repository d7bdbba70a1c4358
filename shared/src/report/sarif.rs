//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

use super::Report;
use crate::finding::{Finding, Severity};
use crate::policy::frameworks::references;
use crate::policy::{CATALOG, index_of};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};
use std::io::Write;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps `security-severity` to its own levels: >= 9 critical, >= 7 high,
/// >= 4 medium, otherwise low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

/// Renders the report as one SARIF run, whole, as a value.
pub fn render_sarif(report: &Report) -> Value {
    serde_json::to_value(Sarif(report)).unwrap_or_default()
}

/// Writes the report as one SARIF run (pretty-printed, as [`render_sarif`] would print),
/// producing each result as it is written: the run is never whole in memory, so
/// a million findings cost a few of them at a time.
pub fn write_sarif(report: &Report, out: impl Write) -> serde_json::Result<()> {
    Sarif(report).serialize(&mut serde_json::Serializer::pretty(out))
}

/// The SARIF document: `{"$schema", "version", "runs": [run]}`.
struct Sarif<'a>(&'a Report);

/// The one run: `{"tool", "invocations", "results"}`, results streamed.
struct Run<'a>(&'a Report);

/// The results, each built when it is serialized.
struct Results<'a>(&'a Report);

impl Serialize for Sarif<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("$schema", "https://json.schemastore.org/sarif-2.1.0.json")?;
        map.serialize_entry("version", "2.1.0")?;
        map.serialize_entry("runs", &[Run(self.0)])?;
        map.end()
    }
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("tool", &tool())?;
        map.serialize_entry("invocations", &invocations(self.0))?;
        map.serialize_entry("results", &Results(self.0))?;
        map.end()
    }
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.findings.iter().map(result))
    }
}

fn tool() -> Value {
    let rules: Vec<Value> = CATALOG
        .iter()
        .map(|rule| {
            let mut tags = vec![
                "security".to_owned(),
                "appstream".to_owned(),
                rule.resource_type().as_str().to_owned(),
            ];
            tags.extend(references(rule.id).iter().map(|r| r.tag()));
            json!({
                "id": rule.id,
                "name": rule.id.to_ascii_lowercase().replace('-', "_"),
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": format!("Fails when {}.", rule.fails_when)},
                "help": {"text": rule.remediation, "markdown": format!("**Fix:** {}\n\n**Default:** {}", rule.remediation, rule.default)},
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {
                    "tags": tags,
                    "frameworks": references(rule.id),
                    "security-severity": security_severity(rule.severity),
                    "severity": rule.severity.as_str(),
                },
            })
        })
        .collect();
    json!({"driver": {
        "name": "streamwarden",
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://github.com/streamwarden/streamwarden",
        "rules": rules,
    }})
}

fn invocations(report: &Report) -> Value {
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&e.location.file)}}}],
            })
        })
        .collect();
    json!([{
        "executionSuccessful": report.errors.is_empty(),
        "toolExecutionNotifications": notifications,
    }])
}

fn result(f: &Finding) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(&f.source.file)}});
    if let Some(line) = f.source.line {
        physical["region"] = json!({"startLine": line});
    }
    let mut result = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": {"text": format!("{} {}: {}", f.resource_type.as_str(), f.resource, f.message)},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{
                "name": f.resource,
                "kind": "resource",
                "fullyQualifiedName": format!("{}/{}", f.resource_type.as_str(), f.resource),
            }],
        }],
        "partialFingerprints": {
            "streamwarden/v1": format!("{}/{}/{}", f.resource_type.as_str(), f.resource, f.rule_id),
        },
        "properties": {
            "severity": f.severity.as_str(),
            "resource_type": f.resource_type.as_str(),
            "resource": f.resource,
            "remediation": f.remediation,
            "security-severity": security_severity(f.severity),
            "tags": references(f.rule_id).iter().map(|r| r.tag()).collect::<Vec<_>>(),
        },
    });
    if let Some(index) = index_of(f.rule_id) {
        result["ruleIndex"] = json!(index);
    }
    if let Some(pointer) = &f.source.pointer {
        result["properties"]["pointer"] = json!(pointer);
    }
    result
}

/// A relative URI for a path (SARIF viewers resolve it against the repository root).
fn uri(path: &str) -> String {
    let trimmed = path.strip_prefix("./").unwrap_or(path);
    trimmed.replace('\\', "/").replace(' ', "%20")
}
