//! The whole local stack: the table has the keys `template.yaml` declares, alerts published
//! to the topic reach the inbox, a child process with nothing but `env()` reaches every
//! part in the stack's region, and dropping the stack stops every part.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use streamwarden_harness::{LocalStack, StackOptions, python};

#[tokio::test]
async fn the_table_is_the_templates_and_the_inbox_receives_what_the_topic_publishes() {
    let stack = LocalStack::start().await;
    let table = stack
        .dynamodb()
        .describe_table()
        .table_name(stack.table())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    // Keys and indexes as template.yaml declares them (its TTL: see tests/moto.rs).
    let mut keys: Vec<String> = table
        .key_schema()
        .iter()
        .map(|k| format!("{} {}", k.attribute_name(), k.key_type()))
        .collect();
    for index in table.global_secondary_indexes() {
        for k in index.key_schema() {
            let name = index.index_name().unwrap();
            keys.push(format!("{name} {} {}", k.attribute_name(), k.key_type()));
        }
    }
    keys.sort();
    let mut expected = vec!["PK HASH".to_owned(), "SK RANGE".to_owned()];
    for n in 1..=4 {
        expected.push(format!("gsi{n} GSI{n}PK HASH"));
        expected.push(format!("gsi{n} GSI{n}SK RANGE"));
    }
    assert_eq!(keys, expected);

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
    let stack = LocalStack::start_with(StackOptions {
        region: "eu-west-1".into(),
        scenario: json!({"Fleets": [{"Name": "kiosk", "State": "RUNNING"}]}),
        table: "sw".into(),
        ..StackOptions::default()
    })
    .await;
    assert!(stack.topic_arn().starts_with("arn:aws:sns:eu-west-1:"));
    // boto3 from .venv honours the same standard variables as the Rust SDK.
    let script = "import os, boto3\n\
                  env = os.environ\n\
                  print(env['AWS_REGION'], env['STREAMWARDEN_REGIONS'])\n\
                  tables = boto3.client('dynamodb').list_tables()['TableNames']\n\
                  print(tables == [env['STREAMWARDEN_TABLE']])\n\
                  topics = boto3.client('sns').list_topics()['Topics']\n\
                  print([t['TopicArn'] == env['STREAMWARDEN_TOPIC_ARN'] for t in topics])\n\
                  queues = boto3.client('sqs').list_queues()['QueueUrls']\n\
                  print(len(queues))\n\
                  fleets = boto3.client('appstream').describe_fleets()['Fleets']\n\
                  print([f['Name'] for f in fleets])";
    assert_eq!(
        python(script, stack.env()),
        "eu-west-1 eu-west-1\nTrue\n[True]\n1\n['kiosk']\n"
    );
}

#[tokio::test]
async fn a_table_not_created_is_named_but_not_there() {
    let stack = LocalStack::start_with(StackOptions {
        create_table: false,
        ..StackOptions::default()
    })
    .await;
    let tables = stack.dynamodb().list_tables().send().await.unwrap();
    assert!(tables.table_names().is_empty(), "{tables:?}");
    assert!(
        stack
            .env()
            .contains(&("STREAMWARDEN_TABLE".into(), stack.table().into()))
    );
}

fn closed(url: &str) -> bool {
    let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
}

#[tokio::test]
async fn the_proxy_fronts_dynamodb_for_the_code_under_test_and_drop_stops_every_part() {
    let stack = LocalStack::start_with(StackOptions {
        ddb_fault_proxy: true,
        ..StackOptions::default()
    })
    .await;
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
