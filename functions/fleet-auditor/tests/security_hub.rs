//! The Security Hub export against moto server's Security Hub (BatchImportFindings is an
//! upsert by finding ID there, as in Security Hub): a finding is imported when it opens,
//! updated in place, archived as PASSED when it is resolved, and an import throttled past
//! the SDK's retries is sent by the next invocation, once.
//!
//! Waived findings run against moto with the two behaviours moto 5.2.5 lacks added
//! (`tests/moto_workflow.py`): `BatchUpdateFindings`, and `BatchImportFindings` leaving an
//! existing finding's `Workflow` and `Note` alone, as Security Hub does. A waived finding
//! is FAILED, ACTIVE and `SUPPRESSED` with a note naming the waiver; it goes back to `NEW`
//! when the waiver ends, is archived and `RESOLVED` when fixed; a throttled update is sent
//! by the next invocation, once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_securityhub::types::AwsSecurityFinding;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use streamwarden::Policy;
use streamwarden::aws::securityhub::SecurityHubExporter;
use streamwarden::aws::{AppStreamInventory, Aws, DynamoStore, SnsPublisher};
use streamwarden::events::parse_event;
use streamwarden::export::{ExportFuture, FindingExporter, Rejected, WorkflowUpdate};
use streamwarden::finding::ResourceType;
use streamwarden::report::asff::AsffFinding;
use streamwarden::services::fleet_auditor::FleetAuditor;
use streamwarden::store::{FindingStore, ResourceKey, Target};
use streamwarden_harness::ddb_proxy::ANY_OPERATION;
use streamwarden_harness::{DynamoProxy, LocalStack, StackOptions};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

type Auditor = FleetAuditor<AppStreamInventory, DynamoStore, SnsPublisher>;

/// A fleet with internet access on (FLEET-INTERNET-ACCESS), otherwise close to compliant.
fn kiosk() -> Value {
    json!({"Name": "kiosk", "Arn": format!("arn:aws:appstream:{REGION}:{ACCOUNT}:fleet/kiosk"),
        "InstanceType": "stream.standard.large", "FleetType": "ON_DEMAND", "State": "RUNNING",
        "Platform": "WINDOWS_SERVER_2022", "MaxUserDurationInSeconds": 28800, "DisconnectTimeoutInSeconds": 300,
        "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
        "EnableDefaultInternetAccess": true, "DisableIMDSV1": true, "FleetErrors": [],
        "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2}})
}

fn sweep(id: &str) -> Value {
    json!({"version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": "2026-11-27T10:00:00Z", "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/sweep"], "detail": {}})
}

/// The simulator (the kiosk fleet), moto, the table and the topic.
async fn stack() -> LocalStack {
    LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: json!({"Fleets": [kiosk()],
            "UsageReportSubscriptions": [{"S3BucketName": "appstream-logs", "Schedule": "DAILY"}]}),
        ..StackOptions::default()
    })
    .await
}

/// An auditor on the stack with `policy`, exporting through `exporter`.
fn auditor(local: &LocalStack, policy: Policy, exporter: Arc<dyn FindingExporter>) -> Auditor {
    FleetAuditor::new(
        Aws::from_sdk_config(local.appstream_sdk_config()).inventories(&[REGION.to_owned()]),
        DynamoStore::new(local.dynamodb(), local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        policy,
        400,
    )
    .with_exporter(exporter)
}

/// The stack and an auditor whose exporter reaches moto through a fault proxy.
async fn start() -> (LocalStack, DynamoProxy, Auditor) {
    let local = stack().await;
    // The proxy forwards any request; its throttle answers a throttling error (HTTP 400,
    // `__type`), which the restJson1 Security Hub client reads as it reads DynamoDB's.
    let proxy = DynamoProxy::start(local.moto().url());
    let hub = Aws::from_sdk_config(proxy.sdk_config(&local.sdk_config())).security_hub();
    let auditor = auditor(&local, Policy::builtin(), Arc::new(hub));
    (local, proxy, auditor)
}

async fn run(auditor: &Auditor, id: &str, minutes: i64) {
    let now =
        Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap() + chrono::Duration::minutes(minutes);
    Box::pin(auditor.handle(parse_event(sweep(id)).unwrap(), now))
        .await
        .unwrap();
}

/// What moto's Security Hub holds, by generator (rule) ID, for the kiosk fleet.
async fn kiosk_findings(local: &LocalStack) -> Vec<AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(&local.sdk_config());
    let out = client.get_findings().send().await.unwrap();
    out.findings()
        .iter()
        .filter(|f| f.id().is_some_and(|id| id.contains("fleet/kiosk")))
        .cloned()
        .collect()
}

