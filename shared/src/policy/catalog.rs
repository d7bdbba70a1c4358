//! The rule catalog: every rule's stable ID, severity, title, remediation and check.
//! IDs and default severities are the contract of `spec/rules.md`; the order here is the
//! order of evaluation and of `streamwarden rules`.

use super::Policy;
use super::rules::{
    capacity, elastic, instance, multi_session, network, security, session, stack, timeouts,
};
use crate::finding::{ResourceType, Severity};
use crate::model::{Fleet, Stack, Unread};

/// A rule's verdict on one resource: `Ok(None)` complies, `Ok(Some(message))` fails
/// with the observed value and the limit, `Err` could not be decided offline.
pub type Outcome = Result<Option<String>, Unread>;

/// The resource a rule reads, and how.
#[derive(Clone, Copy)]
pub enum Check {
    Fleet(fn(&Policy, &Fleet) -> Outcome),
    Stack(fn(&Policy, &Stack) -> Outcome),
    /// Evaluated by the session recorder over the fleet's recorded sessions.
    Session(fn(&Policy, &crate::policy::rules::session::SessionView<'_>) -> Outcome),
}

/// One rule of the catalog.
#[derive(Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    /// When the rule fails, in the catalog's words.
    pub fails_when: &'static str,
    /// The default in the built-in policy.
    pub default: &'static str,
    pub remediation: &'static str,
    pub check: Check,
}

impl Rule {
    pub fn resource_type(&self) -> ResourceType {
        match self.check {
            Check::Fleet(_) => ResourceType::Fleet,
            Check::Stack(_) => ResourceType::Stack,
            Check::Session(_) => ResourceType::Session,
        }
    }
}

/// Every rule, in evaluation order.
pub static CATALOG: &[Rule] = &[
    network::FLEET_INTERNET_ACCESS,
    network::FLEET_VPC_REQUIRED,
    timeouts::FLEET_MAX_USER_DURATION,
    timeouts::FLEET_DISCONNECT_TIMEOUT,
    timeouts::FLEET_IDLE_DISCONNECT_TIMEOUT,
    timeouts::FLEET_CONFIG_RANGE,
    instance::FLEET_INSTANCE_TYPE_ALLOWED,
    instance::FLEET_INSTANCE_TYPE_UNKNOWN,
    instance::FLEET_INSTANCE_TYPE_RETIRED,
    elastic::FLEET_ELASTIC_INSTANCE_TYPE,
    elastic::FLEET_ELASTIC_VPC,
    elastic::FLEET_ELASTIC_CAPACITY,
    elastic::FLEET_ELASTIC_DOMAIN_JOIN,
    elastic::FLEET_ELASTIC_PLATFORM,
    elastic::FLEET_SESSION_SCRIPT_ELASTIC_ONLY,
    multi_session::FLEET_MULTI_SESSION_ELASTIC,
    multi_session::FLEET_MULTI_SESSION_CAPACITY,
    multi_session::FLEET_MULTI_SESSION_PLATFORM,
    multi_session::FLEET_MULTI_SESSION_LIMIT,
    multi_session::FLEET_MULTI_SESSION_FORBIDDEN,
    capacity::FLEET_CAPACITY_CONSISTENCY,
    capacity::FLEET_CAPACITY_HEADROOM,
    capacity::FLEET_ERRORS,
    security::FLEET_USB_REDIRECTION,
    security::FLEET_IMDSV1,
    security::FLEET_IMAGE_ALLOWED,
    security::FLEET_STREAM_VIEW,
    security::FLEET_IAM_ROLE,
    security::FLEET_REQUIRED_TAGS,
    security::FLEET_DOMAIN_JOIN_REQUIRED,
    stack::STACK_CLIPBOARD_TO_LOCAL,
    stack::STACK_FILE_DOWNLOAD,
    stack::STACK_FILE_UPLOAD,
    stack::STACK_PRINTING,
    stack::STACK_ACCESS_ENDPOINT,
    stack::STACK_ERRORS,
    session::SESSION_INSTANCE_OVERPACKED,
    session::SESSION_OVER_MAX_DURATION,
    session::SESSION_STALE_DISCONNECTED,
    session::SESSION_ON_NONCOMPLIANT_FLEET,
    session::SESSION_INSTANCE_AGE,
];

/// The rule with this ID.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().find(|r| r.id == id)
}

/// The catalog's position of a rule ID.
pub fn index_of(id: &str) -> Option<usize> {
    CATALOG.iter().position(|r| r.id == id)
}

/// The catalog as a Markdown table (README, `streamwarden rules`).
pub fn markdown_table() -> String {
    let mut out = String::from("| ID | Severity | Fails when | Default |\n|---|---|---|---|\n");
    for rule in CATALOG {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            rule.id, rule.severity, rule.fails_when, rule.default
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_and_spelled_as_the_catalog_spells_them() {
        let mut seen = HashSet::new();
        for rule in CATALOG {
            assert!(seen.insert(rule.id), "duplicate {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.id
            );
            let prefix = match rule.resource_type() {
                ResourceType::Fleet => "FLEET-",
                ResourceType::Stack => "STACK-",
                ResourceType::Session => "SESSION-",
            };
            assert!(
                rule.id.starts_with(prefix),
                "{} should start with {prefix}",
                rule.id
            );
            assert!(!rule.remediation.is_empty() && !rule.title.is_empty());
        }
    }
}
