//! The compliance store: what the table holds, its keys and attribute names, and the
//! port the services use. The DynamoDB adapter is [`crate::aws::dynamodb`].
//!
//! One table, on-demand. Access patterns, each a GetItem or a Query (never a Scan):
//! Every key names the account, then the region (`<account>#<region>`), so one table
//! holds an organisation: a deployment's own account as well as its members. Tables of
//! the single-account layout (keys without the account) are moved once by
//! `streamwarden migrate-table` (docs/organization.md); the functions refuse to start on
//! one that still holds them, so nothing is read half-migrated.
//!
//! 1. current compliance of one resource: GetItem `PK = RES#<account>#<region>#<type>#<name>`,
//!    `SK = STATE`; every non-compliant resource: Query the sparse index `gsi1`
//!    (`GSI1PK = NONCOMPLIANT`), which holds only states with open findings;
//! 2. finding history of one resource, newest first: Query `PK`, `SK` begins with
//!    `HIST#`, descending; every finding change of a region in a period: Query `gsi2`
//!    (`GSI2PK = CHANGES#<account>#<region>#<YYYY-MM-DD>`) per day;
//! 3. sessions (one item per session, `PK = SESSION#<account>#<region>#<id>`, `SK = SESSION`):
//!    of one fleet in a time range: Query `gsi1` (`GSI1PK = FLEET#<account>#<region>#<fleet>`,
//!    `GSI1SK` = start time `#` session ID); of one user: Query `gsi2`
//!    (`GSI2PK = USER#<user>`: a person across accounts); of one instance: Query `gsi3`
//!    (`GSI3PK = INSTANCE#<account>#<region>#<instance>`, only sessions with an InstanceId);
//! 4. open sessions of one fleet: Query the sparse `gsi4` (`GSI4PK = OPEN#<account>#<region>#<fleet>`),
//!    which holds a session only until the recorder closes it;
//! 5. capacity snapshots of one fleet in a time range: Query `PK = SNAP#<account>#<region>#<fleet>`,
//!    `SK` between two times.
//!
//! The recorder's own bookkeeping is one item per account and region,
//! `PK = RECORDER#<account>#<region>`,
//! `SK = STATE`. Every range key that holds a time is RFC 3339 UTC with whole seconds
//! (`2026-11-27T04:55:00Z`), so text order is time order.

pub mod records;

pub mod sessions;

pub use records::{HistoryRecord, ResourceState, StoredFinding, TriggerRecord};
pub use sessions::{SessionQuery, SessionStore, SessionsOf};

use crate::error::BoxError;
use crate::finding::ResourceType;
pub use crate::org::Target;
use std::future::Future;

/// Attribute and index names, shared by the adapter, the template test and the docs.
pub mod schema {
    pub const PK: &str = "PK";
    pub const SK: &str = "SK";
    pub const GSI1: &str = "gsi1";
    pub const GSI1_PK: &str = "GSI1PK";
    pub const GSI1_SK: &str = "GSI1SK";
    pub const TTL: &str = "ttl";
    pub const STATE_SK: &str = "STATE";
    pub const HISTORY_PREFIX: &str = "HIST#";
    pub const NONCOMPLIANT: &str = "NONCOMPLIANT";
    pub const GSI2: &str = "gsi2";
    pub const GSI2_PK: &str = "GSI2PK";
    pub const GSI2_SK: &str = "GSI2SK";
    pub const GSI3: &str = "gsi3";
    pub const GSI3_PK: &str = "GSI3PK";
    pub const GSI3_SK: &str = "GSI3SK";
    pub const GSI4: &str = "gsi4";
    pub const GSI4_PK: &str = "GSI4PK";
    pub const GSI4_SK: &str = "GSI4SK";
    pub const SESSION_SK: &str = "SESSION";

    /// Every global secondary index: name, partition key, sort key. All project every
    /// attribute. template.yaml declares the same (a test compares them).
    pub const INDEXES: [(&str, &str, &str); 4] = [
        (GSI1, GSI1_PK, GSI1_SK),
        (GSI2, GSI2_PK, GSI2_SK),
        (GSI3, GSI3_PK, GSI3_SK),
        (GSI4, GSI4_PK, GSI4_SK),
    ];
}

