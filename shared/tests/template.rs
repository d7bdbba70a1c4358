//! template.yaml is a contract with the code: its table is the one the store uses
//! (`store::schema`), every function gets every setting `config.rs` reads and runs what
//! `sam build` produces, the fleet-auditor's CloudTrail rule matches exactly the calls
//! `events.rs` handles, and each dead-letter queue accepts the rules that send to it.
//! Organisation mode: member.yaml's role reads exactly what the functions read and its
//! rule forwards what the central rules match; the fan-out queues and everything else of
//! the mode exist only with MemberAccounts set.
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
    "STREAMWARDEN_ACCOUNTS",
    "STREAMWARDEN_ORGANIZATIONAL_UNITS",
    "STREAMWARDEN_MEMBER_ROLE",
    "STREAMWARDEN_SWEEP_QUEUE_URL",
    "STREAMWARDEN_POLL_QUEUE_URL",
];

const FUNCTION: &str = "AWS::Serverless::Function";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    load("template.yaml")
}

fn member_template() -> Value {
    load("member.yaml")
}

fn load(file: &str) -> Value {
    let path = workspace().join(file);
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

/// What `!If [condition, value, otherwise]` gives when its condition holds; any other
/// value itself.
fn then_branch(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) if tagged.tag == "If" => tagged
            .value
            .as_sequence()
            .and_then(|args| args.get(1))
            .unwrap_or(value),
        _ => value,
    }
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
            // A sender that exists only under a condition counts (`!If [C, ARN, NoValue]`).
            let arns: Vec<&Value> = match arns.as_sequence() {
                Some(list) => list.iter().map(then_branch).collect(),
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

// --- Organisation mode ----------------------------------------------------------------

/// The conditions organisation resources carry: members governed, and discovery.
const ORG_CONDITIONS: &[&str] = &["GovernsMembers", "DiscoversAccounts"];

/// Parameters only organisation resources may use (MemberAccounts and
/// OrganizationalUnits feed STREAMWARDEN_ACCOUNTS and _ORGANIZATIONAL_UNITS, both empty
/// in a single-account deployment).
const ORG_PARAMETERS: &[&str] = &["OrganizationId", "MemberRoleName", "FanOutConcurrency"];

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    let found = &template["Resources"][id];
    assert!(!found.is_null(), "no resource {id}");
    found
}

fn function_by_binary<'a>(template: &'a Value, binary: &str) -> (&'a str, &'a Value) {
    of_type(template, FUNCTION)
        .into_iter()
        .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .unwrap_or_else(|| panic!("template.yaml has no {binary} function"))
}

/// The `Pattern` of the fleet-auditor's one EventBridgeRule event (its CloudTrail rule).
fn central_pattern(template: &Value) -> &Value {
    let (_, auditor) = function_by_binary(template, "fleet-auditor");
    auditor["Properties"]["Events"]
        .as_mapping()
        .and_then(|events| {
            events
                .values()
                .find(|e| e["Type"].as_str() == Some("EventBridgeRule"))
        })
        .map(|e| &e["Properties"]["Pattern"])
        .expect("fleet-auditor has an EventBridgeRule event")
}

/// Every statement of a role's inline policies or of a policy resource, with the
/// condition name when it sits in `!If [condition, statement, NoValue]`.
fn statements(document: &Value) -> Vec<(Option<String>, &Value)> {
    document["Statement"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|statement| match statement {
            Value::Tagged(tagged) if tagged.tag == "If" => {
                let args = tagged.value.as_sequence().expect("!If takes a list");
                (args[0].as_str().map(str::to_owned), &args[1])
            }
            _ => (None, statement),
        })
        .collect()
}

