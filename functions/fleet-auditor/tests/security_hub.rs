//! The Security Hub export against moto server's Security Hub (BatchImportFindings is an
//! upsert by finding ID there, as in Security Hub): a finding is imported when it opens,
//! updated in place, archived as PASSED when it is resolved, and an import throttled past
//! the SDK's retries is sent by the next invocation, once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_securityhub::types::AwsSecurityFinding;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use streamwarden::Policy;
use streamwarden::aws::{AppStreamInventory, Aws, DynamoStore, SnsPublisher};
use streamwarden::events::parse_event;
use streamwarden::finding::ResourceType;
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

/// The stack and an auditor whose exporter reaches moto through a fault proxy.
async fn start() -> (LocalStack, DynamoProxy, Auditor) {
    let local = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: json!({"Fleets": [kiosk()],
            "UsageReportSubscriptions": [{"S3BucketName": "appstream-logs", "Schedule": "DAILY"}]}),
        ..StackOptions::default()
    })
    .await;
    // The proxy forwards any request; its throttle answers a throttling error (HTTP 400,
    // `__type`), which the restJson1 Security Hub client reads as it reads DynamoDB's.
    let proxy = DynamoProxy::start(local.moto().url());
    let hub = Aws::from_sdk_config(proxy.sdk_config(&local.sdk_config())).security_hub();
    let auditor = FleetAuditor::new(
        Aws::from_sdk_config(local.appstream_sdk_config()).inventories(&[REGION.to_owned()]),
        DynamoStore::new(local.dynamodb(), local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        Policy::builtin(),
        400,
    )
    .with_exporter(Arc::new(hub));
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
