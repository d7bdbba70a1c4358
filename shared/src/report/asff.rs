//! AWS Security Finding Format (ASFF): the findings the Security Hub export imports with
//! `BatchImportFindings`, and what `--format asff` prints.
//!
//! One ASFF finding per resource and rule, with a stable `Id`, so every change of that
//! finding (opened, raised, lowered, waived, resolved) updates the same Security Hub
//! finding. The account's default product ARN is the product: findings a customer
//! imports for itself (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-custom-providers.html>).

use super::Report;
use crate::finding::{Finding, ResourceType, Severity, partition};
use crate::policy::frameworks::{Framework, references};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// Where the rule documentation lives (`Remediation.Recommendation.Url`).
pub const RULES_DOC_URL: &str =
    "https://github.com/streamwarden/streamwarden/blob/main/docs/rules.md";

/// The account placeholder of offline output (`check` without `--account`).
pub const PLACEHOLDER_ACCOUNT: &str = "000000000000";
/// The region placeholder of offline output (`check` without `--finding-region`).
pub const PLACEHOLDER_REGION: &str = "us-east-1";

/// Where a finding stands, for its compliance, workflow and record state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingState {
    /// Open: `FAILED`, workflow `NEW`, `ACTIVE`.
    Open,
    /// Open but waived: `FAILED`, workflow `SUPPRESSED`, `ACTIVE` (still visible).
    Waived,
    /// No longer found: `PASSED`, workflow `RESOLVED`, `ARCHIVED`.
    Resolved,
}

/// What one ASFF finding is made of: one rule on one resource, in one account and region.
#[derive(Debug, Clone)]
pub struct AsffSubject<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub resource_type: ResourceType,
    pub resource: &'a str,
    pub rule_id: &'a str,
    pub severity: Severity,
    pub title: &'a str,
    pub message: &'a str,
    pub remediation: &'a str,
    pub state: FindingState,
    /// When the finding was first seen (`CreatedAt`, `FirstObservedAt`).
    pub since: DateTime<Utc>,
    /// This observation (`UpdatedAt`, `LastObservedAt`).
    pub now: DateTime<Utc>,
}

