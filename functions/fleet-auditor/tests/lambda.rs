//! The real binary through the real Lambda runtime interface: `cargo lambda watch`
//! serves the runtime API and runs the function, `cargo lambda invoke` sends the sample
//! events, and the function talks to moto and the simulator through the standard
//! `AWS_ENDPOINT_URL_<SERVICE>` variables, as it would to AWS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use streamwarden_harness::{LambdaWatch, LocalStack, StackOptions, sample_scenario};

const REGION: &str = "eu-west-1";

#[tokio::test(flavor = "multi_thread")]
async fn the_function_audits_alerts_once_and_rejects_unknown_events_through_cargo_lambda() {
    let stack = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: sample_scenario(),
        ..StackOptions::default()
    })
    .await;
    let inbox = stack.inbox();

    let mut env = stack.env();
    env.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
    let watch = LambdaWatch::start("fleet-auditor", &env);

    // contractors-od is changed to allow internet access, USB and a long timeout.
    let first = watch
        .invoke_file("events/fleet-auditor/update-fleet.json")
        .answer();
    assert_eq!(first["evaluated"], 1, "{first}");
    assert_eq!(first["alerts"], 1, "{first}");
    let alerts = inbox.receive_at_least(1, Duration::from_secs(5)).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].attributes["fleet"], "contractors-od");
    assert!(
        alerts[0].message.contains("contractor-admin"),
        "names who made the change"
    );

    // Redelivered: nothing new.
    let again = watch
        .invoke_file("events/fleet-auditor/update-fleet.json")
        .answer();
    assert_eq!(again["alerts"], 0, "{again}");
    assert!(inbox.receive_all(Duration::from_secs(1)).await.is_empty());

    // An event the function does not handle is an invocation error with a stable type.
    let text = watch
        .invoke_file("events/fleet-auditor/unsupported-ec2-event.json")
        .error();
    assert!(
        text.contains("UnsupportedEvent") && text.contains("aws.ec2"),
        "{text}"
    );
}
