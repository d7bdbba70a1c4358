//! Which compliance framework controls each rule speaks to: CIS Controls v8.1, NIST SP
//! 800-53 rev. 5 and ISO/IEC 27001:2022 Annex A.
//!
//! A table keyed by rule ID, apart from the catalog, so rules and mappings can change
//! independently. Every reference names its basis: a published mapping (Prowler's
//! compliance files, the only public mapping of AppStream settings to these frameworks
//! we know of) or Streamwarden's own judgement. Prowler maps four AppStream fleet
//! settings, all to CIS Controls v8.1 safeguards (none of the CIS AWS Foundations
//! Benchmark versions 1.4 to 7.0 has an AppStream recommendation), and one of them to ISO
//! 27001:2022 A.8.1; it maps none to NIST SP 800-53.

use serde::Serialize;
use std::fmt;

/// A compliance framework a rule can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Framework {
    #[serde(rename = "cis")]
    Cis,
    #[serde(rename = "nist-800-53")]
    Nist80053,
    #[serde(rename = "iso-27001")]
    Iso27001,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Framework::Cis, Framework::Nist80053, Framework::Iso27001];

    /// The name `--framework` takes: `cis`, `nist-800-53`, `iso-27001`.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Cis => "cis",
            Framework::Nist80053 => "nist-800-53",
            Framework::Iso27001 => "iso-27001",
        }
    }

    /// The framework's full name and version.
    pub fn title(self) -> &'static str {
        match self {
            Framework::Cis => "CIS Controls v8.1",
            Framework::Nist80053 => "NIST SP 800-53 Rev. 5",
            Framework::Iso27001 => "ISO/IEC 27001:2022 Annex A",
        }
    }

    /// The framework [`Framework::as_str`] spells this way.
    pub fn parse(name: &str) -> Option<Framework> {
        Framework::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// The known names, for an error message: `cis, nist-800-53, iso-27001`.
    pub fn names() -> String {
        Framework::ALL.map(Framework::as_str).join(", ")
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a rule is mapped to a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A published mapping, named.
    Published(&'static str),
    /// Streamwarden's own reading of the control.
    Judgement,
}

impl Basis {
    /// `Prowler, prowler/compliance/...` or `Streamwarden judgement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Published(source) => source,
            Basis::Judgement => "Streamwarden judgement",
        }
    }
}

impl Serialize for Basis {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One control a rule is mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub framework: Framework,
    /// The control as the framework numbers it: `4.3`, `AC-12`, `A.8.1`.
    pub control: &'static str,
    pub basis: Basis,
}

impl Reference {
    /// `CIS Controls v8.1 4.3`: the form of ASFF `Compliance.RelatedRequirements` and
    /// SARIF tags.
    pub fn label(&self) -> String {
        format!("{} {}", self.framework.title(), self.control)
    }

    /// `nist-800-53/AC-12`: a short tag (SARIF `properties.tags`, OCSF).
    pub fn tag(&self) -> String {
        format!("{}/{}", self.framework.as_str(), self.control)
    }

    /// The control's title, where it is in [`CONTROLS`].
    pub fn title(&self) -> Option<&'static str> {
        control(self.framework, self.control).map(|c| c.title)
    }
}

/// A control in scope of an AppStream deployment (what `report --framework` lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    pub framework: Framework,
    pub id: &'static str,
    pub title: &'static str,
}

const PROWLER_CIS: &str =
    "Prowler, prowler/compliance/cis_controls_8.1.json (prowler-cloud/prowler@3e000fa)";
const PROWLER_ISO: &str =
    "Prowler, prowler/compliance/aws/iso27001_2022_aws.json (prowler-cloud/prowler@3e000fa)";

const fn cis_prowler(control: &'static str) -> Reference {
    Reference {
        framework: Framework::Cis,
        control,
        basis: Basis::Published(PROWLER_CIS),
    }
}

