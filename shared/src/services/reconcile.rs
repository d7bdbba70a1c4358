//! Brings the stored compliance state of one resource to what an evaluation found,
//! records the history and alerts once per change: shared by the fleet-auditor and the
//! session recorder.
//!
//! Alerts use a transactional outbox: the rendered alert is committed with the state,
//! published, then cleared. A publish that fails leaves it in the state, and the next
//! invocation that reads the state (the retry, or the next sweep) sends it.
//!
//! The Security Hub export (when on) is a second outbox beside it: the ASFF findings of
//! the change are committed with the state, imported, then cleared. An import that fails
//! (throttled, Security Hub off in the region) never fails the resource: its findings
//! stay in the state, merged with later ones by finding ID, until an import succeeds.
//! Findings a waiver covers are kept apart in the state (only while the export is on):
//! alerts, history and the open findings are the same as without them, and the export
//! marks them `SUPPRESSED` (see [`crate::export`]).

use crate::alert::{
    AccountNames, Alert, AlertFinding, AlertPublisher, Change, PublishError, Trigger, render,
};
use crate::export::{ExportError, FindingExporter, Rejected, send};
use crate::finding::{Finding, ResourceType, Severity};
use crate::report::asff::{AsffFinding, AsffSubject, FindingState, asff_finding};
use crate::store::records::{Outbox, PendingExport};
use crate::store::{
    Commit, FindingStore, HistoryRecord, ResourceKey, ResourceState, StoreError, StoredFinding,
    TriggerRecord,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use tracing::{error, info, warn};

/// Why a resource's state could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(
        "{resource}: the state kept changing under concurrent invocations; giving up after {attempts} attempts"
    )]
    Contended { resource: String, attempts: u32 },
}

impl ReconcileError {
    /// Stable, for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        match self {
            ReconcileError::Store(e) => e.error_type(),
            ReconcileError::Publish(_) => "PublishError",
            ReconcileError::Contended { .. } => "Contended",
        }
    }
}

/// The store and the alert channel, with how long history is kept.
pub struct Reconciler<S, P> {
    store: S,
    publisher: P,
    retention: Duration,
    export: Option<Export>,
    /// Account names for alerts (organisation mode).
    names: Option<AccountNames>,
}

/// The Security Hub export and what it did in this run.
struct Export {
    exporter: Arc<dyn FindingExporter>,
    log: Mutex<ExportLog>,
}

/// What the export did since the last [`Reconciler::take_export_log`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExportLog {
    pub calls: usize,
    pub imported: usize,
    /// `BatchUpdateFindings` calls (workflow: suppressed, back to new, resolved).
    pub update_calls: usize,
    pub updated: usize,
    /// Regions where Security Hub is not enabled: reported once, then not called again.
    pub not_enabled: BTreeSet<String>,
    /// Findings Security Hub rejected after the retries, with the reason.
    pub rejected: Vec<Rejected>,
    /// Imports that failed and stay in the outbox, by error type.
    pub deferred: BTreeMap<&'static str, usize>,
}

impl ExportLog {
    /// The run's summary line (when the export did anything); a region without Security
    /// Hub was already reported, once, as an error.
    pub fn report(&self) {
        if *self != ExportLog::default() {
            info!(
                calls = self.calls,
                imported = self.imported,
                update_calls = self.update_calls,
                updated = self.updated,
                rejected = self.rejected.len(),
                deferred = ?self.deferred,
                not_enabled = ?self.not_enabled,
                "Security Hub export"
            );
        }
    }
}

impl<S: FindingStore + Sync, P: AlertPublisher + Sync> Reconciler<S, P> {
    pub fn new(store: S, publisher: P, retention_days: u32) -> Self {
        Reconciler {
            store,
            publisher,
            retention: Duration::days(i64::from(retention_days)),
            export: None,
            names: None,
        }
    }

    /// Names each alert's account from `names` (organisation mode).
    pub fn with_account_names(mut self, names: AccountNames) -> Self {
        self.names = Some(names);
        self
    }

    /// Exports every finding change to Security Hub through `exporter`.
    pub fn with_exporter(mut self, exporter: Arc<dyn FindingExporter>) -> Self {
        self.export = Some(Export {
            exporter,
            log: Mutex::new(ExportLog::default()),
        });
        self
    }

