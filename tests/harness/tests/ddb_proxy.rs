//! The DynamoDB fault-injecting proxy against a real moto, through the real SDK: partial
//! `BatchWriteItem` results, throttling the SDK retries through, throttling that outlasts
//! the SDK's attempts, and plain forwarding of everything else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, Select, WriteRequest};
use streamwarden_harness::{LocalStack, StackOptions, TABLE, python};

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn item(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn put_request(pk: &str, sk: &str) -> WriteRequest {
    let put = PutRequest::builder()
        .set_item(Some(item(pk, sk)))
        .build()
        .unwrap();
    WriteRequest::builder().put_request(put).build()
}

/// A stack whose table is reached through the fault proxy (created through it, too).
async fn start() -> LocalStack {
    LocalStack::start_with(StackOptions {
        ddb_fault_proxy: true,
        ..StackOptions::default()
    })
    .await
}

/// Items under `pk`, counted by moto itself (not through the proxy).
async fn count_in_moto(stack: &LocalStack, pk: &str) -> i32 {
    stack
        .dynamodb()
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s(pk))
        .select(Select::Count)
        .send()
        .await
        .expect("Query count directly on moto")
        .count()
}

/// The `SK` of each put in `requests`, in order.
fn sort_keys(requests: &[WriteRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let item = r.put_request().expect("a put request").item();
            item["SK"].as_s().unwrap().clone()
        })
        .collect()
}

#[tokio::test]
async fn batch_writes_come_back_unprocessed_and_throttling_is_retried_or_surfaced() {
    let stack = start().await;
    let proxy = stack.ddb_proxy().unwrap();
    assert_eq!(proxy.upstream(), stack.moto().url());
    let db = stack.dynamodb_under_test();
    assert_eq!(proxy.stats().requests_for("CreateTable"), 1);

    // (1) 25 puts, 10 kept: 15 come back unprocessed, in request order, and moto has 10.
    proxy.unprocess_batch_writes(1, 10);
    let requests: Vec<WriteRequest> = (0..25)
        .map(|i| put_request("BATCH", &format!("{i:02}")))
        .collect();
    let batch = db
        .batch_write_item()
        .request_items(TABLE, requests)
        .send()
        .await
        .expect("BatchWriteItem through the proxy");
    let unprocessed = batch.unprocessed_items().expect("UnprocessedItems");
    assert_eq!(unprocessed.len(), 1, "{unprocessed:?}");
    let unprocessed = unprocessed[TABLE].clone();
    let expected: Vec<String> = (10..25).map(|i| format!("{i:02}")).collect();
    assert_eq!(sort_keys(&unprocessed), expected);
    assert_eq!(count_in_moto(&stack, "BATCH").await, 10);
    let stats = proxy.stats();
    assert_eq!(stats.unprocessed_items, 15);
    assert_eq!(stats.batch_write_requests_forwarded, 10);
    assert_eq!(stats.requests_for("BatchWriteItem"), 1);

    // The fault was for one call: resending the unprocessed items writes them all.
    let retry = db
        .batch_write_item()
        .request_items(TABLE, unprocessed)
        .send()
        .await
        .expect("BatchWriteItem of the unprocessed items");
    assert!(retry.unprocessed_items().is_none_or(HashMap::is_empty));
    assert_eq!(count_in_moto(&stack, "BATCH").await, 25);
    let stats = proxy.stats();
    assert_eq!(stats.unprocessed_items, 15);
    assert_eq!(stats.batch_write_requests_forwarded, 25);

    // (2) Two throttled attempts: the SDK's standard retry gets through on the third.
    proxy.throttle("PutItem", 2);
    db.put_item()
        .table_name(TABLE)
        .set_item(Some(item("PUT", "retried")))
        .send()
        .await
        .expect("PutItem retried through throttling");
    let stats = proxy.stats();
    assert_eq!(stats.throttled, 2);
    assert_eq!(stats.requests_for("PutItem"), 3);
    assert_eq!(count_in_moto(&stack, "PUT").await, 1);

    // (3) Throttled for longer than the SDK tries: the error reaches the caller.
    let max_attempts = RetryConfig::standard().max_attempts();
    proxy.throttle("PutItem", max_attempts as usize + 5);
    let err = db
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item("PUT", "given-up")))
        .send()
        .await
        .expect_err("PutItem must fail when every attempt is throttled");
    assert_eq!(err.code(), Some("ProvisionedThroughputExceededException"));
    let service_error = err.into_service_error();
    assert!(
        matches!(
            service_error,
            PutItemError::ProvisionedThroughputExceededException(_)
        ),
        "{service_error:?}"
    );
    let stats = proxy.stats();
    assert_eq!(stats.throttled, 2 + max_attempts as usize);
    assert_eq!(stats.requests_for("PutItem"), 3 + max_attempts as usize);
    assert_eq!(count_in_moto(&stack, "PUT").await, 1);

    // Disarmed, PutItem is forwarded again.
    proxy.clear_faults();
    db.put_item()
        .table_name(TABLE)
        .set_item(Some(item("PUT", "after")))
        .send()
        .await
        .expect("PutItem after clear_faults");
    assert_eq!(count_in_moto(&stack, "PUT").await, 2);
}

