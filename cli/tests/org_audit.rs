//! `streamwarden audit --accounts ... --role-name` end to end: the real binary assumes
//! each member role through STS (the simulator, via AWS_ENDPOINT_URL_STS), reads each
//! account with its own credentials, and reports an account without the role as an
//! error beside the others' findings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::process::Output;
use streamwarden_harness::{LocalStack, StackOptions};

const ROLE: &str = "StreamwardenAudit";

fn fleet(account: &str, name: &str, internet: bool) -> Value {
    json!({
        "Name": name,
        "Arn": format!("arn:aws:appstream:eu-west-1:{account}:fleet/{name}"),
        "InstanceType": "stream.standard.medium",
        "FleetType": "ON_DEMAND",
        "State": "RUNNING",
        "EnableDefaultInternetAccess": internet,
        "MaxUserDurationInSeconds": 3600,
        "DisconnectTimeoutInSeconds": 900,
        "IdleDisconnectTimeoutInSeconds": 600,
        "ComputeCapacityStatus": {"Desired": 1, "Running": 1, "InUse": 0, "Available": 1},
        "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
        "StreamView": "APP"
    })
}

async fn organisation() -> LocalStack {
    LocalStack::start_with(StackOptions {
        region: "eu-west-1".into(),
        scenario: json!({
            "Fleets": [fleet("123456789012", "home-kiosk", true)],
            "Accounts": {
                "111111111111": {
                    "Roles": [{"RoleName": ROLE}],
                    "Regions": {"eu-west-1": {"Fleets": [fleet("111111111111", "a-kiosk", true)]}}
                },
                "222222222222": {
                    "Regions": {"eu-west-1": {"Fleets": [fleet("222222222222", "b-kiosk", true)]}}
                },
                "333333333333": {
                    "Roles": [{"RoleName": ROLE}],
                    "Regions": {"eu-west-1": {"Fleets": [fleet("333333333333", "c-safe", false)]}}
                }
            }
        }),
        ..StackOptions::default()
    })
    .await
}

fn audit(stack: &LocalStack, args: &[&str]) -> (Output, Value) {
    let output = stack
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args(["audit", "--region", "eu-west-1", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<(&'a str, &'a str)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            (
                f["account"].as_str().unwrap_or("(none)"),
                f["resource"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_account_is_read_with_its_own_role_and_a_missing_role_is_an_error_beside_them() {
    let stack = organisation().await;
    let (output, report) = audit(
        &stack,
        &[
            "--accounts",
            "111111111111,222222222222,333333333333",
            "--role-name",
            ROLE,
        ],
    );
    // Findings of 111 only: 222 could not be assumed, 333's fleet is fine, and the home
    // account's fleet is not among the accounts asked for.
    assert_eq!(
        findings_of(&report, "FLEET-INTERNET-ACCESS"),
        [("111111111111", "a-kiosk")],
        "{report:#}"
    );
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("222222222222") && errors.contains("AssumeRoleDenied"),
        "{errors}"
    );
    assert!(report["summary"]["fleets"] == 2, "{report:#}");
    assert_ne!(
        output.status.code(),
        Some(0),
        "an unreadable account fails the run"
    );
    // One AssumeRole per account reached, whatever the number of calls made with it.
    let calls = stack.appstream().assume_role_calls();
    assert_eq!(calls.get("111111111111"), Some(&1), "{calls:?}");
    assert_eq!(calls.get("333333333333"), Some(&1), "{calls:?}");
}

#[tokio::test]
async fn a_single_account_audit_names_its_account_and_bad_flags_exit_2() {
    let stack = organisation().await;
    let (_, report) = audit(&stack, &[]);
    assert_eq!(
        findings_of(&report, "FLEET-INTERNET-ACCESS"),
        [("123456789012", "home-kiosk")]
    );
    for args in [
        vec!["--accounts", "111111111111"],
        vec!["--accounts", "12345", "--role-name", ROLE],
        vec!["--accounts", "111111111111", "--role-name", "a/b"],
        vec!["--organization"],
    ] {
        let output = stack
            .command(env!("CARGO_BIN_EXE_streamwarden"))
            .args(["audit", "--region", "eu-west-1"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}
