//! The session recorder's items: one record per streaming session, capacity snapshots
//! per fleet, and the recorder's own bookkeeping per region (see [`super`] for the keys
//! and indexes that serve each query).
//!
//! A session is only ever known from the recorder's runs, so every time the record
//! holds is either reported by AppStream (StartTime, MaxExpirationTime) or the time of a
//! run. An end is never a single instant: it lies between the last run that saw the
//! session (`ended_after`) and the first that did not (`ended_before`).

use super::{StoreError, Target, schema};
use crate::model::TrackedSession;
pub use crate::model::{InstanceLoad, Observation};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// A time as range keys hold it: RFC 3339 UTC, whole seconds, so text order is time order.
pub fn key_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn session_pk(target: &Target, session_id: &str) -> String {
    format!("SESSION#{}#{}#{session_id}", target.account, target.region)
}

pub fn fleet_sessions_pk(target: &Target, fleet: &str) -> String {
    format!("FLEET#{}#{}#{fleet}", target.account, target.region)
}

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

pub fn instance_pk(target: &Target, instance_id: &str) -> String {
    format!(
        "INSTANCE#{}#{}#{instance_id}",
        target.account, target.region
    )
}

pub fn open_pk(target: &Target, fleet: &str) -> String {
    format!("OPEN#{}#{}#{fleet}", target.account, target.region)
}

pub fn snapshot_pk(target: &Target, fleet: &str) -> String {
    format!("SNAP#{}#{}#{fleet}", target.account, target.region)
}

pub fn recorder_pk(target: &Target) -> String {
    format!("RECORDER#{}#{}", target.account, target.region)
}

/// One streaming session (`PK = SESSION#<account>#<region>#<id>`, `SK = SESSION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(default)]
    pub account: String,
    pub region: String,
    pub session_id: String,
    pub user_id: String,
    pub stack: String,
    pub fleet: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<String>,
    /// Multi-session fleets place several sessions on one instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The latest InstanceDrainStatus (2026-04): `DRAINING` once DrainSessionInstance put
    /// its instance in drain mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_drain_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_expiration_time: Option<DateTime<Utc>>,
    /// The latest observed State and ConnectionState.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_state: Option<String>,
    /// Every observed change of State or ConnectionState, oldest first.
    pub changes: Vec<Observation>,
    pub first_seen: DateTime<Utc>,
    /// The last run that saw it and wrote the record (runs that see nothing new do not
    /// write; the region's [`RecorderState`] knows when the fleet was last read).
    pub last_seen: DateTime<Utc>,
    /// Set when the session is gone: it ended after this run saw it last...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_after: Option<DateTime<Utc>>,
    /// ...and before this run found it gone (or its MaxExpirationTime, if earlier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_before: Option<DateTime<Utc>>,
    #[serde(rename = "GSI1PK")]
    pub gsi1_pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1_sk: String,
    #[serde(rename = "GSI2PK")]
    pub gsi2_pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2_sk: String,
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3_pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3_sk: Option<String>,
    /// Present while the session is open: the sparse index of open sessions per fleet.
    #[serde(rename = "GSI4PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi4_pk: Option<String>,
    #[serde(rename = "GSI4SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi4_sk: Option<String>,
    pub ttl: i64,
}

impl SessionRecord {
    pub fn target(&self) -> Target {
        Target::new(&self.account, &self.region)
    }

    /// When it began as far as anyone knows: StartTime, or the first run that saw it.
    pub fn began(&self) -> DateTime<Utc> {
        self.start_time.unwrap_or(self.first_seen)
    }

    pub fn is_open(&self) -> bool {
        self.ended_before.is_none()
    }