fn inline_statements(role: &Value) -> Vec<(Option<String>, &Value)> {
    role["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| statements(&policy["PolicyDocument"]))
        .collect()
}

/// The AppStream and tagging actions a role's own policies allow.
fn read_actions(role: &Value) -> BTreeSet<String> {
    inline_statements(role)
        .into_iter()
        .flat_map(|(_, statement)| actions(statement))
        .filter(|a| a.starts_with("appstream:") || a.starts_with("tag:"))
        .collect()
}

#[test]
fn member_role_reads_exactly_what_the_functions_read_in_their_own_account() {
    let central = template();
    let member = member_template();
    let mut used = BTreeSet::new();
    for binary in ["fleet-auditor", "session-recorder"] {
        let (id, function) = function_by_binary(&central, binary);
        let (_, role) = intrinsic(&function["Properties"]["Role"])
            .unwrap_or_else(|| panic!("{id}: Role should be !GetAtt <role>.Arn"));
        let role = role.trim_end_matches(".Arn");
        used.extend(read_actions(resource(&central, role)));
    }
    assert!(used.contains("appstream:DescribeFleets"), "{used:?}");

    let role = resource(&member, "MemberRole");
    let granted: BTreeSet<String> = inline_statements(role)
        .into_iter()
        .flat_map(|(_, statement)| actions(statement))
        .collect();
    let missing: Vec<_> = used.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&used).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "member.yaml MemberRole drifted from the functions' own AppStream/tagging reads in \
         template.yaml: used but not granted {missing:?}; granted but not used {extra:?}"
    );
    for action in &granted {
        let verb = action.split(':').nth(1).unwrap_or("");
        assert!(
            ["Describe", "List", "Get"]
                .iter()
                .any(|v| verb.starts_with(v)),
            "member role grants {action}, which is not a read"
        );
    }
    for (_, statement) in inline_statements(role) {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
    }

    // Named by the parameter, created by one region's instance only.
    assert_eq!(
        intrinsic(&role["Properties"]["RoleName"]),
        Some(("Ref".to_owned(), "MemberRoleName".to_owned()))
    );
    let condition = role["Condition"]
        .as_str()
        .expect("MemberRole has a condition");
    let test = format!("{:?}", member["Conditions"][condition]);
    assert!(
        test.contains("AWS::Region") && test.contains("PrimaryRegion"),
        "{condition} should compare AWS::Region with PrimaryRegion: {test}"
    );

    // Only the central function roles may assume it: their path is in the trust.
    let paths: BTreeSet<&str> = ["fleet-auditor", "session-recorder", "compliance-digest"]
        .iter()
        .map(|binary| {
            let (id, function) = function_by_binary(&central, binary);
            let (_, role) = intrinsic(&function["Properties"]["Role"]).expect("Role");
            resource(&central, role.trim_end_matches(".Arn"))["Properties"]["Path"]
                .as_str()
                .unwrap_or_else(|| panic!("{id}'s role has no Path"))
        })
        .collect();
    assert_eq!(
        paths.len(),
        1,
        "the function roles share one path: {paths:?}"
    );
    let path = paths.into_iter().next().unwrap_or_default();
    let trust = statements(&role["Properties"]["AssumeRolePolicyDocument"]);
    assert_eq!(trust.len(), 1, "one trust statement");
    let (_, trust) = trust[0];
    assert_eq!(actions(trust), ["sts:AssumeRole"]);
    let principal = intrinsic(&trust["Principal"]["AWS"]).map(|(_, arn)| arn);
    assert_eq!(
        principal.as_deref(),
        Some("arn:${AWS::Partition}:iam::${CentralAccountId}:root")
    );
    let arn = intrinsic(&trust["Condition"]["ArnLike"]["aws:PrincipalArn"]).map(|(_, a)| a);
    assert_eq!(
        arn,
        Some(format!(
            "arn:${{AWS::Partition}}:iam::${{CentralAccountId}}:role{path}*"
        )),
        "the member trust must name the central function roles' path {path}"
    );
}