const fn iso_prowler(control: &'static str) -> Reference {
    Reference {
        framework: Framework::Iso27001,
        control,
        basis: Basis::Published(PROWLER_ISO),
    }
}

const fn nist(control: &'static str) -> Reference {
    Reference {
        framework: Framework::Nist80053,
        control,
        basis: Basis::Judgement,
    }
}

const fn iso(control: &'static str) -> Reference {
    Reference {
        framework: Framework::Iso27001,
        control,
        basis: Basis::Judgement,
    }
}

/// The controls each rule speaks to, by rule ID: every rule of the catalog, wave 1 and 2.
pub static MAPPINGS: &[(&str, &[Reference])] = &[
    (
        "FLEET-INTERNET-ACCESS",
        &[
            cis_prowler("12.2"),
            nist("SC-7"),
            nist("AC-4"),
            iso_prowler("A.8.1"),
            iso("A.8.20"),
            iso("A.8.22"),
        ],
    ),
    (
        "FLEET-VPC-REQUIRED",
        &[nist("SC-7"), iso("A.8.20"), iso("A.8.22")],
    ),
    (
        "FLEET-MAX-USER-DURATION",
        &[cis_prowler("4.3"), nist("AC-12"), iso("A.8.1")],
    ),
    (
        "FLEET-DISCONNECT-TIMEOUT",
        &[
            cis_prowler("4.3"),
            nist("AC-12"),
            nist("SC-10"),
            iso("A.8.1"),
        ],
    ),
    (
        "FLEET-IDLE-DISCONNECT-TIMEOUT",
        &[
            cis_prowler("4.3"),
            nist("AC-11"),
            nist("AC-12"),
            iso("A.8.1"),
        ],
    ),
    ("FLEET-CONFIG-RANGE", &[nist("CM-6"), iso("A.8.9")]),
    (
        "FLEET-INSTANCE-TYPE-ALLOWED",
        &[nist("CM-2"), nist("CM-7"), iso("A.8.9")],
    ),
    (
        "FLEET-INSTANCE-TYPE-UNKNOWN",
        &[nist("CM-6"), nist("CM-8"), iso("A.8.9")],
    ),
    (
        "FLEET-INSTANCE-TYPE-RETIRED",
        &[nist("SA-22"), iso("A.8.8"), iso("A.8.9")],
    ),
    ("FLEET-ELASTIC-INSTANCE-TYPE", &[nist("CM-6"), iso("A.8.9")]),
    (
        "FLEET-ELASTIC-VPC",
        &[nist("CM-6"), nist("SC-7"), iso("A.8.9"), iso("A.8.20")],
    ),
    ("FLEET-ELASTIC-CAPACITY", &[nist("CM-6"), iso("A.8.9")]),
    ("FLEET-ELASTIC-DOMAIN-JOIN", &[nist("CM-6"), iso("A.8.9")]),
    ("FLEET-ELASTIC-PLATFORM", &[nist("CM-6"), iso("A.8.9")]),
    (
        "FLEET-SESSION-SCRIPT-ELASTIC-ONLY",
        &[nist("CM-6"), iso("A.8.9")],
    ),
    ("FLEET-MULTI-SESSION-ELASTIC", &[nist("CM-6"), iso("A.8.9")]),
    (
        "FLEET-MULTI-SESSION-CAPACITY",
        &[nist("CM-6"), iso("A.8.9")],
    ),
    (
        "FLEET-MULTI-SESSION-PLATFORM",
        &[nist("CM-6"), iso("A.8.9")],
    ),
    (
        "FLEET-MULTI-SESSION-LIMIT",
        &[nist("SC-4"), nist("CM-6"), iso("A.8.6"), iso("A.8.9")],
    ),
    (
        "FLEET-MULTI-SESSION-FORBIDDEN",
        &[nist("SC-4"), nist("SC-39"), iso("A.8.3")],
    ),
    ("FLEET-CAPACITY-CONSISTENCY", &[nist("SI-4"), iso("A.8.16")]),
    ("FLEET-CAPACITY-HEADROOM", &[nist("SC-6"), iso("A.8.6")]),
    ("FLEET-ERRORS", &[nist("SI-4"), iso("A.8.16")]),
    (
        "FLEET-USB-REDIRECTION",
        &[nist("MP-7"), nist("AC-4"), iso("A.7.10"), iso("A.8.12")],
    ),
    ("FLEET-IMDSV1", &[nist("CM-6"), nist("AC-3"), iso("A.8.9")]),
    (
        "FLEET-IMAGE-ALLOWED",
        &[nist("CM-2"), nist("CM-7"), iso("A.8.19")],
    ),
    ("FLEET-STREAM-VIEW", &[nist("CM-7"), iso("A.8.3")]),
    (
        "FLEET-IAM-ROLE",
        &[nist("AC-6"), iso("A.8.2"), iso("A.5.15")],
    ),
    ("FLEET-REQUIRED-TAGS", &[nist("CM-8"), iso("A.5.9")]),
    (
        "FLEET-DOMAIN-JOIN-REQUIRED",
        &[nist("IA-2"), nist("AC-2"), iso("A.5.16"), iso("A.8.5")],
    ),
    ("FLEET-IMAGE-OUTDATED", &[nist("SI-2"), iso("A.8.8")]),
    (
        "STACK-CLIPBOARD-TO-LOCAL",
        &[nist("AC-4"), iso("A.8.12"), iso("A.5.14")],
    ),
    (
        "STACK-FILE-DOWNLOAD",
        &[nist("AC-4"), iso("A.8.12"), iso("A.5.14")],
    ),
    (
        "STACK-FILE-UPLOAD",
        &[nist("AC-4"), nist("SI-3"), iso("A.8.7"), iso("A.5.14")],
    ),
    ("STACK-PRINTING", &[nist("AC-4"), iso("A.8.12")]),
    (
        "STACK-ACCESS-ENDPOINT",
        &[nist("SC-7"), nist("AC-17"), iso("A.8.20"), iso("A.8.21")],
    ),
    ("STACK-ERRORS", &[nist("SI-4"), iso("A.8.16")]),
    (
        "STACK-URL-REDIRECTION",
        &[nist("AC-4"), nist("SC-7"), iso("A.8.23"), iso("A.8.12")],
    ),
    (
        "STACK-EMBED-WILDCARD",
        &[nist("SC-23"), nist("CM-6"), iso("A.8.26")],
    ),
    (
        "STACK-AGENT-ACCESS",
        &[nist("AC-6"), nist("AC-3"), iso("A.5.15"), iso("A.8.3")],
    ),
    ("STACK-AGENT-USER-CONTROL", &[nist("AC-6"), iso("A.5.15")]),
    (
        "STACK-STORAGE-CONNECTOR",
        &[
            nist("AC-20"),
            nist("AC-4"),
            iso("A.5.14"),
            iso("A.8.12"),
            iso("A.5.23"),
        ],
    ),
    (
        "BUILDER-INTERNET-ACCESS",
        &[nist("SC-7"), nist("AC-4"), iso("A.8.20"), iso("A.8.22")],
    ),
    (
        "BUILDER-VPC-REQUIRED",
        &[nist("SC-7"), iso("A.8.20"), iso("A.8.22")],
    ),
    (
        "BUILDER-INSTANCE-TYPE-RETIRED",
        &[nist("SA-22"), iso("A.8.8")],
    ),
    ("BUILDER-ERRORS", &[nist("SI-4"), iso("A.8.16")]),
    (
        "BUILDER-ACCESS-ENDPOINT",
        &[nist("SC-7"), nist("AC-17"), iso("A.8.20"), iso("A.8.21")],
    ),
    (
        "BUILDER-RUNNING-AGE",
        &[nist("AC-6"), nist("CM-7"), iso("A.8.2")],
    ),
    (
        "IMAGE-SHARED-EXTERNALLY",
        &[nist("AC-3"), nist("AC-21"), iso("A.8.3"), iso("A.5.14")],
    ),
    ("IMAGE-AGENT-NOT-LATEST", &[nist("SI-2"), iso("A.8.8")]),
    (
        "ACCOUNT-USAGE-REPORTS",
        &[nist("AU-2"), nist("AU-12"), iso("A.8.15")],
    ),
    (
        "SESSION-INSTANCE-OVERPACKED",
        &[nist("SC-4"), nist("SI-4"), iso("A.8.6")],
    ),
    ("SESSION-OVER-MAX-DURATION", &[nist("AC-12"), iso("A.8.1")]),
    (
        "SESSION-STALE-DISCONNECTED",
        &[nist("AC-12"), nist("SC-10"), iso("A.8.1")],
    ),
    (
        "SESSION-ON-NONCOMPLIANT-FLEET",
        &[nist("CA-7"), nist("SI-4"), iso("A.8.16")],
    ),
    ("SESSION-INSTANCE-AGE", &[nist("SI-2"), iso("A.8.8")]),
];

