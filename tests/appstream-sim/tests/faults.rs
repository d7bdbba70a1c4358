//! Fault injection seen through the real SDK: throttling recovered by the standard retry
//! strategy, server errors scoped to one fleet, latency, seeded rates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use appstream_sim::{FaultRule, SimConfig};
use aws_sdk_appstream::config::retry::RetryConfig;
use aws_sdk_appstream::error::ProvideErrorMetadata;
use common::{client, client_with_retry, control, start};
use serde_json::{Value, json};

fn doc() -> Value {
    json!({
        "Now": "2026-11-27T09:00:00Z",
        "Fleets": [{"Name": "good", "State": "RUNNING"}, {"Name": "bad", "State": "RUNNING"}],
        "Stacks": [{"Name": "s"}],
        "Associations": [{"FleetName": "good", "StackName": "s"}, {"FleetName": "bad", "StackName": "s"}]
    })
}

#[tokio::test]
async fn throttling_every_second_call_is_recovered_by_standard_retries() {
    let config = SimConfig::default().fault(FaultRule {
        throttle_every: Some(2),
        ..FaultRule::default()
    });
    let sim = start(doc(), config).await;
    let c = client(&sim.url());
    for _ in 0..5 {
        let out = c.describe_fleets().names("good").send().await.unwrap();
        assert_eq!(out.fleets().len(), 1);
    }
    let calls = sim.sim().calls();
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [200, 400, 200, 400, 200, 400, 200, 400, 200]);
    for pair in calls.windows(2).filter(|w| w[0].status == 400) {
        assert_eq!(pair[0].error.as_deref(), Some("ThrottlingException"));
        assert!(pair[0].injected);
        assert_eq!(
            pair[1].operation, pair[0].operation,
            "the retry repeats the call"
        );
        assert_eq!(pair[1].params, pair[0].params);
    }

    let (_, log) = control(&sim.url(), "GET", "/_sim/calls", None).await;
    assert_eq!(log["calls"][1]["error"], "ThrottlingException");
    assert_eq!(log["calls"][1]["injected"], true);

    let no_retry = client_with_retry(&sim.url(), RetryConfig::standard().with_max_attempts(1));
    sim.sim().clear_calls();
    let mut throttled = 0;
    for _ in 0..4 {
        if let Err(e) = no_retry.describe_stacks().send().await {
            assert_eq!(e.code(), Some("ThrottlingException"));
            assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
            throttled += 1;
        }
    }
    assert_eq!(throttled, 2, "without retries every second call fails");
    sim.shutdown().await;
}

#[tokio::test]
async fn throttling_set_through_the_control_api() {
    let sim = start(doc(), SimConfig::default()).await;
    let url = sim.url();
    let (status, rules) = control(
        &url,
        "POST",
        "/_sim/faults",
        Some(json!({"throttle_every": 2, "operations": ["DescribeSessions"]})),
    )
    .await;
    assert_eq!(status, 200, "{rules}");
    assert_eq!(rules["rules"][0]["throttle_every"], 2);
    let c = client(&url);
    for _ in 0..3 {
        c.describe_sessions()
            .fleet_name("good")
            .stack_name("s")
            .send()
            .await
            .unwrap();
        c.describe_stacks().send().await.unwrap();
    }
    let calls = sim.sim().calls();
    let throttled = calls
        .iter()
        .filter(|c| c.error.as_deref() == Some("ThrottlingException"))
        .count();
    assert!(
        calls
            .iter()
            .filter(|c| c.status != 200)
            .all(|c| c.operation == "DescribeSessions")
    );
    assert_eq!(throttled, 2);
    assert_eq!(calls.len(), 8);

    let (status, rules) = control(&url, "DELETE", "/_sim/faults", None).await;
    assert_eq!((status, rules), (200, json!({"rules": []})));
    let (status, _) = control(
        &url,
        "POST",
        "/_sim/faults",
        Some(json!({"throttle_every": 0})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = control(
        &url,
        "POST",
        "/_sim/faults",
        Some(json!({"no_such_setting": 1})),
    )
    .await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_hit_one_fleet_while_others_succeed() {
    let config = SimConfig::default().fault(FaultRule {
        error_every: Some(1),
        fleets: vec!["bad".to_owned()],
        ..FaultRule::default()
    });
    let sim = start(doc(), config).await;
    let c = client(&sim.url());

    c.describe_sessions()
        .fleet_name("good")
        .stack_name("s")
        .send()
        .await
        .unwrap();
    c.describe_fleets().names("good").send().await.unwrap();
    c.list_associated_stacks()
        .fleet_name("good")
        .send()
        .await
        .unwrap();
    c.describe_stacks().send().await.unwrap();

    let err = c
        .describe_sessions()
        .fleet_name("bad")
        .stack_name("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 500);
    assert_eq!(err.code(), Some("InternalServiceError"));
    let err = c.describe_fleets().names("bad").send().await.unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 500);
    let err = c.stop_fleet().name("bad").send().await.unwrap_err();
    assert_eq!(err.code(), Some("InternalServiceError"));
    assert_eq!(
        sim.sim().fleet("bad").unwrap()["State"],
        "RUNNING",
        "a failed call changes nothing"
    );

    let calls = sim.sim().calls();
    let bad_calls: Vec<_> = calls.iter().filter(|c| c.status == 500).collect();
    assert_eq!(
        bad_calls.len(),
        9,
        "HttpStatusCodeClassifier makes the SDK retry each 500 up to 3 attempts in all"
    );
    assert!(calls.iter().filter(|c| c.status == 200).count() == 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_to_matching_calls() {
    let config = SimConfig::default().fault(FaultRule {
        latency_ms: Some(300),
        operations: vec!["DescribeStacks".to_owned()],
        ..FaultRule::default()
    });
    let sim = start(doc(), config).await;
    let c = client(&sim.url());
    c.describe_fleets().send().await.unwrap();
    let started = Instant::now();
    c.describe_stacks().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_faults_are_deterministic_for_a_seed() {
    let sim = start(doc(), SimConfig::default()).await;
    let url = sim.url();
    let c = client_with_retry(&url, RetryConfig::standard().with_max_attempts(1));
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (status, _) = control(
            &url,
            "POST",
            "/_sim/faults",
            Some(
                json!([{"throttle_rate": 0.3, "error_rate": 0.2, "error_status": 503, "seed": 7}]),
            ),
        )
        .await;
        assert_eq!(status, 200);
        let mut outcome = Vec::new();
        for _ in 0..30 {
            outcome.push(match c.describe_stacks().send().await {
                Ok(_) => 200,
                Err(e) => e.raw_response().unwrap().status().as_u16(),
            });
        }
        runs.push(outcome);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&200) && runs[0].contains(&400) && runs[0].contains(&503),
        "{:?}",
        runs[0]
    );
    sim.shutdown().await;
}
