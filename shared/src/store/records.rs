//! The items of the compliance table, as serde records (mapped to AttributeValues by
//! serde_dynamo in the adapter).

use super::{ResourceKey, Target, schema};
use crate::finding::{ResourceType, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One open finding as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub remediation: String,
    pub opened_at: DateTime<Utc>,
    /// `described` (the resource as it is) or `request` (seen only in a Create/Update
    /// request: sweeps do not resolve it, the next request or a deletion does).
    pub source: String,
}

/// Who or what caused a change, as stored in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRecord {
    /// `schedule` or `cloudtrail`.
    pub kind: String,
    /// The CloudTrail event ID, or the scheduled event's ID.
    pub id: String,
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
}

impl TriggerRecord {
    /// A scheduled run (EventBridge `Scheduled Event`).
    pub fn schedule(id: String, time: DateTime<Utc>) -> Self {
        TriggerRecord {
            kind: "schedule".to_owned(),
            id,
            time,
            event_name: None,
            principal: None,
            source_ip: None,
        }
    }
}

/// The alert a committed change still has to send (transactional outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAlert {
    pub id: String,
    pub subject: String,
    pub message: String,
    pub attributes: BTreeMap<String, String>,
}

/// The current compliance of one resource (`SK = STATE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(default)]
    pub account: String,
    pub region: String,
    pub resource_type: ResourceType,
    pub resource: String,
    /// Open findings by rule ID.
    pub findings: BTreeMap<String, StoredFinding>,
    /// Bumped on every commit; commits are conditional on it.
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    /// Set only while findings are open: the sparse non-compliance index.
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1_pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1_sk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<PendingAlert>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<PendingExport>,
    /// Findings a waiver covers, by rule ID: kept (only while the Security Hub export is
    /// on) so the export shows them suppressed, never alerted or counted as open.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waived: BTreeMap<String, StoredFinding>,
}

pub use PendingAlert as Outbox;

/// The Security Hub findings a committed change still has to import (a second outbox,
/// cleared on its own: an alert sent and an import failed do not send the alert again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingExport {
    pub id: String,
    pub findings: Vec<crate::report::asff::AsffFinding>,
    /// Workflow changes to make after the import (`BatchUpdateFindings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflow: Vec<crate::export::WorkflowUpdate>,
}

impl ResourceState {
    /// A state with the given open findings, indexed as non-compliant when any is open.
    pub fn new(
        key: &ResourceKey,
        findings: BTreeMap<String, StoredFinding>,
        version: u64,
        updated_at: DateTime<Utc>,
    ) -> Self {
        let worst = findings.values().map(|f| f.severity).max();
        ResourceState {
            pk: key.pk(),
            sk: schema::STATE_SK.to_owned(),
            account: key.account.clone(),
            region: key.region.clone(),
            resource_type: key.resource_type,
            resource: key.name.clone(),
            gsi1_pk: worst.map(|_| schema::NONCOMPLIANT.to_owned()),
            // Highest severity first when the index is read in ascending order.
            gsi1_sk: worst.map(|s| {
                format!(
                    "{}#{}#{}#{}",
                    9 - s as u8,
                    key.account,
                    key.region,
                    key.name
                )
            }),
            findings,
            version,
            updated_at,
            outbox: None,
            export: None,
            waived: BTreeMap::new(),
        }
    }

    /// Sets the waived findings. A state with waived findings and no open one stays in
    /// the sparse index, after every open one (`GSI1SK` W#...), so the sweep still finds
    /// it; readers of the index see no open finding in it.
    pub fn with_waived(mut self, waived: BTreeMap<String, StoredFinding>) -> Self {
        if self.gsi1_pk.is_none() && !waived.is_empty() {
            self.gsi1_pk = Some(schema::NONCOMPLIANT.to_owned());
            self.gsi1_sk = Some(format!(
                "W#{}#{}#{}",
                self.account, self.region, self.resource
            ));
        }
        self.waived = waived;
        self
    }

    pub fn key(&self) -> ResourceKey {
        ResourceKey {
            account: self.account.clone(),
            region: self.region.clone(),
            resource_type: self.resource_type,
            name: self.resource.clone(),
        }
    }
}

/// The partition of one account's region's finding changes of one day (gsi2).
pub fn changes_pk(target: &Target, day: chrono::NaiveDate) -> String {
    format!(
        "CHANGES#{}#{}#{}",
        target.account,
        target.region,
        day.format("%Y-%m-%d")
    )
}

/// One change of one finding (`SK = HIST#<time>#<trigger id>#<rule>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub rule_id: String,
    /// `opened`, `resolved`, `raised` or `lowered` (severity).
    pub change: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    pub message: String,
    pub trigger: TriggerRecord,
    /// Expiry (epoch seconds) for DynamoDB TTL.
    pub ttl: i64,
    /// The region's changes of one day, `CHANGES#<account>#<region>#<YYYY-MM-DD>` (gsi2), so the
    /// digest finds every change of a period without reading every resource.
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2_pk: Option<String>,
    /// The time, trigger and rule of [`Self::sk`], then the resource's key.
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2_sk: Option<String>,
}

impl HistoryRecord {
    /// Sets the keys of the changes-by-day index from `pk`, `sk` and the trigger time.
    pub fn index_by_day(&mut self, target: &Target) {
        self.gsi2_pk = Some(changes_pk(target, self.trigger.time.date_naive()));
        let rest = self
            .sk
            .strip_prefix(schema::HISTORY_PREFIX)
            .unwrap_or(&self.sk);
        self.gsi2_sk = Some(format!("{rest}#{}", self.pk));
    }

    /// The resource's key, from the partition key.
    pub fn key(&self) -> Option<ResourceKey> {
        let mut parts = self.pk.splitn(5, '#');
        let (_, account, region, kind, name) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        Some(ResourceKey {
            account: account.to_owned(),
            region: region.to_owned(),
            resource_type: ResourceType::parse(kind)?,
            name: name.to_owned(),
        })
    }

    /// The resource type and name, from the partition key.
    pub fn resource(&self) -> Option<(ResourceType, String)> {
        self.key().map(|k| (k.resource_type, k.name))
    }

    /// The sort key: time first (newest-first queries), then the trigger and the rule,
    /// so the same event never writes the same history twice.
    pub fn sort_key(trigger: &TriggerRecord, rule_id: &str) -> String {
        format!(
            "{}{}#{}#{}",
            schema::HISTORY_PREFIX,
            trigger.time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            trigger.id,
            rule_id
        )
    }
}
