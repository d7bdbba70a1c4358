//! A streaming session as DescribeSessions reports it.

use crate::finding::Source;
use chrono::{DateTime, Utc};

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
    pub source: Source,
}
