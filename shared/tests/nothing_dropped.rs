//! Nothing read is silently dropped: a document is checked whole, or refused naming what
//! it could not read.

use serde_json::json;
use streamwarden::InputError;
use streamwarden::inputs::read_document;

const FLEET: &str = r#"{"Name": "f1", "FleetType": "ON_DEMAND"}"#;

#[test]
fn a_document_of_two_kinds_is_refused_naming_both() {
    for (other, named) in [
        (r#""Records": []"#, "CloudTrail (Records)"),
        (r#""detail": {}"#, "CloudTrail (detail)"),
        (
            r#""Resources": {}"#,
            "a CloudFormation template (Resources)",
        ),
    ] {
        let text = format!(r#"{{"Fleets": [{FLEET}], {other}}}"#);
        let e = read_document("mixed.json", &text).unwrap_err();
        assert!(matches!(e, InputError::MixedKinds { .. }), "{e}");
        let message = e.to_string();
        assert!(message.contains("describe output (Fleets)"), "{message}");
        assert!(message.contains(named), "{message}");
    }
}

#[test]
fn an_eventbridge_event_with_lowercase_resources_is_still_cloudtrail() {
    let event = json!({"source": "aws.appstream", "resources": [], "detail": {
        "eventSource": "appstream.amazonaws.com", "eventName": "CreateFleet",
        "requestParameters": {"name": "f1", "instanceType": "stream.standard.small"}}});
    let doc = read_document("event.json", &event.to_string()).unwrap();
    assert_eq!(doc.fleets.len(), 1);
}

#[test]
fn null_where_a_list_or_a_resource_belongs_is_named() {
    for (text, pointer, expected) in [
        (
            r#"{"Fleets": null}"#,
            "/Fleets",
            "expected an array, found null",
        ),
        (
            r#"{"Stacks": null}"#,
            "/Stacks",
            "expected an array, found null",
        ),
        (
            r#"{"Fleet": null}"#,
            "/Fleet",
            "expected a fleet object, found null",
        ),
    ] {
        let result = read_document("null.json", text);
        let e = match result {
            Err(e) => e,
            Ok(doc) => doc.errors.into_iter().next().expect("an error"),
        };
        assert_eq!(e.location().pointer.as_deref(), Some(pointer), "{e}");
        assert!(e.to_string().contains(expected), "{e}");
    }
}

#[test]
fn a_structure_given_as_a_scalar_is_an_error_at_its_position() {
    for (member, value) in [
        ("ComputeCapacityStatus", json!("lots")),
        ("VpcConfig", json!("subnet-1")),
        ("ComputeCapacity", json!(4)),
        ("DomainJoinInfo", json!(["corp"])),
        ("SessionScriptS3Location", json!("s3://b/k")),
        ("Tags", json!(["owner"])),
        ("FleetErrors", json!(["broken"])),
    ] {
        let mut fleet = json!({"Name": "f1"});
        fleet[member] = value;
        let text = json!({"Fleets": [fleet]}).to_string();
        let doc = read_document("wrong.json", &text).unwrap();
        assert!(doc.fleets.is_empty(), "{member}: read as {:?}", doc.fleets);
        let e = &doc.errors[0];
        assert!(matches!(e, InputError::WrongType { .. }), "{member}: {e}");
        let pointer = e.location().pointer.clone().unwrap();
        assert!(pointer.starts_with(&format!("/Fleets/0/{member}")), "{e}");
        assert!(e.to_string().contains("expected an object"), "{e}");
    }
}

#[test]
fn resources_of_one_name_keep_their_own_lines() {
    let text = "{\"Fleets\": [\n  {\"Name\": \"twin\"},\n  {\"Name\": \"other\"},\n  {\"Name\": \"twin\"}\n],\n\"Stacks\": [\n  {\"Name\": \"twin\"}\n]}\n";
    let doc = read_document("twins.json", text).unwrap();
    let lines: Vec<_> = doc
        .fleets
        .iter()
        .map(|f| (f.name.as_str(), f.source.line, f.source.pointer.as_deref()))
        .collect();
    assert_eq!(
        lines,
        [
            ("twin", Some(2), Some("/Fleets/0")),
            ("other", Some(3), Some("/Fleets/1")),
            ("twin", Some(4), Some("/Fleets/2")),
        ]
    );
    assert_eq!(doc.stacks[0].source.line, Some(7));
}

#[test]
fn type_and_enum_errors_in_json_carry_line_and_column() {
    let text = "{\"Fleets\": [\n  {\"Name\": \"a\", \"FleetType\": \"SOMETIMES\"},\n  {\"Name\": \"b\",\n   \"VpcConfig\": \"subnet-1\"}\n]}\n";
    let doc = read_document("bad.json", text).unwrap();
    let positions: Vec<_> = doc
        .errors
        .iter()
        .map(|e| (e.location().line, e.location().column))
        .collect();
    assert_eq!(positions, [(Some(2), Some(30)), (Some(4), Some(17))]);
    assert!(
        doc.errors[0]
            .to_string()
            .starts_with("bad.json:2:30 (at /Fleets/0/FleetType)")
    );
}
