//! template.yaml is a contract with the code: its table is the one the store uses
//! (`store::schema`), every function gets every setting `config.rs` reads and runs what
//! `sam build` produces, the fleet-auditor's CloudTrail rule matches exactly the calls
//! `events.rs` handles, and each dead-letter queue accepts the rules that send to it.
//! A failure names the drift and both sides of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_norway::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use streamwarden::events::HANDLED_CALLS;
use streamwarden::store::schema::{INDEXES, PK, SK, TTL};

/// `config.rs` settings the template does not set: a policy *file* path, for local runs
/// only (SAM ships just the binary; the template passes the text instead).
const LOCAL_ONLY: &[&str] = &["STREAMWARDEN_POLICY"];

/// The settings a deployment needs (what docs/deploy.md documents); `config.rs` is scanned as well,
/// so a variable added there fails this test until the template sets it.
const DEPLOYED: &[&str] = &[
    "STREAMWARDEN_TABLE",
    "STREAMWARDEN_TOPIC_ARN",
    "STREAMWARDEN_REGIONS",
    "STREAMWARDEN_RETENTION_DAYS",
    "STREAMWARDEN_POLICY_TOML",
    "STREAMWARDEN_SECURITY_HUB",
];

const FUNCTION: &str = "AWS::Serverless::Function";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let path = workspace().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn resources(template: &Value) -> &Mapping {
    template["Resources"]
        .as_mapping()
        .expect("template.yaml has no Resources mapping")
}

/// (logical ID, resource) of every resource of one type.
fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources(template)
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().expect("a resource's logical ID is a string"), r))
        .collect()
}

/// A short-form intrinsic (`!Ref X`, `!GetAtt X.Arn`) as (`Ref`, `X`) or (`GetAtt`,
/// `X.Arn`); the long forms too.
fn intrinsic(value: &Value) -> Option<(String, String)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_owned();
            Some((name, tagged.value.as_str()?.to_owned()))
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next()?;
            let name = key.as_str()?.trim_start_matches("Fn::").to_owned();
            let arg = match arg {
                Value::Sequence(parts) => parts
                    .iter()
                    .map(|p| p.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?
                    .join("."),
                other => other.as_str()?.to_owned(),
            };
            Some((name, arg))
        }
        _ => None,
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A function property, or its Globals value when the function does not set it.
fn property<'a>(template: &'a Value, function: &'a Value, name: &str) -> Option<&'a Value> {
    function["Properties"]
        .get(name)
        .or_else(|| template["Globals"]["Function"].get(name))
}

