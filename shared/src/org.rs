//! Which accounts a deployment governs, and the unit of work of an organisation sweep:
//! one (account, region), carried by one SQS message.
//!
//! A deployment governs its own account (the default, today's behaviour), an explicit
//! list of member accounts, or every account AWS Organizations lists (optionally only
//! those under some organisational units). Member accounts are read through a role of
//! the same name in each (`arn:aws:iam::<account>:role/<name>`).

use crate::error::BoxError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;

/// A setting or message that does not say which account and region to audit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error(
        "{0:?} is not an AWS account ID (12 digits); expected a comma list of account IDs or `organization`"
    )]
    NotAnAccount(String),
    #[error("{0:?} is not an organisational unit or root ID (ou-xxxx-xxxxxxxx or r-xxxx)")]
    NotAUnit(String),
    #[error("organisational units apply only to STREAMWARDEN_ACCOUNTS=organization")]
    UnitsWithoutOrganization,
    #[error("not a Streamwarden fan-out message ({{work, account, region, run, scheduled}}): {0}")]
    Malformed(String),
    #[error("region {0:?} is not a region name")]
    NotARegion(String),
}

/// A governed account, with the name AWS Organizations gives it (when it does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccount {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An account that could not be reached. `error_type` is stable, for alarms and
/// dead-letter triage.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("account {account}: cannot assume {role_arn}: {summary}")]
    AssumeRole {
        account: String,
        role_arn: String,
        /// The service's error code (`AccessDenied`, ...).
        code: Option<String>,
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error("AWS Organizations {operation} failed: {summary}")]
    Organizations {
        operation: &'static str,
        code: Option<String>,
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error(
        "account {account} is not governed by this deployment (STREAMWARDEN_ACCOUNTS: {governed}): not audited"
    )]
    NotGoverned { account: String, governed: String },
}

impl AccessError {
    pub fn error_type(&self) -> &'static str {
        match self {
            AccessError::AssumeRole { code, .. } if code.as_deref() == Some("AccessDenied") => {
                "AssumeRoleDenied"
            }
            AccessError::AssumeRole { .. } => "AssumeRoleFailed",
            AccessError::Organizations { .. } => "OrganizationsError",
            AccessError::NotGoverned { .. } => "UngovernedAccount",
        }
    }
}

/// The port to the governed accounts: which they are, and each one's AppStream
/// inventory (through its member role; the deployment's own account with its own
/// credentials).
pub trait Members<I>: Send + Sync {
    /// The governed accounts now (the configured list, or Organizations' active
    /// accounts).
    fn accounts(&self) -> impl Future<Output = Result<Vec<MemberAccount>, AccessError>> + Send;

    /// The inventory of one governed account's region.
    fn inventory(&self, target: &Target) -> impl Future<Output = Result<I, AccessError>> + Send;
}

/// A fan-out send that failed: the scheduled run fails (and is retried by EventBridge)
/// rather than silently skip an account.
#[derive(Debug, thiserror::Error)]
#[error("SQS SendMessageBatch to {queue} failed for {failed} message(s): {summary}")]
pub struct QueueError {
    pub queue: String,
    pub failed: usize,
    pub summary: String,
    #[source]
    pub source: Option<BoxError>,
}

impl QueueError {
    pub fn error_type(&self) -> &'static str {
        "FanOutError"
    }
}

/// The queue a scheduled run sends its (account, region) messages to.
pub trait WorkQueue: Send + Sync {
    /// Sends every message (in batches), or fails naming how many were not sent.
    fn send(
        &self,
        messages: &[FanOutMessage],
    ) -> impl Future<Output = Result<(), QueueError>> + Send;
}

/// One message per governed account and region: the plan of a scheduled run.
pub fn plan(
    work: Work,
    accounts: &[MemberAccount],
    regions: &[String],
    run: &str,
    scheduled: chrono::DateTime<chrono::Utc>,
) -> Vec<FanOutMessage> {
    accounts
        .iter()
        .flat_map(|a| {
            regions.iter().map(move |r| FanOutMessage {
                work,
                account: a.id.clone(),
                region: r.clone(),
                run: run.to_owned(),
                scheduled,
            })
        })
        .collect()
}

/// The accounts a deployment governs (`STREAMWARDEN_ACCOUNTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Governed {
    /// Unset: the deployment's own account, with the function's own credentials.
    Home,
    /// An explicit list of account IDs.
    List(Vec<String>),
    /// `organization`: the active accounts AWS Organizations lists; under the given
    /// organisational units (or roots) only, when some are given
    /// (`STREAMWARDEN_ORGANIZATIONAL_UNITS`).
    Organization { units: Vec<String> },
}

impl Governed {
    /// Parses `STREAMWARDEN_ACCOUNTS` and `STREAMWARDEN_ORGANIZATIONAL_UNITS`.
    pub fn parse(accounts: Option<&str>, units: Option<&str>) -> Result<Governed, OrgError> {
        let units: Vec<String> = comma_list(units.unwrap_or(""));
        if let Some(bad) = units.iter().find(|u| !is_unit_id(u)) {
            return Err(OrgError::NotAUnit(bad.clone()));
        }
        let Some(accounts) = accounts.map(str::trim).filter(|a| !a.is_empty()) else {
            if !units.is_empty() {
                return Err(OrgError::UnitsWithoutOrganization);
            }
            return Ok(Governed::Home);
        };
        if accounts.eq_ignore_ascii_case("organization") {
            return Ok(Governed::Organization { units });
        }
        if !units.is_empty() {
            return Err(OrgError::UnitsWithoutOrganization);
        }
        let list = comma_list(accounts);
        if let Some(bad) = list.iter().find(|a| !is_account_id(a)) {
            return Err(OrgError::NotAnAccount(bad.clone()));
        }
        let mut unique = list.clone();
        unique.sort();
        unique.dedup();
        Ok(Governed::List(unique))
    }

