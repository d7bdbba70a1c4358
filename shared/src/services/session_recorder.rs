//! The session recorder: on every scheduled run, reads every session of every fleet
//! (each associated stack x each authentication type, all pages), turns what changed
//! since the last run into session history, takes a capacity snapshot per fleet, and
//! raises and resolves the session rules through the finding store and alerts.
//!
//! Every fleet is read, whatever its state or capacity (issue 14 looked for a
//! documented reason to skip some and found none):
//! - A non-Elastic fleet showing no instance in use and no active user session: the
//!   API Reference defines `InUse` as "The number of instances in use for streaming" and
//!   `ActiveUserSessions` as "The number of user sessions currently being used for
//!   streaming sessions. This only applies to multi-session fleets."
//!   (<https://docs.aws.amazon.com/appstream2/latest/APIReference/API_ComputeCapacityStatus.html>);
//!   the fleet metrics say "One InUseCapacity count represents one streaming session"
//!   (<https://docs.aws.amazon.com/appstream2/latest/developerguide/appstream-dimensions.html>).
//!   A session's `State` is "ACTIVE | PENDING | EXPIRED"
//!   (<https://docs.aws.amazon.com/appstream2/latest/APIReference/API_Session.html>), and
//!   neither page says whether a PENDING (or a still-listed EXPIRED) session is counted
//!   as in use. A zero count therefore does not prove that DescribeSessions would list
//!   nothing, and this recorder must see PENDING and EXPIRED sessions.
//! - A STOPPED fleet: StopFleet is documented only as "Stops the specified fleet."
//!   (<https://docs.aws.amazon.com/appstream2/latest/APIReference/API_StopFleet.html>);
//!   nothing says its sessions are gone from DescribeSessions once it is STOPPED.
//!
//! Writes follow change: a run that sees the same sessions in the same states as the last
//! one writes only the region's bookkeeping item. A session that is gone is closed with
//! the two bounds the runs give: the last run that saw it and the first that did not.

use super::failure::{Cause, Failure, Failures};
use super::reconcile::{Current, ExportLog, Reconciler, Waived, split};
use crate::alert::AlertPublisher;
use crate::events::AuditorEvent;
use crate::export::FindingExporter;
use crate::finding::{ResourceType, Severity};
use crate::inventory::{FleetInventory, fleet_sessions};
use crate::model::{Fleet, Session};
use crate::policy::rules::session::SessionView;
use crate::policy::{Policy, evaluate_sessions};
use crate::store::sessions::{
    CapacitySnapshot, CapacityStatus, InstanceLoad, Observation, RecorderState, SessionItem,
    SessionRecord, SessionStore, WriteStats, key_time, snapshot_pk,
};
use crate::store::{FindingStore, ResourceKey, ResourceState, Target, TriggerRecord};
use chrono::{DateTime, Duration, DurationRound, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tracing::{debug, info, warn};

/// The `source` of session findings in the store.
const SESSIONS: &str = "sessions";

/// A snapshot is written at least this often, even when nothing changed, so a time-range
/// query always finds the one in force (and retention never expires the only one).
const SNAPSHOT_HEARTBEAT: Duration = Duration::days(1);

/// Why a run failed. `error_type` is stable, for alarms and dead-letter triage.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    #[error(
        "unsupported event: the session recorder runs on EventBridge schedules (\"Scheduled Event\" from aws.events), not on {0}"
    )]
    Unsupported(String),
    #[error("run finished with {0}")]
    Partial(Failures),
}

impl From<RecorderError> for Cause {
    fn from(error: RecorderError) -> Self {
        Cause::Nested(error.to_string(), error.error_type())
    }
}

