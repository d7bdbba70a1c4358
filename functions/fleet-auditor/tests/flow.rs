//! The fleet-auditor service against the real parts: the AppStream simulator on the
//! wire, DynamoDB and SNS on moto server, and an SQS queue subscribed to the topic to
//! read exactly what subscribers receive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use streamwarden::Policy;
use streamwarden::aws::{AppStreamInventory, Aws, DynamoStore, SnsPublisher};
use streamwarden::events::parse_event;
use streamwarden::finding::ResourceType;
use streamwarden::finding::Severity;
use streamwarden::services::fleet_auditor::{AuditorError, FleetAuditor};
use streamwarden::store::{
    Commit, FindingStore, HistoryRecord, ResourceKey, ResourceState, StoredFinding, Target,
    TriggerRecord,
};
use streamwarden_harness::appstream_sim::FaultRule;
use streamwarden_harness::{Inbox, LocalStack, StackOptions, TOPIC, sample_scenario};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}

type Auditor = FleetAuditor<AppStreamInventory, DynamoStore, SnsPublisher>;

struct Stack {
    local: LocalStack,
    auditor: Auditor,
}

fn compliant_fleet(name: &str) -> Value {
    json!({"Name": name, "Arn": format!("arn:aws:appstream:{REGION}:123456789012:fleet/{name}"),
        "InstanceType": "stream.standard.large", "FleetType": "ON_DEMAND", "State": "RUNNING",
        "Platform": "WINDOWS_SERVER_2022", "MaxUserDurationInSeconds": 28800, "DisconnectTimeoutInSeconds": 300,
        "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
        "EnableDefaultInternetAccess": false, "DisableIMDSV1": true, "FleetErrors": [],
        "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2}})
}

/// Usage reports on, so the account itself complies unless a test says otherwise.
fn with_usage_reports(mut scenario: Value) -> Value {
    if scenario.get("UsageReportSubscriptions").is_none() {
        scenario["UsageReportSubscriptions"] =
            json!([{"S3BucketName": "appstream-logs", "Schedule": "DAILY"}]);
    }
    scenario
}

async fn start(scenario: Value) -> Stack {
    let local = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: with_usage_reports(scenario),
        ..StackOptions::default()
    })
    .await;
    let auditor = FleetAuditor::new(
        Aws::from_sdk_config(local.appstream_sdk_config()).inventories(&[REGION.to_owned()]),
        DynamoStore::new(local.dynamodb(), local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        Policy::builtin(),
        400,
    );
    Stack { local, auditor }
}

impl Stack {
    fn store(&self) -> DynamoStore {
        DynamoStore::new(self.local.dynamodb(), self.local.table())
    }
}

fn api_call(event_id: &str, event_name: &str, request: Value) -> Value {
    json!({"version": "0", "id": format!("eb-{event_id}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.appstream", "account": "123456789012", "time": "2026-11-27T09:14:03Z", "region": REGION,
        "resources": [], "detail": {"eventVersion": "1.09", "eventName": event_name, "eventID": event_id,
            "eventSource": "appstream.amazonaws.com", "eventTime": "2026-11-27T09:14:03Z", "awsRegion": REGION,
            "sourceIPAddress": "198.51.100.24", "recipientAccountId": "123456789012",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Admins/jdoe"},
            "requestParameters": request, "responseElements": null}})
}

fn schedule(id: &str) -> Value {
    json!({"version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-11-27T10:00:00Z", "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/sweep"], "detail": {}})
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 15, 0).unwrap()
}

async fn history_len(stack: &Stack, name: &str) -> usize {
    stack
        .store()
        .history(
            &ResourceKey::new(&target(), ResourceType::Fleet, name),
            None,
        )
        .await
        .unwrap()
        .len()
}

async fn version(stack: &Stack, name: &str) -> Option<u64> {
    stack
        .store()
        .state(&ResourceKey::new(&target(), ResourceType::Fleet, name))
        .await
        .unwrap()
        .map(|s| s.version)
}

