//! Organisation mode end to end through the real binary (`cargo lambda watch` and
//! `cargo lambda invoke`): the schedule fans out one poll message per (account, region),
//! a poll unit for a member account records that account's sessions through its role,
//! and `streamwarden sessions --account` reads them back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use streamwarden_harness::{
    LambdaWatch, LocalStack, StackOptions, sqs_event, sqs_record, workspace_binary,
};

const ROLE: &str = "StreamwardenMember";
const REGION: &str = "eu-west-1";
const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";

/// A member with the fleet `desk` (stack `office`) and one session of `user` on it.
fn member(account: &str, user: &str, role: bool) -> Value {
    let roles = if role {
        json!([{"RoleName": ROLE}])
    } else {
        json!([])
    };
    let started = (Utc::now() - Duration::minutes(10)).to_rfc3339();
    json!({
        "Roles": roles,
        "Regions": {REGION: {
            "Fleets": [{
                "Name": "desk",
                "Arn": format!("arn:aws:appstream:{REGION}:{account}:fleet/desk"),
                "InstanceType": "stream.standard.medium", "FleetType": "ON_DEMAND",
                "State": "RUNNING", "EnableDefaultInternetAccess": false,
                "MaxUserDurationInSeconds": 28800, "DisconnectTimeoutInSeconds": 900,
                "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 1, "Available": 1}
            }],
            "Stacks": [{"Name": "office"}],
            "Associations": [{"FleetName": "desk", "StackName": "office"}],
            "Sessions": [{
                "Id": format!("s-{account}"), "UserId": user, "FleetName": "desk",
                "StackName": "office", "State": "ACTIVE", "ConnectionState": "CONNECTED",
                "AuthenticationType": "SAML", "StartTime": started
            }]
        }}
    })
}

fn poll(account: &str) -> String {
    json!({"work": "poll", "account": account, "region": REGION, "run": "poll-1",
        "scheduled": Utc::now().to_rfc3339()})
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_poll_unit_records_that_accounts_sessions_and_the_cli_reads_them_by_account() {
    let stack = LocalStack::start_with(StackOptions {
        region: REGION.into(),
        scenario: json!({"Accounts": {
            A: member(A, "alice@example.com", true),
            B: member(B, "bob@example.com", false),
            C: member(C, "carol@example.com", true),
        }}),
        ..StackOptions::default()
    })
    .await;
    let queue = stack.queue("streamwarden-poll").await;
    let mut env = stack.env();
    env.extend(
        [
            ("STREAMWARDEN_ACCOUNTS", format!("{A},{B},{C}")),
            ("STREAMWARDEN_MEMBER_ROLE", ROLE.to_owned()),
            ("STREAMWARDEN_POLL_QUEUE_URL", queue.url().to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let watch = LambdaWatch::start("session-recorder", &env);

    // The schedule sends one poll message per account (one region).
    let schedule = json!({
        "version": "0", "id": "poll-run", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": Utc::now().to_rfc3339(),
        "region": REGION, "resources": [], "detail": {}
    });
    let answer = watch.invoke(&schedule).answer();
    assert_eq!(answer["sent"], 3, "{answer}");
    let sent = queue.take_all().await;
    let mut accounts: Vec<&str> = sent
        .iter()
        .map(|m| m.attributes["account"].as_str())
        .collect();
    accounts.sort_unstable();
    assert_eq!(accounts, [A, B, C]);
    assert!(sent.iter().all(|m| m.attributes["work"] == "poll"));
    assert!(
        stack.table_items().await.is_empty(),
        "the schedule records nothing itself"
    );

    // Units for A, B (no role) and C: B's fails alone.
    let none = BTreeMap::new();
    let batch = [("m-a", A), ("m-b", B), ("m-c", C)]
        .map(|(id, account)| sqs_record(id, &poll(account), queue.arn(), &none));
    let answer = watch.invoke(&sqs_event(batch.to_vec())).answer();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "m-b"}]})
    );

    let sessions: BTreeSet<String> = stack
        .table_items()
        .await
        .iter()
        .filter_map(|item| item["PK"].as_str())
        .filter(|pk| pk.starts_with("SESSION#"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        sessions,
        BTreeSet::from([
            format!("SESSION#{A}#{REGION}#s-{A}"),
            format!("SESSION#{C}#{REGION}#s-{C}"),
        ]),
    );

    // The CLI reads one account's fleet.
    let cli = workspace_binary("streamwarden-cli", "streamwarden");
    for (account, user, other) in [
        (A, "alice@example.com", "carol@example.com"),
        (C, "carol@example.com", "alice@example.com"),
    ] {
        let out = stack
            .command(&cli)
            .args([
                "sessions",
                "--fleet",
                "desk",
                "--account",
                account,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains(user) && !text.contains(other),
            "{account}: {text}"
        );
    }
    let out = stack
        .command(&cli)
        .args(["sessions", "--fleet", "desk", "--account", B])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains("bob@example.com"),
        "B was never read: {text}"
    );
}
