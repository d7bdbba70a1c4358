//! `streamwarden sessions` end to end: the real binary reads session history that the
//! recorder's own code wrote to a DynamoDB table on moto server, found through the
//! standard AWS_ENDPOINT_URL_DYNAMODB variable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use std::process::Output;
use streamwarden::aws::DynamoStore;
use streamwarden::model::Session;
use streamwarden::services::session_recorder::observe;
use streamwarden::store::sessions::{RecorderState, SessionItem};
use streamwarden::store::{SessionStore, Target};
use streamwarden_harness::{LocalStack, StackOptions};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, h, m, 0).unwrap()
}

fn session(id: &str, user: &str, fleet: &str, auth: &str, start: DateTime<Utc>) -> Session {
    Session {
        id: id.into(),
        user_id: user.into(),
        stack_name: "office".into(),
        fleet_name: fleet.into(),
        state: "ACTIVE".into(),
        connection_state: Some("CONNECTED".into()),
        start_time: Some(start),
        max_expiration_time: Some(start + Duration::hours(8)),
        authentication_type: Some(auth.into()),
        instance_id: None,
        instance_drain_status: None,
        source: Default::default(),
    }
}

/// Two recorder runs: alice (with a comma in her user ID, for CSV) and bob on `desk`,
/// carol on `lab`; bob is gone by the second run.
async fn seed(stack: &LocalStack) {
    let store = DynamoStore::new(stack.dynamodb(), stack.table());
    let keep = Duration::days(400);
    let alice = session("s-alice", "alice,a@example.com", "desk", "SAML", at(7, 58));
    let bob = session("s-bob", "bob@example.com", "desk", "API", at(7, 59));
    let carol = session("s-carol", "carol@example.com", "lab", "USERPOOL", at(7, 50));
    for (fleet, seen) in [("desk", vec![alice.clone(), bob]), ("lab", vec![carol])] {
        let first = observe(&target(), fleet, &seen, vec![], true, None, at(8, 0), keep);
        store
            .write(
                &first
                    .writes
                    .into_iter()
                    .map(SessionItem::Session)
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();
    }
    let open = store.open_sessions(&target(), "desk").await.unwrap();
    let second = observe(
        &target(),
        "desk",
        &[alice],
        open,
        true,
        Some(at(8, 0)),
        at(8, 5),
        keep,
    );
    store
        .write(
            &second
                .writes
                .into_iter()
                .map(SessionItem::Session)
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    // A third run at 08:10 saw the same: it wrote only its bookkeeping.
    let mut state = RecorderState::new(&target(), at(8, 10));
    state.fleets = ["desk".to_owned(), "lab".to_owned()].into();
    assert!(store.save_recorder_state(&state).await.unwrap().is_some());
}

/// A stack whose table is named "sw", created or not.
fn sw(create_table: bool) -> StackOptions {
    StackOptions {
        table: "sw".into(),
        create_table,
        ..StackOptions::default()
    }
}

fn streamwarden(stack: &LocalStack, args: &[&str]) -> Output {
    stack
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[tokio::test]
async fn answers_who_used_which_fleet_when_in_text_json_and_csv() {
    let stack = LocalStack::start_with(sw(true)).await;
    seed(&stack).await;

    // By fleet, as text: both sessions, bob's with its end bounds.
    let text = stdout(&streamwarden(&stack, &["sessions", "--fleet", "desk"]));
    assert!(
        text.starts_with("2 sessions of fleet desk (us-east-1, account 123456789012)"),
        "{text}"
    );
    let bob_line = text
        .lines()
        .find(|l| l.contains("bob@example.com"))
        .unwrap();
    assert!(
        bob_line.contains("2026-11-27 08:00 .. 2026-11-27 08:05"),
        "{bob_line}"
    );
    assert!(
        bob_line.contains("API") && bob_line.contains("s-bob"),
        "{bob_line}"
    );
    let alice_line = text.lines().find(|l| l.contains("alice")).unwrap();
    assert!(
        alice_line.contains("open, last seen 2026-11-27 08:10"),
        "{alice_line}"
    );
    assert!(alice_line.contains(">= 12m"), "{alice_line}");

    // By user, as JSON: carol only, without table keys.
    let json: Value = serde_json::from_str(&stdout(&streamwarden(
        &stack,
        &[
            "sessions",
            "--user",
            "carol@example.com",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["fleet"], "lab");
    assert_eq!(sessions[0]["authentication_type"], "USERPOOL");
    assert_eq!(sessions[0]["open"], true);
    assert!(sessions[0].get("PK").is_none() && sessions[0].get("GSI2PK").is_none());

    // A time range after bob left: alice only. CSV quotes her user ID.
    let csv = stdout(&streamwarden(
        &stack,
        &[
            "sessions",
            "--fleet",
            "desk",
            "--since",
            "2026-11-27T08:06:00Z",
            "--format",
            "csv",
        ],
    ));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("session_id,user_id,account,region,fleet"));
    assert!(
        lines[1].starts_with("s-alice,\"alice,a@example.com\",123456789012,us-east-1,desk"),
        "{}",
        lines[1]
    );

    // Before anyone started: nothing.
    let none = stdout(&streamwarden(
        &stack,
        &[
            "sessions",
            "--user",
            "bob@example.com",
            "--until",
            "2026-11-27T07:00:00Z",
        ],
    ));
    assert!(
        none.starts_with("0 sessions of user bob@example.com"),
        "{none}"
    );

    // Another account's fleet of the same name: nothing of this account's.
    let other = stdout(&streamwarden(
        &stack,
        &["sessions", "--fleet", "desk", "--account", "111111111111"],
    ));
    assert!(
        other.starts_with("0 sessions of fleet desk (us-east-1, account 111111111111)"),
        "{other}"
    );
    let bad = streamwarden(&stack, &["sessions", "--fleet", "desk", "--account", "12"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn bad_arguments_and_a_missing_table_are_clear_errors() {
    let stack = LocalStack::start_with(sw(false)).await;
    let out = streamwarden(&stack, &["sessions", "--user", "u", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a time"));

    let out = streamwarden(&stack, &["sessions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--user"));

    // No table created on this moto.
    let out = streamwarden(&stack, &["sessions", "--fleet", "desk"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("table sw") && err.contains("ResourceNotFound"),
        "{err}"
    );
}
