//! An SQS queue subscribed to an SNS topic: what a subscriber receives.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, QueueAttributeName};
use serde_json::{Value, json};

static QUEUES: AtomicU32 = AtomicU32::new(0);

/// One SNS notification as an SQS subscriber receives it (raw message delivery off: the
/// SNS JSON envelope).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `Subject`, when the publisher set one.
    pub subject: Option<String>,
    /// `Message`: for `MessageStructure=json`, the text chosen for the `sqs` protocol
    /// (the `sqs` key, else `default`).
    pub message: String,
    /// `MessageAttributes`: name -> `Value` (always a string, as SNS sends it).
    pub attributes: BTreeMap<String, String>,
    /// `MessageAttributes`: name -> `Type` (`String`, `Number`, `String.Array`, `Binary`).
    pub attribute_types: BTreeMap<String, String>,
    /// `TopicArn`.
    pub topic_arn: String,
    /// `MessageId`.
    pub message_id: String,
    /// The whole envelope, for anything else (`Type`, `Timestamp`, `Signature`, ...).
    pub raw: Value,
}

impl Notification {
    /// Parses an SNS notification envelope (an SQS message body).
    pub fn parse(body: &str) -> Result<Notification, String> {
        let raw: Value = serde_json::from_str(body)
            .map_err(|e| format!("not JSON ({e}); the body was:\n{body}"))?;
        if raw.get("Type").and_then(Value::as_str) != Some("Notification") {
            return Err(format!(
                "not an SNS notification envelope (no \"Type\": \"Notification\"); the body was:\n{body}"
            ));
        }
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
        let message = text("Message").ok_or_else(|| format!("no \"Message\" in:\n{body}"))?;
        let mut attributes = BTreeMap::new();
        let mut attribute_types = BTreeMap::new();
        if let Some(map) = raw.get("MessageAttributes").and_then(Value::as_object) {
            for (name, attribute) in map {
                let value = match attribute.get("Value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => return Err(format!("attribute {name} has no \"Value\" in:\n{body}")),
                };
                attributes.insert(name.clone(), value);
                if let Some(kind) = attribute.get("Type").and_then(Value::as_str) {
                    attribute_types.insert(name.clone(), kind.to_owned());
                }
            }
        }
        Ok(Notification {
            subject: text("Subject"),
            message,
            attributes,
            attribute_types,
            topic_arn: text("TopicArn").unwrap_or_default(),
            message_id: text("MessageId").unwrap_or_default(),
            raw,
        })
    }
}

/// An SQS queue subscribed to an SNS topic with raw message delivery off, so the SNS
/// envelope (Subject, MessageAttributes) is what the queue holds. The queue carries the
/// policy real SNS needs to deliver to it (moto does not check it). Queue and
/// subscription live as long as the moto server.
#[derive(Debug, Clone)]
pub struct Inbox {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    subscription_arn: String,
}

