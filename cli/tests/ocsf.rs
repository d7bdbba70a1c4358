//! `--format ocsf` and `--format asff`: the real binary on the sample files. OCSF events
//! are validated against the OCSF models of py-ocsf-models, installed into .venv from
//! requirements-dev.txt by scripts/bootstrap.sh (nothing is downloaded at test time).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TempDir, root, stderr, stdout, streamwarden};
use serde_json::Value;
use std::process::Command;

const AS_OF: &str = "--as-of=2026-11-30";

fn array(args: &[&str]) -> (Vec<Value>, String) {
    let out = streamwarden(args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let value: Value = serde_json::from_str(&text).unwrap();
    (value.as_array().unwrap().clone(), text)
}

#[test]
fn check_ocsf_events_are_valid_compliance_findings_with_rule_and_resource() {
    let (events, text) = array(&["check", "--format", "ocsf", AS_OF, "events/check/"]);
    assert!(events.len() > 10, "{} events", events.len());
    for event in &events {
        assert_eq!(event["class_uid"], 2003);
        let rule = event["metadata"]["event_code"].as_str().unwrap();
        assert!(
            event["finding_info"]["uid"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{rule}"))
        );
        assert!(!event["resources"][0]["name"].as_str().unwrap().is_empty());
    }
    let internet = events
        .iter()
        .find(|e| e["metadata"]["event_code"] == "FLEET-INTERNET-ACCESS")
        .unwrap();
    assert!(
        internet["compliance"]["requirements"]
            .as_array()
            .unwrap()
            .contains(&Value::from("CIS Controls v8.1 12.2"))
    );

    let dir = TempDir::new("ocsf");
    let file = dir.path().join("events.json");
    std::fs::write(&file, text).unwrap();
    let python = root().join(".venv/bin/python");
    let validated = Command::new(&python)
        .arg(root().join("scripts/validate-ocsf.py"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/bootstrap.sh)", python.display()));
    assert!(
        validated.status.success(),
        "OCSF validation failed:\n{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&validated.stdout).trim(),
        format!("{} passed, 0 failed", events.len())
    );
}

#[test]
fn check_asff_prints_what_the_export_would_import_for_the_given_account() {
    let (findings, _) = array(&[
        "check",
        "--format",
        "asff",
        "--account",
        "123456789012",
        "--finding-region",
        "eu-central-1",
        AS_OF,
        "events/check/",
    ]);
    let (json, _) = {
        let out = streamwarden(&["check", "--format", "json", AS_OF, "events/check/"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, ())
    };
    assert_eq!(
        findings.len(),
        json["findings"].as_array().unwrap().len() + json["exempted"].as_array().unwrap().len()
    );
    for f in &findings {
        assert_eq!(
            f["ProductArn"],
            "arn:aws:securityhub:eu-central-1:123456789012:product/123456789012/default"
        );
        assert_eq!(f["Compliance"]["Status"], "FAILED");
        let rule = f["GeneratorId"].as_str().unwrap();
        assert!(f["Id"].as_str().unwrap().ends_with(&format!("/{rule}")));
        assert!(
            f["Resources"][0]["Id"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:appstream:eu-central-1:123456789012:")
        );
    }
    let ids: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f["Id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        findings.len(),
        "Ids are unique per resource and rule"
    );
}