    /// What the export did since the last call (a run's summary), and starts afresh: a
    /// region without Security Hub is reported again in the next run.
    pub fn take_export_log(&self) -> ExportLog {
        self.export
            .as_ref()
            .map_or_else(ExportLog::default, |export| {
                std::mem::take(&mut *export.log.lock().unwrap_or_else(PoisonError::into_inner))
            })
    }

    /// Whether finding changes go to Security Hub (and waived findings are kept).
    pub fn exports(&self) -> bool {
        self.export.is_some()
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// Brings the stored state of one resource to `current` and alerts on the change.
    /// `sources` are the kinds of findings this evaluation can resolve; `prefetched` is a
    /// state already read (`Some(None)`: known absent). `waived` are the findings a
    /// waiver covers (kept only while the export is on).
    #[allow(clippy::too_many_arguments)]
    pub async fn reconcile(
        &self,
        account: &str,
        key: &ResourceKey,
        current: Current,
        sources: &[&str],
        deleted: bool,
        trigger: &TriggerRecord,
        mut prefetched: Option<Option<ResourceState>>,
        now: DateTime<Utc>,
        waived: Waived,
    ) -> Result<Option<Change>, ReconcileError> {
        const ATTEMPTS: u32 = 4;
        for _ in 0..ATTEMPTS {
            let stored = match prefetched.take() {
                Some(state) => state,
                None => self.store.state(key).await?,
            };
            if let Some(state) = &stored
                && let Some(outbox) = &state.outbox
            {
                self.flush(key, outbox).await?;
            }
            let mut pending = match stored.as_ref().and_then(|s| s.export.as_ref()) {
                Some(export) if self.export_pending(key, export).await? => None,
                other => other.cloned(),
            };
            let old = stored
                .as_ref()
                .map(|s| s.findings.clone())
                .unwrap_or_default();
            let (findings, mut change, lowered) = diff(&old, &current, sources, deleted, now);
            let old_waived = stored
                .as_ref()
                .map(|s| s.waived.clone())
                .unwrap_or_default();
            let now_waived = match self.export {
                Some(_) if !deleted => waived::kept(&old_waived, &waived, &findings, sources, now),
                _ => BTreeMap::new(),
            };
            if findings == old && now_waived == old_waived {
                return Ok(None);
            }
            change.account = account.to_owned();
            change.account_name = self.names.as_ref().and_then(|n| n.get(account));
            change.region = key.region.clone();
            change.resource_type = key.resource_type;
            change.resource = key.name.clone();
            change.deleted = deleted;
            change.trigger = alert_trigger(trigger);
            let version = stored.as_ref().map(|s| s.version);
            let mut state = ResourceState::new(key, findings, version.unwrap_or(0) + 1, now)
                .with_waived(now_waived);
            let alert = (!change.is_empty()).then(|| render(&change));
            state.outbox = alert.as_ref().map(|a| Outbox {
                id: format!("{}#{}", trigger.id, state.version),
                subject: a.subject.clone(),
                message: a.message.clone(),
                attributes: a.attributes.clone(),
            });
            let waivers = Waivers {
                before: &old_waived,
                now: &waived,
                open: &current,
            };
            state.export = self.export_of(&change, &lowered, &waivers, pending.take(), &state, now);
            let history = self.history(key, &change, &lowered, trigger, now);
            match self.store.commit(&state, version, &history).await? {
                Commit::Conflict => continue,
                Commit::Written => {
                    if let Some(outbox) = &state.outbox {
                        self.flush(key, outbox).await?;
                    }
                    if let Some(export) = &state.export {
                        self.export_pending(key, export).await?;
                    }
                    return Ok(Some(change));
                }
            }
        }
        Err(ReconcileError::Contended {
            resource: format!("{} {}", key.resource_type.as_str(), key.name),
            attempts: ATTEMPTS,
        })
    }

    async fn flush(&self, key: &ResourceKey, outbox: &Outbox) -> Result<(), ReconcileError> {
        let alert = Alert {
            subject: outbox.subject.clone(),
            message: outbox.message.clone(),
            attributes: outbox.attributes.clone(),
        };
        self.publisher.publish(&alert).await?;
        self.store.clear_outbox(key, &outbox.id).await?;
        info!(resource = %key.name, alert = %outbox.id, "alert published");
        Ok(())
    }

    /// The ASFF findings of a change (opened, raised, lowered: FAILED; resolved: PASSED
    /// and archived; newly waived: FAILED, suppressed), after what an earlier failed
    /// import left (`pending`), one per ID; and the workflow updates of the findings that
    /// enter or leave a waiver.
    fn export_of(
        &self,
        change: &Change,
        lowered: &[(AlertFinding, Severity)],
        waivers: &Waivers<'_>,
        pending: Option<PendingExport>,
        state: &ResourceState,
        now: DateTime<Utc>,
    ) -> Option<PendingExport> {
        self.export.as_ref()?;
        let subject = |f: &'_ AlertFinding, state: FindingState| {
            asff_finding(&AsffSubject {
                account: &change.account,
                region: &change.region,
                resource_type: change.resource_type,
                resource: &change.resource,
                rule_id: &f.rule_id,
                severity: f.severity,
                title: &f.title,
                message: &f.message,
                remediation: &f.remediation,
                state,
                since: f.since.unwrap_or(now),
                now,
            })
        };
        let workflow = waivers.workflow(pending.as_ref(), change, state);
        let (started, ended) = waivers.moves(state);
        let mut findings: BTreeMap<String, AsffFinding> = pending
            .map(|p| p.findings.into_iter().map(|f| (f.id.clone(), f)).collect())
            .unwrap_or_default();
        let changed = change
            .opened
            .iter()
            .chain(change.raised.iter().map(|(f, _)| f))
            .chain(lowered.iter().map(|(f, _)| f))
            .map(|f| subject(f, FindingState::Open))
            .chain(
                change
                    .resolved
                    .iter()
                    .chain(&ended)
                    .map(|f| subject(f, FindingState::Resolved)),
            )
            .chain(started.iter().map(|f| subject(f, FindingState::Waived)));
        for finding in changed {
            findings.insert(finding.id.clone(), finding);
        }
        (!findings.is_empty() || !workflow.is_empty()).then(|| PendingExport {
            id: format!("{}#export", state.version),
            findings: findings.into_values().collect(),
            workflow,
        })
    }

