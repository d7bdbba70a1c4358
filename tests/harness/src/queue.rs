//! An SQS queue in moto as a work queue: what a function sent to it (body and message
//! attributes), and the event Lambda's SQS event source mapping would deliver from it.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, QueueAttributeName};
use serde_json::{Value, json};

/// One message taken from a [`Queue`].
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedMessage {
    pub message_id: String,
    pub body: String,
    /// String message attributes, by name.
    pub attributes: BTreeMap<String, String>,
}

impl QueuedMessage {
    /// The message as one record of the event Lambda's SQS event source mapping sends
    /// (`eventSource` `aws:sqs`, `messageId`, `body`, `messageAttributes`, ...).
    pub fn record(&self, queue_arn: &str) -> Value {
        sqs_record(&self.message_id, &self.body, queue_arn, &self.attributes)
    }
}

/// One record of an SQS event as Lambda delivers it.
pub fn sqs_record(
    message_id: &str,
    body: &str,
    queue_arn: &str,
    attributes: &BTreeMap<String, String>,
) -> Value {
    let region = queue_arn.split(':').nth(3).unwrap_or("us-east-1");
    let message_attributes: serde_json::Map<String, Value> = attributes
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                json!({"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}),
            )
        })
        .collect();
    json!({
        "messageId": message_id,
        "receiptHandle": format!("handle-{message_id}"),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1764489600000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1764489600001"
        },
        "messageAttributes": message_attributes,
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region
    })
}

/// An SQS event of `records` (see [`sqs_record`], [`QueuedMessage::record`]).
pub fn sqs_event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

/// A standard SQS queue in moto.
#[derive(Debug, Clone)]
pub struct Queue {
    sqs: aws_sdk_sqs::Client,
    url: String,
    arn: String,
}

impl Queue {
    /// Creates the queue `name`.
    ///
    /// # Panics
    /// When a call fails.
    pub async fn create(config: &SdkConfig, name: &str) -> Queue {
        let sqs = aws_sdk_sqs::Client::new(config);
        let created = sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Queue: CreateQueue {name} failed: {e:?}"));
        let Some(url) = created.queue_url().map(str::to_owned) else {
            panic!("Queue: CreateQueue {name} returned no QueueUrl");
        };
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Queue: GetQueueAttributes {url} failed: {e:?}"));
        let Some(arn) = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
        else {
            panic!("Queue: GetQueueAttributes {url} returned no QueueArn");
        };
        Queue { sqs, url, arn }
    }

    /// The queue's URL (what `STREAMWARDEN_SWEEP_QUEUE_URL` names).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The queue's ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// Takes every message in the queue (deleting them), with their string attributes.
    ///
    /// # Panics
    /// When a call fails.
    pub async fn take_all(&self) -> Vec<QueuedMessage> {
        let mut taken = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .wait_time_seconds(0)
                .send()
                .await
                .unwrap_or_else(|e| panic!("Queue: ReceiveMessage {} failed: {e:?}", self.url));
            let messages = out.messages();
            if messages.is_empty() {
                return taken;
            }
            let mut receipts = Vec::new();
            for (i, message) in messages.iter().enumerate() {
                let attributes = message
                    .message_attributes()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, value)| {
                        Some((name.clone(), value.string_value()?.to_owned()))
                    })
                    .collect();
                taken.push(QueuedMessage {
                    message_id: message.message_id().unwrap_or_default().to_owned(),
                    body: message.body().unwrap_or_default().to_owned(),
                    attributes,
                });
                if let Some(handle) = message.receipt_handle() {
                    receipts.push(
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(handle)
                            .build()
                            .unwrap_or_else(|e| panic!("Queue: building a delete entry: {e}")),
                    );
                }
            }
            self.sqs
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(receipts))
                .send()
                .await
                .unwrap_or_else(|e| panic!("Queue: DeleteMessageBatch failed: {e:?}"));
        }
    }
}
