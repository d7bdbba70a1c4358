//! The JSON document: `{"findings": [...], "unresolved": [...], "exempted": [...],
//! "errors": [...], "notes": [...], "summary": {...}}`.

use super::Report;
use crate::finding::Severity;
use serde_json::{Map, Value, json};

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
    let by_severity: Map<String, Value> = report
        .by_severity()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    json!({
        "findings": report.findings,
        "unresolved": report.unresolved,
        "exempted": report.exempted,
        "errors": report.errors.iter().map(|e| json!({
            "location": location_json(&e.location),
            "message": e.message,
        })).collect::<Vec<_>>(),
        "notes": report.notes.iter().map(|n| json!({
            "location": location_json(&n.location),
            "message": n.message,
        })).collect::<Vec<_>>(),
        "summary": {
            "files": report.files,
            "fleets": report.fleets,
            "stacks": report.stacks,
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
        }
    })
}