#[test]
fn member_rule_forwards_what_the_central_rules_match_to_the_central_bus() {
    let central = template();
    let member = member_template();
    let pattern = central_pattern(&central);
    let forward = &resource(&member, "ForwardApiCalls")["Properties"];
    assert_eq!(
        &forward["EventPattern"], pattern,
        "member.yaml ForwardApiCalls.EventPattern drifted from template.yaml's fleet-auditor \
         ApiCall pattern"
    );
    let on_bus = &resource(&central, "MembersApiCallRule")["Properties"];
    assert_eq!(
        &on_bus["EventPattern"], pattern,
        "template.yaml MembersApiCallRule.EventPattern drifted from the fleet-auditor's \
         ApiCall pattern"
    );

    let targets = forward["Targets"].as_sequence().expect("Targets");
    assert_eq!(targets.len(), 1, "one target: the central bus");
    let bus = "arn:${AWS::Partition}:events:${CentralRegion}:${CentralAccountId}:event-bus/${CentralEventBusName}";
    assert_eq!(
        intrinsic(&targets[0]["Arn"]).map(|(_, a)| a).as_deref(),
        Some(bus)
    );
    // Cross-account (organisation bus policy) and cross-region delivery need a role
    // that may put events on that bus and nothing else.
    let (_, role) = intrinsic(&targets[0]["RoleArn"]).expect("the target has a RoleArn");
    let role = resource(&member, role.trim_end_matches(".Arn"));
    let granted = inline_statements(role);
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert_eq!(actions(granted[0].1), ["events:PutEvents"]);
    assert_eq!(
        intrinsic(&granted[0].1["Resource"])
            .map(|(_, a)| a)
            .as_deref(),
        Some(bus)
    );
    let trust = statements(&role["Properties"]["AssumeRolePolicyDocument"]);
    assert_eq!(
        strings(&trust[0].1["Principal"]["Service"]),
        ["events.amazonaws.com"]
    );
    assert!(
        role["Condition"].is_null(),
        "the forwarding role is needed in every region"
    );

    // The default bus name in member.yaml is the central one for a stack named streamwarden.
    let name = intrinsic(&resource(&central, "MembersEventBus")["Properties"]["Name"])
        .map(|(_, n)| n)
        .expect("MembersEventBus.Name is !Sub");
    assert_eq!(
        name.replace("${AWS::StackName}", "streamwarden"),
        member["Parameters"]["CentralEventBusName"]["Default"]
            .as_str()
            .unwrap_or("")
    );
    assert_eq!(
        member["Parameters"]["MemberRoleName"]["Default"],
        central["Parameters"]["MemberRoleName"]["Default"],
        "MemberRoleName defaults differ between member.yaml and template.yaml"
    );
}

