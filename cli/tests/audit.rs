//! `streamwarden audit` end to end: the real binary, the real SDK, the simulator on the
//! wire, pointed at with the standard AWS_ENDPOINT_URL_APPSTREAM variable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use streamwarden_harness::appstream_sim::{FaultRule, SimConfig};
use streamwarden_harness::{LocalStack, StackOptions, sample_scenario};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A stack in eu-west-1 whose simulator plays `scenario`.
async fn simulator(scenario: Value, sim_config: SimConfig) -> LocalStack {
    LocalStack::start_with(StackOptions {
        region: "eu-west-1".into(),
        scenario,
        sim_config,
        ..StackOptions::default()
    })
    .await
}

fn streamwarden(stack: &LocalStack, args: &[&str]) -> Output {
    stack
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// What must be equal between two reports: each finding's resource, rule, severity and
/// message, and what was waived or left unresolved.
fn verdicts(report: &Value) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for (kind, list) in [
        ("finding", "findings"),
        ("unresolved", "unresolved"),
        ("exempted", "exempted"),
    ] {
        for f in report[list].as_array().unwrap() {
            set.insert(format!(
                "{kind} {} {} {} {} {}",
                f["resource_type"], f["resource"], f["rule_id"], f["severity"], f["message"]
            ));
        }
    }
    set
}

