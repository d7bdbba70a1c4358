//! End-to-end tests of `streamwarden check` on the whole AppStream surface
//! (events/surface/): image builders, images and their permissions, usage reports, the
//! 2026 stack controls, and one inventory across the files of a run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{stderr, stdout, streamwarden};
use serde_json::Value;
use std::collections::BTreeSet;

const AS_OF: &str = "--as-of=2026-11-27";

fn check(paths: &[&str]) -> Value {
    let mut args = vec!["check", "--format", "json", AS_OF];
    args.extend(paths);
    let out = streamwarden(&args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// `(resource type, resource, rule ID)` of each entry of a report's list.
fn triples(report: &Value, list: &str) -> BTreeSet<(String, String, String)> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_owned();
            (field("resource_type"), field("resource"), field("rule_id"))
        })
        .collect()
}

fn triple(resource_type: &str, resource: &str, rule: &str) -> (String, String, String) {
    (resource_type.into(), resource.into(), rule.into())
}

#[test]
fn every_new_resource_type_raises_the_catalogs_rules() {
    let report = check(&["events/surface/"]);
    assert_eq!(report["errors"], Value::Array(Vec::new()), "{report:#}");
    let findings = triples(&report, "findings");
    let expected = [
        triple("fleet", "kiosk", "FLEET-IMAGE-OUTDATED"),
        triple("image-builder", "golden-builder", "BUILDER-INTERNET-ACCESS"),
        triple("image-builder", "golden-builder", "BUILDER-VPC-REQUIRED"),
        triple(
            "image-builder",
            "golden-builder",
            "BUILDER-INSTANCE-TYPE-RETIRED",
        ),
        triple("image-builder", "golden-builder", "BUILDER-ERRORS"),
        triple("image-builder", "golden-builder", "BUILDER-RUNNING-AGE"),
        triple("image", "golden", "IMAGE-SHARED-EXTERNALLY"),
        triple("image", "golden", "IMAGE-AGENT-NOT-LATEST"),
        triple("stack", "agents", "STACK-URL-REDIRECTION"),
        triple("stack", "agents", "STACK-EMBED-WILDCARD"),
        triple("stack", "agents", "STACK-AGENT-ACCESS"),
        triple("stack", "agents", "STACK-AGENT-USER-CONTROL"),
        triple("stack", "agents", "STACK-STORAGE-CONNECTOR"),
        triple("account", "-", "ACCOUNT-USAGE-REPORTS"),
    ];
    for t in &expected {
        assert!(findings.contains(t), "missing {t:?} in {findings:#?}");
    }
    // The builder asked for in a request is in a VPC, without internet access.
    let scratch: Vec<_> = findings
        .iter()
        .filter(|(_, name, _)| name == "scratch-builder")
        .collect();
    assert!(
        !scratch
            .iter()
            .any(|(_, _, rule)| rule == "BUILDER-INTERNET-ACCESS" || rule == "BUILDER-VPC-REQUIRED"),
        "{scratch:?}"
    );
    // AWS's public base image is not this account's to judge.
    assert!(
        !findings
            .iter()
            .any(|(_, name, _)| name.starts_with("AppStream-"))
    );
    let summary = &report["summary"];
    assert_eq!(
        (&summary["fleets"], &summary["stacks"], &summary["builders"]),
        (&Value::from(2), &Value::from(1), &Value::from(2))
    );
    assert_eq!(
        (&summary["images"], &summary["accounts"]),
        (&Value::from(2), &Value::from(1))
    );
}

#[test]
fn a_fleet_is_joined_with_its_image_from_another_file_else_the_rule_is_unresolved() {
    let alone = check(&["events/surface/describe-fleets.json"]);
    let unresolved = triples(&alone, "unresolved");
    for fleet in ["kiosk", "orphan"] {
        assert!(
            unresolved.contains(&triple("fleet", fleet, "FLEET-IMAGE-OUTDATED")),
            "{unresolved:#?}"
        );
    }
    assert!(
        !triples(&alone, "findings")
            .iter()
            .any(|(_, _, r)| r == "FLEET-IMAGE-OUTDATED")
    );

    let joined = check(&[
        "events/surface/describe-fleets.json",
        "events/surface/describe-images.json",
    ]);
    let findings = triples(&joined, "findings");
    let unresolved = triples(&joined, "unresolved");
    assert!(
        findings.contains(&triple("fleet", "kiosk", "FLEET-IMAGE-OUTDATED")),
        "{findings:#?}"
    );
    assert!(!unresolved.contains(&triple("fleet", "kiosk", "FLEET-IMAGE-OUTDATED")));
    assert!(unresolved.contains(&triple("fleet", "orphan", "FLEET-IMAGE-OUTDATED")));

    // Later than the base image's age limit is not reached: joined and passed.
    let early = streamwarden(&[
        "check",
        "--format",
        "json",
        "--as-of=2026-02-01",
        "events/surface/describe-fleets.json",
        "events/surface/describe-images.json",
    ]);
    let early: Value = serde_json::from_str(&stdout(&early)).unwrap();
    let outdated = |list: &str| {
        triples(&early, list)
            .into_iter()
            .filter(|(_, name, rule)| name == "kiosk" && rule == "FLEET-IMAGE-OUTDATED")
            .count()
    };
    assert_eq!((outdated("findings"), outdated("unresolved")), (0, 0));
}

#[test]
fn image_permissions_from_another_file_name_the_accounts() {
    let without = check(&["events/surface/describe-images.json"]);
    let with = check(&[
        "events/surface/describe-images.json",
        "events/surface/describe-image-permissions.json",
    ]);
    let message = |report: &Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "IMAGE-SHARED-EXTERNALLY")
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{report:#}"))
    };
    assert!(
        message(&with).contains("444455556666"),
        "{}",
        message(&with)
    );
    assert!(
        !message(&without).contains("444455556666"),
        "{}",
        message(&without)
    );
}

#[test]
fn text_output_counts_the_new_resource_types() {
    let out = streamwarden(&["check", "--color", "never", AS_OF, "events/surface/"]);
    let text = stdout(&out);
    let summary = text.lines().last().unwrap();
    for part in [
        "of 2 fleets",
        "of 1 stack",
        "of 2 image builders",
        "of 2 images",
        "1 of 1 account",
    ] {
        assert!(summary.contains(part), "{summary}");
    }
    assert!(text.contains("image-builder golden-builder"), "{text}");
}
