//! End-to-end tests of `streamwarden check`: the real binary on the sample files, its
//! exit codes, and golden files for each output format (reviewed like code; regenerate
//! with `UPDATE_GOLDEN=1 cargo test -p streamwarden-cli`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{root, stderr, stdout, streamwarden};

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

fn with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn golden(name: &str, actual: &str) {
    let path = root().join("cli/tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if actual != expected {
        let actual_lines: Vec<&str> = actual.lines().collect();
        let expected_lines: Vec<&str> = expected.lines().collect();
        let line = (0..actual_lines.len().max(expected_lines.len()))
            .find(|&i| actual_lines.get(i) != expected_lines.get(i))
            .unwrap_or(0);
        panic!(
            "{name} differs from the golden file at line {}:\n  got:  {}\n  want: {}\nif the change is intended, run UPDATE_GOLDEN=1 and review the diff",
            line + 1,
            actual_lines.get(line).unwrap_or(&"<end of output>"),
            expected_lines.get(line).unwrap_or(&"<end of file>"),
        );
    }
}

fn pairs(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["resource"].as_str().unwrap().to_owned(),
                f["rule_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const AS_OF: &str = "--as-of=2026-11-27";

#[test]
fn describe_fleets_sample_names_exactly_the_pairs_the_catalog_implies() {
    let out = streamwarden(&[
        "check",
        "--format",
        "json",
        AS_OF,
        "events/check/describe-fleets.json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected: BTreeSet<(String, String)> = [
        ("contractors-od", "FLEET-INTERNET-ACCESS"),
        ("contractors-od", "FLEET-INSTANCE-TYPE-RETIRED"),
        ("contractors-od", "FLEET-VPC-REQUIRED"),
        ("contractors-od", "FLEET-MAX-USER-DURATION"),
        ("contractors-od", "FLEET-DISCONNECT-TIMEOUT"),
        ("contractors-od", "FLEET-IDLE-DISCONNECT-TIMEOUT"),
        ("contractors-od", "FLEET-CAPACITY-HEADROOM"),
        ("contractors-od", "FLEET-USB-REDIRECTION"),
        ("contractors-od", "FLEET-IMDSV1"),
        ("analytics-ms", "FLEET-IDLE-DISCONNECT-TIMEOUT"),
        ("analytics-ms", "FLEET-CAPACITY-HEADROOM"),
        ("linux-ms", "FLEET-MULTI-SESSION-PLATFORM"),
        ("linux-ms", "FLEET-CAPACITY-CONSISTENCY"),
        ("elastic-cad", "FLEET-ELASTIC-INSTANCE-TYPE"),
        ("elastic-cad", "FLEET-ELASTIC-VPC"),
        ("elastic-cad", "FLEET-ELASTIC-CAPACITY"),
        ("elastic-cad", "FLEET-ELASTIC-DOMAIN-JOIN"),
        ("elastic-cad", "FLEET-ELASTIC-PLATFORM"),
        ("elastic-cad", "FLEET-MULTI-SESSION-ELASTIC"),
        ("elastic-cad", "FLEET-ERRORS"),
        ("elastic-cad", "FLEET-IMDSV1"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let report = json(&out);
    assert_eq!(pairs(&report), expected);
    assert_eq!(report["summary"]["fleets"], 6);
    assert_eq!(report["summary"]["failed"], true);
    for finding in report["findings"].as_array().unwrap() {
        for key in [
            "rule_id",
            "severity",
            "resource_type",
            "resource",
            "message",
            "remediation",
            "source",
        ] {
            assert!(
                finding.get(key).is_some(),
                "finding without {key}: {finding}"
            );
        }
        assert_eq!(finding["resource_type"], "fleet");
        assert_eq!(
            finding["source"]["file"],
            "events/check/describe-fleets.json"
        );
        assert!(
            finding["source"]["pointer"]
                .as_str()
                .unwrap()
                .starts_with("/Fleets/")
        );
        assert!(finding["source"]["line"].as_u64().unwrap() > 1);
    }
    golden("describe-fleets.json", &stdout(&out));
}

#[test]
fn all_samples_render_the_same_text_sarif_and_json_as_the_golden_files() {
    let out = streamwarden(&["check", "--color", "never", AS_OF, "events/check/"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    golden("events.txt", &stdout(&out));

    let out = streamwarden(&["check", "--format", "sarif", AS_OF, "events/check/"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif = json(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules: BTreeSet<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let id = result["ruleId"].as_str().unwrap();
        assert!(rules.contains(id), "{id} is not among the driver's rules");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], id);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }
    golden("events.sarif", &stdout(&out));

    let out = streamwarden(&["check", "--format", "json", AS_OF, "events/check/"]);
    let report = json(&out);
    assert_eq!(results.len(), report["findings"].as_array().unwrap().len());
    golden("events.json", &stdout(&out));
}

#[test]
fn policy_waivers_move_findings_to_exempted_and_overrides_change_severity() {
    let out = streamwarden(&[
        "check",
        "--format",
        "json",
        AS_OF,
        "--policy",
        "events/check/policy.sample.toml",
        "events/check/describe-fleets.json",
    ]);
    let report = json(&out);
    let found = pairs(&report);
    assert!(!found.contains(&("contractors-od".into(), "FLEET-INTERNET-ACCESS".into())));
    let exempted = report["exempted"].as_array().unwrap();
    assert_eq!(exempted.len(), 1);
    assert_eq!(exempted[0]["rule_id"], "FLEET-INTERNET-ACCESS");
    assert_eq!(exempted[0]["exemption"]["by"], "policy");
    assert_eq!(exempted[0]["exemption"]["expires"], "2099-12-31");
    let usb = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "FLEET-USB-REDIRECTION")
        .unwrap();
    assert_eq!(usb["severity"], "HIGH");
    // The sample policy's allowlist rejects the graphics-design fleet.
    assert!(found.contains(&(
        "contractors-od".into(),
        "FLEET-INSTANCE-TYPE-ALLOWED".into()
    )));
    // Required tags cannot be known from DescribeFleets output: reported, not guessed.
    let unresolved = report["unresolved"].as_array().unwrap();
    assert!(
        unresolved
            .iter()
            .any(|u| u["rule_id"] == "FLEET-REQUIRED-TAGS")
    );
    // After the waiver's expiry it no longer applies.
    let out = streamwarden(&[
        "check",
        "--format",
        "json",
        "--as-of",
        "2100-01-01",
        "--policy",
        "events/check/policy.sample.toml",
        "events/check/describe-fleets.json",
    ]);
    let late = json(&out);
    let internet = late["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "FLEET-INTERNET-ACCESS")
        .unwrap();
    assert!(
        internet["note"]
            .as_str()
            .unwrap()
            .contains("expired on 2099-12-31")
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let file = "events/check/describe-fleets.json";
    assert_eq!(
        streamwarden(&["check", "--fail-on", "never", file])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        streamwarden(&["check", "--fail-on", "CRITICAL", file])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        streamwarden(&["check", "--fail-on", "high", file])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        streamwarden(&[
            "check",
            "--fail-on",
            "LOW",
            "events/check/create-fleet.cli-input.json"
        ])
        .status
        .code(),
        Some(1)
    );
    let out = streamwarden(&["check", "--fail-on", "SEVERE", file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("SEVERE"));
}

#[test]
fn a_compliant_fleet_exits_zero() {
    let compliant = r#"{"Fleets": [{"Name": "ok", "InstanceType": "stream.standard.small", "FleetType": "ON_DEMAND",
        "MaxUserDurationInSeconds": 3600, "DisconnectTimeoutInSeconds": 60, "IdleDisconnectTimeoutInSeconds": 600,
        "VpcConfig": {"SubnetIds": ["subnet-1"]}, "EnableDefaultInternetAccess": false, "DisableIMDSV1": true,
        "State": "RUNNING", "ComputeCapacityStatus": {"Running": 2, "Available": 1}}]}"#;
    let out = with_stdin(&["check", "--format", "json", "-"], compliant);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn input_errors_exit_two_and_name_the_file_and_position() {
    let out = with_stdin(&["check", "-"], "{\"Fleets\": [ {\"Name\": \"x\",");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("<stdin>:1"), "{}", stdout(&out));

    let out = with_stdin(
        &["check", "--format", "json", "-"],
        r#"{"Fleets": [{"Name": "good", "FleetType": "ALWAYS_ON"}, {"Name": "bad", "FleetType": "SPOT"}]}"#,
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert_eq!(
        report["summary"]["fleets"], 1,
        "the good fleet is still checked"
    );
    let error = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        error.contains("/Fleets/1/FleetType") && error.contains("SPOT"),
        "{error}"
    );
    assert!(stderr(&out).contains("SPOT"));

    let out = streamwarden(&["check", "does/not/exist.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("does/not/exist.json"));

    let out = with_stdin(&["check", "-"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("empty"));
}

#[test]
fn a_broken_policy_exits_two_with_its_line() {
    let dir = std::env::temp_dir().join(format!("streamwarden-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("broken.toml");
    std::fs::write(
        &policy,
        "[fleet]\nrequire_vpc = true\n\n[rules.FLEET-NOT-A-RULE]\nenabled = false\n",
    )
    .unwrap();
    let out = streamwarden(&[
        "check",
        "--policy",
        policy.to_str().unwrap(),
        "events/check/describe-fleets.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("broken.toml:4") && err.contains("FLEET-NOT-A-RULE"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_intrinsic_only_template_is_unresolved_not_passed() {
    let template = r#"{"Resources": {"F": {"Type": "AWS::AppStream::Fleet", "Properties": {
        "Name": {"Ref": "Name"}, "InstanceType": {"Ref": "Type"}, "FleetType": {"Ref": "Kind"},
        "EnableDefaultInternetAccess": {"Fn::If": ["C", true, false]}, "VpcConfig": {"Ref": "Vpc"},
        "DisableIMDSV1": {"Ref": "Imds"}, "IdleDisconnectTimeoutInSeconds": {"Ref": "Idle"}}}}}"#;
    let out = with_stdin(&["check", "--format", "json", "-"], template);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report = json(&out);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    let unresolved: BTreeSet<&str> = report["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["rule_id"].as_str().unwrap())
        .collect();
    for id in [
        "FLEET-INTERNET-ACCESS",
        "FLEET-VPC-REQUIRED",
        "FLEET-IMDSV1",
        "FLEET-IDLE-DISCONNECT-TIMEOUT",
        "FLEET-INSTANCE-TYPE-UNKNOWN",
    ] {
        assert!(
            unresolved.contains(id),
            "{id} should be unresolved: {unresolved:?}"
        );
    }
}

#[test]
fn rules_lists_the_whole_catalog() {
    let out = streamwarden(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules = json(&out);
    assert_eq!(rules.as_array().unwrap().len(), 56);
    let out = streamwarden(&["default-policy"]);
    assert!(stdout(&out).contains("max_user_duration_seconds = 36000"));
}
