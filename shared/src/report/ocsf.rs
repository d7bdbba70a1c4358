//! Open Cybersecurity Schema Framework (OCSF 1.5.0): one Compliance Finding event
//! (class_uid 2003) per finding, for SIEMs that take OCSF. The rule ID is
//! `metadata.event_code` and the last part of `finding_info.uid` (which is the ASFF `Id`,
//! so one finding has one ID in both); `compliance` names the rule's framework controls.

use super::Report;
use super::asff::{AsffTarget, RULES_DOC_URL, finding_id, resource_id};
use crate::finding::{Finding, Severity};
use crate::policy::frameworks::references;
use serde_json::{Value, json};
use std::io::Write;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The CloudFormation-style type of a resource, the name SIEMs know AWS resources by.
fn resource_type(t: crate::finding::ResourceType) -> &'static str {
    use crate::finding::ResourceType;
    match t {
        ResourceType::Fleet | ResourceType::Session => "AWS::AppStream::Fleet",
        ResourceType::Stack => "AWS::AppStream::Stack",
        ResourceType::ImageBuilder => "AWS::AppStream::ImageBuilder",
        ResourceType::Image => "AWS::AppStream::Image",
        ResourceType::Account => "AWS::::Account",
    }
}

fn event(f: &Finding, waived: Option<&str>, target: &AsffTarget) -> Value {
    let region = target.region_of(f);
    let time = target.now.timestamp_millis();
    let (severity_id, severity) = severity(f.severity);
    let refs = references(f.rule_id);
    let (status_id, status) = match waived {
        Some(_) => (3, "Suppressed"),
        None => (1, "New"),
    };
    let mut standards: Vec<&str> = refs.iter().map(|r| r.framework.title()).collect();
    standards.dedup();
    let mut event = json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "time": time,
        "message": format!("{} {}: {}", f.resource_type.as_str(), f.resource, f.message),
        "metadata": {
            "version": OCSF_VERSION,
            "event_code": f.rule_id,
            "product": {
                "name": "Streamwarden",
                "vendor_name": "Streamwarden",
                "version": env!("CARGO_PKG_VERSION"),
                "url_string": "https://github.com/streamwarden/streamwarden",
            },
            "labels": refs.iter().map(|r| r.tag()).collect::<Vec<_>>(),
        },
        "finding_info": {
            "uid": finding_id(region, f.resource_type, &f.resource, f.rule_id),
            "title": f.title,
            "desc": f.message,
            "types": [f.rule_id],
        },
        "compliance": {
            "status_id": 3,
            "control": f.rule_id,
            "requirements": refs.iter().map(|r| r.label()).collect::<Vec<_>>(),
            "standards": standards,
        },
        "remediation": {
            "desc": f.remediation,
            "references": [format!("{RULES_DOC_URL}#{}", f.rule_id.to_ascii_lowercase())],
        },
        "resources": [{
            "name": f.resource,
            "type": resource_type(f.resource_type),
            "uid": resource_id(region, &target.account, f.resource_type, &f.resource),
            "region": region,
            "data": {"source": f.source.to_string()},
        }],
    });
    if let Some(reason) = waived {
        event["status_detail"] = json!(reason);
    }
    event
}

/// Every finding of the report as an OCSF event: open findings, then waived ones
/// (`status` Suppressed, the waiver's reason in `status_detail`).
pub fn render_ocsf(report: &Report, target: &AsffTarget) -> Vec<Value> {
    report
        .findings
        .iter()
        .map(|f| event(f, None, target))
        .chain(
            report
                .exempted
                .iter()
                .map(|e| event(&e.finding, Some(&e.exemption.reason), target)),
        )
        .collect()
}

/// Writes [`render_ocsf`] as one pretty JSON array.
pub fn write_ocsf(report: &Report, target: &AsffTarget, out: impl Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &render_ocsf(report, target))
}
