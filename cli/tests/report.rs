//! `streamwarden report` end to end: the real binary builds the digest from a table on
//! moto server (found through AWS_ENDPOINT_URL_DYNAMODB) written by the store's code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Output;
use streamwarden::aws::DynamoStore;
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::model::Session;
use streamwarden::services::session_recorder::observe;
use streamwarden::store::sessions::{RecorderState, SessionItem};
use streamwarden::store::{
    Commit, FindingStore, ResourceKey, ResourceState, SessionStore, StoredFinding, Target,
};
use streamwarden_harness::{LocalStack, StackOptions};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

fn target() -> Target {
    Target::new(ACCOUNT, REGION)
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

async fn seed(stack: &LocalStack) {
    let store = DynamoStore::new(stack.dynamodb(), stack.table());
    let key = ResourceKey::new(&target(), ResourceType::Fleet, "kiosk");
    let finding = StoredFinding {
        severity: Severity::Critical,
        title: "Fleet allows default internet access".into(),
        message: "EnableDefaultInternetAccess is true".into(),
        remediation: "turn it off".into(),
        opened_at: at(25, 7),
        source: "described".into(),
    };
    let state = ResourceState::new(
        &key,
        BTreeMap::from([("FLEET-INTERNET-ACCESS".into(), finding)]),
        1,
        at(25, 7),
    );
    assert_eq!(
        store.commit(&state, None, &[]).await.unwrap(),
        Commit::Written
    );
    let session = Session {
        id: "s-1".into(),
        user_id: "alice@example.com".into(),
        stack_name: "office".into(),
        fleet_name: "kiosk".into(),
        state: "ACTIVE".into(),
        connection_state: Some("CONNECTED".into()),
        start_time: Some(at(26, 9)),
        max_expiration_time: None,
        authentication_type: Some("SAML".into()),
        instance_id: None,
        instance_drain_status: None,
        source: Default::default(),
    };
    let seen = observe(
        &target(),
        "kiosk",
        &[session],
        vec![],
        true,
        None,
        at(26, 10),
        Duration::days(400),
    );
    store
        .write(
            &seen
                .writes
                .into_iter()
                .map(SessionItem::Session)
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let mut recorder = RecorderState::new(&target(), at(27, 6));
    recorder.fleets = ["kiosk".to_owned()].into();
    assert!(
        store
            .save_recorder_state(&recorder)
            .await
            .unwrap()
            .is_some()
    );
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
        .args([
            "report",
            "--since",
            "2026-11-26T07:00:00Z",
            "--until",
            "2026-11-27T07:00:00Z",
        ])
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
async fn the_digest_from_the_table_as_json_text_and_html() {
    let stack = LocalStack::start_with(sw(true)).await;
    seed(&stack).await;

    let json: Value =
        serde_json::from_str(&stdout(&streamwarden(&stack, &["--format", "json"]))).unwrap();
    assert_eq!(json["account"], "123456789012", "read from the table's ARN");
    let region = &json["regions"][0];
    assert_eq!(region["region"], REGION);
    assert_eq!(region["open"][0]["rule_id"], "FLEET-INTERNET-ACCESS");
    assert_eq!(region["open"][0]["age_hours"], 48);
    let kiosk = &region["fleets"][0];
    assert_eq!(
        (kiosk["sessions"].as_u64(), kiosk["unique_users"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        kiosk["session_hours_min"].as_f64(),
        Some(21.0),
        "09:00 to 06:00, seen then"
    );

    let text = stdout(&streamwarden(&stack, &[]));
    assert!(
        text.contains("FLEET-INTERNET-ACCESS") && text.contains("kiosk"),
        "{text}"
    );
    assert!(
        !text.contains("alice@example.com"),
        "no user IDs in the digest"
    );

    let dir = std::env::temp_dir().join(format!("report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("digest.html");
    stdout(&streamwarden(
        &stack,
        &["--format", "html", "--output", page.to_str().unwrap()],
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(html.contains("usage-chart"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_table_is_a_clear_error() {
    let stack = LocalStack::start_with(sw(false)).await;
    let out = streamwarden(&stack, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("table sw"), "{err}");
}

#[tokio::test]
async fn open_findings_grouped_by_framework_control() {
    let stack = LocalStack::start_with(sw(true)).await;
    seed(&stack).await;
    let json: Value = serde_json::from_str(&stdout(&streamwarden(
        &stack,
        &["--format", "json", "--framework", "cis"],
    )))
    .unwrap();
    assert_eq!(json["framework"], "cis");
    let controls = json["controls"].as_array().unwrap();
    // FLEET-INTERNET-ACCESS is open on kiosk: Prowler maps it to CIS Controls 12.2.
    let network = controls.iter().find(|c| c["control"] == "12.2").unwrap();
    assert_eq!(network["status"], "open-findings");
    assert_eq!(network["findings"][0]["resource"], "kiosk");
    assert_eq!(network["findings"][0]["rule_id"], "FLEET-INTERNET-ACCESS");
    assert!(
        controls.iter().any(|c| c["status"] == "no-finding"),
        "controls checked and clean are listed"
    );

    let text = stdout(&streamwarden(&stack, &["--framework", "nist-800-53"]));
    assert!(
        text.starts_with("NIST SP 800-53 Rev. 5 for account 123456789012"),
        "{text}"
    );
    assert!(text.contains("FLEET-INTERNET-ACCESS fleet kiosk"), "{text}");

    let unknown = streamwarden(&stack, &["--framework", "pci-dss"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("cis, nist-800-53, iso-27001"), "{err}");
}
