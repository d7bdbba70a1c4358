//! A streaming session as DescribeSessions reports it, and as the session recorder's
//! observations track it over runs.

use crate::finding::Source;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One streaming session. `user_id` is often an e-mail address: never log it above
/// debug level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub stack_name: String,
    pub fleet_name: String,
    pub state: String,
    pub connection_state: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub max_expiration_time: Option<DateTime<Utc>>,
    pub authentication_type: Option<String>,
    /// The instance hosting the session; several sessions share one on multi-session fleets.
    pub instance_id: Option<String>,
    /// `ACTIVE`, `DRAINING` or `NOT_APPLICABLE` (2026-04): whether the session's instance
    /// is in drain mode.
    pub instance_drain_status: Option<String>,
    pub source: Source,
}

/// How a session's user signed in. DescribeSessions returns only API (streaming URL)
/// sessions unless asked for another type, so a complete read asks for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthenticationType {
    Api,
    Saml,
    Userpool,
    AwsAd,
}

impl AuthenticationType {
    /// Every type DescribeSessions knows.
    pub const ALL: [AuthenticationType; 4] = [
        AuthenticationType::Api,
        AuthenticationType::Saml,
        AuthenticationType::Userpool,
        AuthenticationType::AwsAd,
    ];

    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthenticationType::Api => "API",
            AuthenticationType::Saml => "SAML",
            AuthenticationType::Userpool => "USERPOOL",
            AuthenticationType::AwsAd => "AWS_AD",
        }
    }
}

/// One observed State and ConnectionState of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_state: Option<String>,
    /// The first run that saw it.
    pub seen: DateTime<Utc>,
    /// The last run that still saw the previous state: the change happened in between.
    /// `None` for the first observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<DateTime<Utc>>,
}

/// Sessions on one instance at a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceLoad {
    /// Sessions placed on it (any state).
    pub sessions: u32,
    /// ACTIVE sessions.
    pub active: u32,
    /// The first run of the unbroken stretch in which it hosted sessions.
    pub busy_since: DateTime<Utc>,
    /// A session on it reports InstanceDrainStatus `DRAINING`: it takes no new session.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draining: bool,
}

/// An open session as the recorder's runs have tracked it: what the session rules judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedSession {
    pub session_id: String,
    pub state: String,
    pub connection_state: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    /// Every observed change of State or ConnectionState, oldest first.
    pub changes: Vec<Observation>,
}

impl TrackedSession {
    /// Since when the recorder has seen the session NOT_CONNECTED without a break: the
    /// first run of the current stretch (never earlier, so a rule never overstates).
    pub fn disconnected_since(&self) -> Option<DateTime<Utc>> {
        if self.connection_state.as_deref() != Some("NOT_CONNECTED") {
            return None;
        }
        let mut since = None;
        for change in self.changes.iter().rev() {
            if change.connection_state.as_deref() == Some("NOT_CONNECTED") {
                since = Some(change.seen);
            } else {
                break;
            }
        }
        since
    }
}
