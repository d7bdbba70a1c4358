//! The AppStream adapter against the simulator, through the real aws-sdk-appstream
//! client on the Smithy RPC v2 CBOR wire: every field the rules read survives the round
//! trip, pagination, every authentication type, throttling and a failing fleet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use appstream_sim::{FaultRule, Scenario, SimConfig, SimHandle, Simulator};
use aws_sdk_appstream::config::retry::RetryConfig;
use aws_sdk_appstream::config::{BehaviorVersion, Credentials, Region};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use streamwarden::Policy;
use streamwarden::aws::AppStreamInventory;
use streamwarden::aws::tune_appstream as tune;
use streamwarden::inputs::read_document;
use streamwarden::inventory::FleetInventory;
use streamwarden::inventory::fleet_sessions;
use streamwarden::model::Attr;
use streamwarden::region_audit::{AuditOptions, audit};

fn events(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/check/").to_owned() + name;
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn session(id: &str, user: &str, fleet: &str, stack: &str, auth: &str, instance: &str) -> Value {
    json!({"Id": id, "UserId": user, "FleetName": fleet, "StackName": stack, "State": "ACTIVE",
        "ConnectionState": "CONNECTED", "StartTime": "2026-11-27T08:00:00Z",
        "MaxExpirationTime": "2026-11-27T18:00:00Z", "AuthenticationType": auth, "InstanceId": instance})
}

/// The sample describe-fleets and describe-stacks documents, associations, and sessions
/// of every authentication type, two of them sharing a multi-session instance.
fn scenario() -> Value {
    let mut doc = events("describe-fleets.json");
    doc["Stacks"] = events("describe-stacks.json")["Stacks"].clone();
    doc["Associations"] = json!([
        {"FleetName": "analytics-ms", "StackName": "finance"},
        {"FleetName": "analytics-ms", "StackName": "contractors"},
        {"FleetName": "contractors-od", "StackName": "contractors"}
    ]);
    doc["Sessions"] = json!([
        session(
            "s-api",
            "build-bot",
            "analytics-ms",
            "finance",
            "API",
            "i-0aaa"
        ),
        session(
            "s-saml",
            "ana@example.com",
            "analytics-ms",
            "finance",
            "SAML",
            "i-0aaa"
        ),
        session(
            "s-pool",
            "bo@example.com",
            "analytics-ms",
            "contractors",
            "USERPOOL",
            "i-0bbb"
        ),
        session(
            "s-ad",
            "cy@example.com",
            "analytics-ms",
            "finance",
            "AWS_AD",
            "i-0bbb"
        ),
        session(
            "s-other",
            "di@example.com",
            "contractors-od",
            "contractors",
            "SAML",
            "i-0ccc"
        )
    ]);
    doc["Tags"] = json!({"arn:aws:appstream:eu-west-1:123456789012:fleet/contractors-od":
        {"streamwarden:exempt": "FLEET-USB-REDIRECTION until=2099-01-01", "owner": "it"}});
    doc
}

async fn start(config: SimConfig) -> SimHandle {
    Simulator::start(Scenario::from_json(scenario()).unwrap(), config)
        .await
        .unwrap()
}

fn inventory(url: &str) -> AppStreamInventory {
    inventory_with(url, |b| b)
}

/// An inventory whose client is configured like the functions' (`tune`), then adjusted.
fn inventory_with(
    url: &str,
    adjust: impl FnOnce(aws_sdk_appstream::config::Builder) -> aws_sdk_appstream::config::Builder,
) -> AppStreamInventory {
    let config = adjust(tune(aws_sdk_appstream::Config::builder()))
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(url)
        .build();
    AppStreamInventory::new(aws_sdk_appstream::Client::from_conf(config), "eu-west-1")
}

fn count(sim: &SimHandle, operation: &str) -> usize {
    sim.sim()
        .calls()
        .iter()
        .filter(|c| c.operation == operation)
        .count()
}

#[tokio::test]
async fn every_fleet_field_the_rules_read_survives_the_sdk_round_trip() {
    let sim = start(SimConfig::default()).await;
    let live = inventory(&sim.url()).fleets().await.unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/check/describe-fleets.json"
    ))
    .unwrap();
    let offline = read_document("describe-fleets.json", &text).unwrap().fleets;
    assert_eq!(live.len(), offline.len());
    for (mut live, offline) in live.into_iter().zip(offline) {
        live.source = offline.source.clone();
        // The SDK truncates CBOR timestamps to milliseconds; an epoch float such as
        // ...07.123 can arrive as ...07.122999, i.e. 07.122.
        let skew = live
            .created_time
            .zip(offline.created_time)
            .map(|(a, b)| (a - b).num_milliseconds().abs());
        assert!(
            skew.is_some_and(|ms| ms <= 1),
            "CreatedTime of {}: {skew:?}",
            offline.name
        );
        live.created_time = offline.created_time;
        assert_eq!(live, offline, "fleet {}", offline.name);
    }
    let analytics = inventory(&sim.url())
        .fleet("analytics-ms")
        .await
        .unwrap()
        .unwrap();
    let status = analytics.compute_capacity_status.unwrap();
    assert_eq!(
        (
            status.desired_user_sessions,
            status.available_user_sessions,
            status.active_user_sessions,
            status.actual_user_sessions
        ),
        (Some(40), Some(2), Some(38), Some(40))
    );
    assert_eq!(analytics.max_sessions_per_instance, Attr::Set(8));
    assert!(
        inventory(&sim.url())
            .fleet("no-such-fleet")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn small_pages_return_every_fleet_and_stack_exactly_once() {
    let sim = start(
        SimConfig::default()
            .page_size("DescribeFleets", 2)
            .page_size("DescribeStacks", 1),
    )
    .await;
    let inventory = inventory(&sim.url());
    let names: Vec<String> = inventory
        .fleets()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names.len(), 6);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 6);
    assert_eq!(count(&sim, "DescribeFleets"), 3, "6 fleets in pages of 2");
    assert_eq!(inventory.stacks().await.unwrap().len(), 2);
    assert_eq!(count(&sim, "DescribeStacks"), 2);
}

