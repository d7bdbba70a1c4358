//! The reconcile core on in-memory ports: nothing lost, nothing doubled. The same logic
//! runs against moto in the functions' tests; here each case is one step, with the
//! store's and the publisher's failures and races placed exactly.

use super::*;
use crate::export::WorkflowUpdate;
use crate::finding::{ExemptionInfo, ResourceType, Severity, Source};
use crate::store::{ResourceState, Target};
use chrono::TimeZone;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

const ACCOUNT: &str = "123456789012";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn key() -> ResourceKey {
    ResourceKey::new(
        &Target::new("123456789012", "eu-west-1"),
        ResourceType::Fleet,
        "kiosk",
    )
}

fn finding(rule_id: &'static str, severity: Severity, message: &str) -> Finding {
    Finding {
        rule_id,
        severity,
        resource_type: ResourceType::Fleet,
        resource: "kiosk".to_owned(),
        title: "title",
        message: message.to_owned(),
        remediation: "fix it",
        source: Source::default(),
        note: None,
    }
}

fn current(findings: &[Finding]) -> Current {
    findings
        .iter()
        .map(|f| (f.rule_id.to_owned(), (f.clone(), "described")))
        .collect()
}

fn event(id: &str, minutes: i64) -> TriggerRecord {
    TriggerRecord {
        kind: "cloudtrail".to_owned(),
        id: id.to_owned(),
        time: at(minutes),
        event_name: Some("UpdateFleet".to_owned()),
        principal: Some("arn:aws:iam::123456789012:user/admin".to_owned()),
        source_ip: None,
    }
}

/// A finding store in memory, with DynamoDB's semantics for what reconcile relies on:
/// a commit is conditional on the version, history items are written only if new, and
/// the outbox is cleared only if it still holds the given alert.
#[derive(Default)]
struct MemoryStore {
    states: Mutex<HashMap<String, ResourceState>>,
    history: Mutex<Vec<HistoryRecord>>,
    /// Before this many commits, another invocation commits first (bumps the version).
    races: AtomicU32,
    commits: AtomicU32,
}

impl MemoryStore {
    fn stored(&self) -> Option<ResourceState> {
        self.states.lock().unwrap().get(&key().pk()).cloned()
    }

    fn changes(&self) -> Vec<(String, String, Option<Severity>)> {
        self.history
            .lock()
            .unwrap()
            .iter()
            .map(|h| (h.rule_id.clone(), h.change.clone(), h.previous_severity))
            .collect()
    }
}

impl FindingStore for MemoryStore {
    async fn state(&self, key: &ResourceKey) -> Result<Option<ResourceState>, StoreError> {
        Ok(self.states.lock().unwrap().get(&key.pk()).cloned())
    }

    async fn commit(
        &self,
        state: &ResourceState,
        expected_version: Option<u64>,
        history: &[HistoryRecord],
    ) -> Result<Commit, StoreError> {
        let mut states = self.states.lock().unwrap();
        if self
            .races
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            // The other invocation's commit: a newer version of what is stored (a
            // first state with no findings when nothing is).
            let mut theirs = states.get(&state.pk).cloned().unwrap_or_else(|| {
                ResourceState::new(&state.key(), Default::default(), 0, state.updated_at)
            });
            theirs.version += 1;
            theirs.outbox = None;
            states.insert(state.pk.clone(), theirs);
        }
        let stored = states.get(&state.pk).map(|s| s.version);
        if stored != expected_version {
            return Ok(Commit::Conflict);
        }
        states.insert(state.pk.clone(), state.clone());
        let mut written = self.history.lock().unwrap();
        for record in history {
            if !written
                .iter()
                .any(|h| h.pk == record.pk && h.sk == record.sk)
            {
                written.push(record.clone());
            }
        }
        self.commits.fetch_add(1, Ordering::SeqCst);
        Ok(Commit::Written)
    }

    async fn clear_outbox(&self, key: &ResourceKey, alert_id: &str) -> Result<(), StoreError> {
        if let Some(state) = self.states.lock().unwrap().get_mut(&key.pk())
            && state.outbox.as_ref().is_some_and(|o| o.id == alert_id)
        {
            state.outbox = None;
        }
        Ok(())
    }

    async fn clear_export(&self, key: &ResourceKey, export_id: &str) -> Result<(), StoreError> {
        if let Some(state) = self.states.lock().unwrap().get_mut(&key.pk())
            && state.export.as_ref().is_some_and(|e| e.id == export_id)
        {
            state.export = None;
        }
        Ok(())
    }

    async fn noncompliant(&self, _: Option<&str>) -> Result<Vec<ResourceState>, StoreError> {
        Ok(Vec::new())
    }

    async fn changes(
        &self,
        _: &Target,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        Ok(Vec::new())
    }

    async fn history(
        &self,
        _: &ResourceKey,
        _: Option<i32>,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        Ok(self.history.lock().unwrap().clone())
    }
}

