//! The digest's open findings grouped by the controls of one compliance framework
//! (`streamwarden report --framework`): which controls have open findings, which are
//! checked and clean, and which no rule checks at all.

use super::Digest;
use crate::finding::{ResourceType, Severity};
use crate::policy::CATALOG;
use crate::policy::frameworks::{self, Framework};
use crate::terminal::escape;
use serde::Serialize;

/// One open finding under a control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlFinding {
    pub region: String,
    pub resource_type: ResourceType,
    pub resource: String,
    pub rule_id: String,
    pub severity: Severity,
}

/// Where a control stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    /// At least one open finding of a rule mapped to it.
    OpenFindings,
    /// Rules check it and none has an open finding.
    NoFinding,
    /// No rule checks it: evidence must come from elsewhere.
    NoRule,
}

/// One control of the framework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlRow {
    pub control: &'static str,
    pub title: &'static str,
    pub status: ControlStatus,
    /// The catalog rules mapped to it, in catalog order.
    pub rules: Vec<&'static str>,
    /// Its open findings, most severe first.
    pub findings: Vec<ControlFinding>,
}

/// A framework's view of the digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlReport {
    pub framework: Framework,
    pub title: &'static str,
    pub account: String,
    pub controls: Vec<ControlRow>,
}

/// Groups the digest's open findings by `framework`'s controls, in the framework's order
/// of [`frameworks::CONTROLS`]; a finding under several controls is listed under each.
pub fn by_control(digest: &Digest, framework: Framework) -> ControlReport {
    let controls = frameworks::controls(framework)
        .map(|control| {
            let rules: Vec<&'static str> = CATALOG
                .iter()
                .filter(|r| {
                    frameworks::references_to(r.id, framework)
                        .iter()
                        .any(|reference| reference.control == control.id)
                })
                .map(|r| r.id)
                .collect();
            let mut findings: Vec<ControlFinding> = digest
                .regions
                .iter()
                .flat_map(|region| {
                    region
                        .open
                        .iter()
                        .filter(|f| rules.contains(&f.rule_id.as_str()))
                        .map(|f| ControlFinding {
                            region: region.region.clone(),
                            resource_type: f.resource_type,
                            resource: f.resource.clone(),
                            rule_id: f.rule_id.clone(),
                            severity: f.severity,
                        })
                })
                .collect();
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            let status = if rules.is_empty() {
                ControlStatus::NoRule
            } else if findings.is_empty() {
                ControlStatus::NoFinding
            } else {
                ControlStatus::OpenFindings
            };
            ControlRow {
                control: control.id,
                title: control.title,
                status,
                rules,
                findings,
            }
        })
        .collect();
    ControlReport {
        framework,
        title: framework.title(),
        account: digest.account.clone(),
        controls,
    }
}

/// The report as text, grouped: controls with open findings, controls checked and clean,
/// controls no rule checks. Names come from the account: made inert for a terminal.
pub fn text(report: &ControlReport) -> String {
    let mut out = format!("{} for account {}\n", report.title, escape(&report.account));
    for (status, heading) in [
        (ControlStatus::OpenFindings, "Controls with open findings"),
        (
            ControlStatus::NoFinding,
            "Controls checked, no open finding",
        ),
        (
            ControlStatus::NoRule,
            "Controls no rule checks (evidence from elsewhere)",
        ),
    ] {
        let rows: Vec<&ControlRow> = report
            .controls
            .iter()
            .filter(|c| c.status == status)
            .collect();
        out.push_str(&format!("\n{heading}: {}\n", rows.len()));
        for row in rows {
            out.push_str(&format!("  {} {}", row.control, row.title));
            match status {
                ControlStatus::OpenFindings => out.push_str(&format!(
                    " ({} open finding{})\n",
                    row.findings.len(),
                    if row.findings.len() == 1 { "" } else { "s" }
                )),
                ControlStatus::NoFinding => out.push_str(&format!(" [{}]\n", row.rules.join(", "))),
                ControlStatus::NoRule => out.push('\n'),
            }
            for f in &row.findings {
                out.push_str(&format!(
                    "    {} {} {} {} ({})\n",
                    f.severity,
                    f.rule_id,
                    f.resource_type.as_str(),
                    escape(&f.resource),
                    escape(&f.region)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{OpenFinding, RegionDigest};
    use chrono::{TimeZone, Utc};

    fn digest(open: &[(&str, &str)]) -> Digest {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        Digest {
            account: "111122223333".to_owned(),
            generated_at: at,
            since: at,
            until: at,
            regions: vec![RegionDigest {
                account: "123456789012".to_owned(),
                account_name: None,
                not_audited: false,
                region: "eu-west-1".to_owned(),
                open: open
                    .iter()
                    .map(|(rule, resource)| OpenFinding {
                        resource_type: ResourceType::Fleet,
                        resource: (*resource).to_owned(),
                        rule_id: (*rule).to_owned(),
                        severity: crate::policy::rule(rule).unwrap().severity,
                        title: String::new(),
                        message: String::new(),
                        opened_at: at,
                        age_hours: 0,
                    })
                    .collect(),
                open_by_severity: Default::default(),
                changes: Vec::new(),
                fleets: Vec::new(),
                errors: Vec::new(),
            }],
        }
    }

    #[test]
    fn findings_land_under_every_control_their_rule_maps_to() {
        let d = digest(&[
            ("FLEET-INTERNET-ACCESS", "kiosk"),
            ("FLEET-MAX-USER-DURATION", "desk"),
        ]);
        for framework in Framework::ALL {
            let report = by_control(&d, framework);
            for row in &report.controls {
                for f in &row.findings {
                    let mapped = frameworks::references_to(&f.rule_id, framework);
                    assert!(
                        mapped.iter().any(|r| r.control == row.control),
                        "{framework} {}: {}",
                        row.control,
                        f.rule_id
                    );
                }
                assert_eq!(
                    row.status == ControlStatus::NoRule,
                    row.rules.is_empty(),
                    "{}",
                    row.control
                );
            }
            let internet = frameworks::references_to("FLEET-INTERNET-ACCESS", framework);
            for reference in internet {
                let row = report
                    .controls
                    .iter()
                    .find(|r| r.control == reference.control)
                    .unwrap();
                assert_eq!(row.status, ControlStatus::OpenFindings, "{}", row.control);
                assert!(row.findings.iter().any(|f| f.resource == "kiosk"));
            }
        }
    }

    #[test]
    fn a_clean_account_has_no_open_control_and_the_text_says_which_have_no_rule() {
        let report = by_control(&digest(&[]), Framework::Nist80053);
        assert!(
            report
                .controls
                .iter()
                .all(|c| c.status != ControlStatus::OpenFindings)
        );
        let text = text(&report);
        assert!(text.contains("Controls with open findings: 0"), "{text}");
        assert!(
            text.contains("Controls checked, no open finding: "),
            "{text}"
        );
        assert!(text.contains("Controls no rule checks"), "{text}");
    }
}
