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

/// `fleets` fleets and as many stacks (`fleet-0000`, `stack-0000`, ...), each with
/// findings under the built-in policy; every `tag_every`th of each tagged with an owner,
/// and fleet 0 with a waiver of its USB finding.
fn estate(fleets: usize, tag_every: usize) -> Value {
    let arn = |kind: &str, i: usize| {
        format!("arn:aws:appstream:eu-west-1:123456789012:{kind}/{kind}-{i:04}")
    };
    let fleet = |i: usize| {
        serde_json::json!({"Name": format!("fleet-{i:04}"), "Arn": arn("fleet", i),
            "InstanceType": "stream.standard.medium", "FleetType": "ON_DEMAND", "State": "RUNNING",
            "ComputeCapacityStatus": {"Desired": 1, "Running": 1, "InUse": 0, "Available": 1},
            "MaxUserDurationInSeconds": 57600, "DisconnectTimeoutInSeconds": 900,
            "EnableDefaultInternetAccess": true, "UsbDeviceFilterStrings": ["*,*,*,*,*,*,*,*"]})
    };
    let stack =
        |i: usize| serde_json::json!({"Name": format!("stack-{i:04}"), "Arn": arn("stack", i)});
    let mut tags = serde_json::Map::new();
    for i in (0..fleets).step_by(tag_every) {
        tags.insert(
            arn("fleet", i),
            serde_json::json!({"owner": format!("team-{i}")}),
        );
        tags.insert(
            arn("stack", i),
            serde_json::json!({"owner": format!("team-{i}")}),
        );
    }
    tags.insert(
        arn("fleet", 0),
        serde_json::json!({"owner": "team-0", "streamwarden:exempt": "FLEET-USB-REDIRECTION until=2099-01-01"}),
    );
    serde_json::json!({
        "Fleets": (0..fleets).map(fleet).collect::<Vec<_>>(),
        "Stacks": (0..fleets).map(stack).collect::<Vec<_>>(),
        "Tags": tags,
    })
}

fn calls_of(stack: &LocalStack, operation: &str) -> usize {
    stack
        .sim()
        .calls()
        .iter()
        .filter(|c| c.operation == operation)
        .count()
}

const REQUIRED_OWNER: &str = "[fleet]\nrequired_tags = [\"owner\"]\n";

fn policy_file(dir: &Path) -> String {
    let path = dir.join("required-owner.toml");
    std::fs::write(&path, REQUIRED_OWNER).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn audit_reads_tags_in_pages_and_judges_exactly_as_one_call_per_resource() {
    let dir = std::env::temp_dir().join(format!("sw-tags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = policy_file(&dir);
    let args = [
        "audit",
        "--format",
        "json",
        "--as-of",
        "2026-11-27",
        "--policy",
        &policy,
    ];
    let paged = simulator(estate(240, 5), SimConfig::default()).await;
    let report = json(&streamwarden(&paged, &args));
    // One at a time: the tagging API is not reachable at all.
    let single = simulator(estate(240, 5), SimConfig::default()).await;
    let one_by_one = streamwarden_env(&single, &args, "http://127.0.0.1:9");
    let baseline = json(&one_by_one);

    assert_eq!(verdicts(&report), verdicts(&baseline));
    assert!(
        !report["exempted"].as_array().unwrap().is_empty(),
        "the waiver applies"
    );
    let untagged = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "FLEET-REQUIRED-TAGS")
        .count();
    assert_eq!(untagged, 240 - 48, "fleets without an owner tag");
    // 240 fleets and stacks in pages of 50; 48 tagged of each, 100 per tagging page.
    assert_eq!(calls_of(&paged, "DescribeFleets"), 5);
    assert_eq!(calls_of(&paged, "DescribeStacks"), 5);
    assert_eq!(calls_of(&paged, "GetResources"), 2, "one page per type");
    assert_eq!(calls_of(&paged, "ListTagsForResource"), 0);
    assert!(
        report["notes"].as_array().unwrap().is_empty(),
        "{}",
        report["notes"]
    );
    let asked: BTreeSet<String> = paged
        .sim()
        .calls()
        .iter()
        .filter(|c| c.operation == "GetResources")
        .map(|c| {
            assert_eq!(c.params["ResourcesPerPage"], 100);
            assert!(c.params.get("TagFilters").is_none());
            c.params["ResourceTypeFilters"].to_string()
        })
        .collect();
    assert_eq!(
        asked,
        BTreeSet::from([
            "[\"appstream:fleet\"]".to_owned(),
            "[\"appstream:stack\"]".to_owned()
        ])
    );

    // The fallback said once, in the output and the log, and no waiver lost.
    assert!(calls_of(&single, "ListTagsForResource") >= 240);
    let notes = baseline["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("tag:GetResources")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_throttled_or_failing_tagging_api_is_retried_then_falls_back() {
    let throttle = FaultRule {
        throttle_every: Some(2),
        operations: vec!["GetResources".into()],
        ..FaultRule::default()
    };
    let args = ["audit", "--format", "json", "--as-of", "2026-11-27"];
    let throttled = simulator(
        estate(120, 2),
        SimConfig::default()
            .page_size("GetResources", 10)
            .fault(throttle),
    )
    .await;
    let report = json(&streamwarden(&throttled, &args));
    let plain = simulator(estate(120, 2), SimConfig::default()).await;
    let baseline = json(&streamwarden(&plain, &args));
    assert_eq!(verdicts(&report), verdicts(&baseline));
    assert!(
        report["notes"].as_array().unwrap().is_empty(),
        "{}",
        report["notes"]
    );
    let calls = throttled.sim().calls();
    let pages: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "GetResources")
        .collect();
    assert!(
        pages
            .iter()
            .any(|c| c.error.as_deref() == Some("ThrottlingException"))
    );
    // 60 tagged fleets and 60 stacks, 10 a page: 12 answered pages, each once.
    assert_eq!(pages.iter().filter(|c| c.status == 200).count(), 12);
    assert_eq!(calls_of(&throttled, "ListTagsForResource"), 0);

    // Still failing after the retries: ListTagsForResource for what needs tags.
    let failing = FaultRule {
        error_every: Some(1),
        operations: vec!["GetResources".into()],
        ..FaultRule::default()
    };
    let broken = simulator(estate(120, 2), SimConfig::default().fault(failing)).await;
    let out = streamwarden_env(&broken, &args, &broken.appstream().url());
    let report = json(&out);
    assert_eq!(
        verdicts(&report),
        verdicts(&baseline),
        "no waiver stops applying"
    );
    assert_eq!(report["notes"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["errors"], 0);
    assert!(calls_of(&broken, "ListTagsForResource") > 0);
}

/// Runs the CLI with the tagging API's endpoint set to `tagging`.
fn streamwarden_env(stack: &LocalStack, args: &[&str], tagging: &str) -> Output {
    stack
        .command(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .env("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API", tagging)
        .env("AWS_MAX_ATTEMPTS", "2")
        .current_dir(root())
        .output()
        .unwrap()
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
