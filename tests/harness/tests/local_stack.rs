//! The whole local stack: the table is the one `template.yaml` declares, alerts published
//! to the topic reach the inbox, a child process with nothing but `env()` reaches every
//! part in the stack's region, and dropping the stack stops every part.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use streamwarden_harness::{LocalStack, python, repo_root};

/// (index name, hash key, range key) of every global secondary index of the template's
/// table, and its TTL attribute, read from `template.yaml` independently of the harness.
fn template_table() -> (Vec<(String, String, String)>, String) {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let template: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let table = &template["Resources"]["Table"]["Properties"];
    let mut indexes: Vec<(String, String, String)> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| {
            let keys = i["KeySchema"].as_sequence().unwrap();
            let name = |k: usize| keys[k]["AttributeName"].as_str().unwrap().to_owned();
            (
                i["IndexName"].as_str().unwrap().to_owned(),
                name(0),
                name(1),
            )
        })
        .collect();
    indexes.sort();
    let ttl = table["TimeToLiveSpecification"]["AttributeName"]
        .as_str()
        .unwrap()
        .to_owned();
    (indexes, ttl)
}

#[tokio::test]
async fn the_table_is_the_templates_and_the_inbox_receives_what_the_topic_publishes() {
    let stack = LocalStack::start().await;
    let db = stack.dynamodb();
    let table = db
        .describe_table()
        .table_name(stack.table())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys: Vec<(&str, &str)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, [("PK", "HASH"), ("SK", "RANGE")]);
    let mut indexes: Vec<(String, String, String)> = table
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            let keys = i.key_schema();
            (
                i.index_name().unwrap().to_owned(),
                keys[0].attribute_name().to_owned(),
                keys[1].attribute_name().to_owned(),
            )
        })
        .collect();
    indexes.sort();
    let (expected_indexes, expected_ttl) = template_table();
    assert_eq!(indexes, expected_indexes);
    assert_eq!(indexes.len(), 4);
    let ttl = db
        .describe_time_to_live()
        .table_name(stack.table())
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(expected_ttl.as_str()));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );

    stack
        .sns()
        .publish()
        .topic_arn(stack.topic_arn())
        .subject("kiosk")
        .message("opened")
        .send()
        .await
        .unwrap();
    let got = stack
        .inbox()
        .receive_at_least(1, Duration::from_secs(5))
        .await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        (got[0].subject.as_deref(), got[0].message.as_str()),
        (Some("kiosk"), "opened")
    );
    assert_eq!(got[0].topic_arn, stack.topic_arn());
}

#[tokio::test]
async fn a_child_process_with_only_env_reaches_every_part_in_the_stacks_region() {
    let stack = LocalStack::builder()
        .region("eu-west-1")
        .table("sw")
        .topic("audit")
        .scenario(json!({"Fleets": [{"Name": "kiosk", "State": "RUNNING"}]}))
        .start()
        .await;
    assert!(
        stack.topic_arn().starts_with("arn:aws:sns:eu-west-1:"),
        "{}",
        stack.topic_arn()
    );
    let env: BTreeMap<String, String> = stack.env().into_iter().collect();
    for (name, value) in [
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("STREAMWARDEN_REGIONS", "eu-west-1"),
        ("STREAMWARDEN_TABLE", "sw"),
        ("STREAMWARDEN_TOPIC_ARN", stack.topic_arn()),
        ("AWS_ENDPOINT_URL_DYNAMODB", stack.moto().url()),
        ("AWS_ENDPOINT_URL_SNS", stack.moto().url()),
        ("AWS_ENDPOINT_URL_SQS", stack.moto().url()),
        ("AWS_ENDPOINT_URL_APPSTREAM", &stack.appstream().url()),
    ] {
        assert_eq!(env.get(name).map(String::as_str), Some(value), "{name}");
    }

    // boto3 from .venv honours the same standard variables as the Rust SDK.
    let script = "import os, boto3\n\
                  print(boto3.client('dynamodb').list_tables()['TableNames'])\n\
                  topics = boto3.client('sns').list_topics()['Topics']\n\
                  print([t['TopicArn'] == os.environ['STREAMWARDEN_TOPIC_ARN'] for t in topics])\n\
                  fleets = boto3.client('appstream').describe_fleets()['Fleets']\n\
                  print([f['Name'] for f in fleets])";
    assert_eq!(python(script, stack.env()), "['sw']\n[True]\n['kiosk']\n");
}

#[tokio::test]
async fn without_table_the_table_is_named_but_not_there_and_without_moto_only_appstream_runs() {
    let stack = LocalStack::builder()
        .table("sw")
        .without_table()
        .start()
        .await;
    let tables = stack.dynamodb().list_tables().send().await.unwrap();
    assert!(tables.table_names().is_empty(), "{tables:?}");
    assert!(
        stack
            .env()
            .contains(&("STREAMWARDEN_TABLE".into(), "sw".into()))
    );

    let alone = LocalStack::builder().without_moto().start().await;
    let names: Vec<String> = alone.env().into_iter().map(|(k, _)| k).collect();
    assert!(names.contains(&"AWS_ENDPOINT_URL_APPSTREAM".to_owned()));
    for absent in [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SNS",
        "STREAMWARDEN_TABLE",
        "STREAMWARDEN_TOPIC_ARN",
    ] {
        assert!(!names.iter().any(|n| n == absent), "{absent} in {names:?}");
    }
    let no_moto = std::panic::catch_unwind(AssertUnwindSafe(|| alone.topic_arn().to_owned()));
    assert!(no_moto.is_err(), "topic_arn() without moto must panic");
}

fn closed(url: &str) -> bool {
    let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
}

#[tokio::test]
async fn the_proxy_fronts_dynamodb_for_the_code_under_test_and_drop_stops_every_part() {
    let stack = LocalStack::builder().with_ddb_fault_proxy().start().await;
    let proxy = stack.ddb_proxy().unwrap();
    assert_eq!(
        proxy.stats().requests_for("CreateTable"),
        1,
        "made through it"
    );
    let env: BTreeMap<String, String> = stack.env().into_iter().collect();
    assert_eq!(env["AWS_ENDPOINT_URL_DYNAMODB"], proxy.url());

    proxy.throttle("ListTables", 1);
    let listed = stack
        .dynamodb_under_test()
        .list_tables()
        .send()
        .await
        .unwrap();
    assert_eq!(listed.table_names(), [stack.table()]);
    assert_eq!(proxy.stats().throttled, 1, "retried through the proxy");
    stack.dynamodb().list_tables().send().await.unwrap();
    assert_eq!(
        proxy.stats().requests_for("ListTables"),
        2,
        "dynamodb() goes straight to moto"
    );

    let urls = [
        stack.moto().url().to_owned(),
        proxy.url(),
        stack.appstream().url(),
    ];
    let pid = stack.moto().pid();
    drop(stack);
    for url in &urls {
        assert!(closed(url), "{url} still answers after drop");
    }
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "moto_server pid {pid} still exists after drop"
    );
}
