//! The local stack seen through the real SDKs: moto's DynamoDB (conditional writes,
//! queries, batch writes, TTL), SNS -> SQS delivery as a subscriber sees it, and the
//! harness's process handling (parallel servers, shutdown on drop).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, PutRequest, TimeToLiveSpecification, TimeToLiveStatus, WriteRequest,
};
use aws_sdk_sns::types::MessageAttributeValue;
use streamwarden_harness::{LocalStack, Moto, create_table};

const TABLE: &str = "streamwarden-test";

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn finding(fleet: &str, at: &str, rule: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("PK".to_owned(), s(&format!("FLEET#{fleet}"))),
        ("SK".to_owned(), s(&format!("FINDING#{at}"))),
        ("GSI1PK".to_owned(), s(&format!("RULE#{rule}"))),
        ("GSI1SK".to_owned(), s(at)),
        ("rule".to_owned(), s(rule)),
    ])
}

#[tokio::test]
async fn dynamodb_tables_conditional_writes_queries_batches_and_ttl_work() {
    let started = Instant::now();
    let moto = Moto::start();
    eprintln!("Moto::start() took {:?}", started.elapsed());
    let db = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    create_table(&db, TABLE).await;

    // A conditional put succeeds once, then fails with the modelled error.
    let put = || {
        db.put_item()
            .table_name(TABLE)
            .set_item(Some(finding("f1", "2026-11-27T09:00:00Z", "R1")))
            .condition_expression("attribute_not_exists(PK)")
    };
    put().send().await.expect("first conditional put");
    let err = put()
        .send()
        .await
        .expect_err("second conditional put must fail");
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
    let service_error = err.into_service_error();
    assert!(
        matches!(
            service_error,
            PutItemError::ConditionalCheckFailedException(_)
        ),
        "expected ConditionalCheckFailedException, got {service_error:?}"
    );

    // begins_with on the sort key, newest first.
    for at in ["2026-11-27T08:00:00Z", "2026-11-27T10:00:00Z"] {
        db.put_item()
            .table_name(TABLE)
            .set_item(Some(finding("f1", at, "R2")))
            .send()
            .await
            .expect("put finding");
    }
    db.put_item()
        .table_name(TABLE)
        .item("PK", s("FLEET#f1"))
        .item("SK", s("META"))
        .send()
        .await
        .expect("put meta");
    let newest_first = db
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .expression_attribute_values(":pk", s("FLEET#f1"))
        .expression_attribute_values(":prefix", s("FINDING#"))
        .scan_index_forward(false)
        .send()
        .await
        .expect("Query");
    let sort_keys: Vec<&str> = newest_first
        .items()
        .iter()
        .filter_map(|item| item.get("SK")?.as_s().ok().map(String::as_str))
        .collect();
    assert_eq!(
        sort_keys,
        [
            "FINDING#2026-11-27T10:00:00Z",
            "FINDING#2026-11-27T09:00:00Z",
            "FINDING#2026-11-27T08:00:00Z"
        ]
    );

    // The GSI answers too.
    let by_rule = db
        .query()
        .table_name(TABLE)
        .index_name("gsi1")
        .key_condition_expression("GSI1PK = :rule")
        .expression_attribute_values(":rule", s("RULE#R2"))
        .send()
        .await
        .expect("Query gsi1");
    assert_eq!(by_rule.count(), 2);

    // 25 items (the BatchWriteItem maximum) in one call.
    let requests: Vec<WriteRequest> = (0..25)
        .map(|i| {
            let item = finding("batch", &format!("2026-11-27T09:00:{i:02}Z"), "R3");
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("put request");
            WriteRequest::builder().put_request(put).build()
        })
        .collect();
    let batch = db
        .batch_write_item()
        .request_items(TABLE, requests)
        .send()
        .await
        .expect("BatchWriteItem");
    assert!(
        batch.unprocessed_items().is_none_or(HashMap::is_empty),
        "unprocessed: {:?}",
        batch.unprocessed_items()
    );
    let count = db
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s("FLEET#batch"))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .expect("Query count");
    assert_eq!(count.count(), 25);

    // TTL: on as the template sets it, then moved to another attribute.
    let ttl_of = async || {
        let described = db
            .describe_time_to_live()
            .table_name(TABLE)
            .send()
            .await
            .expect("DescribeTimeToLive");
        described.time_to_live_description().map(|d| {
            (
                d.attribute_name().map(str::to_owned),
                d.time_to_live_status().cloned(),
            )
        })
    };
    assert_eq!(
        ttl_of().await,
        Some((Some("ttl".to_owned()), Some(TimeToLiveStatus::Enabled)))
    );
    let spec = TimeToLiveSpecification::builder()
        .attribute_name("expires_at")
        .enabled(true)
        .build()
        .expect("TTL spec");
    let ttl = db
        .update_time_to_live()
        .table_name(TABLE)
        .time_to_live_specification(spec)
        .send()
        .await
        .expect("UpdateTimeToLive");
    assert_eq!(
        ttl.time_to_live_specification()
            .map(|t| (t.attribute_name(), t.enabled())),
        Some(("expires_at", true))
    );
    assert_eq!(
        ttl_of().await,
        Some((
            Some("expires_at".to_owned()),
            Some(TimeToLiveStatus::Enabled)
        ))
    );
}