#[tokio::test]
async fn other_faults_and_plain_forwarding() {
    let stack = start().await;
    let proxy = stack.ddb_proxy().unwrap();
    let db = stack.dynamodb_under_test();

    // Nothing armed: moto's own errors come through as they are.
    let put = || {
        db.put_item()
            .table_name(TABLE)
            .set_item(Some(item("COND", "1")))
            .condition_expression("attribute_not_exists(PK)")
    };
    put().send().await.expect("first conditional put");
    let err = put().send().await.expect_err("second conditional put");
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));

    // keep = 0: nothing reaches moto, every write request comes back.
    proxy.unprocess_batch_writes(1, 0);
    let batch = db
        .batch_write_item()
        .request_items(
            TABLE,
            vec![put_request("NONE", "a"), put_request("NONE", "b")],
        )
        .send()
        .await
        .expect("BatchWriteItem with nothing kept");
    let unprocessed = &batch.unprocessed_items().expect("UnprocessedItems")[TABLE];
    assert_eq!(sort_keys(unprocessed), ["a", "b"]);
    assert_eq!(count_in_moto(&stack, "NONE").await, 0);

    // A batch no bigger than `keep` goes through whole.
    proxy.unprocess_batch_writes(1, 5);
    let batch = db
        .batch_write_item()
        .request_items(TABLE, vec![put_request("SMALL", "a")])
        .send()
        .await
        .expect("small BatchWriteItem");
    assert!(batch.unprocessed_items().is_none_or(HashMap::is_empty));
    assert_eq!(count_in_moto(&stack, "SMALL").await, 1);

    // "*" with ThrottlingException: a Query is retried through it.
    proxy.throttle_with("*", 1, "ThrottlingException");
    let query = db
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s("SMALL"))
        .send()
        .await
        .expect("Query retried through ThrottlingException");
    assert_eq!(query.count(), 1);
    let stats = proxy.stats();
    assert_eq!(stats.throttled, 1);
    assert_eq!(stats.requests_for("Query"), 2);
    assert_eq!(stats.unprocessed_items, 2);
    assert_eq!(stats.batch_write_requests_forwarded, 1);

    // Drop stops the server.
    let addr: SocketAddr = proxy.url().trim_start_matches("http://").parse().unwrap();
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    drop(stack);
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "proxy port {} still open after drop",
        addr.port()
    );
}

#[tokio::test]
async fn a_child_process_reaches_the_proxy_through_its_environment() {
    let stack = start().await;
    let proxy = stack.ddb_proxy().unwrap();
    assert_eq!(
        proxy.env(),
        ("AWS_ENDPOINT_URL_DYNAMODB".to_owned(), proxy.url())
    );

    // boto3 (legacy retry mode, its default) checks DynamoDB's x-amz-crc32 header, so
    // this also proves the header is recomputed for a rewritten body; it retries the
    // throttled call.
    proxy.unprocess_batch_writes(1, 1);
    proxy.throttle("DescribeTable", 1);
    let script = format!(
        "import boto3\n\
         db = boto3.client('dynamodb')\n\
         puts = [{{'PutRequest': {{'Item': {{'PK': {{'S': 'PY'}}, 'SK': {{'S': sk}}}}}}}} for sk in 'abc']\n\
         out = db.batch_write_item(RequestItems={{'{TABLE}': puts}})\n\
         print([r['PutRequest']['Item']['SK']['S'] for r in out['UnprocessedItems']['{TABLE}']])\n\
         print(db.describe_table(TableName='{TABLE}')['Table']['TableName'])"
    );
    assert_eq!(
        python(&script, stack.env()),
        format!("['b', 'c']\n{TABLE}\n")
    );
    assert_eq!(count_in_moto(&stack, "PY").await, 1);
    let stats = proxy.stats();
    assert_eq!(stats.throttled, 1);
    assert_eq!(stats.unprocessed_items, 2);
    assert_eq!(stats.requests_for("DescribeTable"), 2);
}