fn key_schema(value: &Value) -> Vec<(String, String)> {
    value
        .as_sequence()
        .map(|keys| {
            keys.iter()
                .map(|k| {
                    (
                        k["AttributeName"].as_str().unwrap_or("?").to_owned(),
                        k["KeyType"].as_str().unwrap_or("?").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pair(name: &str, kind: &str) -> (String, String) {
    (name.to_owned(), kind.to_owned())
}

fn the_table(template: &Value) -> (&str, &Value) {
    let tables = of_type(template, "AWS::DynamoDB::Table");
    assert_eq!(
        tables.len(),
        1,
        "template.yaml should declare exactly one AWS::DynamoDB::Table, found {:?}",
        tables.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    (tables[0].0, &tables[0].1["Properties"])
}

#[test]
fn table_keys_and_indexes_are_the_ones_the_store_uses() {
    let template = template();
    let (id, table) = the_table(&template);

    assert_eq!(
        key_schema(&table["KeySchema"]),
        [pair(PK, "HASH"), pair(SK, "RANGE")],
        "{id}.KeySchema drifted from shared/src/store/mod.rs schema::{{PK, SK}}"
    );

    let declared: Vec<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("table has AttributeDefinitions")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap_or("?").to_owned(),
                a["AttributeType"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    let unique: BTreeSet<_> = declared.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        declared.len(),
        "{id}.AttributeDefinitions declares an attribute twice: {declared:?}"
    );
    let mut expected: BTreeSet<(String, String)> = [pair(PK, "S"), pair(SK, "S")].into();
    for (_, index_pk, index_sk) in INDEXES {
        expected.insert(pair(index_pk, "S"));
        expected.insert(pair(index_sk, "S"));
    }
    assert_eq!(
        unique, expected,
        "{id}.AttributeDefinitions must be exactly the key attributes of the table and of \
         schema::INDEXES, all type S (CloudFormation rejects any other)"
    );

    let declared: BTreeMap<String, (Vec<(String, String)>, String)> =
        table["GlobalSecondaryIndexes"]
            .as_sequence()
            .expect("table has GlobalSecondaryIndexes")
            .iter()
            .map(|index| {
                (
                    index["IndexName"].as_str().unwrap_or("?").to_owned(),
                    (
                        key_schema(&index["KeySchema"]),
                        index["Projection"]["ProjectionType"]
                            .as_str()
                            .unwrap_or("?")
                            .to_owned(),
                    ),
                )
            })
            .collect();
    let expected: BTreeMap<String, (Vec<(String, String)>, String)> = INDEXES
        .iter()
        .map(|(name, index_pk, index_sk)| {
            (
                (*name).to_owned(),
                (
                    vec![pair(index_pk, "HASH"), pair(index_sk, "RANGE")],
                    "ALL".to_owned(),
                ),
            )
        })
        .collect();
    assert_eq!(
        declared, expected,
        "{id}.GlobalSecondaryIndexes drifted from shared/src/store/mod.rs schema::INDEXES \
         (name -> keys, projection)"
    );

    let ttl = &table["TimeToLiveSpecification"];
    assert_eq!(
        (ttl["AttributeName"].as_str(), ttl["Enabled"].as_bool()),
        (Some(TTL), Some(true)),
        "{id}.TimeToLiveSpecification must enable TTL on schema::TTL"
    );
    assert_eq!(
        table["BillingMode"].as_str(),
        Some("PAY_PER_REQUEST"),
        "{id}.BillingMode: the store is designed for on-demand (the harness creates it from this template)"
    );
}

/// Every `"STREAMWARDEN_..."` literal in config.rs outside its tests.
fn variables_config_reads() -> BTreeSet<String> {
    let path = workspace().join("shared/src/config.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    for (start, _) in code.match_indices("\"STREAMWARDEN_") {
        let rest = &code[start + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('"') {
            found.insert(rest[..end].to_owned());
        }
    }
    found
}

#[test]
fn every_function_gets_every_setting_config_reads() {
    let read = variables_config_reads();
    for name in DEPLOYED {
        assert!(
            read.contains(*name),
            "shared/src/config.rs no longer reads {name}: update DEPLOYED here and template.yaml"
        );
    }
    let required: BTreeSet<&str> = read
        .iter()
        .map(String::as_str)
        .filter(|name| !LOCAL_ONLY.contains(name))
        .collect();

    let template = template();
    let global: BTreeSet<String> = template["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .map(|vars| {
            vars.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let functions = of_type(&template, FUNCTION);
    assert!(!functions.is_empty(), "template.yaml has no {FUNCTION}");
    for (id, function) in functions {
        // SAM merges a function's Environment.Variables over the Globals ones.
        let mut set = global.clone();
        if let Some(vars) = function["Properties"]["Environment"]["Variables"].as_mapping() {
            set.extend(vars.keys().filter_map(|k| k.as_str().map(str::to_owned)));
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|name| !set.contains(*name))
            .collect();
        assert!(
            missing.is_empty(),
            "{id} does not set {missing:?}, which shared/src/config.rs reads: add them to \
             Globals.Function.Environment.Variables in template.yaml"
        );
    }
}

#[test]
fn every_function_is_a_cargo_lambda_build_for_arm64_al2023() {
    let template = template();
    let mut binaries = BTreeSet::new();
    let mut code_uris = BTreeSet::new();
    for (id, function) in of_type(&template, FUNCTION) {
        let runtime = property(&template, function, "Runtime").and_then(Value::as_str);
        assert_eq!(runtime, Some("provided.al2023"), "{id}: Runtime");
        let architectures = property(&template, function, "Architectures")
            .map(strings)
            .unwrap_or_default();
        assert_eq!(architectures, ["arm64"], "{id}: Architectures");
        let handler = property(&template, function, "Handler").and_then(Value::as_str);
        assert_eq!(handler, Some("bootstrap"), "{id}: Handler");
        assert_eq!(
            function["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id}: Metadata.BuildMethod"
        );
        // One kebab-case name per function for package, folder and binary.
        let code_uri = function["Properties"]["CodeUri"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: CodeUri should be the function's folder"));
        let folder = code_uri
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        let binary = function["Metadata"]["BuildProperties"]["Binary"].as_str();
        assert_eq!(
            binary,
            Some(folder),
            "{id}: Metadata.BuildProperties.Binary should name the binary of {code_uri}"
        );
        binaries.insert(folder.to_owned());
        code_uris.insert(code_uri.trim_end_matches('/').to_owned());
    }
    for wanted in ["fleet-auditor", "session-recorder", "compliance-digest"] {
        assert!(
            binaries.contains(wanted),
            "template.yaml has no function built from functions/{wanted}"
        );
    }

    // Every function crate in the workspace is deployed.
    let functions_dir = workspace().join("functions");
    for entry in std::fs::read_dir(&functions_dir).unwrap().flatten() {
        if entry.path().join("Cargo.toml").is_file() {
            let uri = format!("functions/{}", entry.file_name().to_string_lossy());
            assert!(
                code_uris.contains(&uri),
                "{uri} is a function crate but no {FUNCTION} in template.yaml has CodeUri {uri}"
            );
        }
    }
}

#[test]
fn fleet_auditor_rule_matches_the_calls_events_rs_handles() {
    let template = template();
    let (id, auditor) = of_type(&template, FUNCTION)
        .into_iter()
        .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some("fleet-auditor"))
        .expect("template.yaml has no fleet-auditor function");
    let rules: Vec<(&str, &Value)> = auditor["Properties"]["Events"]
        .as_mapping()
        .expect("fleet-auditor has Events")
        .iter()
        .filter(|(_, e)| e["Type"].as_str() == Some("EventBridgeRule"))
        .map(|(name, e)| (name.as_str().unwrap_or("?"), &e["Properties"]["Pattern"]))
        .collect();
    assert_eq!(
        rules.len(),
        1,
        "{id} should have exactly one EventBridgeRule event (CloudTrail)"
    );
    let (event, pattern) = rules[0];
    assert_eq!(
        strings(&pattern["source"]),
        ["aws.appstream"],
        "{id}.{event}: source"
    );
    assert_eq!(
        strings(&pattern["detail-type"]),
        ["AWS API Call via CloudTrail"],
        "{id}.{event}: detail-type"
    );
    assert_eq!(
        strings(&pattern["detail"]["eventSource"]),
        ["appstream.amazonaws.com"],
        "{id}.{event}: detail.eventSource"
    );
    let names = strings(&pattern["detail"]["eventName"]);
    let in_rule: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(
        in_rule.len(),
        names.len(),
        "{id}.{event}: eventName lists a call twice"
    );
    let handled: BTreeSet<&str> = HANDLED_CALLS.iter().copied().collect();
    let not_routed: Vec<_> = handled.difference(&in_rule).collect();
    let not_handled: Vec<_> = in_rule.difference(&handled).collect();
    assert!(
        not_routed.is_empty() && not_handled.is_empty(),
        "{id}.{event}: detail.eventName drifted from shared/src/events.rs HANDLED_CALLS: \
         handled but not routed {not_routed:?}; routed but not handled (each would fail as \
         UnsupportedCall) {not_handled:?}"
    );
}

/// The `aws:SourceArn` values EventBridge may send from, per queue (logical IDs).
fn queue_senders(template: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut senders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, policy) in of_type(template, "AWS::SQS::QueuePolicy") {
        let queues: Vec<String> = policy["Properties"]["Queues"]
            .as_sequence()
            .map(|qs| qs.iter().filter_map(intrinsic).map(|(_, q)| q).collect())
            .unwrap_or_default();
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let from_events = statement["Effect"].as_str() == Some("Allow")
                && strings(&statement["Principal"]["Service"])
                    .contains(&"events.amazonaws.com".to_owned());
            if !from_events {
                continue;
            }
            let arns = &statement["Condition"]["ArnEquals"]["aws:SourceArn"];
            let arns: Vec<&Value> = match arns.as_sequence() {
                Some(list) => list.iter().collect(),
                None => vec![arns],
            };
            for queue in &queues {
                senders.entry(queue.clone()).or_default().extend(
                    arns.iter()
                        .filter_map(|a| intrinsic(a))
                        .map(|(_, arn)| arn.trim_end_matches(".Arn").to_owned()),
                );
            }
        }
    }
    senders
}

#[test]
fn every_function_has_a_dead_letter_queue_that_accepts_its_rules() {
    let template = template();
    let senders = queue_senders(&template);
    for (id, function) in of_type(&template, FUNCTION) {
        let on_failure = intrinsic(
            &function["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
                ["Destination"],
        )
        .map(|(_, arn)| arn.trim_end_matches(".Arn").to_owned())
        .unwrap_or_else(|| {
            panic!("{id}: EventInvokeConfig.DestinationConfig.OnFailure.Destination is not set")
        });
        let events = function["Properties"]["Events"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{id} has no Events"));
        for (name, event) in events {
            let name = name.as_str().unwrap_or("?");
            let queue = intrinsic(&event["Properties"]["DeadLetterConfig"]["Arn"])
                .map(|(_, arn)| arn.trim_end_matches(".Arn").to_owned())
                .unwrap_or_else(|| panic!("{id}.{name}: no DeadLetterConfig.Arn"));
            assert_eq!(
                queue, on_failure,
                "{id}.{name}: undelivered events and failed invocations should share one queue"
            );
            // SAM names the rule it generates <function logical ID><event name>.
            let rule = format!("{id}{name}");
            assert!(
                senders.get(&queue).is_some_and(|s| s.contains(&rule)),
                "the queue policy of {queue} does not let rule {rule} ({id}.{name}) send to it: \
                 add !GetAtt {rule}.Arn to its events.amazonaws.com aws:SourceArn"
            );
        }
    }
}

/// Every action a statement allows (`Action` as one string or a list).
fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::Sequence(list) => list
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
        other => other.as_str().map(str::to_owned).into_iter().collect(),
    }
}

#[test]
fn security_hub_is_reachable_only_with_the_export_on_and_only_to_import_and_set_workflow() {
    let template = template();
    let condition = &template["Conditions"]["ExportsToSecurityHub"];
    assert!(!condition.is_null(), "no ExportsToSecurityHub condition");
    let mut roles = Vec::new();
    for (id, role) in of_type(&template, "AWS::IAM::Role") {
        for policy in role["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for statement in policy["PolicyDocument"]["Statement"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                let conditional = match statement {
                    Value::Tagged(tagged) if tagged.tag == "If" => {
                        let args = tagged.value.as_sequence().expect("!If takes a list");
                        assert_eq!(args[0].as_str(), Some("ExportsToSecurityHub"), "{id}");
                        assert_eq!(
                            intrinsic(&args[2]),
                            Some(("Ref".to_owned(), "AWS::NoValue".to_owned())),
                            "{id}: nothing when the export is off"
                        );
                        Some(&args[1])
                    }
                    _ => None,
                };
                let plain = conditional.is_none();
                let statement = conditional.unwrap_or(statement);
                let hub: Vec<String> = actions(statement)
                    .into_iter()
                    .filter(|a| a.starts_with("securityhub:"))
                    .collect();
                if hub.is_empty() {
                    continue;
                }
                assert!(
                    !plain,
                    "{id}: {hub:?} without the ExportsToSecurityHub condition"
                );
                // Import into the account's default product; workflow updates (waived
                // findings) on the account's hub.
                let resource = format!("{:?}", statement["Resource"]);
                let allowed = match hub.as_slice() {
                    [import] if import == "securityhub:BatchImportFindings" => {
                        ":product/${AWS::AccountId}/default"
                    }
                    [update] if update == "securityhub:BatchUpdateFindings" => {
                        ":${AWS::AccountId}:hub/default"
                    }
                    _ => panic!("{id}: {hub:?}"),
                };
                assert!(
                    resource.contains(allowed),
                    "{id}: {hub:?} on {allowed} only, not {resource}"
                );
                roles.push((id.to_owned(), hub[0].clone()));
            }
        }
    }
    roles.sort();
    let expected: Vec<(String, String)> = ["FleetAuditorRole", "SessionRecorderRole"]
        .into_iter()
        .flat_map(|role| {
            [
                "securityhub:BatchImportFindings",
                "securityhub:BatchUpdateFindings",
            ]
            .map(|action| (role.to_owned(), action.to_owned()))
        })
        .collect();
    assert_eq!(roles, expected);
}