fn string_attr(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("message attribute")
}

#[tokio::test]
async fn sns_json_message_structure_reaches_an_sqs_subscriber_as_default_with_attributes() {
    let stack = LocalStack::start().await;
    let sns = stack.sns();
    let topic_arn = stack.topic_arn();
    let inbox = stack.inbox();
    assert!(
        inbox.subscription_arn().starts_with(topic_arn),
        "{}",
        inbox.subscription_arn()
    );

    let message = serde_json::json!({
        "default": "2 findings on fleet f1 (max severity high)",
        "email": "Streamwarden found 2 findings on fleet f1.\n\nR1 ...",
        "https": "{\"fleet\":\"f1\",\"findings\":2}"
    });
    let published = sns
        .publish()
        .topic_arn(topic_arn)
        .message_structure("json")
        .message(message.to_string())
        .subject("Streamwarden: 2 findings on f1")
        .message_attributes("severity", string_attr("high"))
        .message_attributes("fleet", string_attr("f1"))
        .message_attributes(
            "count",
            MessageAttributeValue::builder()
                .data_type("Number")
                .string_value("2")
                .build()
                .expect("number attribute"),
        )
        .send()
        .await
        .expect("Publish");
    let message_id = published.message_id().expect("message id");

    let got = inbox.receive_all(Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    let n = &got[0];
    assert_eq!(n.message, "2 findings on fleet f1 (max severity high)");
    assert_eq!(n.subject.as_deref(), Some("Streamwarden: 2 findings on f1"));
    assert_eq!(n.topic_arn, topic_arn);
    assert_eq!(n.message_id, message_id);
    assert_eq!(n.raw["Type"], "Notification");
    let attributes: BTreeMap<&str, &str> = n
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attributes,
        BTreeMap::from([("count", "2"), ("fleet", "f1"), ("severity", "high")])
    );
    assert_eq!(
        n.attribute_types.get("count").map(String::as_str),
        Some("Number")
    );

    // Received messages are gone; a plain publish arrives as is, without attributes.
    sns.publish()
        .topic_arn(topic_arn)
        .message("plain text")
        .send()
        .await
        .expect("Publish plain");
    let got = inbox.receive_all(Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].message, "plain text");
    assert_eq!(got[0].subject, None);
    assert!(got[0].attributes.is_empty());
    assert!(
        inbox
            .receive_all(Duration::from_millis(200))
            .await
            .is_empty()
    );
}

fn port_is_closed(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
}

#[tokio::test]
async fn two_servers_run_side_by_side_and_drop_stops_the_process() {
    let a = Moto::start();
    let b = Moto::start();
    assert_ne!(a.port(), b.port());

    // Separate state: a table made in one is not in the other.
    create_table(&a.dynamodb(), TABLE).await;
    let in_a = a
        .dynamodb()
        .list_tables()
        .send()
        .await
        .expect("ListTables a");
    let in_b = b
        .dynamodb()
        .list_tables()
        .send()
        .await
        .expect("ListTables b");
    assert_eq!(in_a.table_names(), [TABLE]);
    assert!(in_b.table_names().is_empty());

    let (port, pid) = (a.port(), a.pid());
    drop(a);
    assert!(port_is_closed(port), "port {port} still open after drop");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "moto_server pid {pid} still exists after drop"
    );

    // The other one is unaffected.
    b.dynamodb()
        .list_tables()
        .send()
        .await
        .expect("ListTables b after a dropped");
    let port_b = b.port();
    drop(b);
    assert!(port_is_closed(port_b));
}