#[test]
fn members_bus_takes_events_from_the_organisation_only_and_feeds_the_fleet_auditor() {
    let template = template();
    let policy = &resource(&template, "MembersEventBusPolicy")["Properties"];
    assert_eq!(
        intrinsic(&policy["EventBusName"]),
        Some(("Ref".to_owned(), "MembersEventBus".to_owned()))
    );
    let statement = &policy["Statement"];
    assert_eq!(statement["Effect"].as_str(), Some("Allow"));
    assert_eq!(actions(statement), ["events:PutEvents"]);
    assert_eq!(
        intrinsic(&statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"]),
        Some(("Ref".to_owned(), "OrganizationId".to_owned())),
        "the members' bus must accept principals of the organisation only"
    );

    let rule = &resource(&template, "MembersApiCallRule")["Properties"];
    assert_eq!(
        intrinsic(&rule["EventBusName"]),
        Some(("Ref".to_owned(), "MembersEventBus".to_owned()))
    );
    let targets = rule["Targets"].as_sequence().expect("Targets");
    assert_eq!(targets.len(), 1);
    let target = &targets[0];
    let (auditor, function) = function_by_binary(&template, "fleet-auditor");
    assert_eq!(
        intrinsic(&target["Arn"]).map(|(_, a)| a),
        Some(format!("{auditor}.Arn"))
    );
    let api_call = function["Properties"]["Events"]
        .as_mapping()
        .and_then(|e| {
            e.values()
                .find(|e| e["Type"].as_str() == Some("EventBridgeRule"))
        })
        .map(|e| &e["Properties"])
        .expect("ApiCall");
    assert_eq!(
        target["RetryPolicy"], api_call["RetryPolicy"],
        "same retries as ApiCall"
    );
    assert_eq!(
        target["DeadLetterConfig"]["Arn"], api_call["DeadLetterConfig"]["Arn"],
        "same dead-letter queue as ApiCall"
    );
    let queue = intrinsic(&target["DeadLetterConfig"]["Arn"])
        .map(|(_, a)| a.trim_end_matches(".Arn").to_owned())
        .expect("DeadLetterConfig.Arn");
    assert!(
        queue_senders(&template)
            .get(&queue)
            .is_some_and(|s| s.contains("MembersApiCallRule")),
        "the queue policy of {queue} does not let MembersApiCallRule send to it"
    );
    let invoke = of_type(&template, "AWS::Lambda::Permission")
        .into_iter()
        .any(|(_, p)| {
            intrinsic(&p["Properties"]["SourceArn"]).map(|(_, a)| a)
                == Some("MembersApiCallRule.Arn".to_owned())
                && intrinsic(&p["Properties"]["FunctionName"]).map(|(_, f)| f)
                    == Some(auditor.to_owned())
        });
    assert!(
        invoke,
        "no AWS::Lambda::Permission lets MembersApiCallRule invoke {auditor}"
    );
}

/// The queue an environment variable's `!If [GovernsMembers, !Ref Queue, ""]` names.
fn queue_of_variable(template: &Value, variable: &str) -> String {
    let value = &template["Globals"]["Function"]["Environment"]["Variables"][variable];
    intrinsic(then_branch(value))
        .filter(|(kind, _)| kind == "Ref")
        .map(|(_, queue)| queue)
        .unwrap_or_else(|| panic!("{variable} should be !If [GovernsMembers, !Ref <queue>, \"\"]"))
}

/// (resource ID, statement) of every policy statement attached to a role: its inline
/// policies and the `AWS::IAM::Policy` resources naming it.
fn role_statements<'a>(template: &'a Value, role: &str) -> Vec<(String, &'a Value)> {
    let mut found: Vec<(String, &Value)> = inline_statements(resource(template, role))
        .into_iter()
        .map(|(_, s)| (role.to_owned(), s))
        .collect();
    for (id, policy) in of_type(template, "AWS::IAM::Policy") {
        let roles: Vec<String> = policy["Properties"]["Roles"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(intrinsic)
            .map(|(_, r)| r)
            .collect();
        if roles.iter().any(|r| r == role) {
            found.extend(
                statements(&policy["Properties"]["PolicyDocument"])
                    .into_iter()
                    .map(|(_, s)| (id.to_owned(), s)),
            );
        }
    }
    found
}

#[test]
fn fan_out_queues_feed_their_function_one_unit_at_a_time_with_a_dead_letter_queue() {
    let template = template();
    let concurrency = &template["Parameters"]["FanOutConcurrency"];
    assert_eq!(
        (
            concurrency["Type"].as_str(),
            concurrency["MinValue"].as_u64(),
            concurrency["MaxValue"].as_u64()
        ),
        (Some("Number"), Some(2), Some(1000)),
        "FanOutConcurrency: Lambda's MaximumConcurrency takes 2..=1000"
    );
    let mappings = of_type(&template, "AWS::Lambda::EventSourceMapping");
    let mut consumed = BTreeSet::new();
    for (binary, variable) in [
        ("fleet-auditor", "STREAMWARDEN_SWEEP_QUEUE_URL"),
        ("session-recorder", "STREAMWARDEN_POLL_QUEUE_URL"),
    ] {
        let (function_id, function) = function_by_binary(&template, binary);
        let queue = queue_of_variable(&template, variable);
        let queue_arn = format!("{queue}.Arn");
        let found: Vec<_> = mappings
            .iter()
            .filter(|(_, m)| {
                intrinsic(&m["Properties"]["EventSourceArn"])
                    .map(|(_, a)| a)
                    .as_ref()
                    == Some(&queue_arn)
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one event source mapping reads {queue} ({variable})"
        );
        let (id, mapping) = found[0];
        let props = &mapping["Properties"];
        assert_eq!(
            intrinsic(&props["FunctionName"]).map(|(_, f)| f).as_deref(),
            Some(function_id),
            "{id}: {queue} is {binary}'s own queue"
        );
        assert_eq!(
            strings(&props["FunctionResponseTypes"]),
            ["ReportBatchItemFailures"],
            "{id}: partial batch responses"
        );
        assert_eq!(
            props["BatchSize"].as_u64(),
            Some(1),
            "{id}: one (account, region) per invocation"
        );
        assert_eq!(
            intrinsic(&props["ScalingConfig"]["MaximumConcurrency"]),
            Some(("Ref".to_owned(), "FanOutConcurrency".to_owned())),
            "{id}: ScalingConfig.MaximumConcurrency"
        );
        consumed.insert(queue.clone());

        let queue_props = &resource(&template, &queue)["Properties"];
        let timeout = function["Properties"]["Timeout"]
            .as_u64()
            .expect("function Timeout");
        let visibility = queue_props["VisibilityTimeout"].as_u64().unwrap_or(30);
        assert!(
            visibility >= 6 * timeout,
            "{queue}.VisibilityTimeout {visibility} s: at least 6x {function_id}'s {timeout} s"
        );
        assert_eq!(queue_props["SqsManagedSseEnabled"].as_bool(), Some(true));
        let redrive = &queue_props["RedrivePolicy"];
        let receives = redrive["maxReceiveCount"].as_u64();
        assert!(
            receives.is_some_and(|n| (1..=5).contains(&n)),
            "{queue}: RedrivePolicy.maxReceiveCount {receives:?}"
        );
        let dead = intrinsic(&redrive["deadLetterTargetArn"])
            .map(|(_, a)| a.trim_end_matches(".Arn").to_owned())
            .unwrap_or_else(|| panic!("{queue}: RedrivePolicy.deadLetterTargetArn"));
        let dead_props = &resource(&template, &dead)["Properties"];
        assert_eq!(
            dead_props["MessageRetentionPeriod"].as_u64(),
            Some(1_209_600)
        );
        assert_eq!(dead_props["SqsManagedSseEnabled"].as_bool(), Some(true));
        let alarmed = of_type(&template, "AWS::CloudWatch::Alarm")
            .into_iter()
            .any(|(_, a)| {
                let p = &a["Properties"];
                p["MetricName"].as_str() == Some("ApproximateNumberOfMessagesVisible")
                    && intrinsic(&p["Dimensions"][0]["Value"]).map(|(_, q)| q)
                        == Some(format!("{dead}.QueueName"))
                    && p["AlarmActions"].as_sequence().is_some_and(|a| {
                        a.iter()
                            .filter_map(intrinsic)
                            .any(|(_, t)| t == "AlertTopic")
                    })
            });
        assert!(
            alarmed,
            "no alarm on {dead}'s visible messages to AlertTopic"
        );

        // The scheduler sends to and consumes its own queue, and nothing else does.
        let role = intrinsic(&function["Properties"]["Role"])
            .map(|(_, r)| r.trim_end_matches(".Arn").to_owned())
            .expect("Role");
        let on_queue: BTreeSet<String> = role_statements(&template, &role)
            .into_iter()
            .filter(|(_, s)| intrinsic(&s["Resource"]).map(|(_, a)| a).as_ref() == Some(&queue_arn))
            .flat_map(|(_, s)| actions(s))
            .collect();
        let wanted: BTreeSet<String> = [
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(on_queue, wanted, "{role} on {queue}");
        for (other, _) in of_type(&template, "AWS::IAM::Role") {
            if other == role {
                continue;
            }
            let grants = role_statements(&template, other).into_iter().any(|(_, s)| {
                intrinsic(&s["Resource"]).map(|(_, a)| a).as_ref() == Some(&queue_arn)
            });
            assert!(
                !grants,
                "{other} has permissions on {queue}, {role}'s queue"
            );
        }
    }
    assert_eq!(
        consumed.len(),
        2,
        "the sweep and the poll have separate queues"
    );
    assert_eq!(mappings.len(), 2, "no other event source mapping");
}

/// Logical IDs a value refers to (`!Ref`, `!GetAtt`, `${...}` in `!Sub`), except inside
/// `!If` on an organisation condition.
fn references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            match tag.trim_start_matches('!') {
                "If" => {
                    let args = tagged.value.as_sequence().expect("!If takes a list");
                    if !ORG_CONDITIONS.contains(&args[0].as_str().unwrap_or("")) {
                        references(&tagged.value, found);
                    }
                }
                "Ref" | "GetAtt" => {
                    if let Some(name) = tagged.value.as_str() {
                        found.insert(name.split('.').next().unwrap_or(name).to_owned());
                    }
                }
                "Sub" => {
                    let text = match &tagged.value {
                        Value::Sequence(parts) => parts.first().and_then(Value::as_str),
                        other => other.as_str(),
                    };
                    for piece in text.unwrap_or("").split("${").skip(1) {
                        let name = piece.split('}').next().unwrap_or("");
                        found.insert(name.split('.').next().unwrap_or(name).to_owned());
                    }
                    references(&tagged.value, found);
                }
                _ => references(&tagged.value, found),
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| references(i, found)),
        Value::Mapping(map) => map.values().for_each(|v| references(v, found)),
        _ => {}
    }
}

fn is_org(thing: &Value) -> bool {
    thing["Condition"]
        .as_str()
        .is_some_and(|c| ORG_CONDITIONS.contains(&c))
}

#[test]
fn organisation_resources_exist_only_with_member_accounts() {
    let template = template();
    let conditions = &template["Conditions"];
    let governs = format!("{:?}", conditions["GovernsMembers"]);
    assert!(
        governs.contains("Not") && governs.contains("MemberAccounts"),
        "GovernsMembers should be MemberAccounts != \"\": {governs}"
    );
    let discovers = format!("{:?}", conditions["DiscoversAccounts"]);
    assert!(
        discovers.contains("MemberAccounts") && discovers.contains("organization"),
        "DiscoversAccounts should be MemberAccounts == organization: {discovers}"
    );
    let rules = format!("{:?}", template["Rules"]);
    assert!(
        rules.contains("OrganizationId") && rules.contains("MemberAccounts"),
        "a Rules assertion must require OrganizationId with MemberAccounts: {rules}"
    );

    let org: BTreeSet<String> = resources(&template)
        .iter()
        .filter(|(_, r)| is_org(r))
        .filter_map(|(id, _)| id.as_str().map(str::to_owned))
        .collect();
    for id in [
        "MembersEventBus",
        "MembersEventBusPolicy",
        "MembersApiCallRule",
        "MembersApiCallPermission",
        "OrganizationsDiscoveryPolicy",
    ] {
        assert!(
            org.contains(id),
            "{id} should carry an organisation condition"
        );
    }
    // Kinds only organisation mode has; queues other than the functions' own
    // dead-letter queues are fan-out queues.
    let on_failure: BTreeSet<String> = of_type(&template, FUNCTION)
        .into_iter()
        .filter_map(|(_, f)| {
            intrinsic(
                &f["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
                    ["Destination"],
            )
        })
        .map(|(_, arn)| arn.trim_end_matches(".Arn").to_owned())
        .collect();
    for (id, r) in resources(&template) {
        let id = id.as_str().unwrap_or("?");
        let kind = r["Type"].as_str().unwrap_or("");
        let org_only = matches!(
            kind,
            "AWS::Events::EventBus"
                | "AWS::Events::EventBusPolicy"
                | "AWS::Lambda::EventSourceMapping"
        ) || (kind == "AWS::SQS::Queue" && !on_failure.contains(id));
        assert!(
            !org_only || is_org(r),
            "{id} ({kind}) exists only in organisation mode: give it Condition: GovernsMembers"
        );
    }

    // Whatever refers to an organisation resource or parameter carries the condition
    // too, or refers to it only inside `!If [GovernsMembers, ...]`.
    let org_only: BTreeSet<String> = org
        .iter()
        .cloned()
        .chain(ORG_PARAMETERS.iter().map(|p| (*p).to_owned()))
        .collect();
    let mut places: Vec<(String, &Value)> = resources(&template)
        .iter()
        .map(|(id, r)| (format!("Resources.{}", id.as_str().unwrap_or("?")), r))
        .collect();
    if let Some(outputs) = template["Outputs"].as_mapping() {
        places.extend(
            outputs
                .iter()
                .map(|(id, o)| (format!("Outputs.{}", id.as_str().unwrap_or("?")), o)),
        );
    }
    places.push(("Globals".to_owned(), &template["Globals"]));
    for (place, thing) in places {
        if is_org(thing) {
            continue;
        }
        let mut used = BTreeSet::new();
        references(thing, &mut used);
        let leaked: Vec<_> = used.intersection(&org_only).collect();
        assert!(
            leaked.is_empty(),
            "{place} refers to {leaked:?} outside the organisation condition: a single-account \
             deployment would not have them"
        );
    }

    // Organisation permissions: only in organisation resources; Organizations only
    // with discovery.
    for (id, r) in resources(&template) {
        let id = id.as_str().unwrap_or("?");
        let documents: Vec<&Value> = match r["Type"].as_str() {
            Some("AWS::IAM::Policy") => vec![&r["Properties"]["PolicyDocument"]],
            Some("AWS::IAM::Role") => r["Properties"]["Policies"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(|p| &p["PolicyDocument"])
                .collect(),
            _ => continue,
        };
        for (guard, statement) in documents.into_iter().flat_map(statements) {
            let guarded = is_org(r)
                || guard
                    .as_deref()
                    .is_some_and(|g| ORG_CONDITIONS.contains(&g));
            for action in actions(statement) {
                let member_only = action == "sts:AssumeRole"
                    || action.starts_with("organizations:")
                    || action == "sqs:ReceiveMessage";
                assert!(
                    !member_only || guarded,
                    "{id} allows {action} without the organisation condition"
                );
                if action.starts_with("organizations:") {
                    assert!(
                        r["Condition"].as_str() == Some("DiscoversAccounts")
                            || guard.as_deref() == Some("DiscoversAccounts"),
                        "{id}: {action} only with MemberAccounts=organization"
                    );
                }
                if action == "sts:AssumeRole" {
                    assert_eq!(
                        intrinsic(&statement["Condition"]["StringEquals"]["aws:ResourceOrgID"]),
                        Some(("Ref".to_owned(), "OrganizationId".to_owned())),
                        "{id}: member roles of the organisation only"
                    );
                }
            }
        }
    }
}

#[test]
fn organisation_settings_reach_every_function_and_are_empty_without_members() {
    let template = template();
    let vars = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(
        intrinsic(&vars["STREAMWARDEN_ACCOUNTS"]),
        Some(("Ref".to_owned(), "MemberAccounts".to_owned()))
    );
    assert_eq!(
        intrinsic(&vars["STREAMWARDEN_ORGANIZATIONAL_UNITS"]),
        Some(("Ref".to_owned(), "OrganizationalUnits".to_owned()))
    );
    for (variable, value) in [
        ("STREAMWARDEN_MEMBER_ROLE", "MemberRoleName"),
        ("STREAMWARDEN_SWEEP_QUEUE_URL", "SweepQueue"),
        ("STREAMWARDEN_POLL_QUEUE_URL", "PollQueue"),
    ] {
        let Value::Tagged(tagged) = &vars[variable] else {
            panic!("{variable} should be !If [GovernsMembers, ..., \"\"]");
        };
        assert_eq!(
            tagged.tag.to_string().trim_start_matches('!'),
            "If",
            "{variable}"
        );
        let args = tagged.value.as_sequence().expect("!If takes a list");
        assert_eq!(args[0].as_str(), Some("GovernsMembers"), "{variable}");
        assert_eq!(
            intrinsic(&args[1]),
            Some(("Ref".to_owned(), value.to_owned())),
            "{variable}"
        );
        assert_eq!(
            args[2].as_str(),
            Some(""),
            "{variable}: empty without members"
        );
    }
    // The single-account default: no members, so config.rs sees none of them set.
    let parameters = &template["Parameters"];
    assert_eq!(parameters["MemberAccounts"]["Default"].as_str(), Some(""));
    assert_eq!(
        parameters["OrganizationalUnits"]["Default"].as_str(),
        Some("")
    );
    let group = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|g| g["Label"]["default"].as_str() == Some("Organisation"))
        .expect("an Organisation parameter group");
    let mut listed = strings(&group["Parameters"]);
    listed.sort();
    let mut wanted: Vec<String> = ORG_PARAMETERS
        .iter()
        .chain(&["MemberAccounts", "OrganizationalUnits"])
        .map(|p| (*p).to_owned())
        .collect();
    wanted.sort();
    assert_eq!(listed, wanted);

    let deploy =
        std::fs::read_to_string(workspace().join("docs/deploy.md")).expect("docs/deploy.md");
    for name in DEPLOYED {
        assert!(
            deploy.contains(&format!("`{name}`")),
            "docs/deploy.md's settings table does not mention `{name}`"
        );
    }
}