fn internet_access(findings: &[AwsSecurityFinding]) -> Vec<&AwsSecurityFinding> {
    findings
        .iter()
        .filter(|f| f.generator_id() == Some("FLEET-INTERNET-ACCESS"))
        .collect()
}

fn status(f: &AwsSecurityFinding) -> (String, String) {
    (
        f.compliance()
            .and_then(|c| c.status())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        f.record_state()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    )
}

async fn pending_export(local: &LocalStack) -> usize {
    DynamoStore::new(local.dynamodb(), local.table())
        .state(&ResourceKey::new(
            &Target::new(ACCOUNT, REGION),
            ResourceType::Fleet,
            "kiosk",
        ))
        .await
        .unwrap()
        .and_then(|s| s.export)
        .map_or(0, |e| e.findings.len())
}

#[tokio::test]
async fn a_finding_is_imported_updated_in_place_and_archived_when_resolved() {
    let (local, _proxy, auditor) = start().await;

    run(&auditor, "s-1", 0).await;
    let first = kiosk_findings(&local).await;
    let opened = internet_access(&first);
    assert_eq!(opened.len(), 1, "{first:#?}");
    let f = opened[0];
    assert_eq!(
        f.product_arn(),
        Some(format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default").as_str())
    );
    assert_eq!(
        f.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some("HIGH")
    );
    assert_eq!(status(f), ("FAILED".to_owned(), "ACTIVE".to_owned()));
    assert!(
        f.types()
            .iter()
            .all(|t| t.starts_with("Software and Configuration Checks")),
        "{:?}",
        f.types()
    );
    assert!(
        f.resources().iter().any(|r| r.id()
            == Some(format!("arn:aws:appstream:{REGION}:{ACCOUNT}:fleet/kiosk").as_str())),
        "{:?}",
        f.resources()
    );
    assert!(
        !f.compliance().unwrap().related_requirements().is_empty(),
        "framework controls"
    );
    let log = auditor.take_export_log();
    assert_eq!(log.imported, first.len());
    assert_eq!(pending_export(&local).await, 0, "cleared once imported");

    // Nothing changed: nothing imported.
    run(&auditor, "s-2", 5).await;
    assert_eq!(auditor.take_export_log().calls, 0);

    // The admin turns internet access off: the same finding, now PASSED and ARCHIVED.
    local
        .sim()
        .patch_fleet("kiosk", &json!({"EnableDefaultInternetAccess": false}))
        .unwrap();
    run(&auditor, "s-3", 10).await;
    let after = kiosk_findings(&local).await;
    assert_eq!(after.len(), first.len(), "updated in place, never doubled");
    let resolved = internet_access(&after);
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].id(), f.id());
    assert_eq!(
        status(resolved[0]),
        ("PASSED".to_owned(), "ARCHIVED".to_owned())
    );
}

#[tokio::test]
async fn a_throttled_import_is_sent_by_the_next_invocation_once() {
    let (local, proxy, auditor) = start().await;
    // More throttling errors than the SDK's attempts (8): the import fails as a whole.
    proxy.throttle_with(ANY_OPERATION, 8, "ThrottlingException");
    run(&auditor, "s-1", 0).await;
    let log = auditor.take_export_log();
    assert_eq!(
        log.deferred.get("SecurityHubThrottled"),
        Some(&1),
        "{log:?}"
    );
    assert!(kiosk_findings(&local).await.is_empty());
    assert!(pending_export(&local).await > 0, "kept in the state");
    assert_eq!(proxy.stats().throttled, 8);

    // The next sweep changes nothing in the fleet, but sends what the state holds.
    run(&auditor, "s-2", 5).await;
    let log = auditor.take_export_log();
    assert_eq!(log.calls, 1, "{log:?}");
    let findings = kiosk_findings(&local).await;
    assert_eq!(internet_access(&findings).len(), 1);
    assert_eq!(log.imported, findings.len());
    assert_eq!(pending_export(&local).await, 0);

    // And not again.
    run(&auditor, "s-3", 10).await;
    assert_eq!(auditor.take_export_log().calls, 0);
    assert_eq!(kiosk_findings(&local).await.len(), findings.len());
}

