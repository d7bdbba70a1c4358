//! Builds the digest from the table: the sparse non-compliance index (open findings),
//! the changes-by-day index (what opened and resolved), the recorder's fleet list, and
//! each fleet's sessions and capacity snapshots. Query and GetItem only; one failing
//! part of a region is reported in it and the rest is still built.

use super::{Digest, FindingChange, FleetUsage, OpenFinding, RegionDigest, UsagePoint};
use crate::finding::Severity;
use crate::store::sessions::{CapacitySnapshot, RecorderState, SessionRecord};
use crate::store::{FindingStore, SessionQuery, SessionStore, SessionsOf, StoreError, Target};
use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeMap, BTreeSet};

/// What the digest reads: the finding store and the session store.
pub trait DigestSource: FindingStore + SessionStore + Sync {}
impl<T: FindingStore + SessionStore + Sync> DigestSource for T {}

/// Why no digest was built: without a region's open findings it would read as an
/// all-clear, so it is not built at all (the function fails and is retried; the CLI
/// exits non-zero). Smaller gaps are reported inside the digest.
#[derive(Debug, thiserror::Error)]
#[error("{region}: open findings could not be read: {source}")]
pub struct DigestError {
    pub region: String,
    #[source]
    pub source: StoreError,
}

impl DigestError {
    /// Stable, for alarms and dead-letter triage: the store's.
    pub fn error_type(&self) -> &'static str {
        self.source.error_type()
    }
}

/// Fleets read at once.
const CONCURRENCY: usize = 8;