#[tokio::test]
async fn audit_prints_the_same_findings_as_check_on_the_same_fleets_and_stacks() {
    // Usage reports on, so the account audit adds no verdict check could not see.
    let mut scenario = sample_scenario();
    scenario["UsageReportSubscriptions"] =
        serde_json::json!([{"S3BucketName": "appstream-logs", "Schedule": "DAILY"}]);
    let stack = simulator(scenario, SimConfig::default()).await;
    let audit = streamwarden(
        &stack,
        &["audit", "--format", "json", "--as-of", "2026-11-27"],
    );
    assert_eq!(
        audit.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    // check reads files only: an AppStream endpoint that answers nothing proves it.
    let check = stack
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args([
            "check",
            "--format",
            "json",
            "--as-of",
            "2026-11-27",
            "events/check/describe-fleets.json",
            "events/check/describe-stacks.json",
        ])
        .current_dir(root())
        .env("AWS_ENDPOINT_URL_APPSTREAM", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let (audit, check) = (json(&audit), json(&check));
    assert!(!verdicts(&check).is_empty());
    assert_eq!(verdicts(&audit), verdicts(&check));
    assert_eq!(audit["summary"]["fleets"], 6);
    assert_eq!(audit["summary"]["stacks"], 2);
    assert_eq!(audit["summary"]["errors"], 0);
}

#[tokio::test]
async fn audit_with_small_pages_and_throttling_still_sees_everything_once() {
    let rule = FaultRule {
        throttle_every: Some(3),
        ..FaultRule::default()
    };
    let sim = simulator(
        sample_scenario(),
        SimConfig::default()
            .page_size("DescribeFleets", 1)
            .page_size("DescribeStacks", 1)
            .fault(rule),
    )
    .await;
    let baseline = simulator(sample_scenario(), SimConfig::default()).await;
    let throttled = json(&streamwarden(
        &sim,
        &["audit", "--format", "json", "--as-of", "2026-11-27"],
    ));
    let plain = json(&streamwarden(
        &baseline,
        &["audit", "--format", "json", "--as-of", "2026-11-27"],
    ));
    assert_eq!(verdicts(&throttled), verdicts(&plain));
    let calls = sim.sim().calls();
    assert!(
        calls
            .iter()
            .any(|c| c.error.as_deref() == Some("ThrottlingException"))
    );
    let pages = calls
        .iter()
        .filter(|c| c.operation == "DescribeFleets" && c.status == 200)
        .count();
    assert_eq!(pages, 6, "one page per fleet, each fetched once");
}

#[tokio::test]
async fn a_failing_call_is_reported_with_exit_two_and_the_rest_is_still_audited() {
    let rule = FaultRule {
        error_every: Some(1),
        operations: vec!["DescribeStacks".into()],
        ..FaultRule::default()
    };
    let sim = simulator(sample_scenario(), SimConfig::default().fault(rule)).await;
    let out = streamwarden(
        &sim,
        &["audit", "--format", "json", "--as-of", "2026-11-27"],
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert_eq!(
        report["summary"]["fleets"], 6,
        "fleets are audited without stacks"
    );
    assert!(report["findings"].as_array().unwrap().len() > 10);
    let error = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        error.contains("DescribeStacks") && error.contains("eu-west-1"),
        "{error}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("DescribeStacks"));
}

#[test]
fn audit_without_a_region_says_how_to_set_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(["audit"])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--region"));
}

#[tokio::test]
async fn audit_with_sessions_reads_every_authentication_type_of_every_associated_stack() {
    let mut doc = sample_scenario();
    let mut sessions = serde_json::from_str::<Value>(
        &std::fs::read_to_string(root().join("events/check/describe-sessions.json")).unwrap(),
    )
    .unwrap()["Sessions"]
        .clone();
    for s in sessions.as_array_mut().unwrap() {
        s["StackName"] = "finance".into();
    }
    doc["Sessions"] = sessions;
    doc["Associations"] =
        serde_json::json!([{"FleetName": "analytics-ms", "StackName": "finance"}]);
    let sim = simulator(doc, SimConfig::default()).await;
    let report = json(&streamwarden(
        &sim,
        &["audit", "--sessions", "--format", "json"],
    ));
    assert_eq!(
        report["summary"]["sessions"], 2,
        "one SAML and one API session"
    );
    let asked = sim
        .sim()
        .calls()
        .iter()
        .filter(|c| c.operation == "DescribeSessions")
        .count();
    assert_eq!(asked, 4, "one associated stack x four authentication types");
}

/// The sample account plus an image builder with internet access, an image shared with
/// another account, and no usage reports.
fn surface_scenario() -> Value {
    let mut scenario = sample_scenario();
    scenario["Region"] = "eu-west-1".into();
    scenario["ImageBuilders"] = serde_json::json!([{"Name": "golden-builder", "State": "RUNNING",
        "InstanceType": "stream.standard.large", "Platform": "WINDOWS_SERVER_2022",
        "CreatedTime": "2026-11-20T08:00:00Z", "EnableDefaultInternetAccess": true}]);
    scenario["Images"] = serde_json::json!([{"Name": "golden-2026-09", "Visibility": "PRIVATE",
        "State": "AVAILABLE", "Platform": "WINDOWS_SERVER_2022",
        "PublicBaseImageReleasedDate": "2026-09-01T00:00:00Z", "LatestAppstreamAgentVersion": "TRUE"}]);
    scenario["ImagePermissions"] = serde_json::json!([{"Name": "golden-2026-09",
        "SharedImagePermissionsList": [{"sharedAccountId": "444455556666",
            "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}}]}]);
    scenario
}

/// `resource_type resource rule_id` of every finding.
fn findings(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["resource_type"].as_str().unwrap(),
                f["resource"].as_str().unwrap(),
                f["rule_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn audit_judges_image_builders_images_and_the_account() {
    let sim = simulator(surface_scenario(), SimConfig::default()).await;
    let out = streamwarden(
        &sim,
        &["audit", "--format", "json", "--as-of", "2026-11-27"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = findings(&json(&out));
    for expected in [
        "image-builder golden-builder BUILDER-INTERNET-ACCESS",
        "image golden-2026-09 IMAGE-SHARED-EXTERNALLY",
        "account 123456789012/eu-west-1 ACCOUNT-USAGE-REPORTS",
    ] {
        assert!(
            found.contains(expected),
            "{expected} missing from {found:?}"
        );
    }
}

#[tokio::test]
async fn a_failing_builder_read_is_an_error_beside_everything_else_audited() {
    let rule = FaultRule {
        error_every: Some(1),
        operations: vec!["DescribeImageBuilders".into()],
        ..FaultRule::default()
    };
    let sim = simulator(surface_scenario(), SimConfig::default().fault(rule)).await;
    let out = sim
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args(["audit", "--format", "json", "--as-of", "2026-11-27"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("DescribeImageBuilders"),
        "{errors:?}"
    );
    let found = findings(&report);
    assert!(
        !found.iter().any(|f| f.starts_with("image-builder ")),
        "{found:?}"
    );
    assert!(found.contains("image golden-2026-09 IMAGE-SHARED-EXTERNALLY"));
    assert!(found.iter().any(|f| f.starts_with("fleet ")));
}