/// One finding in ASFF, as `BatchImportFindings` takes it (the members we set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub first_observed_at: String,
    pub last_observed_at: String,
    pub severity: AsffSeverity,
    pub title: String,
    pub description: String,
    pub remediation: AsffRemediation,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    pub compliance: AsffCompliance,
    pub workflow: AsffWorkflow,
    pub record_state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`.
    pub label: String,
    /// The catalog's severity.
    pub original: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRemediation {
    pub recommendation: AsffRecommendation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRecommendation {
    pub text: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    /// `Other` (ASFF has no AppStream resource type), `AwsAccount` for account rules.
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    pub partition: String,
    pub region: String,
    pub details: AsffDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffDetails {
    pub other: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffCompliance {
    /// `FAILED` or `PASSED`.
    pub status: String,
    /// The framework controls of the rule (at most 32, ASFF's limit).
    pub related_requirements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffWorkflow {
    /// `NEW`, `SUPPRESSED` or `RESOLVED`.
    pub status: String,
}

/// The account's default product: findings an account imports for itself.
pub fn product_arn(region: &str, account: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:product/{account}/default",
        partition(region)
    )
}

/// The stable ID of one rule's finding on one resource: every change updates it.
pub fn finding_id(
    region: &str,
    resource_type: ResourceType,
    resource: &str,
    rule_id: &str,
) -> String {
    format!(
        "streamwarden/{region}/{}/{resource}/{rule_id}",
        resource_type.as_str()
    )
}

/// The resource's ID: its AppStream ARN, or the account for account rules.
pub fn resource_id(region: &str, account: &str, t: ResourceType, name: &str) -> String {
    resource(region, account, t, name).1
}

/// The resource's ASFF type and ID: the AppStream ARN, or the account for account rules.
/// Session findings are about their fleet.
fn resource(region: &str, account: &str, t: ResourceType, name: &str) -> (String, String) {
    match t.arn_kind() {
        Some(kind) => (
            "Other".into(),
            format!(
                "arn:{}:appstream:{region}:{account}:{kind}/{name}",
                partition(region)
            ),
        ),
        None => ("AwsAccount".into(), format!("AWS::::Account:{account}")),
    }
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "INFORMATIONAL",
        other => other.as_str(),
    }
}

/// At most `max` characters (ASFF rejects longer `Title`, `Description`, `Text`).
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => {
            let cut = text[..at].char_indices().nth_back(0).map_or(0, |(i, _)| i);
            format!("{}…", &text[..cut])
        }
        None => text.to_owned(),
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The ASFF finding of one subject.
pub fn asff_finding(s: &AsffSubject<'_>) -> AsffFinding {
    let refs = references(s.rule_id);
    let mut types =
        vec!["Software and Configuration Checks/AWS Security Best Practices".to_owned()];
    for (framework, category) in [
        (Framework::Nist80053, "NIST 800-53 Controls (USA)"),
        (Framework::Iso27001, "ISO 27001 Controls"),
    ] {
        if refs.iter().any(|r| r.framework == framework) {
            types.push(format!(
                "Software and Configuration Checks/Industry and Regulatory Standards/{category}"
            ));
        }
    }
    let (kind, id) = resource(s.region, s.account, s.resource_type, s.resource);
    let mut other = BTreeMap::from([
        ("Name".to_owned(), s.resource.to_owned()),
        (
            "AppStreamResourceType".to_owned(),
            s.resource_type.as_str().to_owned(),
        ),
    ]);
    if s.resource_type == ResourceType::Session {
        other.insert("Fleet".to_owned(), s.resource.to_owned());
    }
    let (status, workflow, record) = match s.state {
        FindingState::Open => ("FAILED", "NEW", "ACTIVE"),
        FindingState::Waived => ("FAILED", "SUPPRESSED", "ACTIVE"),
        FindingState::Resolved => ("PASSED", "RESOLVED", "ARCHIVED"),
    };
    AsffFinding {
        schema_version: "2018-10-08".to_owned(),
        id: finding_id(s.region, s.resource_type, s.resource, s.rule_id),
        product_arn: product_arn(s.region, s.account),
        generator_id: s.rule_id.to_owned(),
        aws_account_id: s.account.to_owned(),
        types,
        created_at: time(s.since),
        updated_at: time(s.now),
        first_observed_at: time(s.since),
        last_observed_at: time(s.now),
        severity: AsffSeverity {
            label: label(s.severity).to_owned(),
            original: s.severity.as_str().to_owned(),
        },
        title: clip(&format!("{}: {}", s.rule_id, s.title), 256),
        description: clip(
            &format!("{} {}: {}", s.resource_type.as_str(), s.resource, s.message),
            1024,
        ),
        remediation: AsffRemediation {
            recommendation: AsffRecommendation {
                text: clip(s.remediation, 512),
                url: format!("{RULES_DOC_URL}#{}", s.rule_id.to_ascii_lowercase()),
            },
        },
        product_fields: BTreeMap::from([
            ("streamwarden/RuleId".to_owned(), s.rule_id.to_owned()),
            (
                "streamwarden/ResourceType".to_owned(),
                s.resource_type.as_str().to_owned(),
            ),
        ]),
        resources: vec![AsffResource {
            kind,
            id,
            partition: partition(s.region).to_owned(),
            region: s.region.to_owned(),
            details: AsffDetails { other },
        }],
        compliance: AsffCompliance {
            status: status.to_owned(),
            related_requirements: refs.iter().take(32).map(|r| r.label()).collect(),
        },
        workflow: AsffWorkflow {
            status: workflow.to_owned(),
        },
        record_state: record.to_owned(),
    }
}

/// Account and region for the findings of a report: audit findings carry their region
/// (`appstream:<region>`); files use `region`.
#[derive(Debug, Clone)]
pub struct AsffTarget {
    pub account: String,
    pub region: String,
    pub now: DateTime<Utc>,
}

impl AsffTarget {
    /// The region of a finding: the audited region, or the target's.
    pub fn region_of<'a>(&'a self, f: &'a Finding) -> &'a str {
        f.source
            .file
            .strip_prefix("appstream:")
            .unwrap_or(&self.region)
    }

    fn finding(&self, f: &Finding, state: FindingState) -> AsffFinding {
        asff_finding(&AsffSubject {
            account: &self.account,
            region: self.region_of(f),
            resource_type: f.resource_type,
            resource: &f.resource,
            rule_id: f.rule_id,
            severity: f.severity,
            title: f.title,
            message: &f.message,
            remediation: f.remediation,
            state,
            since: self.now,
            now: self.now,
        })
    }
}

/// Every finding of the report, open then waived, as the export would import them.
pub fn render_asff(report: &Report, target: &AsffTarget) -> Vec<AsffFinding> {
    report
        .findings
        .iter()
        .map(|f| target.finding(f, FindingState::Open))
        .chain(
            report
                .exempted
                .iter()
                .map(|e| target.finding(&e.finding, FindingState::Waived)),
        )
        .collect()
}

/// Writes [`render_asff`] as one pretty JSON array.
pub fn write_asff(report: &Report, target: &AsffTarget, out: impl Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &render_asff(report, target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn subject(state: FindingState) -> AsffSubject<'static> {
        AsffSubject {
            account: "123456789012",
            region: "eu-west-1",
            resource_type: ResourceType::Fleet,
            resource: "kiosk",
            rule_id: "FLEET-INTERNET-ACCESS",
            severity: Severity::High,
            title: "Default internet access is enabled",
            message: "EnableDefaultInternetAccess is true",
            remediation: "UpdateFleet --no-enable-default-internet-access",
            state,
            since: Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
            now: Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap(),
        }
    }

    #[test]
    fn an_open_finding_fails_with_the_rules_controls_on_the_fleet_arn() {
        let f = asff_finding(&subject(FindingState::Open));
        assert_eq!(
            f.product_arn,
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        assert_eq!(
            f.id,
            "streamwarden/eu-west-1/fleet/kiosk/FLEET-INTERNET-ACCESS"
        );
        assert_eq!(f.generator_id, "FLEET-INTERNET-ACCESS");
        assert_eq!(f.severity.label, "HIGH");
        assert_eq!(
            (
                f.compliance.status.as_str(),
                f.workflow.status.as_str(),
                f.record_state.as_str()
            ),
            ("FAILED", "NEW", "ACTIVE")
        );
        assert!(
            f.compliance
                .related_requirements
                .contains(&"CIS Controls v8.1 12.2".to_owned())
        );
        assert!(
            f.compliance
                .related_requirements
                .contains(&"ISO/IEC 27001:2022 Annex A A.8.1".to_owned())
        );
        assert_eq!(
            f.resources[0].id,
            "arn:aws:appstream:eu-west-1:123456789012:fleet/kiosk"
        );
        assert_eq!(
            f.remediation.recommendation.url,
            format!("{RULES_DOC_URL}#fleet-internet-access")
        );
        assert_eq!(f.created_at, "2026-11-01T08:00:00.000Z");
        assert!(
            f.types
                .iter()
                .all(|t| t.starts_with("Software and Configuration Checks/"))
        );
    }

    #[test]
    fn waived_stays_failed_but_suppressed_and_resolved_is_archived_and_passed() {
        let waived = asff_finding(&subject(FindingState::Waived));
        assert_eq!(
            (
                waived.compliance.status.as_str(),
                waived.workflow.status.as_str(),
                waived.record_state.as_str()
            ),
            ("FAILED", "SUPPRESSED", "ACTIVE")
        );
        let resolved = asff_finding(&subject(FindingState::Resolved));
        assert_eq!(
            (
                resolved.compliance.status.as_str(),
                resolved.record_state.as_str()
            ),
            ("PASSED", "ARCHIVED")
        );
        assert_eq!(resolved.id, waived.id);
    }

    #[test]
    fn each_resource_type_gets_its_appstream_arn_and_partition() {
        let arn = |region, t| resource(region, "1", t, "n").1;
        assert_eq!(
            arn("eu-west-1", ResourceType::Stack),
            "arn:aws:appstream:eu-west-1:1:stack/n"
        );
        assert_eq!(
            arn("cn-north-1", ResourceType::ImageBuilder),
            "arn:aws-cn:appstream:cn-north-1:1:image-builder/n"
        );
        assert_eq!(
            arn("us-gov-west-1", ResourceType::Image),
            "arn:aws-us-gov:appstream:us-gov-west-1:1:image/n"
        );
        assert_eq!(
            arn("eu-west-1", ResourceType::Session),
            "arn:aws:appstream:eu-west-1:1:fleet/n"
        );
        assert_eq!(
            resource("eu-west-1", "1", ResourceType::Account, "1/eu-west-1"),
            ("AwsAccount".to_owned(), "AWS::::Account:1".to_owned())
        );
    }

    #[test]
    fn long_texts_are_clipped_to_asffs_limits() {
        let long = "é".repeat(2000);
        let mut s = subject(FindingState::Open);
        s.message = &long;
        s.remediation = &long;
        let f = asff_finding(&s);
        assert!(f.description.chars().count() <= 1024);
        assert!(f.remediation.recommendation.text.chars().count() <= 512);
        assert_eq!(clip("short", 10), "short");
    }
}
