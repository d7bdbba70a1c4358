//! The sweep and the CloudTrail path over image builders, images and usage reports,
//! against the AppStream simulator (its call log counts the reads) and moto.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use streamwarden::Policy;
use streamwarden::aws::{AppStreamInventory, DynamoStore, SnsPublisher};
use streamwarden::events::parse_event;
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::services::fleet_auditor::{AuditorError, FleetAuditor};
use streamwarden::store::{
    FindingStore, HistoryRecord, ResourceKey, ResourceState, StoredFinding, Target, TriggerRecord,
};
use streamwarden_harness::appstream_sim::{CallRecord, FaultRule, SimConfig};
use streamwarden_harness::{LocalStack, StackOptions};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}
const BASE: &str = "arn:aws:appstream:eu-west-1::image/AppStream-WinServer2022-09-01-2026";

type Auditor = FleetAuditor<AppStreamInventory, DynamoStore, SnsPublisher>;

/// The local stack and an auditor whose AppStream client does not retry, so an injected
/// 5xx fails the read at once.
async fn start(mut scenario: Value, sim_config: SimConfig) -> (LocalStack, Auditor) {
    // The simulator derives ARNs from the scenario's region and account.
    scenario["Region"] = json!(REGION);
    scenario["AccountId"] = json!(ACCOUNT);
    let local = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario,
        sim_config,
        ..StackOptions::default()
    })
    .await;
    let client = aws_sdk_appstream::Client::from_conf(
        aws_sdk_appstream::config::Builder::from(&local.appstream_sdk_config())
            .retry_config(aws_sdk_appstream::config::retry::RetryConfig::disabled())
            .build(),
    );
    let auditor = FleetAuditor::new(
        BTreeMap::from([(REGION.to_owned(), AppStreamInventory::new(client, REGION))]),
        DynamoStore::new(local.dynamodb(), local.table()),
        SnsPublisher::new(local.sns(), local.topic_arn()),
        Policy::builtin(),
        400,
    );
    (local, auditor)
}