    /// Sets every derived key from the fields (call after changing them).
    pub fn index(&mut self) {
        let order = format!("{}#{}", key_time(self.began()), self.session_id);
        let target = self.target();
        self.pk = session_pk(&target, &self.session_id);
        self.sk = schema::SESSION_SK.to_owned();
        self.gsi1_pk = fleet_sessions_pk(&target, &self.fleet);
        self.gsi1_sk = order.clone();
        self.gsi2_pk = user_pk(&self.user_id);
        self.gsi2_sk = order.clone();
        self.gsi3_pk = self.instance_id.as_deref().map(|i| instance_pk(&target, i));
        self.gsi3_sk = self.instance_id.as_ref().map(|_| order.clone());
        if self.is_open() {
            self.gsi4_pk = Some(open_pk(&target, &self.fleet));
            self.gsi4_sk = Some(order);
        } else {
            self.gsi4_pk = None;
            self.gsi4_sk = None;
        }
    }

    /// What the session rules judge of it.
    pub fn tracked(&self) -> TrackedSession {
        TrackedSession {
            session_id: self.session_id.clone(),
            state: self.state.clone(),
            connection_state: self.connection_state.clone(),
            start_time: self.start_time,
            changes: self.changes.clone(),
        }
    }

    /// How long it ran, at least and at most (`None` while open or without bounds).
    pub fn duration_bounds(&self) -> Option<(chrono::Duration, chrono::Duration)> {
        let (after, before) = (self.ended_after?, self.ended_before?);
        let began = self.began();
        Some((
            (after - began).max(chrono::Duration::zero()),
            before - began,
        ))
    }
}

/// ComputeCapacityStatus as described, every field optional (older fleets and
/// single-session fleets lack the user-session ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_use: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_user_sessions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_user_sessions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_user_sessions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_user_sessions: Option<i64>,
    /// Drain mode (2026-04): instances draining, and the user sessions on them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draining: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_mode_active_user_sessions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_mode_unused_user_sessions: Option<i64>,
}

impl CapacitySnapshot {
    /// Instances in drain mode at this run: the fleet's `Draining` counter where AppStream
    /// gives it, else the instances whose sessions report `DRAINING`.
    pub fn draining_instances(&self) -> u32 {
        match self.capacity.draining {
            Some(n) => u32::try_from(n).unwrap_or(0),
            None => self.instances.values().filter(|l| l.draining).count() as u32,
        }
    }
}

/// A fleet's capacity and load at one run (`PK = SNAP#<account>#<region>#<fleet>`, `SK` = the run's
/// time). Written when anything in it changed since the last snapshot, and at least
/// daily, so a time range always finds the snapshot in force at its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacitySnapshot {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(default)]
    pub account: String,
    pub region: String,
    pub fleet: String,
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_type: Option<String>,
    /// MaxSessionsPerInstance (absent: single-session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions_per_instance: Option<i64>,
    pub capacity: CapacityStatus,
    /// Sessions seen, any state.
    pub sessions: u32,
    pub active_sessions: u32,
    pub connected_sessions: u32,
    /// Load per instance (sessions with an InstanceId only).
    pub instances: BTreeMap<String, InstanceLoad>,
    /// Most sessions on one instance.
    pub peak_sessions_per_instance: u32,
    /// Mean sessions per instance that hosts any (0 with none).
    pub average_sessions_per_instance: f64,
    pub ttl: i64,
}

impl CapacitySnapshot {
    /// Whether two snapshots describe the same capacity and load (times aside).
    pub fn same_load(&self, other: &CapacitySnapshot) -> bool {
        self.fleet_state == other.fleet_state
            && self.fleet_type == other.fleet_type
            && self.max_sessions_per_instance == other.max_sessions_per_instance
            && self.capacity == other.capacity
            && self.sessions == other.sessions
            && self.active_sessions == other.active_sessions
            && self.connected_sessions == other.connected_sessions
            && self.instances == other.instances
    }
}

/// The recorder's bookkeeping for one account's region (`PK = RECORDER#<account>#<region>`,
/// `SK = STATE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecorderState {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(default)]
    pub account: String,
    pub region: String,
    /// The last run that listed the region's fleets.
    pub last_run: DateTime<Utc>,
    /// The fleets that run listed: a fleet missing from the next run's list is gone, and
    /// its open sessions are closed.
    #[serde(default)]
    pub fleets: BTreeSet<String>,
    /// Fleets whose sessions that run could not read completely, with the last run that
    /// did: their open sessions were last seen then, not at `last_run`.
    #[serde(default)]
    pub incomplete: BTreeMap<String, DateTime<Utc>>,
}

