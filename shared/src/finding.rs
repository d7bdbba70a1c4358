//! What an evaluation produces: findings, the rules that could not be evaluated, and the
//! findings a waiver set aside.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Severity of a rule, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The catalog's spelling: `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFO`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity {s:?} (expected CRITICAL, HIGH, MEDIUM, LOW or INFO)")
            })
    }
}

/// The kind of resource a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceType {
    Fleet,
    Stack,
    Session,
    /// `image-builder`.
    ImageBuilder,
    Image,
    /// An account's settings in one region (`<account>/<region>`).
    Account,
}

impl ResourceType {
    pub const ALL: [ResourceType; 6] = [
        ResourceType::Fleet,
        ResourceType::Stack,
        ResourceType::Session,
        ResourceType::ImageBuilder,
        ResourceType::Image,
        ResourceType::Account,
    ];

    /// The type [`ResourceType::as_str`] spells this way.
    pub fn parse(s: &str) -> Option<Self> {
        ResourceType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The resource type in an AppStream ARN (`arn:...:appstream:<region>:<account>:<kind>/<name>`):
    /// session findings are about their fleet; an account has no AppStream ARN.
    pub fn arn_kind(self) -> Option<&'static str> {
        match self {
            ResourceType::Fleet | ResourceType::Session => Some("fleet"),
            ResourceType::Stack => Some("stack"),
            ResourceType::ImageBuilder => Some("image-builder"),
            ResourceType::Image => Some("image"),
            ResourceType::Account => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Fleet => "fleet",
            ResourceType::Stack => "stack",
            ResourceType::Session => "session",
            ResourceType::ImageBuilder => "image-builder",
            ResourceType::Image => "image",
            ResourceType::Account => "account",
        }
    }
}

/// The AWS partition a region belongs to: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Where a resource came from: the file, and where known a JSON pointer and line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Source {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " {pointer}")?;
        }
        Ok(())
    }
}

/// One rule failing on one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub resource_type: ResourceType,
    pub resource: String,
    pub title: &'static str,
    /// The observed value and the limit it breaks.
    pub message: String,
    /// The API or console change that fixes it.
    pub remediation: &'static str,
    pub source: Source,
    /// Set when a waiver for this finding has expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A rule that could not be evaluated because a value it needs is unknown offline (an
/// intrinsic function in a template, a field a partial request leaves unchanged).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unresolved {
    pub rule_id: &'static str,
    pub resource_type: ResourceType,
    pub resource: String,
    pub field: &'static str,
    pub reason: String,
    pub source: Source,
}

/// A finding set aside by a waiver that is still in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exempted {
    #[serde(flatten)]
    pub finding: Finding,
    pub exemption: ExemptionInfo,
}

/// Which waiver applied, so a waiver is always visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptionInfo {
    /// `policy` (an `[[exemptions]]` entry) or `tag` (the resource's exemption tag).
    pub by: &'static str,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<chrono::NaiveDate>,
}

/// Everything one evaluation of one resource produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub unresolved: Vec<Unresolved>,
    pub exempted: Vec<Exempted>,
}

impl Evaluation {
    /// Appends another evaluation's results.
    pub fn extend(&mut self, other: Evaluation) {
        self.findings.extend(other.findings);
        self.unresolved.extend(other.unresolved);
        self.exempted.extend(other.exempted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_read_back_as_written_in_keys_and_json() {
        for t in ResourceType::ALL {
            assert_eq!(ResourceType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(ResourceType::parse("image_builder"), None);
    }
}
