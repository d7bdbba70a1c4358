//! The compliance digest: per account and region, the open findings (with their age),
//! what opened and resolved in the period, and how the fleets were used (sessions,
//! unique users, session-hours, peak concurrency, multi-session packing, capacity
//! headroom, idle fleets). Built from the table by [`build`], rendered by [`render`]
//! for SNS (e-mail and AWS Chatbot), the CLI and one self-contained HTML page.

pub mod build;
pub mod controls;
pub mod render;

pub use build::{DigestError, DigestSource, build};

use crate::finding::{ResourceType, Severity};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub account: String,
    pub generated_at: DateTime<Utc>,
    /// The period: usage and finding changes from `since` to `until`.
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub regions: Vec<RegionDigest>,
}

/// One region of the digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionDigest {
    /// The account this section is of (the digest's own, or a governed member).
    pub account: String,
    /// The account's name, where AWS Organizations gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The account is no longer governed: not audited, its findings kept open as they
    /// were last seen (set by the digest function).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_audited: bool,
    pub region: String,
    /// Open findings, most severe first, then oldest first.
    pub open: Vec<OpenFinding>,
    /// Open findings per severity (every severity present, zeros included).
    pub open_by_severity: BTreeMap<Severity, usize>,
    /// Findings opened, raised or resolved in the period, oldest first.
    pub changes: Vec<FindingChange>,
    /// Usage per fleet the session recorder knows, by fleet name.
    pub fleets: Vec<FleetUsage>,
    /// Parts of this region that could not be read (the rest is still reported).
    pub errors: Vec<String>,
}

/// A finding open at the end of the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenFinding {
    pub resource_type: ResourceType,
    pub resource: String,
    pub rule_id: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub opened_at: DateTime<Utc>,
    /// How long it has been open at the end of the period, in whole hours.
    pub age_hours: i64,
}

/// A finding that opened, was raised or was resolved in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingChange {
    pub resource_type: ResourceType,
    pub resource: String,
    pub rule_id: String,
    pub severity: Severity,
    /// `opened`, `raised` or `resolved`.
    pub change: String,
    pub time: DateTime<Utc>,
    pub message: String,
}

/// How one fleet was used in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetUsage {
    pub fleet: String,
    /// The fleet's state at the end of the period (latest snapshot), e.g. `RUNNING`.
    pub state: Option<String>,
    pub fleet_type: Option<String>,
    /// MaxSessionsPerInstance; `None` for single-session fleets.
    pub max_sessions_per_instance: Option<i64>,
    /// Sessions that ran in the period (any part of it).
    pub sessions: usize,
    pub unique_users: usize,
    /// Session-hours within the period, at least and at most: a session's end is known
    /// only between two recorder runs.
    pub session_hours_min: f64,
    pub session_hours_max: f64,
    /// Most sessions at once (from the capacity snapshots), and when first reached.
    pub peak_concurrent: u32,
    pub peak_at: Option<DateTime<Utc>>,
    /// Multi-session packing over the period's snapshots with sessions on instances:
    /// mean of the mean sessions per busy instance, and the most on one instance.
    pub average_sessions_per_instance: Option<f64>,
    pub peak_sessions_per_instance: Option<u32>,
    /// Multi-session fleets: instances in drain mode at the end of the period
    /// (DrainSessionInstance), which take no new session.
    pub draining_instances: Option<u32>,
    /// Spare capacity as a share (0.0 to 1.0): multi-session by user sessions
    /// (AvailableUserSessions / ActualUserSessions), single-session by instances
    /// (Available / Running). The lowest in the period, and at its end.
    pub min_headroom: Option<f64>,
    pub headroom_now: Option<f64>,
    /// Running through the period with no session: capacity paid for and unused.
    pub idle: bool,
    /// Sessions over time (one point per snapshot in the period, the first at `since`),
    /// for charts.
    pub series: Vec<UsagePoint>,
}

/// Sessions on a fleet from `time` until the next point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UsagePoint {
    pub time: DateTime<Utc>,
    pub sessions: u32,
    pub active: u32,
}

impl Digest {
    pub fn open_count(&self) -> usize {
        self.regions.iter().map(|r| r.open.len()).sum()
    }

    /// An organisation digest: some section is of another account than the digest's.
    pub fn is_organization(&self) -> bool {
        self.regions.iter().any(|r| r.account != self.account)
    }

    /// The most severe open finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.regions
            .iter()
            .flat_map(|r| r.open.iter().map(|f| f.severity))
            .max()
    }
}