const RULE: &str = "FLEET-INTERNET-ACCESS";

/// moto server with `tests/moto_workflow.py`'s Security Hub, on a free port.
struct HubMoto {
    child: Child,
    url: String,
}

impl HubMoto {
    fn start() -> HubMoto {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = dir.join("../../.venv/bin/python");
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(python)
            .arg(dir.join("tests/moto_workflow.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_workflow.py with the repository's .venv");
        let hub = HubMoto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "moto_workflow.py did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        hub
    }
}

impl Drop for HubMoto {
    fn drop(&mut self) {
        // Already gone is fine: nothing else to clean up.
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The real exporter; the proxy in front of moto throttles the next `BatchUpdateFindings`
/// calls (8 errors: more than the SDK's attempts) when armed.
struct ThrottleUpdates {
    inner: SecurityHubExporter,
    proxy: DynamoProxy,
    armed: AtomicUsize,
}

impl FindingExporter for ThrottleUpdates {
    fn import<'a>(
        &'a self,
        region: &'a str,
        findings: &'a [AsffFinding],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        self.inner.import(region, findings)
    }

    fn update_workflow<'a>(
        &'a self,
        region: &'a str,
        updates: &'a [WorkflowUpdate],
    ) -> ExportFuture<'a, Vec<Rejected>> {
        if self
            .armed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            self.proxy
                .throttle_with(ANY_OPERATION, 8, "ThrottlingException");
        }
        self.inner.update_workflow(region, updates)
    }
}

/// A policy waiving FLEET-INTERNET-ACCESS on the kiosk until `expires`.
fn waiver(expires: &str) -> Policy {
    let text = format!(
        "[[exemptions]]\nresources = [\"kiosk\"]\nrules = [\"{RULE}\"]\n\
         reason = \"the kiosk needs the internet until the proxy is in\"\nexpires = {expires}\n"
    );
    Policy::parse("waiver.toml", &text).unwrap()
}

struct Setup {
    local: LocalStack,
    _hub: HubMoto,
    hub: aws_sdk_securityhub::Client,
    exporter: Arc<ThrottleUpdates>,
}

async fn start_waivers() -> Setup {
    let local = stack().await;
    let moto = HubMoto::start();
    let hub_config = local
        .sdk_config()
        .to_builder()
        .endpoint_url(&moto.url)
        .build();
    let proxy = DynamoProxy::start(&moto.url);
    let inner = Aws::from_sdk_config(proxy.sdk_config(&local.sdk_config())).security_hub();
    Setup {
        hub: aws_sdk_securityhub::Client::new(&hub_config),
        exporter: Arc::new(ThrottleUpdates {
            inner,
            proxy,
            armed: AtomicUsize::new(0),
        }),
        _hub: moto,
        local,
    }
}

impl Setup {
    fn auditor(&self, policy: Policy) -> Auditor {
        auditor(&self.local, policy, self.exporter.clone())
    }

    /// The kiosk's FLEET-INTERNET-ACCESS finding in moto, and how many kiosk findings
    /// moto holds.
    async fn finding(&self) -> (AwsSecurityFinding, usize) {
        let out = self.hub.get_findings().send().await.unwrap();
        let kiosk: Vec<_> = out
            .findings()
            .iter()
            .filter(|f| f.id().is_some_and(|id| id.contains("fleet/kiosk")))
            .collect();
        let found = kiosk
            .iter()
            .find(|f| f.generator_id() == Some(RULE))
            .map(|f| (*f).clone())
            .expect("the FLEET-INTERNET-ACCESS finding");
        (found, kiosk.len())
    }