    /// Whether member accounts are governed (through their roles).
    pub fn is_members(&self) -> bool {
        !matches!(self, Governed::Home)
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Twelve ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_unit_id(text: &str) -> bool {
    let body_ok =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (text.starts_with("ou-") || text.starts_with("r-")) && body_ok(text)
}

/// An IAM role name: 1 to 64 of `A-Za-z0-9+=,.@_-`.
pub fn is_role_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The member role of an account.
pub fn role_arn(partition: &str, account: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// One account in one region: what one fan-out message (and one invocation) audits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub account: String,
    pub region: String,
}

impl Target {
    pub fn new(account: &str, region: &str) -> Self {
        Target {
            account: account.to_owned(),
            region: region.to_owned(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

/// What a fan-out message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Work {
    /// The fleet-auditor's sweep of one (account, region).
    Sweep,
    /// The session-recorder's poll of one (account, region).
    Poll,
}

impl Work {
    pub fn as_str(self) -> &'static str {
        match self {
            Work::Sweep => "sweep",
            Work::Poll => "poll",
        }
    }
}

/// The body of one fan-out SQS message (JSON). `run` is the scheduled event's ID, the
/// same for every message of one run, so a message delivered twice changes nothing
/// twice (history items are keyed by it). The message's attributes repeat `account`,
/// `region` and `work`, so a dead-letter queue names them in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOutMessage {
    pub work: Work,
    pub account: String,
    pub region: String,
    pub run: String,
    /// When the scheduled run started (RFC 3339).
    pub scheduled: chrono::DateTime<chrono::Utc>,
}

impl FanOutMessage {
    pub fn target(&self) -> Target {
        Target::new(&self.account, &self.region)
    }

    /// Reads a message body; a malformed one names what is wrong.
    pub fn parse(body: &str) -> Result<FanOutMessage, OrgError> {
        let message: FanOutMessage =
            serde_json::from_str(body).map_err(|e| OrgError::Malformed(e.to_string()))?;
        if !is_account_id(&message.account) {
            return Err(OrgError::NotAnAccount(message.account));
        }
        if message.region.is_empty()
            || !message
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(OrgError::NotARegion(message.region));
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_home_a_list_or_the_organization() {
        assert_eq!(Governed::parse(None, None), Ok(Governed::Home));
        assert_eq!(Governed::parse(Some("  "), None), Ok(Governed::Home));
        assert_eq!(
            Governed::parse(Some("222222222222, 111111111111,111111111111"), None),
            Ok(Governed::List(vec![
                "111111111111".to_owned(),
                "222222222222".to_owned()
            ]))
        );
        assert_eq!(
            Governed::parse(Some("organization"), Some("ou-ab12-34cd56ef, r-ab12")),
            Ok(Governed::Organization {
                units: vec!["ou-ab12-34cd56ef".to_owned(), "r-ab12".to_owned()]
            })
        );
        for (accounts, units, says) in [
            (Some("1111"), None, "\"1111\" is not an AWS account ID"),
            (Some("111111111111,abc"), None, "\"abc\""),
            (None, Some("ou-1"), "only to"),
            (Some("111111111111"), Some("ou-1"), "only to"),
            (Some("organization"), Some("team-a"), "\"team-a\""),
        ] {
            let e = Governed::parse(accounts, units).unwrap_err().to_string();
            assert!(e.contains(says), "{accounts:?} {units:?}: {e}");
        }
    }

    #[test]
    fn role_names_and_arns() {
        assert!(is_role_name("StreamwardenAudit"));
        assert!(is_role_name("a+=,.@_-b"));
        assert!(!is_role_name(""));
        assert!(!is_role_name("a/b"));
        assert!(!is_role_name(&"x".repeat(65)));
        assert_eq!(
            role_arn("aws", "111111111111", "R"),
            "arn:aws:iam::111111111111:role/R"
        );
    }

    #[test]
    fn a_message_round_trips_and_a_poison_one_says_why() {
        let m = FanOutMessage {
            work: Work::Sweep,
            account: "111111111111".to_owned(),
            region: "eu-west-1".to_owned(),
            run: "e-1".to_owned(),
            scheduled: "2026-11-30T07:00:00Z".parse().unwrap(),
        };
        let body = serde_json::to_string(&m).unwrap();
        assert!(body.contains(r#""work":"sweep""#), "{body}");
        assert_eq!(FanOutMessage::parse(&body), Ok(m));
        for (body, says) in [
            ("not json", "not a Streamwarden fan-out message"),
            (r#"{"work":"sweep"}"#, "missing field"),
            (
                r#"{"work":"dance","account":"111111111111","region":"eu-west-1","run":"r","scheduled":"2026-11-30T07:00:00Z"}"#,
                "unknown variant",
            ),
            (
                r#"{"work":"poll","account":"1","region":"eu-west-1","run":"r","scheduled":"2026-11-30T07:00:00Z"}"#,
                "not an AWS account ID",
            ),
            (
                r#"{"work":"poll","account":"111111111111","region":"EU","run":"r","scheduled":"2026-11-30T07:00:00Z"}"#,
                "not a region name",
            ),
        ] {
            let e = FanOutMessage::parse(body).unwrap_err().to_string();
            assert!(e.contains(says), "{body}: {e}");
        }
    }
}
