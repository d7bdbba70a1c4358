//! YAML an attacker might write: aliases and merge keys in templates, alias bombs, deep
//! nesting. Each gets a specific, positioned answer in bounded time and memory.

use std::time::{Duration, Instant};
use streamwarden::InputError;
use streamwarden::inputs::read_document;

/// Reads `text`, which must be rejected as a whole, within `limit`.
fn rejected_within(limit: Duration, file: &str, text: &str) -> InputError {
    let started = Instant::now();
    let result = read_document(file, text);
    assert!(
        started.elapsed() < limit,
        "{file}: took {:?}",
        started.elapsed()
    );
    match result {
        Ok(doc) => panic!("{file} should be rejected, got {doc:?}"),
        Err(e) => e,
    }
}

const FLEET: &str = "  Fleet:
    Type: AWS::AppStream::Fleet
    Properties:
      InstanceType: stream.standard.small
";

#[test]
fn aliases_and_merge_keys_in_templates_are_refused_with_their_position() {
    for (text, line, column) in [
        (
            format!(
                "Resources:\n{FLEET}      VpcConfig: &vpc\n        SubnetIds: [a]\n  Other:\n    Type: AWS::AppStream::Fleet\n    Properties:\n      VpcConfig: *vpc\n"
            ),
            11,
            18,
        ),
        (
            format!(
                "Defaults: &d\n  EnableDefaultInternetAccess: false\nResources:\n{FLEET}      <<: *d\n"
            ),
            8,
            7,
        ),
        (
            format!(
                "Resources:\n{FLEET}      Tags: [{{Key: a, Value: &v x}}, {{Key: b, Value: *v}}]\n"
            ),
            6,
            53,
        ),
    ] {
        let e = rejected_within(Duration::from_secs(5), "t.yaml", &text);
        assert!(matches!(e, InputError::YamlAlias { .. }), "{e}");
        assert_eq!(
            (e.location().line, e.location().column),
            (Some(line), Some(column)),
            "{e}\n{text}"
        );
        assert!(
            e.to_string()
                .contains("CloudFormation does not support YAML aliases or merge keys"),
            "{e}"
        );
    }
}

#[test]
fn aliases_outside_templates_are_read_within_a_budget() {
    let small = "Fleets:\n  - &f {Name: a, FleetType: ON_DEMAND}\n  - *f\n";
    let doc = read_document("fleets.yaml", small).unwrap();
    assert_eq!(doc.fleets.len(), 2);

    // One 1,000-item anchor referenced 60,000 times: 60 million values from 180 KB.
    let items: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let bomb = format!(
        "Fleets: []\nA: &a [{}]\nB: [{}]\n",
        items.join(","),
        vec!["*a"; 60_000].join(",")
    );
    let e = rejected_within(Duration::from_secs(20), "bomb.yaml", &bomb);
    assert!(
        e.to_string().contains("aliases expand to more values"),
        "{e}"
    );
}

#[test]
fn deep_flow_nesting_is_refused_before_the_yaml_parser_sees_it() {
    let deep = format!(
        "Resources:\n  X: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = rejected_within(Duration::from_secs(2), "deep.yaml", &deep);
    assert!(matches!(e, InputError::TooDeep { limit: 128, .. }), "{e}");
    assert_eq!(e.location().line, Some(2));
    assert_eq!(e.location().column, Some(6 + 128));

    let block = format!("Resources:\n  X:\n    {}x\n", "- ".repeat(100_000));
    rejected_within(Duration::from_secs(5), "block.yaml", &block);
}

/// An indented template of `fleets` fleets, as people write them.
fn template(fleets: usize) -> String {
    let mut text = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n");
    for i in 0..fleets {
        text.push_str(&format!(
            "  Fleet{i:05}:\n    Type: AWS::AppStream::Fleet\n    Properties:\n      \
             Name: fleet-{i:05}\n      InstanceType: stream.standard.large\n      \
             FleetType: ON_DEMAND\n      VpcConfig:\n        SubnetIds:\n          - subnet-1\n"
        ));
    }
    text
}

/// Each resource's line came from a scan of the whole text, per resource: 10,000 fleets
/// took minutes in a debug build. Now one pass; the bound leaves room for a slow machine.
#[test]
fn template_locations_take_linear_time() {
    let text = template(10_000);
    let started = Instant::now();
    let doc = read_document("big.yaml", &text).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(doc.fleets.len(), 10_000);
    for (i, fleet) in doc.fleets.iter().enumerate() {
        assert_eq!(fleet.source.line, Some(3 + 9 * i), "{}", fleet.name);
    }
}