#[tokio::test]
async fn a_change_alerts_once_a_redelivery_never_and_a_fix_resolves() {
    let stack = start(json!({"Fleets": [compliant_fleet("finance")]})).await;
    let wait = Duration::from_secs(2);

    // Someone turns on internet access and USB redirection.
    let mut bad = compliant_fleet("kiosk");
    bad["EnableDefaultInternetAccess"] = json!(true);
    bad["UsbDeviceFilterStrings"] = json!(["*,*,*,*,*,*,*,*"]);
    stack
        .local
        .sim()
        .add_fleet(bad.as_object().unwrap().clone())
        .unwrap();
    let create = api_call(
        "ev-create",
        "CreateFleet",
        json!({"name": "kiosk", "instanceType": "stream.standard.large",
        "fleetType": "ON_DEMAND", "enableDefaultInternetAccess": true, "computeCapacity": {"desiredInstances": 2}}),
    );
    let outcome = stack
        .auditor
        .handle(parse_event(create.clone()).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(
        (outcome.evaluated, outcome.commits, outcome.alerts),
        (1, 1, 1)
    );
    let alerts = stack.local.inbox().receive_at_least(1, wait).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert.attributes["severity"], "HIGH");
    assert_eq!(alert.attributes["fleet"], "kiosk");
    assert_eq!(alert.attributes["change"], "opened");
    assert!(alert.attributes["rule_ids"].contains("FLEET-INTERNET-ACCESS"));
    assert!(alert.attributes["rule_ids"].contains("FLEET-USB-REDIRECTION"));
    assert!(alert.subject.as_deref().unwrap().len() < 100);
    assert!(
        alert
            .message
            .contains("arn:aws:sts::123456789012:assumed-role/Admins/jdoe"),
        "{}",
        alert.message
    );
    assert!(
        alert
            .message
            .contains("EnableDefaultInternetAccess is true")
    );
    let opened = history_len(&stack, "kiosk").await;
    assert_eq!(
        opened, 2,
        "FLEET-INTERNET-ACCESS and FLEET-USB-REDIRECTION opened"
    );

    // The same event again (EventBridge delivers at least once): no alert, no write.
    let v = version(&stack, "kiosk").await;
    let again = stack
        .auditor
        .handle(parse_event(create).unwrap(), now())
        .await
        .unwrap();
    assert_eq!((again.commits, again.alerts), (0, 0));
    assert!(stack.local.inbox().receive_all(wait).await.is_empty());
    assert_eq!(version(&stack, "kiosk").await, v);
    assert_eq!(history_len(&stack, "kiosk").await, opened);

    // The admin fixes the fleet: one "resolved" alert.
    stack
        .local
        .sim()
        .patch_fleet(
            "kiosk",
            &json!({"EnableDefaultInternetAccess": false, "UsbDeviceFilterStrings": null}),
        )
        .unwrap();
    let update = api_call(
        "ev-update",
        "UpdateFleet",
        json!({"name": "kiosk", "enableDefaultInternetAccess": false,
        "attributesToDelete": ["USB_DEVICE_FILTER_STRINGS"]}),
    );
    let fixed = stack
        .auditor
        .handle(parse_event(update).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(fixed.alerts, 1);
    let alerts = stack.local.inbox().receive_at_least(1, wait).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attributes["change"], "resolved");
    assert_eq!(alerts[0].attributes["severity"], "RESOLVED");

    // A sweep with nothing changed: no alert and no writes.
    let before: Vec<_> = [
        version(&stack, "kiosk").await,
        version(&stack, "finance").await,
    ]
    .to_vec();
    let history_before = history_len(&stack, "kiosk").await;
    let sweep = stack
        .auditor
        .handle(parse_event(schedule("sweep-1")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(sweep.evaluated, 3, "two fleets and the account");
    assert_eq!((sweep.commits, sweep.alerts), (0, 0), "{sweep:?}");
    assert!(stack.local.inbox().receive_all(wait).await.is_empty());
    assert_eq!(
        [
            version(&stack, "kiosk").await,
            version(&stack, "finance").await
        ]
        .to_vec(),
        before
    );
    assert_eq!(history_len(&stack, "kiosk").await, history_before);
}

#[tokio::test]
async fn throttled_appstream_calls_are_retried() {
    let mut bad = compliant_fleet("kiosk");
    bad["EnableDefaultInternetAccess"] = json!(true);
    let stack = start(json!({"Fleets": [bad]})).await;
    stack
        .local
        .sim()
        .set_faults(vec![FaultRule {
            throttle_every: Some(2),
            ..FaultRule::default()
        }])
        .unwrap();
    let event = api_call("ev-start", "StartFleet", json!({"name": "kiosk"}));
    let outcome = stack
        .auditor
        .handle(parse_event(event).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(outcome.alerts, 1);
    let throttled = stack
        .local
        .sim()
        .calls()
        .iter()
        .filter(|c| c.error.as_deref() == Some("ThrottlingException"))
        .count();
    assert!(throttled >= 1, "nothing was throttled");
}

/// Two invocations that overlap both read the same state and compute the same change;
/// the commit is conditional on the version they read, so only one lands and the other
/// re-reads and finds nothing to do. (moto does not serialise concurrent transactions,
/// so the race itself is not reproducible there; the condition that settles it is.)
#[tokio::test]
async fn a_commit_on_a_stale_version_is_a_conflict_not_a_duplicate() {
    let stack = start(json!({"Fleets": []})).await;
    let store = stack.store();
    let key = ResourceKey::new(&target(), ResourceType::Fleet, "kiosk");
    let trigger = TriggerRecord {
        kind: "schedule".into(),
        id: "sweep-1".into(),
        time: now(),
        event_name: None,
        principal: None,
        source_ip: None,
    };
    let finding = StoredFinding {
        severity: Severity::High,
        title: "t".into(),
        message: "m".into(),
        remediation: "r".into(),
        opened_at: now(),
        source: "described".into(),
    };
    let state = ResourceState::new(
        &key,
        BTreeMap::from([("FLEET-INTERNET-ACCESS".to_owned(), finding)]),
        1,
        now(),
    );
    let history = HistoryRecord {
        pk: key.pk(),
        sk: HistoryRecord::sort_key(&trigger, "FLEET-INTERNET-ACCESS"),
        rule_id: "FLEET-INTERNET-ACCESS".into(),
        change: "opened".into(),
        severity: Severity::High,
        previous_severity: None,
        message: "m".into(),
        trigger: trigger.clone(),
        ttl: 0,
        gsi2_pk: None,
        gsi2_sk: None,
    };
    assert_eq!(
        store
            .commit(&state, None, std::slice::from_ref(&history))
            .await
            .unwrap(),
        Commit::Written
    );
    // The overlapping invocation also saw "no state yet".
    assert_eq!(
        store
            .commit(&state, None, std::slice::from_ref(&history))
            .await
            .unwrap(),
        Commit::Conflict
    );
    let mut next = state.clone();
    next.version = 2;
    assert_eq!(
        store.commit(&next, Some(1), &[]).await.unwrap(),
        Commit::Written
    );
    // A writer that read version 1 is now stale.
    assert_eq!(
        store.commit(&next, Some(1), &[]).await.unwrap(),
        Commit::Conflict
    );
    assert_eq!(
        store.history(&key, None).await.unwrap().len(),
        1,
        "history written once"
    );
    assert_eq!(store.noncompliant(Some(REGION)).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_alert_that_could_not_be_published_is_sent_by_the_next_invocation() {
    let mut bad = compliant_fleet("kiosk");
    bad["EnableDefaultInternetAccess"] = json!(true);
    let stack = start(json!({"Fleets": [bad]})).await;
    let sns = stack.local.sns();
    sns.delete_topic()
        .topic_arn(stack.local.topic_arn())
        .send()
        .await
        .unwrap();

    let event = parse_event(api_call("ev-1", "StartFleet", json!({"name": "kiosk"}))).unwrap();
    let error = stack.auditor.handle(event, now()).await.unwrap_err();
    assert_eq!(error.error_type(), "PublishError", "{error}");
    let store = stack.store();
    let state = store
        .state(&ResourceKey::new(&target(), ResourceType::Fleet, "kiosk"))
        .await
        .unwrap()
        .unwrap();
    assert!(state.outbox.is_some(), "the alert waits in the outbox");

    // The topic is back; the next invocation (the retry, or the sweep) delivers it once.
    let topic = sns
        .create_topic()
        .name(TOPIC)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let inbox = Inbox::subscribe(&stack.local.sdk_config(), &topic).await;
    let sweep = stack
        .auditor
        .handle(parse_event(schedule("sweep-2")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(sweep.alerts, 0, "nothing new changed");
    let delivered = inbox.receive_at_least(1, Duration::from_secs(2)).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].attributes["rule_ids"], "FLEET-INTERNET-ACCESS");
    let state = store
        .state(&ResourceKey::new(&target(), ResourceType::Fleet, "kiosk"))
        .await
        .unwrap()
        .unwrap();
    assert!(state.outbox.is_none());
}

#[tokio::test]
async fn deleting_a_fleet_resolves_its_findings_and_a_sweep_resolves_vanished_ones() {
    let mut bad = compliant_fleet("kiosk");
    bad["EnableDefaultInternetAccess"] = json!(true);
    let mut gone = compliant_fleet("gone");
    gone["DisableIMDSV1"] = json!(false);
    let stack = start(json!({"Fleets": [bad, gone]})).await;
    let first = stack
        .auditor
        .handle(parse_event(schedule("sweep-1")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(first.alerts, 2);
    assert_eq!(
        stack
            .local
            .inbox()
            .receive_at_least(2, Duration::from_secs(2))
            .await
            .len(),
        2
    );

    stack.local.sim().remove_fleet("kiosk").unwrap();
    let deleted = stack
        .auditor
        .handle(
            parse_event(api_call("ev-del", "DeleteFleet", json!({"name": "kiosk"}))).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(deleted.alerts, 1);
    stack.local.sim().remove_fleet("gone").unwrap();
    let sweep = stack
        .auditor
        .handle(parse_event(schedule("sweep-2")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(
        sweep.alerts, 1,
        "the vanished fleet is resolved by the sweep"
    );
    let alerts = stack
        .local
        .inbox()
        .receive_at_least(2, Duration::from_secs(2))
        .await;
    assert!(
        alerts.iter().all(|a| a.attributes["change"] == "resolved"),
        "{alerts:?}"
    );
    let store = stack.store();
    assert!(store.noncompliant(None).await.unwrap().is_empty());
}

/// The sample account plus the image builder and images the image samples name.
fn surface_scenario() -> Value {
    let mut scenario = sample_scenario();
    scenario["ImageBuilders"] = json!([{"Name": "golden-builder", "State": "RUNNING",
        "InstanceType": "stream.standard.large", "Platform": "WINDOWS_SERVER_2022",
        "ImageArn": "arn:aws:appstream:eu-west-1::image/AppStream-WinServer2022-09-01-2026",
        "CreatedTime": "2026-11-20T08:00:00Z", "EnableDefaultInternetAccess": true}]);
    let image = |name: &str| {
        json!({"Name": name, "Visibility": "PRIVATE", "State": "AVAILABLE",
        "Platform": "WINDOWS_SERVER_2022", "PublicBaseImageReleasedDate": "2026-09-01T00:00:00Z",
        "LatestAppstreamAgentVersion": "TRUE"})
    };
    scenario["Images"] = json!([
        image("golden-2026-09"),
        image("golden-2026-11"),
        image("golden-2026-09-copy"),
        image("imported-2026-11")
    ]);
    scenario["ImagePermissions"] = json!([{"Name": "golden-2026-09", "SharedImagePermissionsList": [
        {"sharedAccountId": "444455556666", "imagePermissions": {"allowFleet": true, "allowImageBuilder": true}}]}]);
    scenario
}

#[tokio::test]
async fn every_sample_event_runs_through_the_auditor() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let read = |path: std::path::PathBuf| -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let stack = start(surface_scenario()).await;
    let mut files: Vec<_> = std::fs::read_dir(root.join("fleet-auditor"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 24, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let event = read(file);
        // Every sample is a valid aws_lambda_events EventBridge event.
        serde_json::from_value::<aws_lambda_events::eventbridge::EventBridgeEvent<Value>>(
            event.clone(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let result = match parse_event(event) {
            Ok(event) => stack
                .auditor
                .handle(event, now())
                .await
                .map_err(|e| e.error_type()),
            Err(e) => Err(e.error_type()),
        };
        match name.as_str() {
            "unsupported-ec2-event.json" => assert_eq!(result.unwrap_err(), "UnsupportedEvent"),
            "create-fleet-denied.json" => {
                assert!(result.unwrap().skipped.unwrap().contains("AccessDenied"))
            }
            "delete-fleet.json" | "delete-image-builder.json" | "delete-image.json" => {
                assert_eq!(result.unwrap().evaluated, 0, "{name}")
            }
            "scheduled-sweep.json" => assert_eq!(
                result.unwrap().evaluated,
                14,
                "{name}: 6 fleets, 2 stacks, 1 image builder, 4 owned images, the account"
            ),
            "associate-fleet.json" | "disassociate-fleet.json" => {
                assert_eq!(result.unwrap().evaluated, 2, "{name}")
            }
            _ => assert_eq!(result.unwrap().evaluated, 1, "{name}"),
        }
    }
}

#[tokio::test]
async fn a_table_still_throttled_after_the_retries_fails_the_sweep_with_a_typed_cause() {
    let mut bad = compliant_fleet("kiosk");
    bad["EnableDefaultInternetAccess"] = json!(true);
    let local = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: with_usage_reports(json!({"Fleets": [bad, compliant_fleet("finance")]})),
        ddb_fault_proxy: true,
        ..StackOptions::default()
    })
    .await;
    let proxy = local.ddb_proxy().expect("the fault proxy");
    // The store as the functions build it (aws::Aws: the documented retries), through
    // the proxy.
    let through_proxy = Aws::from_sdk_config(proxy.sdk_config(&local.sdk_config()));
    let auditor = FleetAuditor::new(
        Aws::from_sdk_config(local.appstream_sdk_config()).inventories(&[REGION.to_owned()]),
        through_proxy.store(local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        Policy::builtin(),
        400,
    );
    proxy.throttle("TransactWriteItems", 1_000);

    let error = auditor
        .handle(parse_event(schedule("sweep-1")).unwrap(), now())
        .await
        .unwrap_err();

    // Not an anonymous PartialFailure: the cause is typed and counted by its type.
    assert_eq!(error.error_type(), "PartialFailure");
    let AuditorError::Partial(failures) = &error else {
        panic!("expected a partial failure, got {error}");
    };
    assert_eq!(failures.by_type(), BTreeMap::from([("StoreThrottled", 1)]));
    let message = error.to_string();
    assert!(
        message.starts_with("sweep finished with 1 failure(s) (StoreThrottled: 1): eu-west-1: fleet kiosk: DynamoDB TransactWriteItems"),
        "{message}"
    );
    assert!(
        message.contains("ProvisionedThroughputExceededException"),
        "{message}"
    );
    // The documented retry policy reached the table: 8 attempts, not the SDK's 3.
    assert_eq!(proxy.stats().requests_for("TransactWriteItems"), 8);
    // Nothing was committed, so the next sweep (the table recovered) does it all.
    proxy.clear_faults();
    let outcome = auditor
        .handle(parse_event(schedule("sweep-2")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!((outcome.commits, outcome.alerts), (1, 1));
}