impl RecorderError {
    pub fn error_type(&self) -> &'static str {
        match self {
            RecorderError::Unsupported(_) => "UnsupportedEvent",
            RecorderError::Partial(_) => "PartialFailure",
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecorderOutcome {
    pub fleets: usize,
    /// Sessions DescribeSessions listed.
    pub sessions: usize,
    /// Sessions seen for the first time.
    pub opened: usize,
    /// Sessions whose state, connection or placement changed.
    pub changed: usize,
    /// Sessions closed (gone since the last run).
    pub closed: usize,
    pub snapshots: usize,
    pub writes: WriteStats,
    /// Session-finding commits, and the alerts they sent.
    pub finding_commits: usize,
    pub alerts: usize,
}

impl RecorderOutcome {
    fn add(&mut self, other: &RecorderOutcome) {
        self.fleets += other.fleets;
        self.sessions += other.sessions;
        self.opened += other.opened;
        self.changed += other.changed;
        self.closed += other.closed;
        self.snapshots += other.snapshots;
        self.writes += other.writes;
        self.finding_commits += other.finding_commits;
        self.alerts += other.alerts;
    }
}

/// What the session history gains from one fleet's sessions at one run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Observed {
    /// Records to write (new, changed or closed).
    pub writes: Vec<SessionRecord>,
    /// The fleet's open sessions after this run.
    pub open: Vec<SessionRecord>,
    pub opened: usize,
    pub changed: usize,
    pub closed: usize,
}

/// Joins what DescribeSessions shows now with the fleet's open records.
///
/// `complete`: every stack and authentication type was read, so a session not shown is
/// gone (otherwise nothing is closed). `read_before`: the last run that read this
/// fleet completely (every open session was seen then). Records written by a run that
/// started after this one are left alone (two runs overlapped).
#[allow(clippy::too_many_arguments)]
pub fn observe(
    target: &Target,
    fleet: &str,
    seen: &[Session],
    stored_open: Vec<SessionRecord>,
    complete: bool,
    read_before: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    retention: Duration,
) -> Observed {
    let mut out = Observed::default();
    let mut open: HashMap<String, SessionRecord> = stored_open
        .into_iter()
        .map(|r| (r.session_id.clone(), r))
        .collect();
    let ttl = (now + retention).timestamp();
    // When the records' previous state was last seen: a run that read the fleet
    // completely saw every open session.
    let last_seen = |r: &SessionRecord| {
        read_before
            .filter(|t| *t <= now)
            .map_or(r.last_seen, |t| t.max(r.last_seen))
    };
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for s in seen {
        if !done.insert(s.id.as_str()) {
            continue;
        }
        match open.remove(&s.id) {
            Some(mut record) => {
                if record.last_seen > now {
                    out.open.push(record);
                    continue;
                }
                let state_changed =
                    record.state != s.state || record.connection_state != s.connection_state;
                let other_changed = record.instance_id != s.instance_id
                    || record.instance_drain_status != s.instance_drain_status
                    || (s.start_time.is_some() && record.start_time != s.start_time)
                    || (s.max_expiration_time.is_some()
                        && record.max_expiration_time != s.max_expiration_time);
                if state_changed {
                    record.changes.push(Observation {
                        state: s.state.clone(),
                        connection_state: s.connection_state.clone(),
                        seen: now,
                        after: Some(last_seen(&record)),
                    });
                }
                if state_changed || other_changed {
                    record.state = s.state.clone();
                    record.connection_state = s.connection_state.clone();
                    record.instance_id = s.instance_id.clone();
                    record.instance_drain_status = s.instance_drain_status.clone();
                    record.start_time = s.start_time.or(record.start_time);
                    record.max_expiration_time =
                        s.max_expiration_time.or(record.max_expiration_time);
                    record.last_seen = now;
                    record.ttl = ttl;
                    record.index();
                    out.changed += 1;
                    out.writes.push(record.clone());
                }
                out.open.push(record);
            }
            None => {
                let mut record = SessionRecord {
                    pk: String::new(),
                    sk: String::new(),
                    account: target.account.clone(),
                    region: target.region.clone(),
                    session_id: s.id.clone(),
                    user_id: s.user_id.clone(),
                    stack: s.stack_name.clone(),
                    fleet: fleet.to_owned(),
                    authentication_type: s.authentication_type.clone(),
                    instance_id: s.instance_id.clone(),
                    instance_drain_status: s.instance_drain_status.clone(),
                    start_time: s.start_time,
                    max_expiration_time: s.max_expiration_time,
                    state: s.state.clone(),
                    connection_state: s.connection_state.clone(),
                    changes: vec![Observation {
                        state: s.state.clone(),
                        connection_state: s.connection_state.clone(),
                        seen: now,
                        after: None,
                    }],
                    first_seen: now,
                    last_seen: now,
                    ended_after: None,
                    ended_before: None,
                    gsi1_pk: String::new(),
                    gsi1_sk: String::new(),
                    gsi2_pk: String::new(),
                    gsi2_sk: String::new(),
                    gsi3_pk: None,
                    gsi3_sk: None,
                    gsi4_pk: None,
                    gsi4_sk: None,
                    ttl,
                };
                record.index();
                out.opened += 1;
                out.writes.push(record.clone());
                out.open.push(record);
            }
        }
    }
    let mut gone: Vec<SessionRecord> = open.into_values().collect();
    gone.sort_by(|a, b| a.session_id.cmp(&b.session_id));
    for mut record in gone {
        if !complete || record.last_seen > now {
            out.open.push(record);
            continue;
        }
        let seen_last = last_seen(&record);
        close(&mut record, seen_last, now);
        record.ttl = (record.ended_before.unwrap_or(now) + retention).timestamp();
        record.index();
        out.closed += 1;
        out.writes.push(record);
    }
    out.open.sort_by(|a, b| a.session_id.cmp(&b.session_id));
    out
}

/// Sets the end bounds of a session no longer listed: it was last seen at `last_seen`
/// and found gone at `now`. A session already EXPIRED ended when that was first seen; a
/// MaxExpirationTime inside the bounds narrows them.
fn close(record: &mut SessionRecord, last_seen: DateTime<Utc>, now: DateTime<Utc>) {
    // The first observation of the final unbroken EXPIRED stretch: the connection state
    // may change after the session expired.
    let expired = record
        .changes
        .iter()
        .rev()
        .take_while(|c| c.state == "EXPIRED")
        .last()
        .cloned();
    if record.state == "EXPIRED"
        && let Some(change) = expired
    {
        record.ended_after = Some(change.after.unwrap_or_else(|| record.began()));
        record.ended_before = Some(change.seen);
        return;
    }
    let mut before = now;
    if let Some(expiry) = record.max_expiration_time
        && expiry < before
        && expiry >= last_seen
    {
        before = expiry;
    }
    record.ended_after = Some(last_seen);
    record.ended_before = Some(before);
}

/// The fleet's capacity and load now, and whether it must be written (changed since
/// `last`, or `last` is older than a day).
pub fn snapshot(
    target: &Target,
    fleet: &Fleet,
    open: &[SessionRecord],
    last: Option<&CapacitySnapshot>,
    now: DateTime<Utc>,
    retention: Duration,
) -> (CapacitySnapshot, bool) {
    let running: Vec<&SessionRecord> = open.iter().filter(|s| s.state != "EXPIRED").collect();
    let mut instances: BTreeMap<String, InstanceLoad> = BTreeMap::new();
    for s in &running {
        if let Some(id) = &s.instance_id {
            let load = instances.entry(id.clone()).or_insert_with(|| InstanceLoad {
                sessions: 0,
                active: 0,
                busy_since: last
                    .and_then(|l| l.instances.get(id))
                    .map_or(now, |l| l.busy_since),
                draining: false,
            });
            load.sessions += 1;
            load.draining |= s.instance_drain_status.as_deref() == Some("DRAINING");
            if s.state == "ACTIVE" {
                load.active += 1;
            }
        }
    }
    let peak = instances.values().map(|l| l.sessions).max().unwrap_or(0);
    let average = if instances.is_empty() {
        0.0
    } else {
        let total: u32 = instances.values().map(|l| l.sessions).sum();
        f64::from(total) / instances.len() as f64
    };
    let status = fleet.compute_capacity_status.clone().unwrap_or_default();
    let count = |f: fn(&SessionRecord) -> bool| running.iter().filter(|s| f(s)).count() as u32;
    let snapshot = CapacitySnapshot {
        pk: snapshot_pk(target, &fleet.name),
        sk: key_time(now),
        account: target.account.clone(),
        region: target.region.clone(),
        fleet: fleet.name.clone(),
        time: now,
        fleet_state: fleet.state.clone(),
        fleet_type: fleet.fleet_type.known().map(|t| t.as_str().to_owned()),
        max_sessions_per_instance: fleet.max_sessions_per_instance.known().copied(),
        capacity: CapacityStatus {
            desired: status.desired,
            running: status.running,
            in_use: status.in_use,
            available: status.available,
            desired_user_sessions: status.desired_user_sessions,
            available_user_sessions: status.available_user_sessions,
            active_user_sessions: status.active_user_sessions,
            actual_user_sessions: status.actual_user_sessions,
            draining: status.draining,
            drain_mode_active_user_sessions: status.drain_mode_active_user_sessions,
            drain_mode_unused_user_sessions: status.drain_mode_unused_user_sessions,
        },
        sessions: running.len() as u32,
        active_sessions: count(|s| s.state == "ACTIVE"),
        connected_sessions: count(|s| s.connection_state.as_deref() == Some("CONNECTED")),
        instances,
        peak_sessions_per_instance: peak,
        average_sessions_per_instance: average,
        ttl: (now + retention).timestamp(),
    };
    let write = last.is_none_or(|l| !l.same_load(&snapshot) || now - l.time >= SNAPSHOT_HEARTBEAT);
    (snapshot, write)
}

/// The service, generic over its ports (the real AWS adapters in the Lambda, the
/// simulator and moto in tests).
pub struct SessionRecorder<I, S, P> {
    inventories: BTreeMap<String, I>,
    reconciler: Reconciler<S, P>,
    policy: Policy,
    /// Fleets read at once.
    fleet_concurrency: usize,
    /// DescribeSessions calls at once within a fleet.
    call_concurrency: usize,
    /// Whether member accounts are governed (failures then name the account).
    members: bool,
}

/// From the non-compliance index, per region: each fleet's worst open HIGH/CRITICAL
/// finding (rule, severity), and the stored session findings by fleet.
type RegionFindings = (
    HashMap<String, (String, Severity)>,
    HashMap<String, ResourceState>,
);

/// A fleet's outcome within a run.
struct FleetRun {
    outcome: RecorderOutcome,
    /// The first DescribeSessions failure, when the sessions were read only in part.
    unread: Option<crate::inventory::AppStreamError>,
}

impl<I, S, P> SessionRecorder<I, S, P>
where
    I: FleetInventory,
    S: FindingStore + SessionStore + Sync,
    P: AlertPublisher + Sync,
{
    pub fn new(
        inventories: BTreeMap<String, I>,
        store: S,
        publisher: P,
        policy: Policy,
        retention_days: u32,
    ) -> Self {
        SessionRecorder {
            inventories,
            reconciler: Reconciler::new(store, publisher, retention_days),
            policy,
            fleet_concurrency: 4,
            call_concurrency: 4,
            members: false,
        }
    }

    /// Exports every finding change to Security Hub (`STREAMWARDEN_SECURITY_HUB=true`).
    pub fn with_exporter(mut self, exporter: Arc<dyn FindingExporter>) -> Self {
        self.reconciler = self.reconciler.with_exporter(exporter);
        self
    }

    /// Names each alert's account from `names` (organisation mode).
    pub fn with_account_names(mut self, names: crate::alert::AccountNames) -> Self {
        self.reconciler = self.reconciler.with_account_names(names);
        self
    }

    /// What the export did since the last call: one invocation's summary.
    pub fn take_export_log(&self) -> ExportLog {
        self.reconciler.take_export_log()
    }

    /// Sets how many fleets, and how many DescribeSessions calls per fleet, run at once.
    pub fn with_concurrency(mut self, fleets: usize, calls: usize) -> Self {
        self.fleet_concurrency = fleets.max(1);
        self.call_concurrency = calls.max(1);
        self
    }

    fn store(&self) -> &S {
        self.reconciler.store()
    }

    pub async fn handle(
        &self,
        event: AuditorEvent,
        now: DateTime<Utc>,
    ) -> Result<RecorderOutcome, RecorderError> {
        match event {
            AuditorEvent::Schedule { id, account, time } => {
                let trigger = TriggerRecord::schedule(id, time);
                self.run(&trigger, &account, now).await
            }
            AuditorEvent::ApiCall(call) => Err(RecorderError::Unsupported(format!(
                "CloudTrail event {} ({})",
                call.event_name, call.event_id
            ))),
        }
    }

    /// Failures name the account as well as the region (members are governed).
    pub fn governing_members(mut self) -> Self {
        self.members = true;
        self
    }

    /// One (account, region) of an organisation poll (one fan-out message).
    pub async fn run_one(
        &self,
        inventory: &I,
        target: &Target,
        trigger: &TriggerRecord,
        now: DateTime<Utc>,
    ) -> Result<RecorderOutcome, RecorderError> {
        let now = now.duration_trunc(Duration::seconds(1)).unwrap_or(now);
        let mut outcome = RecorderOutcome::default();
        let mut failures = Failures::default();
        self.region(target, inventory, trigger, now, &mut outcome, &mut failures)
            .await;
        failures.log("session recorder");
        info!(
            account = %target.account,
            region = %target.region,
            fleets = outcome.fleets,
            sessions = outcome.sessions,
            items_written = outcome.writes.items,
            failures = failures.len(),
            "run of one account's region done"
        );
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(RecorderError::Partial(failures))
        }
    }