impl RecorderState {
    pub fn new(target: &Target, last_run: DateTime<Utc>) -> Self {
        RecorderState {
            pk: recorder_pk(target),
            sk: schema::STATE_SK.to_owned(),
            account: target.account.clone(),
            region: target.region.clone(),
            last_run,
            fleets: BTreeSet::new(),
            incomplete: BTreeMap::new(),
        }
    }

    /// When the fleet's sessions were last read completely.
    pub fn fleet_read_at(&self, fleet: &str) -> DateTime<Utc> {
        self.incomplete.get(fleet).copied().unwrap_or(self.last_run)
    }
}

/// Whose sessions a query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionsOf {
    /// A user, across fleets, accounts, regions and authentication types.
    User(String),
    Fleet {
        target: Target,
        fleet: String,
    },
    Instance {
        target: Target,
        instance: String,
    },
}

/// Sessions that ran at any time in `[since, until]` (either bound open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionQuery {
    pub of: SessionsOf,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The longest a session can run: MaxUserDurationInSeconds is at most 432,000 s (5 days).
/// A time-range query reaches back this far before `since` for sessions still running
/// at `since`.
pub const LONGEST_SESSION: chrono::Duration = chrono::Duration::days(5);

impl SessionQuery {
    /// Whether a record ran in the queried range (its start is in the key range already).
    pub fn overlaps(&self, record: &SessionRecord) -> bool {
        let began = record.began();
        self.until.is_none_or(|until| began <= until)
            && self
                .since
                .is_none_or(|since| record.ended_before.is_none_or(|ended| ended >= since))
    }
}

/// One item the recorder writes.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionItem {
    Session(SessionRecord),
    Snapshot(CapacitySnapshot),
}

/// What a batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Items written.
    pub items: usize,
    /// BatchWriteItem calls, retries included.
    pub requests: usize,
    /// Items DynamoDB returned unprocessed and that were sent again.
    pub retried: usize,
    /// Write request units, by DynamoDB's sizing (1 per KB of item, once for the table
    /// and once more per index the item is in): an estimate of what on-demand bills.
    pub write_units: u64,
}

impl std::ops::AddAssign for WriteStats {
    fn add_assign(&mut self, other: WriteStats) {
        self.items += other.items;
        self.requests += other.requests;
        self.retried += other.retried;
        self.write_units += other.write_units;
    }
}

/// Where session history, capacity snapshots and the recorder's bookkeeping live.
pub trait SessionStore {
    fn recorder_state(
        &self,
        target: &Target,
    ) -> impl Future<Output = Result<Option<RecorderState>, StoreError>> + Send;

    /// Saves the state unless a run that started later saved first (`None` then); the
    /// write units it took otherwise.
    fn save_recorder_state(
        &self,
        state: &RecorderState,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;

    /// The open sessions of one fleet (the sparse index).
    fn open_sessions(
        &self,
        target: &Target,
        fleet: &str,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, StoreError>> + Send;

    /// The fleet's latest snapshot taken at or before `at` (`None`: the latest of all).
    fn latest_snapshot(
        &self,
        target: &Target,
        fleet: &str,
        at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<Option<CapacitySnapshot>, StoreError>> + Send;

    /// Writes items in batches, retrying what DynamoDB leaves unprocessed.
    fn write(
        &self,
        items: &[SessionItem],
    ) -> impl Future<Output = Result<WriteStats, StoreError>> + Send;

    /// Sessions by user, fleet or instance in a time range, oldest first.
    fn sessions(
        &self,
        query: &SessionQuery,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, StoreError>> + Send;

    /// Snapshots of one fleet in a time range, oldest first, starting with the one in
    /// force at `since`.
    fn snapshots(
        &self,
        target: &Target,
        fleet: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<Vec<CapacitySnapshot>, StoreError>> + Send;
}
