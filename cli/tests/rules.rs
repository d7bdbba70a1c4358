//! `streamwarden rules`: the real binary prints the documents the repository publishes,
//! so the regeneration commands the tests advertise do what they say.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `streamwarden rules --format <format>`: its standard output, after a success.
fn rules(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(["rules", "--format", format])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rules --format {format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rules_reference_prints_docs_rules_md_exactly() {
    let doc = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    assert!(
        rules("reference") == doc,
        "`streamwarden rules --format reference` differs from docs/rules.md: regenerate it with \
         `cargo run -q -p streamwarden-cli -- rules --format reference > docs/rules.md`"
    );
}

#[test]
fn rules_markdown_prints_the_readme_table() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = rules("markdown");
    assert!(table.starts_with("| ID | Severity | Fails when | Default |\n"));
    assert!(
        readme.contains(&format!("<!-- rules:start -->\n{table}<!-- rules:end -->")),
        "README's rule table is not `streamwarden rules --format markdown`"
    );
}

#[test]
fn rules_text_lists_one_rule_per_line_in_catalog_order() {
    let text = rules("text");
    let ids: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids.len(), 56);
    assert_eq!(ids.first(), Some(&"FLEET-INTERNET-ACCESS"));
    assert_eq!(ids.last(), Some(&"SESSION-INSTANCE-AGE"));
    assert!(text.contains(
        "FLEET-INTERNET-ACCESS              HIGH     Default internet access is enabled\n"
    ));
}

#[test]
fn rules_rejects_an_unknown_format_with_exit_two() {
    let out = Command::new(env!("CARGO_BIN_EXE_streamwarden"))
        .args(["rules", "--format", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reference"), "{stderr}");
}

#[test]
fn rules_frameworks_names_each_rules_controls_and_their_source() {
    let text = rules("frameworks");
    let entry = text
        .split("\nFLEET-IDLE-DISCONNECT-TIMEOUT\n")
        .nth(1)
        .unwrap()
        .split("\nFLEET-")
        .next()
        .unwrap();
    assert!(
        entry.starts_with(
            "  CIS Controls v8.1: 4.3 (Prowler, prowler/compliance/cis_controls_8.1.json"
        ),
        "{entry}"
    );
    assert!(entry.contains(
        "  NIST SP 800-53 Rev. 5: AC-11 (Streamwarden judgement), AC-12 (Streamwarden judgement)\n"
    ));
    let json: serde_json::Value = serde_json::from_str(&rules("json")).unwrap();
    for rule in json.as_array().unwrap() {
        assert!(
            !rule["references"].as_array().unwrap().is_empty(),
            "{} has no references",
            rule["id"]
        );
    }
    assert_eq!(
        json[0]["references"][0],
        serde_json::json!({
            "framework": "cis",
            "control": "12.2",
            "basis": "Prowler, prowler/compliance/cis_controls_8.1.json (prowler-cloud/prowler@3e000fa)",
        })
    );
}
