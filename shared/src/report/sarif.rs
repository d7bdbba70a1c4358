//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

use super::Report;
use crate::finding::Severity;
use crate::policy::{CATALOG, index_of};
use serde_json::{Value, json};

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

/// Renders the report as one SARIF run.
pub fn render_sarif(report: &Report) -> Value {
    let rules: Vec<Value> = CATALOG
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.id.to_ascii_lowercase().replace('-', "_"),
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": format!("Fails when {}.", rule.fails_when)},
                "help": {"text": rule.remediation, "markdown": format!("**Fix:** {}\n\n**Default:** {}", rule.remediation, rule.default)},
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": {
                    "tags": ["security", "appstream", rule.resource_type().as_str()],
                    "security-severity": security_severity(rule.severity),
                    "severity": rule.severity.as_str(),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
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
                },
            });
            if let Some(index) = index_of(f.rule_id) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(pointer) = &f.source.pointer {
                result["properties"]["pointer"] = json!(pointer);
            }
            result
        })
        .collect();
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
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "streamwarden",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/streamwarden/streamwarden",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// A relative URI for a path (SARIF viewers resolve it against the repository root).
fn uri(path: &str) -> String {
    let trimmed = path.strip_prefix("./").unwrap_or(path);
    trimmed.replace('\\', "/").replace(' ', "%20")
}