/// A resource of one account in one region: the partition of its state and history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub account: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub name: String,
}

impl ResourceKey {
    pub fn new(target: &Target, resource_type: ResourceType, name: &str) -> Self {
        ResourceKey {
            account: target.account.clone(),
            region: target.region.clone(),
            resource_type,
            name: name.to_owned(),
        }
    }

    pub fn target(&self) -> Target {
        Target::new(&self.account, &self.region)
    }

    /// The partition key.
    pub fn pk(&self) -> String {
        format!(
            "RES#{}#{}#{}#{}",
            self.account,
            self.region,
            self.resource_type.as_str(),
            self.name
        )
    }
}

/// The result of a conditional commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    Written,
    /// Someone else changed the state first (an overlapping invocation): read again.
    Conflict,
}

/// A store call that failed. The adapter keeps the service's code and message as text
/// and its own error as the source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} on table {table} failed: {summary}")]
    Call {
        operation: &'static str,
        table: String,
        /// The service's error code (`ProvisionedThroughputExceededException`, ...).
        code: Option<String>,
        /// `code: message`, or the transport error's text.
        summary: String,
        #[source]
        source: BoxError,
    },
    #[error("DynamoDB request for table {table} could not be built: {source}")]
    Build {
        table: String,
        #[source]
        source: BoxError,
    },
    #[error(
        "DynamoDB left {count} item(s) unprocessed in table {table} after {attempts} BatchWriteItem attempts"
    )]
    Unprocessed {
        table: String,
        count: usize,
        attempts: u32,
    },
    #[error("item {key} in table {table} is not a valid {what}: {source}")]
    Corrupt {
        table: String,
        key: String,
        what: &'static str,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// The table was throttled (after the SDK's retries, or with batch items left over).
    pub fn is_throttling(&self) -> bool {
        match self {
            StoreError::Call { code, .. } => matches!(
                code.as_deref(),
                Some(
                    "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded"
                )
            ),
            StoreError::Unprocessed { .. } => true,
            StoreError::Build { .. } | StoreError::Corrupt { .. } => false,
        }
    }

    /// Stable, for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        match self {
            _ if self.is_throttling() => "StoreThrottled",
            StoreError::Corrupt { .. } => "StoreCorrupt",
            _ => "StoreError",
        }
    }
}

/// Where compliance state and history live.
pub trait FindingStore {
    /// The stored state of one resource, if any.
    fn state(
        &self,
        key: &ResourceKey,
    ) -> impl Future<Output = Result<Option<ResourceState>, StoreError>> + Send;

    /// Writes the new state and its history items atomically, if the stored version is
    /// still `expected_version` (`None`: no state yet). History items are written only
    /// if new, so a redelivered event never duplicates them.
    fn commit(
        &self,
        state: &ResourceState,
        expected_version: Option<u64>,
        history: &[HistoryRecord],
    ) -> impl Future<Output = Result<Commit, StoreError>> + Send;

    /// Marks the pending alert of a state as sent (if it is still the one given).
    fn clear_outbox(
        &self,
        key: &ResourceKey,
        alert_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the pending Security Hub export of a state as imported (if it is still the
    /// one given).
    fn clear_export(
        &self,
        key: &ResourceKey,
        export_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every resource with open findings (the sparse index), in one region or all.
    fn noncompliant(
        &self,
        region: Option<&str>,
    ) -> impl Future<Output = Result<Vec<ResourceState>, StoreError>> + Send;

    /// Every finding change of one account's region in `[since, until]`, oldest first
    /// (the changes-by-day index, one Query per day).
    fn changes(
        &self,
        target: &Target,
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<Vec<HistoryRecord>, StoreError>> + Send;

    /// The history of one resource, newest first.
    fn history(
        &self,
        key: &ResourceKey,
        limit: Option<i32>,
    ) -> impl Future<Output = Result<Vec<HistoryRecord>, StoreError>> + Send;
}