/// The references of one rule, in the order of [`MAPPINGS`] (empty for an unknown ID).
pub fn references(rule_id: &str) -> &'static [Reference] {
    MAPPINGS
        .iter()
        .find(|(id, _)| *id == rule_id)
        .map_or(&[], |(_, refs)| refs)
}

/// The references of one rule to one framework.
pub fn references_to(rule_id: &str, framework: Framework) -> Vec<&'static Reference> {
    references(rule_id)
        .iter()
        .filter(|r| r.framework == framework)
        .collect()
}

/// One line per framework for a rule: `CIS Controls v8.1: 4.3 (Prowler, ...); NIST ...`.
/// Used by the rule reference and `streamwarden rules`.
pub fn summary(rule_id: &str) -> Vec<String> {
    Framework::ALL
        .into_iter()
        .filter_map(|framework| {
            let refs = references_to(rule_id, framework);
            (!refs.is_empty()).then(|| {
                let controls: Vec<String> = refs
                    .iter()
                    .map(|r| format!("{} ({})", r.control, r.basis.as_str()))
                    .collect();
                format!("{}: {}", framework.title(), controls.join(", "))
            })
        })
        .collect()
}

/// The framework lines of a rule's entry in the reference (`docs/rules.md`): per
/// framework, each control with its title and the basis of the mapping.
pub fn reference_markdown(rule_id: &str) -> String {
    let mut out = String::new();
    for framework in Framework::ALL {
        let refs = references_to(rule_id, framework);
        if refs.is_empty() {
            continue;
        }
        let controls: Vec<String> = refs
            .iter()
            .map(|r| {
                format!(
                    "{} {} ({})",
                    r.control,
                    r.title().unwrap_or_default(),
                    r.basis.as_str()
                )
            })
            .collect();
        out.push_str(&format!(
            "- **{}:** {}\n",
            framework.title(),
            controls.join("; ")
        ));
    }
    out
}

