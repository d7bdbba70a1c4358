//! The permanent guard against hostile input: structure-aware property tests of every
//! reader of outside input that `parsers.rs` does not already cover (the Lambda event
//! parser, policy TOML, YAML with anchors, aliases, tags and deep nesting), and the
//! corpus of inputs that once crashed, hung or blew up a reader, replayed as regression
//! tests.
//!
//! Runs on stable Rust with `cargo test -p streamwarden --test fuzz`. The number of cases
//! per property is `STREAMWARDEN_FUZZ_CASES` (default 256, a few seconds; CI can raise it
//! to fill about 60 s). An input that fails goes into `tests/corpus/` so it stays fixed.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use streamwarden::Policy;
use streamwarden::events::{EventError, HANDLED_CALLS, parse_event};
use streamwarden::inputs::read_document;

fn config() -> Config {
    Config {
        cases: std::env::var("STREAMWARDEN_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    }
}

/// JSON values of any shape, with the strings an attacker likes: controls, bidi
/// overrides, multi-byte characters, numbers at the edges.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        "[a-zA-Z0-9:/_.-]{0,20}".prop_map(Value::String),
        "[\\x00-\\x1f\\x7f\u{80}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}µ€💥a]{0,12}"
            .prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map("[a-zA-Z]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An EventBridge event as the fleet-auditor receives it, with each member either right
/// or anything at all.
fn event() -> impl Strategy<Value = Value> {
    let source = prop_oneof![
        Just(json!("aws.appstream")),
        Just(json!("aws.events")),
        value()
    ];
    let detail_type = prop_oneof![
        Just(json!("AWS API Call via CloudTrail")),
        Just(json!("Scheduled Event")),
        value()
    ];
    // The calls the auditor handles, two it does not, and anything at all.
    let names: Vec<&str> = HANDLED_CALLS
        .iter()
        .copied()
        .chain(["TagResource", "CreateImageBuilder"])
        .collect();
    let event_name = prop_oneof![
        proptest::sample::select(names).prop_map(|n| json!(n)),
        value()
    ];
    (
        source,
        detail_type,
        event_name,
        value(),
        value(),
        value(),
        any::<bool>(),
    )
        .prop_map(
            |(source, detail_type, event_name, parameters, response, extra, complete)| {
                let mut event = json!({
                    "version": "0", "id": "e1", "account": "123456789012",
                    "time": "2026-11-27T12:00:00Z", "region": "eu-west-1",
                    "source": source, "detail-type": detail_type,
                    "detail": {
                        "eventName": event_name, "eventID": "id-1",
                        "eventSource": "appstream.amazonaws.com",
                        "awsRegion": "eu-west-1",
                        "userIdentity": {"arn": "arn:aws:iam::1:user/u"},
                        "requestParameters": parameters,
                        "responseElements": response,
                    }
                });
                if !complete {
                    event["detail"]["extra"] = extra;
                    if let Some(map) = event.as_object_mut() {
                        map.remove("time");
                    }
                }
                event
            },
        )
}

/// Policy TOML built from the real tables and keys with values of any type.
fn policy_toml() -> impl Strategy<Value = String> {
    let key = proptest::sample::select(
        &[
            "allow_default_internet_access",
            "require_vpc",
            "max_user_duration_seconds",
            "max_disconnect_timeout_seconds",
            "max_idle_disconnect_timeout_seconds",
            "allowed_instance_types",
            "max_sessions_per_instance",
            "min_available_ratio",
            "required_tags",
            "rule",
            "severity",
            "enabled",
            "reason",
            "expires",
            "resource",
        ][..],
    );
    let table = proptest::sample::select(
        &[
            "[fleet]",
            "[stack]",
            "[session]",
            "[[exemptions]]",
            "[rules.FLEET-VPC-REQUIRED]",
            "[x]",
        ][..],
    );
    let scalar = prop_oneof![
        Just("true".to_owned()),
        Just("-1".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("1e400".to_owned()),
        Just("2027-13-45".to_owned()),
        Just("\"FLEET-VPC-REQUIRED\"".to_owned()),
        Just("[\"a\", 1]".to_owned()),
        "\"[^\"\\\\\\n]{0,12}\"",
        "[0-9.]{1,8}",
    ];
    vec((table, vec((key, scalar), 0..4)), 0..5).prop_map(|tables| {
        let mut out = String::new();
        for (table, entries) in tables {
            out.push_str(table);
            out.push('\n');
            for (key, value) in entries {
                out.push_str(&format!("{key} = {value}\n"));
            }
        }
        out
    })
}

/// YAML that uses what templates must not: anchors, aliases, merge keys, tags, deep
/// flow and block nesting, block scalars.
fn hostile_yaml() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("&a [1, 2, 3]".to_owned()),
        Just("*a".to_owned()),
        Just("{<<: *a}".to_owned()),
        Just("!Ref X".to_owned()),
        Just("!If [c, *a, 2]".to_owned()),
        Just("|\n      *a\n      [[[".to_owned()),
        Just("'it''s *a'".to_owned()),
        Just("\"*a\\\"[\"".to_owned()),
        (1usize..300).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (1usize..300).prop_map(|n| "[".repeat(n)),
        (1usize..50).prop_map(|n| format!("\n      {}x", "- ".repeat(n))),
        "[ -~µ💥]{0,16}",
    ];
    (vec(("[A-Za-z<]{1,6}", piece), 1..8), any::<bool>()).prop_map(|(entries, template)| {
        let mut out = String::new();
        if template {
            out.push_str("Resources:\n  F:\n    Type: AWS::AppStream::Fleet\n    Properties:\n");
        } else {
            out.push_str("Fleets:\n  -\n");
        }
        for (key, piece) in entries {
            out.push_str(&format!("      {key}: {piece}\n"));
        }
        out
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_event_answers_any_json_with_an_error_type(doc in value()) {
        if let Err(e) = parse_event(doc) {
            prop_assert!(!e.error_type().is_empty());
        }
    }

    #[test]
    fn parse_event_answers_event_shaped_json(doc in event()) {
        match parse_event(doc) {
            Ok(_) => {}
            Err(
                e @ (EventError::Malformed { .. }
                | EventError::Unsupported { .. }
                | EventError::UnsupportedCall { .. }),
            ) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn policy_parse_answers_any_toml(text in policy_toml()) {
        if let Err(e) = Policy::parse("p.toml", &text) {
            prop_assert!(e.to_string().starts_with("p.toml"), "{}", e);
        }
    }

    #[test]
    fn policy_parse_answers_any_string(text in any::<String>()) {
        if let Err(e) = Policy::parse("p.toml", &text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// A plain describe document is read as it is parsed; one with any other key goes
    /// through the general reader. Both must give the same answer.
    #[test]
    fn streamed_describe_output_reads_as_the_general_reader_does(
        lists in vec((proptest::sample::select(&["Fleets", "Stacks", "Sessions"][..]),
            prop_oneof![vec(value(), 0..4).prop_map(Value::Array), value()]), 1..4),
        pretty in any::<bool>(),
    ) {
        let mut doc = Map::new();
        for (key, list) in lists {
            doc.insert(key.to_owned(), list);
        }
        let streamed = Value::Object(doc.clone());
        doc.insert("ResponseMetadata".to_owned(), json!({}));
        let general = Value::Object(doc);
        let text = |v: &Value| if pretty {
            serde_json::to_string_pretty(v).unwrap_or_default()
        } else {
            v.to_string()
        };
        let a = read_document("d.json", &text(&streamed));
        let b = read_document("d.json", &text(&general));
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn hostile_yaml_gets_an_answer_in_bounded_time(text in hostile_yaml()) {
        let started = Instant::now();
        let answer = read_document("t.yaml", &text);
        prop_assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        if let Err(e) = answer {
            prop_assert_eq!(e.location().file.as_str(), "t.yaml");
        }
    }
}

/// Every input that once crashed, hung or blew up a reader still gets an answer, fast.
#[test]
fn the_corpus_of_past_failures_gets_answers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let started = Instant::now();
        let answer = read_document(name, &text);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: {:?}",
            started.elapsed()
        );
        if let Ok(doc) = &answer
            && name != "twins.json"
        {
            assert!(!doc.errors.is_empty(), "{name} should not pass: {doc:?}");
        }
    }
}