#[tokio::test]
async fn sessions_of_every_authentication_type_keep_their_instance() {
    let sim = start(SimConfig::default().page_size("DescribeSessions", 1)).await;
    let (sessions, errors) = fleet_sessions(&inventory(&sim.url()), "analytics-ms", 4).await;
    assert!(errors.is_empty(), "{errors:?}");
    let mut seen: Vec<(String, String, String)> = sessions
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                s.authentication_type.clone().unwrap(),
                s.instance_id.clone().unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("s-ad".into(), "AWS_AD".into(), "i-0bbb".into()),
            ("s-api".into(), "API".into(), "i-0aaa".into()),
            ("s-pool".into(), "USERPOOL".into(), "i-0bbb".into()),
            ("s-saml".into(), "SAML".into(), "i-0aaa".into()),
        ]
    );
    let s = sessions.iter().find(|s| s.id == "s-saml").unwrap();
    assert_eq!(
        s.start_time,
        Some(Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap())
    );
    // Two associated stacks x four authentication types, each asked explicitly.
    let calls = sim.sim().calls();
    let asked: BTreeSet<(String, String)> = calls
        .iter()
        .filter(|c| c.operation == "DescribeSessions")
        .map(|c| {
            (
                c.params["StackName"].as_str().unwrap().to_owned(),
                c.params["AuthenticationType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(asked.len(), 8);
    assert!(
        calls
            .iter()
            .filter(|c| c.operation == "DescribeSessions")
            .all(|c| c.params["Limit"] == 50)
    );
}

#[tokio::test]
async fn throttling_is_recovered_by_the_sdk_retries() {
    let rule = FaultRule {
        throttle_every: Some(2),
        ..FaultRule::default()
    };
    let sim = start(
        SimConfig::default()
            .page_size("DescribeFleets", 2)
            .fault(rule),
    )
    .await;
    let fleets = inventory(&sim.url()).fleets().await.unwrap();
    assert_eq!(fleets.len(), 6);
    let calls = sim.sim().calls();
    let throttled = calls
        .iter()
        .filter(|c| c.error.as_deref() == Some("ThrottlingException"))
        .count();
    assert!(throttled >= 1, "the simulator throttled nothing: {calls:?}");
    assert_eq!(
        calls.iter().filter(|c| c.status == 200).count(),
        3,
        "three pages in the end"
    );
}

#[tokio::test]
async fn a_failing_fleet_is_reported_and_the_others_still_complete() {
    let rule = FaultRule {
        error_every: Some(1),
        error_status: Some(500),
        fleets: vec!["contractors-od".into()],
        ..FaultRule::default()
    };
    let sim = start(SimConfig::default().fault(rule)).await;
    // A permanent failure: two quick attempts instead of the tuned eight slow ones.
    let inventory = inventory_with(&sim.url(), |b| {
        b.retry_config(
            RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(5)),
        )
    });
    let (_, errors) = fleet_sessions(&inventory, "contractors-od", 4).await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].resource.as_deref(), Some("contractors-od"));
    let (sessions, errors) = fleet_sessions(&inventory, "analytics-ms", 4).await;
    assert!(errors.is_empty() && sessions.len() == 4);

    // An audit that needs every fleet's tags: one ListTagsForResource keeps failing.
    let policy = Policy::parse("p.toml", "[fleet]\nrequired_tags = [\"owner\"]\n").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    let result = audit(&inventory, &policy, now, AuditOptions::default()).await;
    assert_eq!(result.fleets.len(), 6);
    assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    assert_eq!(result.errors[0].operation, "ListTagsForResource");
    let missing_owner: BTreeSet<&str> = result
        .evaluation
        .findings
        .iter()
        .filter(|f| f.rule_id == "FLEET-REQUIRED-TAGS")
        .map(|f| f.resource.as_str())
        .collect();
    assert_eq!(
        missing_owner.len(),
        5,
        "every fleet but the failing one was judged: {missing_owner:?}"
    );
    assert!(
        result
            .evaluation
            .unresolved
            .iter()
            .any(|u| u.resource == "contractors-od" && u.rule_id == "FLEET-REQUIRED-TAGS")
    );
}

#[tokio::test]
async fn tags_are_read_only_for_fleets_whose_findings_they_may_waive() {
    let sim = start(SimConfig::default()).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    let result = audit(
        &inventory(&sim.url()),
        &Policy::builtin(),
        now,
        AuditOptions::default(),
    )
    .await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    // finance-apps complies; the four fleets with findings and both stacks with findings are asked.
    assert_eq!(count(&sim, "ListTagsForResource"), 4 + 1);
    assert_eq!(count(&sim, "DescribeFleets"), 1);
    let waived: Vec<_> = result
        .evaluation
        .exempted
        .iter()
        .map(|e| (e.finding.resource.as_str(), e.finding.rule_id))
        .collect();
    assert_eq!(waived, [("contractors-od", "FLEET-USB-REDIRECTION")]);
}