    /// One run over every configured region. One failing fleet or region is reported
    /// and the rest complete.
    pub async fn run(
        &self,
        trigger: &TriggerRecord,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<RecorderOutcome, RecorderError> {
        // Whole seconds: run times are range keys, compared as text.
        let now = now.duration_trunc(Duration::seconds(1)).unwrap_or(now);
        let mut outcome = RecorderOutcome::default();
        let mut failures = Failures::default();
        for (region, inventory) in &self.inventories {
            let target = Target::new(account, region);
            self.region(
                &target,
                inventory,
                trigger,
                now,
                &mut outcome,
                &mut failures,
            )
            .await;
        }
        failures.log("session recorder");
        info!(
            fleets = outcome.fleets,
            sessions = outcome.sessions,
            opened = outcome.opened,
            changed = outcome.changed,
            closed = outcome.closed,
            snapshots = outcome.snapshots,
            items_written = outcome.writes.items,
            write_units = outcome.writes.write_units,
            alerts = outcome.alerts,
            failures = failures.len(),
            "run done"
        );
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(RecorderError::Partial(failures))
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn region(
        &self,
        target: &Target,
        inventory: &I,
        trigger: &TriggerRecord,
        now: DateTime<Utc>,
        outcome: &mut RecorderOutcome,
        failures: &mut Failures,
    ) {
        let (account, region) = (target.account.as_str(), target.region.as_str());
        // Failures name the region, and the account too when members are governed.
        let scope = if self.members {
            target.to_string()
        } else {
            region.to_owned()
        };
        let previous = match self.store().recorder_state(target).await {
            Ok(state) => state,
            Err(e) => {
                failures.push(Failure::new(scope.as_str(), e));
                return;
            }
        };
        let fleets = match inventory.fleets().await {
            Ok(fleets) => fleets,
            Err(e) => {
                failures.push(Failure::new(scope.as_str(), e));
                return;
            }
        };
        // Fleets with open HIGH/CRITICAL findings, and the stored session findings. When
        // the index cannot be read, session findings wait for the next run.
        let findings: Option<RegionFindings> = match self.store().noncompliant(Some(region)).await {
            Ok(states) => {
                let mut worst = HashMap::new();
                let mut sessions = HashMap::new();
                for state in states.into_iter().filter(|s| s.account == account) {
                    match state.resource_type {
                        ResourceType::Fleet => {
                            if let Some((rule, f)) = state
                                .findings
                                .iter()
                                .filter(|(_, f)| f.severity >= Severity::High)
                                .max_by_key(|(_, f)| f.severity)
                            {
                                worst.insert(state.resource.clone(), (rule.clone(), f.severity));
                            }
                        }
                        ResourceType::Session => {
                            sessions.insert(state.resource.clone(), state);
                        }
                        ResourceType::Stack
                        | ResourceType::ImageBuilder
                        | ResourceType::Image
                        | ResourceType::Account => {}
                    }
                }
                Some((worst, sessions))
            }
            Err(e) => {
                failures.push(Failure::new(
                    format!("{scope}: session findings not evaluated"),
                    e,
                ));
                None
            }
        };

        let runs: Vec<(String, Result<FleetRun, Cause>)> = stream::iter(&fleets)
            .map(|fleet| {
                let previous = previous.as_ref();
                let findings = findings.as_ref();
                async move {
                    let worst = findings.and_then(|(w, _)| w.get(&fleet.name));
                    let stored = findings.map(|(_, s)| s.get(&fleet.name).cloned());
                    let result = self
                        .fleet(
                            target, inventory, fleet, previous, worst, stored, trigger, account,
                            now,
                        )
                        .await;
                    (fleet.name.clone(), result)
                }
            })
            .buffer_unordered(self.fleet_concurrency)
            .collect()
            .await;

        let mut state = RecorderState::new(target, now);
        for (name, run) in runs {
            state.fleets.insert(name.clone());
            match run {
                Ok(run) => {
                    outcome.add(&run.outcome);
                    if let Some(error) = run.unread {
                        failures.push(Failure::new(
                            format!("{scope}: fleet {name}: sessions read in part; none closed"),
                            error,
                        ));
                        state
                            .incomplete
                            .insert(name.clone(), read_at(previous.as_ref(), &name));
                    }
                }
                Err(e) => {
                    failures.push(Failure::new(format!("{scope}: fleet {name}"), e));
                    state
                        .incomplete
                        .insert(name.clone(), read_at(previous.as_ref(), &name));
                }
            }
        }

        // Fleets gone since the last run: close their sessions, resolve their findings.
        let mut vanished: BTreeSet<String> = previous
            .as_ref()
            .map(|p| p.fleets.difference(&state.fleets).cloned().collect())
            .unwrap_or_default();
        if let Some((_, stored)) = &findings {
            vanished.extend(
                stored
                    .keys()
                    .filter(|f| !state.fleets.contains(*f))
                    .cloned(),
            );
        }
        for name in vanished {
            match self
                .vanished(
                    target,
                    &name,
                    previous.as_ref(),
                    findings.as_ref(),
                    trigger,
                    account,
                    now,
                )
                .await
            {
                Ok(run) => outcome.add(&run),
                Err(e) => {
                    failures.push(Failure::new(format!("{scope}: deleted fleet {name}"), e));
                    // Keep it listed so the next run tries again.
                    state.fleets.insert(name.clone());
                    state
                        .incomplete
                        .insert(name.clone(), read_at(previous.as_ref(), &name));
                }
            }
        }

        match self.store().save_recorder_state(&state).await {
            Ok(Some(units)) => {
                outcome.writes.items += 1;
                outcome.writes.write_units += units;
            }
            Ok(None) => info!(region, "a later run saved its state first"),
            Err(e) => failures.push(Failure::new(scope.as_str(), e)),
        }
    }

    /// One fleet: sessions, history, snapshot, findings.
    #[allow(clippy::too_many_arguments)]
    async fn fleet(
        &self,
        target: &Target,
        inventory: &I,
        fleet: &Fleet,
        previous: Option<&RecorderState>,
        worst: Option<&(String, Severity)>,
        stored: Option<Option<ResourceState>>,
        trigger: &TriggerRecord,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<FleetRun, Cause> {
        let (sessions, errors) =
            fleet_sessions(inventory, &fleet.name, self.call_concurrency).await;
        for e in &errors {
            warn!(fleet = %fleet.name, error = %e, "DescribeSessions failed");
        }
        let complete = errors.is_empty();
        let unread = errors.into_iter().next();
        let open = self.store().open_sessions(target, &fleet.name).await?;
        let last = self
            .store()
            .latest_snapshot(target, &fleet.name, None)
            .await?;
        let retention = self.reconciler.retention();
        let read_before = previous.map(|p| p.fleet_read_at(&fleet.name));
        let observed = observe(
            target,
            &fleet.name,
            &sessions,
            open,
            complete,
            read_before,
            now,
            retention,
        );
        for record in &observed.writes {
            debug!(session = %record.session_id, user = %record.user_id, state = %record.state, "session recorded");
        }
        let (snap, write_snapshot) =
            snapshot(target, fleet, &observed.open, last.as_ref(), now, retention);
        let mut items: Vec<SessionItem> = observed
            .writes
            .into_iter()
            .map(SessionItem::Session)
            .collect();
        if write_snapshot {
            items.push(SessionItem::Snapshot(snap.clone()));
        }
        let writes = self.store().write(&items).await?;
        let mut outcome = RecorderOutcome {
            fleets: 1,
            sessions: sessions.len(),
            opened: observed.opened,
            changed: observed.changed,
            closed: observed.closed,
            snapshots: usize::from(write_snapshot),
            writes,
            ..RecorderOutcome::default()
        };
        // Session findings, when the index was read: from a complete read only, so a
        // partial one never resolves what it did not see.
        if let Some(stored) = stored
            && complete
        {
            let tracked: Vec<_> = observed.open.iter().map(SessionRecord::tracked).collect();
            let view = SessionView {
                fleet,
                sessions: &tracked,
                instances: &snap.instances,
                fleet_finding: worst.map(|(rule, severity)| (rule.as_str(), *severity)),
                now,
            };
            let (current, waived) = split(evaluate_sessions(&self.policy, &view), SESSIONS);
            let waived_kept = self.reconciler.exports() && !waived.is_empty();
            if !current.is_empty() || waived_kept || stored.is_some() {
                let key = ResourceKey::new(target, ResourceType::Session, &fleet.name);
                let change = self
                    .reconciler
                    .reconcile(
                        account,
                        &key,
                        current,
                        &[SESSIONS],
                        false,
                        trigger,
                        // Not in the index is not absent (a state with no findings):
                        // read it then.
                        stored.map(Some),
                        now,
                        waived,
                    )
                    .await?;
                if let Some(change) = change {
                    outcome.finding_commits += 1;
                    outcome.alerts += usize::from(!change.is_empty());
                }
            }
        }
        Ok(FleetRun { outcome, unread })
    }

    /// A fleet listed by the last run and gone now: its open sessions are closed and its
    /// session findings resolved.
    #[allow(clippy::too_many_arguments)]
    async fn vanished(
        &self,
        target: &Target,
        name: &str,
        previous: Option<&RecorderState>,
        findings: Option<&RegionFindings>,
        trigger: &TriggerRecord,
        account: &str,
        now: DateTime<Utc>,
    ) -> Result<RecorderOutcome, Cause> {
        let open = self.store().open_sessions(target, name).await?;
        let read_before = previous.map(|p| p.fleet_read_at(name));
        let retention = self.reconciler.retention();
        let observed = observe(target, name, &[], open, true, read_before, now, retention);
        let items: Vec<SessionItem> = observed
            .writes
            .into_iter()
            .map(SessionItem::Session)
            .collect();
        let writes = self.store().write(&items).await?;
        let mut outcome = RecorderOutcome {
            closed: observed.closed,
            writes,
            ..RecorderOutcome::default()
        };
        if let Some(state) = findings.and_then(|(_, s)| s.get(name)) {
            let key = ResourceKey::new(target, ResourceType::Session, name);
            let change = self
                .reconciler
                .reconcile(
                    account,
                    &key,
                    Current::new(),
                    &[SESSIONS],
                    true,
                    trigger,
                    Some(Some(state.clone())),
                    now,
                    Waived::new(),
                )
                .await?;
            if let Some(change) = change {
                outcome.finding_commits += 1;
                outcome.alerts += usize::from(!change.is_empty());
            }
        }
        Ok(outcome)
    }
}

/// When a fleet was last read completely, for the bookkeeping of a run that could not.
fn read_at(previous: Option<&RecorderState>, fleet: &str) -> DateTime<Utc> {
    previous.map_or(DateTime::UNIX_EPOCH, |p| p.fleet_read_at(fleet))
}

#[cfg(test)]
#[path = "session_recorder_tests.rs"]
mod tests;