    async fn pending_workflow(&self) -> usize {
        DynamoStore::new(self.local.dynamodb(), self.local.table())
            .state(&ResourceKey::new(
                &Target::new(ACCOUNT, REGION),
                ResourceType::Fleet,
                "kiosk",
            ))
            .await
            .unwrap()
            .and_then(|s| s.export)
            .map_or(0, |e| e.workflow.len())
    }
}

/// (compliance, record state, workflow, note).
fn states(f: &AwsSecurityFinding) -> (String, String, String, String) {
    (
        f.compliance()
            .and_then(|c| c.status())
            .map_or_else(String::new, |s| s.as_str().to_owned()),
        f.record_state()
            .map_or_else(String::new, |s| s.as_str().to_owned()),
        f.workflow()
            .and_then(|w| w.status())
            .map_or_else(String::new, |s| s.as_str().to_owned()),
        f.note()
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Asserts the finding's compliance, record state and workflow; returns its note.
async fn expect(setup: &Setup, want: (&str, &str, &str)) -> String {
    let (compliance, record, workflow, note) = states(&setup.finding().await.0);
    assert_eq!((&*compliance, &*record, &*workflow), want, "{note}");
    note
}

#[tokio::test]
async fn waived_is_suppressed_back_to_new_when_the_waiver_ends_and_resolved_when_fixed() {
    let setup = start_waivers().await;
    let waived = setup.auditor(waiver("2027-01-31"));
    let lapsed = setup.auditor(waiver("2026-11-01"));

    run(&waived, "s-1", 0).await;
    let note = expect(&setup, ("FAILED", "ACTIVE", "SUPPRESSED")).await;
    assert_eq!(
        note,
        "Waived by policy until 2027-01-31: the kiosk needs the internet until the proxy is in"
    );
    let log = waived.take_export_log();
    assert_eq!((log.update_calls, log.updated), (1, 1), "{log:?}");
    let count = setup.finding().await.1;

    // The waiver expires: open again, back to NEW, with the expired waiver named.
    run(&lapsed, "s-2", 5).await;
    let note = expect(&setup, ("FAILED", "ACTIVE", "NEW")).await;
    assert!(
        note.starts_with("Waiver ended (policy waiver expired on 2026-11-01"),
        "{note}"
    );

    // Waived again, then fixed: archived, PASSED, RESOLVED.
    run(&waived, "s-3", 10).await;
    expect(&setup, ("FAILED", "ACTIVE", "SUPPRESSED")).await;
    setup
        .local
        .sim()
        .patch_fleet("kiosk", &json!({"EnableDefaultInternetAccess": false}))
        .unwrap();
    run(&waived, "s-4", 15).await;
    expect(&setup, ("PASSED", "ARCHIVED", "RESOLVED")).await;
    assert_eq!(
        setup.finding().await.1,
        count,
        "updated in place, never doubled"
    );
    assert_eq!(setup.pending_workflow().await, 0);
}

#[tokio::test]
async fn a_throttled_workflow_update_is_sent_by_the_next_invocation_once() {
    let setup = start_waivers().await;
    let open = setup.auditor(Policy::builtin());
    let waived = setup.auditor(waiver("2027-01-31"));
    run(&open, "s-1", 0).await;
    expect(&setup, ("FAILED", "ACTIVE", "NEW")).await;

    // Waived: the import goes through (and leaves the workflow alone), the update is
    // throttled past the SDK's retries.
    setup.exporter.armed.store(1, Ordering::SeqCst);
    run(&waived, "s-2", 5).await;
    let log = waived.take_export_log();
    assert_eq!(
        log.deferred.get("SecurityHubThrottled"),
        Some(&1),
        "{log:?}"
    );
    expect(&setup, ("FAILED", "ACTIVE", "NEW")).await;
    assert_eq!(setup.pending_workflow().await, 1, "kept in the state");

    // The next sweep sends it; the one after sends nothing.
    run(&waived, "s-3", 10).await;
    assert_eq!(waived.take_export_log().update_calls, 1);
    expect(&setup, ("FAILED", "ACTIVE", "SUPPRESSED")).await;
    assert_eq!(setup.pending_workflow().await, 0);
    run(&waived, "s-4", 15).await;
    let log = waived.take_export_log();
    assert_eq!((log.calls, log.update_calls), (0, 0), "{log:?}");
}