/// Alerts in memory; the next `failures` publishes fail as SNS would after its retries.
#[derive(Default)]
struct MemoryPublisher {
    sent: Mutex<Vec<Alert>>,
    failures: AtomicU32,
}

impl MemoryPublisher {
    fn subjects(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|a| a.subject.clone())
            .collect()
    }
}

impl AlertPublisher for MemoryPublisher {
    async fn publish(&self, alert: &Alert) -> Result<(), PublishError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(PublishError {
                topic: "arn:aws:sns:eu-west-1:123456789012:alerts".to_owned(),
                source: "InternalError: try again".into(),
            });
        }
        self.sent.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

type Memory = Reconciler<MemoryStore, MemoryPublisher>;

fn reconciler() -> Memory {
    Reconciler::new(MemoryStore::default(), MemoryPublisher::default(), 30)
}

async fn run(
    r: &Memory,
    findings: &[Finding],
    trigger: &TriggerRecord,
    minutes: i64,
) -> Result<Option<Change>, ReconcileError> {
    r.reconcile(
        ACCOUNT,
        &key(),
        current(findings),
        &["described"],
        false,
        trigger,
        None,
        at(minutes),
        Waived::new(),
    )
    .await
}

#[tokio::test]
async fn an_opened_finding_is_stored_recorded_and_alerted_once() {
    let r = reconciler();
    let change = run(
        &r,
        &[finding("FLEET-INTERNET-ACCESS", Severity::High, "on")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap()
    .expect("a change");
    assert_eq!(change.opened.len(), 1);
    let state = r.store().stored().unwrap();
    assert_eq!(state.version, 1);
    assert_eq!(state.findings["FLEET-INTERNET-ACCESS"].opened_at, at(0));
    assert_eq!(state.outbox, None, "sent, then cleared");
    assert_eq!(
        r.store().changes(),
        [(
            "FLEET-INTERNET-ACCESS".to_owned(),
            "opened".to_owned(),
            None
        )]
    );
    assert_eq!(r.publisher.subjects().len(), 1);
}

#[tokio::test]
async fn the_same_event_delivered_twice_writes_and_alerts_once() {
    let r = reconciler();
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    let trigger = event("e-1", 0);
    assert!(run(&r, &findings, &trigger, 0).await.unwrap().is_some());
    assert!(run(&r, &findings, &trigger, 1).await.unwrap().is_none());
    assert_eq!(r.store().stored().unwrap().version, 1);
    assert_eq!(r.store().commits.load(Ordering::SeqCst), 1);
    assert_eq!(r.store().changes().len(), 1);
    assert_eq!(r.publisher.subjects().len(), 1);
}

#[tokio::test]
async fn a_resolved_finding_is_recorded_and_alerted() {
    let r = reconciler();
    let findings = [
        finding("FLEET-INTERNET-ACCESS", Severity::High, "on"),
        finding("FLEET-IMDS-V1", Severity::Medium, "v1"),
    ];
    run(&r, &findings, &event("e-1", 0), 0).await.unwrap();
    let change = run(&r, &findings[1..], &event("e-2", 5), 5)
        .await
        .unwrap()
        .expect("a change");
    assert_eq!(change.resolved.len(), 1);
    assert_eq!(change.resolved[0].rule_id, "FLEET-INTERNET-ACCESS");
    let state = r.store().stored().unwrap();
    assert_eq!(state.version, 2);
    assert!(!state.findings.contains_key("FLEET-INTERNET-ACCESS"));
    assert_eq!(
        state.findings["FLEET-IMDS-V1"].opened_at,
        at(0),
        "kept from when it opened"
    );
    assert!(r.store().changes().contains(&(
        "FLEET-INTERNET-ACCESS".to_owned(),
        "resolved".to_owned(),
        None
    )));
    assert_eq!(r.publisher.subjects().len(), 2);
}

#[tokio::test]
async fn a_raised_severity_is_recorded_with_the_old_one_and_alerted() {
    let r = reconciler();
    run(
        &r,
        &[finding("FLEET-MAX-USER-DURATION", Severity::Medium, "20 h")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap();
    let change = run(
        &r,
        &[finding("FLEET-MAX-USER-DURATION", Severity::High, "96 h")],
        &event("e-2", 5),
        5,
    )
    .await
    .unwrap()
    .expect("a change");
    assert_eq!(change.raised.len(), 1);
    assert_eq!(change.raised[0].1, Severity::Medium);
    let stored = &r.store().stored().unwrap().findings["FLEET-MAX-USER-DURATION"];
    assert_eq!(
        (stored.severity, stored.message.as_str()),
        (Severity::High, "96 h")
    );
    assert_eq!(stored.opened_at, at(0));
    assert!(r.store().changes().contains(&(
        "FLEET-MAX-USER-DURATION".to_owned(),
        "raised".to_owned(),
        Some(Severity::Medium)
    )));
    assert_eq!(r.publisher.subjects().len(), 2);
}

#[tokio::test]
async fn a_lowered_severity_is_written_and_recorded_without_an_alert() {
    let r = reconciler();
    run(
        &r,
        &[finding("FLEET-MAX-USER-DURATION", Severity::High, "96 h")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap();
    let change = run(
        &r,
        &[finding("FLEET-MAX-USER-DURATION", Severity::Medium, "20 h")],
        &event("e-2", 5),
        5,
    )
    .await
    .unwrap()
    .expect("the state changed");
    assert!(change.is_empty(), "good news sends no alert: {change:?}");
    let state = r.store().stored().unwrap();
    assert_eq!(state.version, 2);
    let stored = &state.findings["FLEET-MAX-USER-DURATION"];
    assert_eq!(
        (stored.severity, stored.message.as_str()),
        (Severity::Medium, "20 h")
    );
    assert_eq!(stored.opened_at, at(0), "still the same finding");
    assert!(r.store().changes().contains(&(
        "FLEET-MAX-USER-DURATION".to_owned(),
        "lowered".to_owned(),
        Some(Severity::High)
    )));
    assert_eq!(r.publisher.subjects().len(), 1, "only the opening alert");
}

#[tokio::test]
async fn a_new_message_at_the_same_severity_is_not_a_change() {
    let r = reconciler();
    run(
        &r,
        &[finding("FLEET-CAPACITY", Severity::Low, "3 of 4 in use")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap();
    let change = run(
        &r,
        &[finding("FLEET-CAPACITY", Severity::Low, "4 of 4 in use")],
        &event("e-2", 5),
        5,
    )
    .await
    .unwrap();
    assert!(change.is_none());
    assert_eq!(r.store().stored().unwrap().version, 1);
}

#[tokio::test]
async fn a_version_conflict_is_read_again_and_committed_once() {
    let r = reconciler();
    run(
        &r,
        &[finding("FLEET-INTERNET-ACCESS", Severity::High, "on")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap();
    // Another invocation commits between this one's read and its commit.
    r.store().races.store(1, Ordering::SeqCst);
    let change = run(&r, &[], &event("e-2", 5), 5)
        .await
        .unwrap()
        .expect("a change");
    assert_eq!(change.resolved.len(), 1);
    let state = r.store().stored().unwrap();
    assert_eq!(state.version, 3, "theirs was 2, ours is on top of it");
    assert!(state.findings.is_empty());
    let resolved = r
        .store()
        .changes()
        .iter()
        .filter(|(_, c, _)| c == "resolved")
        .count();
    assert_eq!(resolved, 1);
    assert_eq!(r.publisher.subjects().len(), 2);
}

#[tokio::test]
async fn a_state_that_keeps_changing_gives_up_with_contended() {
    let r = reconciler();
    r.store().races.store(100, Ordering::SeqCst);
    let error = run(
        &r,
        &[finding("FLEET-INTERNET-ACCESS", Severity::High, "on")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, ReconcileError::Contended { attempts: 4, .. }),
        "{error}"
    );
    assert_eq!(error.error_type(), "Contended");
    assert!(r.publisher.subjects().is_empty());
}

#[tokio::test]
async fn a_failed_publish_is_kept_and_sent_by_the_next_invocation() {
    let r = reconciler();
    r.publisher.failures.store(1, Ordering::SeqCst);
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    let error = run(&r, &findings, &event("e-1", 0), 0).await.unwrap_err();
    assert_eq!(error.error_type(), "PublishError");
    let pending = r
        .store()
        .stored()
        .unwrap()
        .outbox
        .expect("committed with its alert");
    assert!(r.publisher.subjects().is_empty());

    // The retry of the same event, or the next sweep: nothing new to commit, the
    // pending alert goes out, once.
    assert!(
        run(&r, &findings, &event("e-1", 0), 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        r.publisher.subjects(),
        std::slice::from_ref(&pending.subject)
    );
    assert_eq!(r.store().stored().unwrap().outbox, None);
    assert!(
        run(&r, &findings, &event("s-1", 10), 10)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(r.publisher.subjects().len(), 1, "never sent twice");
    assert_eq!(r.store().changes().len(), 1, "history written once");
}

#[tokio::test]
async fn a_deleted_resource_resolves_every_finding_whatever_its_source() {
    let r = reconciler();
    let mut request_only = current(&[finding("FLEET-ELASTIC-CAPACITY", Severity::Medium, "x")]);
    for (_, source) in request_only.values_mut() {
        *source = "request";
    }
    r.reconcile(
        ACCOUNT,
        &key(),
        request_only,
        &["described", "request"],
        false,
        &event("e-1", 0),
        None,
        at(0),
        Waived::new(),
    )
    .await
    .unwrap();
    // A sweep (described only) does not resolve what only a request showed...
    assert!(run(&r, &[], &event("s-1", 5), 5).await.unwrap().is_none());
    // ...a deletion does.
    let change = r
        .reconcile(
            ACCOUNT,
            &key(),
            Current::new(),
            &[],
            true,
            &event("e-2", 10),
            None,
            at(10),
            Waived::new(),
        )
        .await
        .unwrap()
        .expect("a change");
    assert!(change.deleted);
    assert_eq!(change.resolved.len(), 1);
    assert!(r.store().stored().unwrap().findings.is_empty());
}

/// Security Hub in memory: every import recorded; the next `throttled` calls fail as a
/// throttled call does after the SDK's retries, and a region in `not_enabled` answers as
/// a region without Security Hub.
#[derive(Default)]
struct MemoryHub {
    imports: Mutex<Vec<Vec<crate::report::asff::AsffFinding>>>,
    throttled: AtomicU32,
    not_enabled: Mutex<Vec<String>>,
    updates: Mutex<Vec<WorkflowUpdate>>,
    /// The next this many `BatchUpdateFindings` calls are throttled.
    throttled_updates: AtomicU32,
}

impl MemoryHub {
    /// Every imported finding as (ID, compliance, workflow, record state), in order.
    fn imported(&self) -> Vec<(String, String, String, String)> {
        self.imports
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .map(|f| {
                (
                    f.id.clone(),
                    f.compliance.status.clone(),
                    f.workflow.status.clone(),
                    f.record_state.clone(),
                )
            })
            .collect()
    }

    fn calls(&self) -> usize {
        self.imports.lock().unwrap().len()
    }
}

impl FindingExporter for MemoryHub {
    fn import<'a>(
        &'a self,
        region: &'a str,
        findings: &'a [crate::report::asff::AsffFinding],
    ) -> crate::export::ExportFuture<'a, Vec<crate::export::Rejected>> {
        Box::pin(async move {
            if self.not_enabled.lock().unwrap().iter().any(|r| r == region) {
                return Err(ExportError::NotEnabled {
                    region: region.to_owned(),
                    summary: "InvalidAccessException: not subscribed".to_owned(),
                    source: "not subscribed".into(),
                });
            }
            throttle(&self.throttled, "BatchImportFindings", region)?;
            self.imports.lock().unwrap().push(findings.to_vec());
            Ok(Vec::new())
        })
    }

    fn update_workflow<'a>(
        &'a self,
        region: &'a str,
        updates: &'a [WorkflowUpdate],
    ) -> crate::export::ExportFuture<'a, Vec<crate::export::Rejected>> {
        Box::pin(async move {
            throttle(&self.throttled_updates, "BatchUpdateFindings", region)?;
            self.updates.lock().unwrap().extend_from_slice(updates);
            Ok(Vec::new())
        })
    }
}

/// A throttled call (after the SDK's retries) while `left` is not zero; counts it down.
fn throttle(left: &AtomicU32, operation: &'static str, region: &str) -> Result<(), ExportError> {
    match left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
        Ok(_) => Err(ExportError::Throttled {
            operation,
            region: region.to_owned(),
            summary: "TooManyRequestsException: slow down".to_owned(),
            source: "slow down".into(),
        }),
        Err(_) => Ok(()),
    }
}

fn exporting() -> (Memory, Arc<MemoryHub>) {
    let hub = Arc::new(MemoryHub::default());
    let r = reconciler().with_exporter(hub.clone());
    (r, hub)
}

/// The first change of the tests below: FLEET-INTERNET-ACCESS opens.
async fn open_internet_access(r: &Memory) {
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    run(r, &findings, &event("e-1", 0), 0).await.unwrap();
}

#[tokio::test]
async fn an_opened_finding_is_exported_with_the_state_then_cleared() {
    let (r, hub) = exporting();
    open_internet_access(&r).await;
    let imports = hub.imports.lock().unwrap().clone();
    assert_eq!(imports.len(), 1);
    let f = &imports[0][0];
    assert_eq!(f.generator_id, "FLEET-INTERNET-ACCESS");
    assert_eq!(f.severity.label, "HIGH");
    assert_eq!(
        f.product_arn,
        "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    );
    assert_eq!(
        (f.compliance.status.as_str(), f.workflow.status.as_str()),
        ("FAILED", "NEW")
    );
    assert_eq!(
        r.store().stored().unwrap().export,
        None,
        "imported, cleared"
    );
    let log = r.take_export_log();
    assert_eq!((log.calls, log.imported), (1, 1));
    assert_eq!(r.take_export_log(), ExportLog::default(), "taken");
}

#[tokio::test]
async fn a_resolved_finding_is_exported_passed_and_archived_under_the_same_id() {
    let (r, hub) = exporting();
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    run(&r, &findings, &event("e-1", 0), 0).await.unwrap();
    run(&r, &[], &event("e-2", 5), 5).await.unwrap();
    let imported = hub.imported();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0].0, imported[1].0, "one ID per resource and rule");
    assert_eq!(
        (&*imported[1].1, &*imported[1].2, &*imported[1].3),
        ("PASSED", "RESOLVED", "ARCHIVED")
    );
}

#[tokio::test]
async fn a_throttled_import_stays_in_the_state_and_the_next_invocation_sends_it_once() {
    let (r, hub) = exporting();
    hub.throttled.store(1, Ordering::SeqCst);
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    run(&r, &findings, &event("e-1", 0), 0)
        .await
        .expect("a failed export never fails the resource");
    let state = r.store().stored().unwrap();
    assert_eq!(state.outbox, None, "the alert went out regardless");
    assert_eq!(state.export.as_ref().map(|e| e.findings.len()), Some(1));
    assert_eq!(hub.calls(), 0);
    assert_eq!(
        r.take_export_log().deferred,
        BTreeMap::from([("SecurityHubThrottled", 1)])
    );
    // The next sweep sees no change, but sends what the state still holds.
    assert!(
        run(&r, &findings, &event("s-1", 5), 5)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(hub.imported().len(), 1);
    assert_eq!(r.store().stored().unwrap().export, None);
    // And nothing again after that.
    run(&r, &findings, &event("s-2", 10), 10).await.unwrap();
    assert_eq!(hub.imported().len(), 1, "never doubled");
    assert_eq!(r.publisher.subjects().len(), 1);
}

#[tokio::test]
async fn a_pending_import_merges_with_a_later_change_by_finding_id() {
    let (r, hub) = exporting();
    hub.throttled.store(2, Ordering::SeqCst);
    let findings = [
        finding("FLEET-INTERNET-ACCESS", Severity::High, "on"),
        finding("FLEET-IMDS-V1", Severity::Medium, "v1"),
    ];
    run(&r, &findings, &event("e-1", 0), 0).await.unwrap();
    // Still throttled before the change; the change resolves one of the two.
    run(&r, &findings[1..], &event("e-2", 5), 5).await.unwrap();
    let imported = hub.imported();
    assert_eq!(imported.len(), 2, "each finding once, in its latest state");
    let resolved = imported
        .iter()
        .find(|f| f.1 == "PASSED")
        .expect("the resolved one");
    assert_eq!(resolved.3, "ARCHIVED");
    assert_eq!(imported.iter().filter(|f| f.1 == "FAILED").count(), 1);
    assert_eq!(r.store().stored().unwrap().export, None);
}

#[tokio::test]
async fn a_region_without_security_hub_is_reported_once_per_run_and_fails_nothing() {
    let (r, hub) = exporting();
    hub.not_enabled.lock().unwrap().push("eu-west-1".to_owned());
    let findings = [finding("FLEET-INTERNET-ACCESS", Severity::High, "on")];
    run(&r, &findings, &event("e-1", 0), 0).await.unwrap();
    run(&r, &[], &event("e-2", 5), 5).await.unwrap();
    let log = r.take_export_log();
    assert_eq!(log.not_enabled, BTreeSet::from(["eu-west-1".to_owned()]));
    assert_eq!(
        log.deferred,
        BTreeMap::from([("SecurityHubNotEnabled", 1)]),
        "not called again in the same run"
    );
    assert_eq!(r.publisher.subjects().len(), 2, "alerts unaffected");
    // Kept, merged: the resolution replaced the opening under the same ID.
    let pending = r.store().stored().unwrap().export.expect("kept");
    assert_eq!(pending.findings.len(), 1);
    assert_eq!(pending.findings[0].compliance.status, "PASSED");
    // Enabled in a later run: sent then.
    hub.not_enabled.lock().unwrap().clear();
    run(&r, &[], &event("s-1", 10), 10).await.unwrap();
    assert_eq!(hub.imported().len(), 1);
}

#[tokio::test]
async fn without_an_exporter_nothing_is_queued() {
    let r = reconciler();
    open_internet_access(&r).await;
    assert_eq!(r.store().stored().unwrap().export, None);
    assert_eq!(r.take_export_log(), ExportLog::default());
}

fn waiver(expires: Option<chrono::NaiveDate>) -> ExemptionInfo {
    ExemptionInfo {
        by: "policy",
        reason: "kiosk needs the internet until the proxy is in".to_owned(),
        expires,
    }
}

/// A run where FLEET-INTERNET-ACCESS is waived (and `open` are open).
async fn run_waived(r: &Memory, open: &[Finding], id: &str, minutes: i64) -> Option<Change> {
    let f = finding("FLEET-INTERNET-ACCESS", Severity::High, "on");
    let expires = chrono::NaiveDate::from_ymd_opt(2027, 1, 31);
    let waived = Waived::from([(f.rule_id.to_owned(), (f, "described", waiver(expires)))]);
    r.reconcile(
        ACCOUNT,
        &key(),
        current(open),
        &["described"],
        false,
        &event(id, minutes),
        None,
        at(minutes),
        waived,
    )
    .await
    .unwrap()
}

impl MemoryHub {
    /// Every workflow update as (status, note).
    fn workflow(&self) -> Vec<(String, String)> {
        self.updates
            .lock()
            .unwrap()
            .iter()
            .map(|u| (u.status.clone(), u.note.clone()))
            .collect()
    }
}

#[tokio::test]
async fn a_waived_finding_is_exported_failed_and_suppressed_with_its_waiver_never_alerted() {
    let (r, hub) = exporting();
    let change = run_waived(&r, &[], "s-1", 0).await.expect("a commit");
    assert!(change.is_empty(), "no alert: {change:?}");
    assert!(r.publisher.subjects().is_empty());
    assert!(r.store().changes().is_empty(), "no history");
    let state = r.store().stored().unwrap();
    assert!(state.findings.is_empty(), "never counted as open");
    assert_eq!(state.waived.len(), 1);
    assert_eq!(
        hub.imported(),
        [(
            "streamwarden/eu-west-1/fleet/kiosk/FLEET-INTERNET-ACCESS".to_owned(),
            "FAILED".to_owned(),
            "SUPPRESSED".to_owned(),
            "ACTIVE".to_owned()
        )]
    );
    assert_eq!(
        hub.workflow(),
        [(
            "SUPPRESSED".to_owned(),
            "Waived by policy until 2027-01-31: kiosk needs the internet until the proxy is in"
                .to_owned()
        )]
    );
    assert_eq!(state.export, None, "imported and updated, cleared");
    // Still waived: nothing written, nothing sent.
    assert!(run_waived(&r, &[], "s-2", 5).await.is_none());
    assert_eq!((hub.calls(), hub.workflow().len()), (1, 1));
}

#[tokio::test]
async fn an_open_finding_waived_later_alerts_resolved_as_before_and_is_suppressed() {
    let (r, hub) = exporting();
    open_internet_access(&r).await;
    let change = run_waived(&r, &[], "s-1", 5).await.expect("a change");
    assert_eq!(
        change.resolved.len(),
        1,
        "the alert is the same as without export"
    );
    assert_eq!(r.publisher.subjects().len(), 2);
    assert_eq!(
        hub.imported().last().map(|f| (f.1.clone(), f.3.clone())),
        Some(("FAILED".to_owned(), "ACTIVE".to_owned()))
    );
    assert_eq!(hub.workflow()[0].0, "SUPPRESSED");
}

#[tokio::test]
async fn when_the_waiver_ends_the_finding_goes_back_to_new_and_when_fixed_it_is_resolved() {
    let (r, hub) = exporting();
    run_waived(&r, &[], "s-1", 0).await;
    // The waiver expires: the evaluation finds it open again, with a note.
    let mut open = finding("FLEET-INTERNET-ACCESS", Severity::High, "on");
    open.note = Some("policy waiver expired on 2027-01-31: proxy".to_owned());
    let change = run(&r, &[open], &event("s-2", 5), 5)
        .await
        .unwrap()
        .expect("a change");
    assert_eq!(change.opened.len(), 1, "alerted as opened, as before");
    let state = r.store().stored().unwrap();
    assert!(state.waived.is_empty());
    assert_eq!(state.findings.len(), 1);
    assert_eq!(hub.imported()[1].2, "NEW");
    assert_eq!(
        hub.workflow()[1],
        (
            "NEW".to_owned(),
            "Waiver ended (policy waiver expired on 2027-01-31: proxy); the finding is open."
                .to_owned()
        )
    );
    // Waived again, then fixed: archived and resolved, with no alert for the fix.
    run_waived(&r, &[], "s-3", 10).await;
    let alerts = r.publisher.subjects().len();
    run(&r, &[], &event("s-4", 15), 15).await.unwrap();
    assert_eq!(
        r.publisher.subjects().len(),
        alerts,
        "a waived finding fixed: no alert"
    );
    let last = hub.imported().last().cloned().unwrap();
    assert_eq!((&*last.1, &*last.3), ("PASSED", "ARCHIVED"));
    assert_eq!(
        hub.workflow().last().map(|w| w.0.as_str()),
        Some("RESOLVED")
    );
    let state = r.store().stored().unwrap();
    assert!(state.waived.is_empty() && state.findings.is_empty());
    assert_eq!(state.gsi1_pk, None, "out of the index once nothing is left");
}

#[tokio::test]
async fn a_throttled_workflow_update_is_sent_by_the_next_invocation_once() {
    let (r, hub) = exporting();
    hub.throttled_updates.store(1, Ordering::SeqCst);
    run_waived(&r, &[], "s-1", 0).await;
    let pending = r.store().stored().unwrap().export.expect("kept");
    assert_eq!((pending.findings.len(), pending.workflow.len()), (1, 1));
    assert_eq!(hub.workflow().len(), 0);
    assert_eq!(
        r.take_export_log().deferred,
        BTreeMap::from([("SecurityHubThrottled", 1)])
    );
    // The next sweep: no change, the pending export goes out (the import again, which
    // updates in place, then the update).
    assert!(run_waived(&r, &[], "s-2", 5).await.is_none());
    assert_eq!(hub.workflow().len(), 1);
    assert_eq!(r.store().stored().unwrap().export, None);
    run_waived(&r, &[], "s-3", 10).await;
    assert_eq!(hub.workflow().len(), 1, "never doubled");
}

#[tokio::test]
async fn a_waived_only_state_stays_in_the_index_after_every_open_one() {
    let (r, _hub) = exporting();
    run_waived(&r, &[], "s-1", 0).await;
    let state = r.store().stored().unwrap();
    assert_eq!(state.gsi1_pk.as_deref(), Some("NONCOMPLIANT"));
    assert!(state.gsi1_sk.unwrap().starts_with("W#"), "after 5#..9#");
}

#[tokio::test]
async fn without_an_exporter_waived_findings_are_not_stored() {
    let r = reconciler();
    assert!(run_waived(&r, &[], "s-1", 0).await.is_none());
    assert_eq!(r.store().stored(), None);
}

#[tokio::test]
async fn alerts_name_the_account_where_a_name_is_known() {
    let names = crate::alert::AccountNames::default();
    let r = reconciler().with_account_names(names.clone());
    let first = run(
        &r,
        &[finding("FLEET-INTERNET-ACCESS", Severity::High, "on")],
        &event("e-1", 0),
        0,
    )
    .await
    .unwrap()
    .expect("a change");
    assert_eq!(first.account_name, None, "no name known yet");
    names.update(&[crate::org::MemberAccount {
        id: ACCOUNT.to_owned(),
        name: Some("Production".to_owned()),
    }]);
    let second = run(&r, &[], &event("e-2", 5), 5)
        .await
        .unwrap()
        .expect("a change");
    assert_eq!(second.account_name.as_deref(), Some("Production"));
    let sent = r.publisher.sent.lock().unwrap();
    assert_eq!(sent[0].attributes.get("account_name"), None);
    assert_eq!(sent[1].attributes["account_name"], "Production");
    assert!(
        sent[1].subject.contains("(Production)"),
        "{}",
        sent[1].subject
    );
}