fn fleet(name: &str, image_arn: &str) -> Value {
    json!({"Name": name, "ImageArn": image_arn,
        "InstanceType": "stream.standard.large", "FleetType": "ON_DEMAND", "State": "RUNNING",
        "Platform": "WINDOWS_SERVER_2022", "MaxUserDurationInSeconds": 28800, "DisconnectTimeoutInSeconds": 300,
        "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
        "EnableDefaultInternetAccess": false, "DisableIMDSV1": true, "FleetErrors": [],
        "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2}})
}

fn builder(name: &str) -> Value {
    json!({"Name": name, "State": "RUNNING", "InstanceType": "stream.standard.large",
        "Platform": "WINDOWS_SERVER_2022", "ImageArn": BASE, "CreatedTime": "2026-11-20T08:00:00Z",
        "EnableDefaultInternetAccess": true})
}

fn image(name: &str) -> Value {
    json!({"Name": name, "Visibility": "PRIVATE", "State": "AVAILABLE",
        "Platform": "WINDOWS_SERVER_2022", "PublicBaseImageReleasedDate": "2026-09-01T00:00:00Z",
        "LatestAppstreamAgentVersion": "TRUE"})
}

fn owned_arn(name: &str) -> String {
    format!("arn:aws:appstream:{REGION}:{ACCOUNT}:image/{name}")
}

fn shared_with_partner(name: &str) -> Value {
    json!({"Name": name, "SharedImagePermissionsList": [{"sharedAccountId": "444455556666",
        "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}}]})
}

fn schedule(id: &str) -> Value {
    json!({"version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT, "time": "2026-11-27T10:00:00Z", "region": REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/sweep"], "detail": {}})
}

fn api_call(event_id: &str, event_name: &str, request: Value) -> Value {
    json!({"version": "0", "id": format!("eb-{event_id}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.appstream", "account": ACCOUNT, "time": "2026-11-27T09:14:03Z", "region": REGION,
        "resources": [], "detail": {"eventVersion": "1.09", "eventName": event_name, "eventID": event_id,
            "eventSource": "appstream.amazonaws.com", "eventTime": "2026-11-27T09:14:03Z", "awsRegion": REGION,
            "sourceIPAddress": "198.51.100.24", "recipientAccountId": ACCOUNT,
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Admins/jdoe"},
            "requestParameters": request, "responseElements": null}})
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 15, 0).unwrap()
}

fn calls<'a>(log: &'a [CallRecord], operation: &str) -> Vec<&'a CallRecord> {
    log.iter().filter(|c| c.operation == operation).collect()
}

/// Stores an open finding on `key`, as an earlier run would have.
async fn seed(store: &DynamoStore, key: &ResourceKey, rule: &str) {
    let trigger = TriggerRecord {
        kind: "schedule".into(),
        id: "sweep-0".into(),
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
    let state = ResourceState::new(key, BTreeMap::from([(rule.to_owned(), finding)]), 1, now());
    let history = HistoryRecord {
        pk: key.pk(),
        sk: HistoryRecord::sort_key(&trigger, rule),
        rule_id: rule.into(),
        change: "opened".into(),
        severity: Severity::High,
        previous_severity: None,
        message: "m".into(),
        trigger,
        ttl: 0,
        gsi2_pk: None,
        gsi2_sk: None,
    };
    store.commit(&state, None, &[history]).await.unwrap();
}

async fn open_keys(store: &DynamoStore) -> Vec<(ResourceType, String)> {
    let mut keys: Vec<_> = store
        .noncompliant(Some(REGION))
        .await
        .unwrap()
        .iter()
        .map(|s| {
            let key = s.key();
            (key.resource_type, key.name)
        })
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn the_sweep_reads_each_type_once_per_page_and_permissions_only_for_shared_images() {
    // 31 owned images (two pages of 25), three builders (two pages of 2), one image shared
    // with another account, and fleets on an owned image, an AWS base image and an image
    // that no longer exists.
    let mut images: Vec<Value> = (0..30).map(|i| image(&format!("app-{i:02}"))).collect();
    images.push(image("golden-2026-09"));
    images.push(
        json!({"Name": "AppStream-WinServer2022-09-01-2026", "Visibility": "PUBLIC",
        "State": "AVAILABLE", "Platform": "WINDOWS_SERVER_2022",
        "PublicBaseImageReleasedDate": "2026-09-01T00:00:00Z"}),
    );
    let gone = "arn:aws:appstream:eu-west-1::image/AppStream-WinServer2016-01-01-2024";
    let scenario = json!({
        "Fleets": [fleet("finance", &owned_arn("golden-2026-09")), fleet("kiosk", BASE),
            fleet("legacy", gone)],
        "ImageBuilders": [builder("b-1"), builder("b-2"), builder("b-3")],
        "Images": images,
        "ImagePermissions": [shared_with_partner("golden-2026-09")],
    });
    let (local, auditor) = start(
        scenario,
        SimConfig::default().page_size("DescribeImageBuilders", 2),
    )
    .await;

    let outcome = auditor
        .handle(parse_event(schedule("sweep-1")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(
        outcome.evaluated,
        3 + 3 + 31 + 1,
        "fleets, builders, owned images and the account"
    );

    let log = local.sim().calls();
    assert_eq!(
        calls(&log, "DescribeImageBuilders").len(),
        2,
        "3 builders, pages of 2"
    );
    let images = calls(&log, "DescribeImages");
    let owned: Vec<_> = images
        .iter()
        .filter(|c| c.params["Type"] == "PRIVATE")
        .collect();
    assert_eq!(owned.len(), 2, "31 owned images, pages of 25");
    assert!(
        images.iter().all(|c| c.params.get("Names").is_none()),
        "never one image at a time by name"
    );
    // The fleets' other images by ARN: both in one call, which fails on the image that
    // is gone; halved, the base image is found and the gone one left out.
    let by_arn: Vec<&Value> = images.iter().filter_map(|c| c.params.get("Arns")).collect();
    assert_eq!(by_arn[0], &json!([gone, BASE]), "{by_arn:?}");
    assert_eq!(by_arn.len(), 3, "{by_arn:?}");
    assert!(
        by_arn
            .iter()
            .all(|arns| !arns.to_string().contains("golden-2026-09")),
        "an owned image is never read again by ARN"
    );
    let permissions = calls(&log, "DescribeImagePermissions");
    assert_eq!(permissions.len(), 1, "only the shared image");
    assert_eq!(permissions[0].params["Name"], "golden-2026-09");
    assert_eq!(calls(&log, "DescribeUsageReportSubscriptions").len(), 1);

    // What the reads found is judged: builders with internet access, the image shared
    // with an account the policy does not list, and no usage reports in the region.
    let store = DynamoStore::new(local.dynamodb(), local.table());
    let open: BTreeMap<(ResourceType, String), Vec<String>> = store
        .noncompliant(Some(REGION))
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            let key = s.key();
            (
                (key.resource_type, key.name),
                s.findings.into_keys().collect(),
            )
        })
        .collect();
    for b in ["b-1", "b-2", "b-3"] {
        assert!(
            open[&(ResourceType::ImageBuilder, b.to_owned())]
                .contains(&"BUILDER-INTERNET-ACCESS".to_owned()),
            "{open:?}"
        );
    }
    assert_eq!(
        open[&(ResourceType::Image, "golden-2026-09".to_owned())],
        ["IMAGE-SHARED-EXTERNALLY"]
    );
    assert_eq!(
        open[&(ResourceType::Account, format!("{ACCOUNT}/{REGION}"))],
        ["ACCOUNT-USAGE-REPORTS"]
    );
    assert!(
        !open.contains_key(&(ResourceType::Image, "app-00".to_owned())),
        "an image shared with no one complies: {open:?}"
    );
}

#[tokio::test]
async fn a_failing_builder_read_leaves_fleet_and_builder_findings_intact() {
    let mut bad = fleet("kiosk", BASE);
    bad["EnableDefaultInternetAccess"] = json!(true);
    let scenario = json!({"Fleets": [bad],
        "UsageReportSubscriptions": [{"S3BucketName": "appstream-logs", "Schedule": "DAILY"}]});
    let (local, auditor) = start(scenario, SimConfig::default()).await;
    let store = DynamoStore::new(local.dynamodb(), local.table());
    // A builder an earlier sweep flagged, since deleted.
    let ghost = ResourceKey::new(&target(), ResourceType::ImageBuilder, "ghost");
    seed(&store, &ghost, "BUILDER-INTERNET-ACCESS").await;
    local
        .sim()
        .set_faults(vec![FaultRule {
            error_every: Some(1),
            operations: vec!["DescribeImageBuilders".into()],
            ..FaultRule::default()
        }])
        .unwrap();

    let error = auditor
        .handle(parse_event(schedule("sweep-1")).unwrap(), now())
        .await
        .unwrap_err();
    let AuditorError::Partial(failures) = &error else {
        panic!("expected a partial failure, got {error}");
    };
    assert_eq!(failures.len(), 1, "{error}");
    assert!(
        error.to_string().contains("DescribeImageBuilders"),
        "{error}"
    );
    // The fleet was audited; the builder list was not read, so nothing about builders
    // was resolved.
    assert_eq!(
        open_keys(&store).await,
        [
            (ResourceType::Fleet, "kiosk".to_owned()),
            (ResourceType::ImageBuilder, "ghost".to_owned()),
        ]
    );

    // The read recovers: the builder is gone, and so is its finding.
    local.sim().set_faults(Vec::new()).unwrap();
    auditor
        .handle(parse_event(schedule("sweep-2")).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(
        open_keys(&store).await,
        [(ResourceType::Fleet, "kiosk".to_owned())]
    );
}

#[tokio::test]
async fn cloudtrail_calls_of_every_family_are_audited_and_deletes_resolve() {
    let scenario = json!({
        "ImageBuilders": [builder("golden-builder")],
        "Images": [image("golden-2026-09"), image("golden-2026-11")],
        "ImagePermissions": [shared_with_partner("golden-2026-09")],
    });
    let (local, auditor) = start(scenario, SimConfig::default()).await;
    let store = DynamoStore::new(local.dynamodb(), local.table());
    let handle = |event: Value| {
        let auditor = &auditor;
        async move { auditor.handle(parse_event(event).unwrap(), now()).await }
    };

    for (id, name) in [
        ("ev-1", "CreateImageBuilder"),
        ("ev-2", "StartImageBuilder"),
        ("ev-3", "StopImageBuilder"),
    ] {
        let outcome = handle(api_call(id, name, json!({"name": "golden-builder"})))
            .await
            .unwrap();
        assert_eq!(outcome.evaluated, 1, "{name}: {outcome:?}");
    }
    let outcome = handle(api_call(
        "ev-4",
        "CreateUpdatedImage",
        json!({"existingImageName": "golden-2026-09", "newImageName": "golden-2026-11", "dryRun": false}),
    ))
    .await
    .unwrap();
    assert_eq!(outcome.evaluated, 1, "{outcome:?}");
    let dry = handle(api_call(
        "ev-5",
        "CreateUpdatedImage",
        json!({"existingImageName": "golden-2026-09", "newImageName": "never-made", "dryRun": true}),
    ))
    .await
    .unwrap();
    assert!(dry.skipped.unwrap().contains("dry run"));

    // A permissions change re-reads the image and, since it is shared, who with.
    local.sim().clear_calls();
    let outcome = handle(api_call(
        "ev-6",
        "UpdateImagePermissions",
        json!({"name": "golden-2026-09", "sharedAccountId": "444455556666",
            "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}}),
    ))
    .await
    .unwrap();
    assert_eq!(outcome.evaluated, 1);
    let log = local.sim().calls();
    assert_eq!(calls(&log, "DescribeImagePermissions").len(), 1);
    // An image not shared with anyone costs no permissions call.
    local.sim().clear_calls();
    handle(api_call(
        "ev-7",
        "CopyImage",
        json!({"sourceImageName": "golden-2026-09", "destinationImageName": "golden-2026-11",
            "destinationRegion": REGION}),
    ))
    .await
    .unwrap();
    let log = local.sim().calls();
    assert_eq!(calls(&log, "DescribeImages").len(), 1);
    assert!(calls(&log, "DescribeImagePermissions").is_empty());
    // A copy to a region this deployment does not audit is noted, not an error.
    let elsewhere = handle(api_call(
        "ev-8",
        "CopyImage",
        json!({"sourceImageName": "golden-2026-09", "destinationImageName": "golden-us",
            "destinationRegion": "us-east-1"}),
    ))
    .await
    .unwrap();
    assert!(elsewhere.skipped.unwrap().contains("us-east-1"));

    // No subscription in the region: the account fails ACCOUNT-USAGE-REPORTS.
    let account = (ResourceType::Account, format!("{ACCOUNT}/{REGION}"));
    let off = handle(api_call(
        "ev-9",
        "DeleteUsageReportSubscription",
        Value::Null,
    ))
    .await
    .unwrap();
    assert_eq!((off.evaluated, off.alerts), (1, 1), "{off:?}");
    assert!(open_keys(&store).await.contains(&account));
    // An administrator subscribes; the CloudTrail call resolves it.
    aws_sdk_appstream::Client::new(&local.appstream_sdk_config())
        .create_usage_report_subscription()
        .send()
        .await
        .unwrap();
    let on = handle(api_call(
        "ev-10",
        "CreateUsageReportSubscription",
        Value::Null,
    ))
    .await
    .unwrap();
    assert_eq!((on.evaluated, on.alerts), (1, 1), "{on:?}");
    assert!(!open_keys(&store).await.contains(&account));

    // Deleting a builder or an image resolves what was open on it.
    let builder_key = ResourceKey::new(&target(), ResourceType::ImageBuilder, "golden-builder");
    let image_key = ResourceKey::new(&target(), ResourceType::Image, "golden-2026-09");
    seed(&store, &builder_key, "BUILDER-INTERNET-ACCESS").await;
    seed(&store, &image_key, "IMAGE-SHARED-EXTERNALLY").await;
    let deleted = handle(api_call(
        "ev-11",
        "DeleteImageBuilder",
        json!({"name": "golden-builder"}),
    ))
    .await
    .unwrap();
    assert_eq!((deleted.evaluated, deleted.commits), (0, 1));
    let deleted = handle(api_call(
        "ev-12",
        "DeleteImage",
        json!({"name": "golden-2026-09"}),
    ))
    .await
    .unwrap();
    assert_eq!((deleted.evaluated, deleted.commits), (0, 1));
    let open = open_keys(&store).await;
    assert!(
        !open
            .iter()
            .any(|(t, _)| matches!(t, ResourceType::ImageBuilder | ResourceType::Image)),
        "{open:?}"
    );
}
