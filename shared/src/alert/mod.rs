//! Alerts: what changed on one fleet or stack, rendered once for every reader. SNS
//! delivers the same message as plain text to e-mail (`default`, `email`) and as an AWS
//! Chatbot custom notification to Slack (`https`), with message attributes that
//! subscription filter policies can match.

mod render;
#[cfg(test)]
mod tests;

pub use render::{CHATBOT_DESCRIPTION_LIMIT, SUBJECT_LIMIT, render};

use crate::finding::{ResourceType, Severity};
use crate::org::MemberAccount;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

/// One finding as an alert shows it (from a fresh evaluation or from the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertFinding {
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    /// The observed value and the limit.
    pub message: String,
    pub remediation: String,
    /// When the finding was first opened, where known.
    pub since: Option<DateTime<Utc>>,
}

/// What caused an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The scheduled sweep.
    Schedule { time: DateTime<Utc> },
    /// An AppStream API call seen through CloudTrail.
    ApiCall {
        event_id: String,
        event_name: String,
        /// The caller's ARN (`userIdentity.arn`), e.g. an assumed role session.
        principal: String,
        source_ip: Option<String>,
        time: DateTime<Utc>,
    },
}

/// What changed on one resource in one evaluation. Alerts are sent only on change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub account: String,
    /// The account's name, where AWS Organizations gives one (organisation mode);
    /// `None` in single-account mode and for an explicit account list.
    pub account_name: Option<String>,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource: String,
    /// Findings that were not open before.
    pub opened: Vec<AlertFinding>,
    /// Findings that were open and are gone (fixed, waived, or the resource was deleted).
    pub resolved: Vec<AlertFinding>,
    /// Findings whose severity went up: the finding now, and the severity before.
    pub raised: Vec<(AlertFinding, Severity)>,
    /// Findings still open and unchanged, for context (how bad is it overall).
    pub unchanged: Vec<AlertFinding>,
    /// True when the resource no longer exists (DeleteFleet, or gone from a sweep).
    pub deleted: bool,
    pub trigger: Trigger,
}

impl Change {
    /// Whether anything worth an alert happened.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.resolved.is_empty() && self.raised.is_empty()
    }

    /// The highest severity among what opened or was raised; `None` when the change
    /// only resolves findings.
    pub fn severity(&self) -> Option<Severity> {
        self.opened
            .iter()
            .map(|f| f.severity)
            .chain(self.raised.iter().map(|(f, _)| f.severity))
            .max()
    }
}

/// Account names by ID, as AWS Organizations lists them (`ListAccounts` `Name`): filled
/// by whoever lists the governed accounts ([`crate::aws::MemberAccess`]) and read when
/// an alert is rendered. Cloning shares the map. Names are text from the member
/// account: every renderer escapes them like any other external text.
#[derive(Debug, Clone, Default)]
pub struct AccountNames(Arc<RwLock<HashMap<String, String>>>);

impl AccountNames {
    /// The name of `account`, when known and not blank.
    pub fn get(&self, account: &str) -> Option<String> {
        let names = self.0.read().unwrap_or_else(PoisonError::into_inner);
        names.get(account).cloned()
    }

    /// Records the names of these accounts (an account listed without a name forgets
    /// any name it had).
    pub fn update(&self, accounts: &[MemberAccount]) {
        let mut names = self.0.write().unwrap_or_else(PoisonError::into_inner);
        for a in accounts {
            match a.name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(name) => names.insert(a.id.clone(), name.to_owned()),
                None => names.remove(&a.id),
            };
        }
    }
}

/// One SNS message, ready to publish with `MessageStructure=json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// E-mail subject: severity, resource and counts, under 100 characters (SNS limit).
    pub subject: String,
    /// The `MessageStructure=json` body: `{"default": ..., "email": ..., "https": ...}`.
    pub message: String,
    /// Message attributes (String type): severity, rule_ids, fleet, account (and
    /// account_name, where known), region, change.
    pub attributes: BTreeMap<String, String>,
}

/// A publish that failed after the SDK's retries.
#[derive(Debug, thiserror::Error)]
#[error("SNS Publish to {topic} failed: {source}")]
pub struct PublishError {
    pub topic: String,
    /// The SDK's error (or a request that could not be built).
    #[source]
    pub source: crate::error::BoxError,
}

/// Where alerts go (the SNS adapter is [`crate::aws::sns`]).
pub trait AlertPublisher {
    fn publish(
        &self,
        alert: &Alert,
    ) -> impl std::future::Future<Output = Result<(), PublishError>> + Send;
}