    /// Imports a pending export and clears it; `Ok(false)` when the import failed (the
    /// export stays for the next invocation). Only a store error is an error.
    async fn export_pending(
        &self,
        key: &ResourceKey,
        pending: &PendingExport,
    ) -> Result<bool, ReconcileError> {
        let Some(export) = &self.export else {
            return Ok(false);
        };
        let lock = || export.log.lock().unwrap_or_else(PoisonError::into_inner);
        if lock().not_enabled.contains(&key.region) {
            return Ok(false);
        }
        match send(
            export.exporter.as_ref(),
            &key.region,
            &pending.findings,
            &pending.workflow,
        )
        .await
        {
            Ok(sent) => {
                self.store.clear_export(key, &pending.id).await?;
                for r in &sent.rejected {
                    error!(
                        error_type = "SecurityHubRejected",
                        resource = %key.name,
                        finding = %r.id,
                        code = %r.code,
                        reason = %r.message,
                        "Security Hub rejected a finding"
                    );
                }
                let mut log = lock();
                log.calls += sent.calls;
                log.imported += sent.imported;
                log.update_calls += sent.update_calls;
                log.updated += sent.updated;
                log.rejected.extend(sent.rejected);
                Ok(true)
            }
            Err(e) => {
                let mut log = lock();
                if let ExportError::NotEnabled { region, .. } = &e {
                    if log.not_enabled.insert(region.clone()) {
                        error!(error_type = e.error_type(), error = %e, "Security Hub export");
                    }
                } else {
                    warn!(error_type = e.error_type(), resource = %key.name, error = %e, "Security Hub export deferred to the next invocation");
                }
                *log.deferred.entry(e.error_type()).or_default() += 1;
                Ok(false)
            }
        }
    }

    fn history(
        &self,
        key: &ResourceKey,
        change: &Change,
        lowered: &[(AlertFinding, Severity)],
        trigger: &TriggerRecord,
        now: DateTime<Utc>,
    ) -> Vec<HistoryRecord> {
        let ttl = (now + self.retention).timestamp();
        let record = |f: &AlertFinding, kind: &str, previous| {
            let mut record = HistoryRecord {
                pk: key.pk(),
                sk: HistoryRecord::sort_key(trigger, &f.rule_id),
                rule_id: f.rule_id.clone(),
                change: kind.to_owned(),
                severity: f.severity,
                previous_severity: previous,
                message: f.message.clone(),
                trigger: trigger.clone(),
                ttl,
                gsi2_pk: None,
                gsi2_sk: None,
            };
            record.index_by_day(&key.target());
            record
        };
        change
            .opened
            .iter()
            .map(|f| record(f, "opened", None))
            .chain(
                change
                    .raised
                    .iter()
                    .map(|(f, before)| record(f, "raised", Some(*before))),
            )
            .chain(change.resolved.iter().map(|f| record(f, "resolved", None)))
            .chain(
                lowered
                    .iter()
                    .map(|(f, before)| record(f, "lowered", Some(*before))),
            )
            .collect()
    }
}

