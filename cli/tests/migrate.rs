//! `streamwarden migrate-table` against moto: a table written in the single-account
//! layout is moved once, and the report then reads its open finding under the account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_dynamo::aws_sdk_dynamodb_1::to_item;
use std::collections::BTreeMap;
use streamwarden::finding::{ResourceType, Severity};
use streamwarden::store::{ResourceKey, ResourceState, StoredFinding, Target};
use streamwarden_harness::{LocalStack, StackOptions};

#[tokio::test]
async fn an_old_table_is_moved_once_and_read_under_its_account() {
    let stack = LocalStack::start_with(StackOptions {
        region: "us-east-1".into(),
        ..StackOptions::default()
    })
    .await;
    let at = "2026-11-25T07:00:00Z".parse().unwrap();
    let key = ResourceKey::new(
        &Target::new("123456789012", "us-east-1"),
        ResourceType::Fleet,
        "kiosk",
    );
    let finding = StoredFinding {
        severity: Severity::Critical,
        title: "Fleet allows default internet access".into(),
        message: "EnableDefaultInternetAccess is true".into(),
        remediation: "turn it off".into(),
        opened_at: at,
        source: "described".into(),
    };
    let mut state = ResourceState::new(
        &key,
        BTreeMap::from([("FLEET-INTERNET-ACCESS".into(), finding)]),
        1,
        at,
    );
    // As the single-account layout wrote it.
    state.pk = "RES#us-east-1#fleet#kiosk".into();
    state.gsi1_sk = Some("0#us-east-1#kiosk".into());
    state.account = String::new();
    let mut item: std::collections::HashMap<_, _> = to_item(&state).unwrap();
    item.remove("account");
    stack
        .dynamodb()
        .put_item()
        .table_name(stack.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    let run = |args: &[&str]| {
        stack
            .command(env!("CARGO_BIN_EXE_streamwarden"))
            .args(args)
            .args(["--table", stack.table()])
            .output()
            .unwrap()
    };
    let open = |stack_run: &dyn Fn(&[&str]) -> std::process::Output| {
        let out = stack_run(&["report", "--region", "us-east-1", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        json["regions"][0]["open"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(open(&run), 0, "old keys are not read");
    let store = streamwarden::aws::DynamoStore::new(stack.dynamodb(), stack.table());
    assert!(
        store.holds_old_layout().await.unwrap(),
        "the functions refuse it"
    );

    let out = run(&["migrate-table"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 item(s) read, 1 moved to account 123456789012"),
        "{text}"
    );
    assert_eq!(open(&run), 1, "read under the account after the move");
    assert!(!store.holds_old_layout().await.unwrap());

    let again = run(&["migrate-table"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 moved"));
}