/// Builds the digest of `[since, until]` for the given accounts' regions (a
/// deployment's own account, or every governed one: then the largest sections, by open
/// findings, come first).
pub async fn build<S: DigestSource>(
    store: &S,
    account: &str,
    targets: &[Target],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Digest, DigestError> {
    let mut digest = Digest {
        account: account.to_owned(),
        generated_at: now,
        since,
        until,
        regions: Vec::new(),
    };
    for target in targets {
        digest
            .regions
            .push(region_digest(store, target, since, until).await?);
    }
    if targets.iter().any(|t| t.account != account) {
        by_account(&mut digest.regions);
    }
    Ok(digest)
}

/// An organisation digest's sections, grouped by account: the accounts with most open
/// findings first, then most changes (a stable sort keeps the given order among equals,
/// and each account's regions in the given order), so a digest cut to SNS's size keeps
/// the largest accounts.
fn by_account(regions: &mut [RegionDigest]) {
    let mut size: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in regions.iter() {
        let s = size.entry(r.account.as_str()).or_default();
        s.0 += r.open.len();
        s.1 += r.changes.len();
    }
    let first: BTreeMap<String, (std::cmp::Reverse<(usize, usize)>, usize)> = size
        .into_iter()
        .map(|(a, s)| {
            let at = regions.iter().position(|r| r.account == a).unwrap_or(0);
            (a.to_owned(), (std::cmp::Reverse(s), at))
        })
        .collect();
    regions.sort_by_key(|r| first.get(&r.account).copied());
}

async fn region_digest<S: DigestSource>(
    store: &S,
    target: &Target,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<RegionDigest, DigestError> {
    let region = target.region.as_str();
    let mut errors = Vec::new();
    let mut open = Vec::new();
    match store.noncompliant(Some(region)).await {
        Ok(states) => {
            for state in states.into_iter().filter(|s| s.account == target.account) {
                for (rule_id, f) in state.findings {
                    open.push(OpenFinding {
                        resource_type: state.resource_type,
                        resource: state.resource.clone(),
                        rule_id,
                        severity: f.severity,
                        title: f.title,
                        message: f.message,
                        opened_at: f.opened_at,
                        age_hours: (until - f.opened_at).num_hours().max(0),
                    });
                }
            }
        }
        Err(source) => {
            return Err(DigestError {
                region: region.to_owned(),
                source,
            });
        }
    }
    open.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.resource.cmp(&b.resource))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    let mut open_by_severity: BTreeMap<Severity, usize> =
        Severity::ALL.into_iter().map(|s| (s, 0)).collect();
    for f in &open {
        *open_by_severity.entry(f.severity).or_default() += 1;
    }

    let mut changes = Vec::new();
    match store.changes(target, since, until).await {
        Ok(records) => {
            for r in records {
                let Some((resource_type, resource)) = r.resource() else {
                    continue;
                };
                changes.push(FindingChange {
                    resource_type,
                    resource,
                    rule_id: r.rule_id,
                    severity: r.severity,
                    change: r.change,
                    time: r.trigger.time,
                    message: r.message,
                });
            }
        }
        Err(e) => errors.push(format!("finding changes: {e}")),
    }

    let mut fleets = Vec::new();
    match store.recorder_state(target).await {
        Ok(Some(state)) => {
            let names: Vec<String> = state.fleets.iter().cloned().collect();
            let results: Vec<(String, Result<FleetUsage, StoreError>)> = stream::iter(names)
                .map(|fleet| {
                    let state = &state;
                    async move {
                        let usage = fleet_usage(store, target, &fleet, state, since, until).await;
                        (fleet, usage)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            for (fleet, result) in results {
                match result {
                    Ok(usage) => fleets.push(usage),
                    Err(e) => errors.push(format!("fleet {fleet}: {e}")),
                }
            }
            fleets.sort_by(|a, b| a.fleet.cmp(&b.fleet));
        }
        Ok(None) => errors
            .push("no session history: the session-recorder has not run in this region".to_owned()),
        Err(e) => errors.push(format!("session history: {e}")),
    }
    Ok(RegionDigest {
        account: target.account.clone(),
        account_name: None,
        not_audited: false,
        region: region.to_owned(),
        open,
        open_by_severity,
        changes,
        fleets,
        errors,
    })
}

async fn fleet_usage<S: DigestSource>(
    store: &S,
    target: &Target,
    fleet: &str,
    state: &RecorderState,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<FleetUsage, StoreError> {
    let sessions = store
        .sessions(&SessionQuery {
            of: SessionsOf::Fleet {
                target: target.clone(),
                fleet: fleet.to_owned(),
            },
            since: Some(since),
            until: Some(until),
        })
        .await?;
    let snapshots = store
        .snapshots(target, fleet, Some(since), Some(until))
        .await?;
    Ok(usage(
        fleet,
        &sessions,
        &snapshots,
        state.fleet_read_at(fleet),
        since,
        until,
    ))
}

/// A fleet's usage from its sessions and snapshots. `read_at`: when the recorder last
/// read the fleet completely (open sessions ran at least until then).
pub fn usage(
    fleet: &str,
    sessions: &[SessionRecord],
    snapshots: &[CapacitySnapshot],
    read_at: DateTime<Utc>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> FleetUsage {
    let hours = |d: Duration| d.num_seconds().max(0) as f64 / 3600.0;
    let (mut least, mut most) = (0.0, 0.0);
    let mut users = BTreeSet::new();
    for s in sessions {
        users.insert(s.user_id.as_str());
        let start = s.began().max(since);
        let (end_least, end_most) = match (s.ended_after, s.ended_before) {
            (Some(after), Some(before)) => (after, before),
            _ => (s.last_seen.max(read_at), until),
        };
        least += hours(end_least.min(until) - start);
        most += hours(end_most.min(until) - start);
    }

    // Snapshots: the first is the one in force at `since` (it may be older).
    let series: Vec<UsagePoint> = snapshots
        .iter()
        .map(|snap| UsagePoint {
            time: snap.time.max(since),
            sessions: snap.sessions,
            active: snap.active_sessions,
        })
        .collect();
    let peak = series
        .iter()
        .max_by_key(|p| (p.sessions, std::cmp::Reverse(p.time)));
    let last = snapshots.last();
    let multi = last
        .and_then(|l| l.max_sessions_per_instance)
        .is_some_and(|m| m > 1);
    let packed: Vec<&CapacitySnapshot> = snapshots
        .iter()
        .filter(|s| !s.instances.is_empty())
        .collect();
    let (average_sessions_per_instance, peak_sessions_per_instance) = if multi && !packed.is_empty()
    {
        let mean = packed
            .iter()
            .map(|s| s.average_sessions_per_instance)
            .sum::<f64>()
            / packed.len() as f64;
        let peak = packed.iter().map(|s| s.peak_sessions_per_instance).max();
        (Some(mean), peak)
    } else {
        (None, None)
    };
    let headroom = |s: &CapacitySnapshot| -> Option<f64> {
        let c = &s.capacity;
        let (available, total) = if s.max_sessions_per_instance.is_some_and(|m| m > 1) {
            (c.available_user_sessions?, c.actual_user_sessions?)
        } else {
            (c.available?, c.running?)
        };
        (total > 0).then(|| available as f64 / total as f64)
    };
    let min_headroom = snapshots
        .iter()
        .filter_map(headroom)
        .min_by(|a, b| a.total_cmp(b));
    let running = |s: &CapacitySnapshot| s.fleet_state.as_deref() == Some("RUNNING");
    let idle = sessions.is_empty()
        && !snapshots.is_empty()
        && snapshots.iter().all(|s| running(s) && s.sessions == 0);
    FleetUsage {
        fleet: fleet.to_owned(),
        state: last.and_then(|l| l.fleet_state.clone()),
        fleet_type: last.and_then(|l| l.fleet_type.clone()),
        max_sessions_per_instance: last.and_then(|l| l.max_sessions_per_instance),
        sessions: sessions.len(),
        unique_users: users.len(),
        session_hours_min: least,
        session_hours_max: most,
        peak_concurrent: peak.map_or(0, |p| p.sessions),
        peak_at: peak.filter(|p| p.sessions > 0).map(|p| p.time),
        average_sessions_per_instance,
        peak_sessions_per_instance,
        draining_instances: last
            .filter(|_| multi)
            .map(CapacitySnapshot::draining_instances),
        min_headroom,
        headroom_now: last.and_then(headroom),
        idle,
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sessions::{CapacityStatus, InstanceLoad};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, 0, 0).unwrap()
    }

    fn snap(
        h: u32,
        state: &str,
        sessions: u32,
        max: Option<i64>,
        capacity: CapacityStatus,
    ) -> CapacitySnapshot {
        let instances = if max.is_some_and(|m| m > 1) && sessions > 0 {
            BTreeMap::from([(
                "i-1".to_owned(),
                InstanceLoad {
                    sessions,
                    active: sessions,
                    busy_since: at(h),
                    draining: false,
                },
            )])
        } else {
            BTreeMap::new()
        };
        CapacitySnapshot {
            pk: String::new(),
            sk: String::new(),
            account: "a".into(),
            region: "r".into(),
            fleet: "f".into(),
            time: at(h),
            fleet_state: Some(state.into()),
            fleet_type: Some("ALWAYS_ON".into()),
            max_sessions_per_instance: max,
            capacity,
            sessions,
            active_sessions: sessions,
            connected_sessions: sessions,
            peak_sessions_per_instance: if instances.is_empty() { 0 } else { sessions },
            average_sessions_per_instance: if instances.is_empty() {
                0.0
            } else {
                f64::from(sessions)
            },
            instances,
            ttl: 0,
        }
    }

    fn single(running: i64, available: i64) -> CapacityStatus {
        CapacityStatus {
            running: Some(running),
            available: Some(available),
            ..Default::default()
        }
    }

    fn multi(actual: i64, available: i64) -> CapacityStatus {
        CapacityStatus {
            actual_user_sessions: Some(actual),
            available_user_sessions: Some(available),
            running: Some(1),
            available: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn idle_means_running_all_period_with_no_session() {
        let idle = usage(
            "f",
            &[],
            &[snap(1, "RUNNING", 0, None, single(2, 2))],
            at(1),
            at(0),
            at(12),
        );
        assert!(idle.idle);
        let stopped = usage(
            "f",
            &[],
            &[snap(1, "STOPPED", 0, None, single(0, 0))],
            at(1),
            at(0),
            at(12),
        );
        assert!(!stopped.idle, "a stopped fleet costs nothing");
        let unknown = usage("f", &[], &[], at(1), at(0), at(12));
        assert!(!unknown.idle, "no snapshot: nothing known");
        let used = usage(
            "f",
            &[],
            &[
                snap(1, "RUNNING", 0, None, single(2, 2)),
                snap(3, "RUNNING", 1, None, single(2, 1)),
            ],
            at(1),
            at(0),
            at(12),
        );
        assert!(!used.idle, "a snapshot saw a session");
    }

    #[test]
    fn headroom_is_by_user_sessions_for_multi_session_fleets_and_by_instances_otherwise() {
        let m = usage(
            "f",
            &[],
            &[
                snap(1, "RUNNING", 2, Some(4), multi(4, 2)),
                snap(2, "RUNNING", 3, Some(4), multi(4, 1)),
            ],
            at(2),
            at(0),
            at(12),
        );
        assert_eq!((m.min_headroom, m.headroom_now), (Some(0.25), Some(0.25)));
        assert_eq!(m.peak_sessions_per_instance, Some(3));
        assert_eq!(m.average_sessions_per_instance, Some(2.5));
        assert_eq!((m.peak_concurrent, m.peak_at), (3, Some(at(2))));
        assert_eq!(m.draining_instances, Some(0), "no instance in drain mode");
        let mut draining = multi(4, 1);
        draining.draining = Some(1);
        let d = usage(
            "f",
            &[],
            &[
                snap(1, "RUNNING", 2, Some(4), multi(4, 2)),
                snap(2, "RUNNING", 3, Some(4), draining),
            ],
            at(2),
            at(0),
            at(12),
        );
        assert_eq!(
            d.draining_instances,
            Some(1),
            "the latest snapshot's Draining"
        );

        let s = usage(
            "f",
            &[],
            &[
                snap(1, "RUNNING", 1, None, single(4, 1)),
                snap(2, "RUNNING", 0, None, single(4, 4)),
            ],
            at(2),
            at(0),
            at(12),
        );
        assert_eq!((s.min_headroom, s.headroom_now), (Some(0.25), Some(1.0)));
        assert_eq!(
            s.peak_sessions_per_instance, None,
            "single-session: no packing"
        );

        let elastic = usage(
            "f",
            &[],
            &[snap(1, "RUNNING", 1, None, CapacityStatus::default())],
            at(1),
            at(0),
            at(12),
        );
        assert_eq!(
            elastic.min_headroom, None,
            "no capacity counters, no headroom"
        );
    }
}