/// Current findings of one resource by rule ID, with their source.
pub type Current = BTreeMap<String, (Finding, &'static str)>;

fn alert_trigger(trigger: &TriggerRecord) -> Trigger {
    match trigger.kind.as_str() {
        "schedule" => Trigger::Schedule { time: trigger.time },
        _ => Trigger::ApiCall {
            event_id: trigger.id.clone(),
            event_name: trigger.event_name.clone().unwrap_or_default(),
            principal: trigger.principal.clone().unwrap_or_default(),
            source_ip: trigger.source_ip.clone(),
            time: trigger.time,
        },
    }
}

fn from_finding(f: &Finding, since: Option<DateTime<Utc>>) -> AlertFinding {
    AlertFinding {
        rule_id: f.rule_id.to_owned(),
        severity: f.severity,
        title: f.title.to_owned(),
        message: f.message.clone(),
        remediation: f.remediation.to_owned(),
        since,
    }
}

fn from_stored(rule_id: &str, f: &StoredFinding) -> AlertFinding {
    AlertFinding {
        rule_id: rule_id.to_owned(),
        severity: f.severity,
        title: f.title.clone(),
        message: f.message.clone(),
        remediation: f.remediation.clone(),
        since: Some(f.opened_at),
    }
}

/// The new stored findings, what changed (the alert), and the findings whose severity
/// was lowered (with the severity before).
///
/// A message that changes while the severity does not (live counts in a capacity
/// finding) keeps the stored one: no write, no alert. A raised severity is alerted. A
/// lowered one (a severity override, a smaller excess) is good news: it is written with
/// its new message and a `lowered` history record, and sends no alert.
fn diff(
    old: &BTreeMap<String, StoredFinding>,
    current: &Current,
    sources: &[&str],
    deleted: bool,
    now: DateTime<Utc>,
) -> (
    BTreeMap<String, StoredFinding>,
    Change,
    Vec<(AlertFinding, Severity)>,
) {
    let mut lowered = Vec::new();
    let mut change = Change {
        account: String::new(),
        account_name: None,
        region: String::new(),
        resource_type: ResourceType::Fleet,
        resource: String::new(),
        opened: Vec::new(),
        resolved: Vec::new(),
        raised: Vec::new(),
        unchanged: Vec::new(),
        deleted,
        trigger: Trigger::Schedule { time: now },
    };
    let mut findings = BTreeMap::new();
    for (rule_id, (finding, source)) in current {
        match old.get(rule_id) {
            None => {
                change.opened.push(from_finding(finding, Some(now)));
                findings.insert(
                    rule_id.clone(),
                    StoredFinding {
                        severity: finding.severity,
                        title: finding.title.to_owned(),
                        message: finding.message.clone(),
                        remediation: finding.remediation.to_owned(),
                        opened_at: now,
                        source: (*source).to_owned(),
                    },
                );
            }
            Some(previous) => {
                let mut kept = previous.clone();
                if finding.severity > previous.severity {
                    change.raised.push((
                        from_finding(finding, Some(previous.opened_at)),
                        previous.severity,
                    ));
                    kept.severity = finding.severity;
                    kept.message = finding.message.clone();
                } else {
                    if finding.severity < previous.severity {
                        kept.severity = finding.severity;
                        kept.message = finding.message.clone();
                        lowered.push((
                            from_finding(finding, Some(previous.opened_at)),
                            previous.severity,
                        ));
                    }
                    change.unchanged.push(from_stored(rule_id, &kept));
                }
                findings.insert(rule_id.clone(), kept);
            }
        }
    }
    for (rule_id, previous) in old {
        if current.contains_key(rule_id) {
            continue;
        }
        if deleted || sources.contains(&previous.source.as_str()) {
            change.resolved.push(from_stored(rule_id, previous));
        } else {
            change.unchanged.push(from_stored(rule_id, previous));
            findings.insert(rule_id.clone(), previous.clone());
        }
    }
    (findings, change, lowered)
}

#[path = "reconcile_waived.rs"]
mod waived;
use waived::Waivers;
pub use waived::{Waived, split};

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