impl Inbox {
    /// Creates a queue and subscribes it to `topic_arn` (a FIFO queue for a `.fifo`
    /// topic).
    ///
    /// # Panics
    /// When a call fails, with the operation and the service's error.
    pub async fn subscribe(config: &SdkConfig, topic_arn: &str) -> Inbox {
        let sqs = aws_sdk_sqs::Client::new(config);
        let sns = aws_sdk_sns::Client::new(config);
        let fifo = topic_arn.ends_with(".fifo");
        let topic_name = topic_arn.rsplit(':').next().unwrap_or("topic");
        let topic_name = topic_name.trim_end_matches(".fifo");
        let mut queue_name: String = format!(
            "inbox-{}-{}-{topic_name}",
            std::process::id(),
            QUEUES.fetch_add(1, Ordering::Relaxed)
        )
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(75)
        .collect();
        let mut create = sqs.create_queue();
        if fifo {
            queue_name.push_str(".fifo");
            create = create.attributes(QueueAttributeName::FifoQueue, "true");
        }
        let created = create
            .queue_name(&queue_name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Inbox: CreateQueue {queue_name} failed: {e:?}"));
        let Some(queue_url) = created.queue_url().map(str::to_owned) else {
            panic!("Inbox: CreateQueue {queue_name} returned no QueueUrl");
        };
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Inbox: GetQueueAttributes {queue_url} failed: {e:?}"));
        let Some(queue_arn) = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
        else {
            panic!("Inbox: GetQueueAttributes {queue_url} returned no QueueArn");
        };
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowTopic",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
            }]
        });
        sqs.set_queue_attributes()
            .queue_url(&queue_url)
            .attributes(QueueAttributeName::Policy, policy.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("Inbox: SetQueueAttributes Policy failed: {e:?}"));
        let subscribed = sns
            .subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .attributes("RawMessageDelivery", "false")
            .return_subscription_arn(true)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!("Inbox: Subscribe {queue_arn} to {topic_arn} failed: {e:?}")
            });
        let subscription_arn = subscribed.subscription_arn().unwrap_or_default().to_owned();
        Inbox {
            sqs,
            queue_url,
            queue_arn,
            subscription_arn,
        }
    }

    /// The queue's URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// The queue's ARN (the subscription endpoint).
    pub fn queue_arn(&self) -> &str {
        &self.queue_arn
    }

    /// The subscription's ARN.
    pub fn subscription_arn(&self) -> &str {
        &self.subscription_arn
    }

    /// Waits up to `wait` for the first notification, then takes everything else already
    /// in the queue; returns them in the order received (empty if none came) and deletes
    /// them from the queue. SNS delivery in moto is done before Publish returns, so a
    /// short `wait` suffices there.
    ///
    /// # Panics
    /// When an SQS call fails or a message is not an SNS notification envelope.
    pub async fn receive_all(&self, wait: Duration) -> Vec<Notification> {
        let deadline = Instant::now() + wait;
        let mut received = Vec::new();
        loop {
            let batch = self.receive_batch().await;
            let empty = batch.is_empty();
            received.extend(batch);
            if empty && (!received.is_empty() || Instant::now() >= deadline) {
                return received;
            }
            if empty {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Waits up to `wait` until `count` notifications arrived and returns them (and any
    /// others already in the queue).
    ///
    /// # Panics
    /// When fewer than `count` came in time, listing those that did.
    pub async fn receive_at_least(&self, count: usize, wait: Duration) -> Vec<Notification> {
        let deadline = Instant::now() + wait;
        let mut received = Vec::new();
        loop {
            let batch = self.receive_batch().await;
            let empty = batch.is_empty();
            received.extend(batch);
            if empty && received.len() >= count {
                return received;
            }
            if empty && Instant::now() >= deadline {
                panic!(
                    "Inbox {}: expected at least {count} notifications within {wait:?}, got {}: {received:#?}",
                    self.queue_arn,
                    received.len()
                );
            }
            if empty {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn receive_batch(&self) -> Vec<Notification> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Inbox: ReceiveMessage {} failed: {e:?}", self.queue_url));
        let mut notifications = Vec::new();
        let mut receipts = Vec::new();
        for (i, message) in out.messages().iter().enumerate() {
            let body = message.body().unwrap_or_default();
            match Notification::parse(body) {
                Ok(n) => notifications.push(n),
                Err(e) => panic!("Inbox {}: received {e}", self.queue_arn),
            }
            if let Some(handle) = message.receipt_handle() {
                let entry = DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(handle)
                    .build()
                    .unwrap_or_else(|e| panic!("Inbox: building a delete entry: {e}"));
                receipts.push(entry);
            }
        }
        if !receipts.is_empty() {
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(receipts))
                .send()
                .await
                .unwrap_or_else(|e| panic!("Inbox: DeleteMessageBatch failed: {e:?}"));
        }
        notifications
    }
}