/// The controls of one framework in scope of an AppStream deployment.
pub fn controls(framework: Framework) -> impl Iterator<Item = &'static Control> {
    CONTROLS.iter().filter(move |c| c.framework == framework)
}

/// One control by framework and ID.
pub fn control(framework: Framework, id: &str) -> Option<&'static Control> {
    controls(framework).find(|c| c.id == id)
}

const fn c(framework: Framework, id: &'static str, title: &'static str) -> Control {
    Control {
        framework,
        id,
        title,
    }
}

/// Every control a rule is mapped to, and the controls an AppStream deployment touches
/// that no rule checks (Streamwarden judgement: data at rest and in transit, logging,
/// patching of what runs in the image are outside what the AppStream API shows).
pub static CONTROLS: &[Control] = &[
    c(
        Framework::Cis,
        "2.2",
        "Ensure Authorized Software is Currently Supported",
    ),
    c(Framework::Cis, "3.3", "Configure Data Access Control Lists"),
    c(
        Framework::Cis,
        "4.1",
        "Establish and Maintain a Secure Configuration Process",
    ),
    c(
        Framework::Cis,
        "4.3",
        "Configure Automatic Session Locking on Enterprise Assets",
    ),
    c(
        Framework::Cis,
        "7.3",
        "Perform Automated Operating System Patch Management",
    ),
    c(Framework::Cis, "8.2", "Collect Audit Logs"),
    c(
        Framework::Cis,
        "12.2",
        "Establish and Maintain a Secure Network Architecture",
    ),
    c(Framework::Nist80053, "AC-2", "Account Management"),
    c(Framework::Nist80053, "AC-3", "Access Enforcement"),
    c(Framework::Nist80053, "AC-4", "Information Flow Enforcement"),
    c(Framework::Nist80053, "AC-6", "Least Privilege"),
    c(Framework::Nist80053, "AC-11", "Device Lock"),
    c(Framework::Nist80053, "AC-12", "Session Termination"),
    c(Framework::Nist80053, "AC-17", "Remote Access"),
    c(Framework::Nist80053, "AC-20", "Use of External Systems"),
    c(Framework::Nist80053, "AC-21", "Information Sharing"),
    c(Framework::Nist80053, "AU-2", "Event Logging"),
    c(Framework::Nist80053, "AU-12", "Audit Record Generation"),
    c(Framework::Nist80053, "CA-7", "Continuous Monitoring"),
    c(Framework::Nist80053, "CM-2", "Baseline Configuration"),
    c(Framework::Nist80053, "CM-6", "Configuration Settings"),
    c(Framework::Nist80053, "CM-7", "Least Functionality"),
    c(Framework::Nist80053, "CM-8", "System Component Inventory"),
    c(
        Framework::Nist80053,
        "IA-2",
        "Identification and Authentication (Organizational Users)",
    ),
    c(Framework::Nist80053, "MP-7", "Media Use"),
    c(
        Framework::Nist80053,
        "SA-22",
        "Unsupported System Components",
    ),
    c(
        Framework::Nist80053,
        "SC-4",
        "Information in Shared System Resources",
    ),
    c(Framework::Nist80053, "SC-6", "Resource Availability"),
    c(Framework::Nist80053, "SC-7", "Boundary Protection"),
    c(
        Framework::Nist80053,
        "SC-8",
        "Transmission Confidentiality and Integrity",
    ),
    c(Framework::Nist80053, "SC-10", "Network Disconnect"),
    c(Framework::Nist80053, "SC-23", "Session Authenticity"),
    c(
        Framework::Nist80053,
        "SC-28",
        "Protection of Information at Rest",
    ),
    c(Framework::Nist80053, "SC-39", "Process Isolation"),
    c(Framework::Nist80053, "SI-2", "Flaw Remediation"),
    c(Framework::Nist80053, "SI-3", "Malicious Code Protection"),
    c(Framework::Nist80053, "SI-4", "System Monitoring"),
    c(
        Framework::Iso27001,
        "A.5.9",
        "Inventory of information and other associated assets",
    ),
    c(Framework::Iso27001, "A.5.14", "Information transfer"),
    c(Framework::Iso27001, "A.5.15", "Access control"),
    c(Framework::Iso27001, "A.5.16", "Identity management"),
    c(Framework::Iso27001, "A.5.18", "Access rights"),
    c(
        Framework::Iso27001,
        "A.5.23",
        "Information security for use of cloud services",
    ),
    c(Framework::Iso27001, "A.7.10", "Storage media"),
    c(Framework::Iso27001, "A.8.1", "User endpoint devices"),
    c(Framework::Iso27001, "A.8.2", "Privileged access rights"),
    c(
        Framework::Iso27001,
        "A.8.3",
        "Information access restriction",
    ),
    c(Framework::Iso27001, "A.8.5", "Secure authentication"),
    c(Framework::Iso27001, "A.8.6", "Capacity management"),
    c(Framework::Iso27001, "A.8.7", "Protection against malware"),
    c(
        Framework::Iso27001,
        "A.8.8",
        "Management of technical vulnerabilities",
    ),
    c(Framework::Iso27001, "A.8.9", "Configuration management"),
    c(Framework::Iso27001, "A.8.12", "Data leakage prevention"),
    c(Framework::Iso27001, "A.8.15", "Logging"),
    c(Framework::Iso27001, "A.8.16", "Monitoring activities"),
    c(
        Framework::Iso27001,
        "A.8.19",
        "Installation of software on operational systems",
    ),
    c(Framework::Iso27001, "A.8.20", "Networks security"),
    c(
        Framework::Iso27001,
        "A.8.21",
        "Security of network services",
    ),
    c(Framework::Iso27001, "A.8.22", "Segregation of networks"),
    c(Framework::Iso27001, "A.8.23", "Web filtering"),
    c(Framework::Iso27001, "A.8.24", "Use of cryptography"),
    c(
        Framework::Iso27001,
        "A.8.26",
        "Application security requirements",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::CATALOG;
    use std::collections::HashSet;

    #[test]
    fn every_catalog_rule_has_nist_and_iso_references() {
        for rule in CATALOG {
            for framework in [Framework::Nist80053, Framework::Iso27001] {
                assert!(
                    !references_to(rule.id, framework).is_empty(),
                    "{} has no {} reference in policy/frameworks.rs",
                    rule.id,
                    framework.title()
                );
            }
        }
    }

    #[test]
    fn every_mapping_names_a_listed_control_once() {
        let mut ids = HashSet::new();
        for (id, refs) in MAPPINGS {
            assert!(ids.insert(*id), "{id} is mapped twice");
            let mut seen = HashSet::new();
            for r in *refs {
                assert!(
                    r.title().is_some(),
                    "{id}: {} {} is not in CONTROLS",
                    r.framework,
                    r.control
                );
                assert!(seen.insert((r.framework, r.control)), "{id}: {r:?} twice");
            }
        }
        let mut controls = HashSet::new();
        for c in CONTROLS {
            assert!(controls.insert((c.framework, c.id)), "{:?} twice", c.id);
        }
    }

    #[test]
    fn cis_references_are_exactly_prowlers_four_fleet_settings() {
        let mut cis: Vec<(&str, &str)> = MAPPINGS
            .iter()
            .flat_map(|(id, refs)| {
                refs.iter()
                    .filter(|r| r.framework == Framework::Cis)
                    .map(move |r| {
                        assert_eq!(r.basis, Basis::Published(PROWLER_CIS), "{id}");
                        (*id, r.control)
                    })
            })
            .collect();
        cis.sort();
        assert_eq!(
            cis,
            [
                ("FLEET-DISCONNECT-TIMEOUT", "4.3"),
                ("FLEET-IDLE-DISCONNECT-TIMEOUT", "4.3"),
                ("FLEET-INTERNET-ACCESS", "12.2"),
                ("FLEET-MAX-USER-DURATION", "4.3"),
            ]
        );
    }

    #[test]
    fn frameworks_parse_by_their_cli_names_only() {
        for f in Framework::ALL {
            assert_eq!(Framework::parse(f.as_str()), Some(f));
        }
        assert_eq!(Framework::parse("NIST-800-53"), Some(Framework::Nist80053));
        assert_eq!(Framework::parse("pci"), None);
        assert_eq!(Framework::names(), "cis, nist-800-53, iso-27001");
    }

    #[test]
    fn a_summary_names_the_basis_of_each_control() {
        assert_eq!(
            summary("FLEET-MAX-USER-DURATION"),
            [
                format!("CIS Controls v8.1: 4.3 ({PROWLER_CIS})"),
                "NIST SP 800-53 Rev. 5: AC-12 (Streamwarden judgement)".to_owned(),
                "ISO/IEC 27001:2022 Annex A: A.8.1 (Streamwarden judgement)".to_owned(),
            ]
        );
        assert!(summary("NO-SUCH-RULE").is_empty());
    }
}
