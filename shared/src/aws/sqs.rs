//! The fan-out queue: a scheduled run's (account, region) messages, ten per
//! SendMessageBatch, with `account`, `region` and `work` as message attributes so a
//! dead-letter queue names them. Entries SQS reports as failed are sent again once.

use crate::error::{BoxError, error_chain};
use crate::org::{FanOutMessage, QueueError, WorkQueue};
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

/// SendMessageBatch's limit.
const BATCH: usize = 10;

#[derive(Debug, Clone)]
pub struct FanOutQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl FanOutQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: &str) -> Self {
        FanOutQueue {
            client,
            url: url.to_owned(),
        }
    }

    fn entry(
        index: usize,
        message: &FanOutMessage,
    ) -> Result<SendMessageBatchRequestEntry, QueueError> {
        let fail = |e: BoxError| QueueError {
            queue: String::new(),
            failed: 1,
            summary: e.to_string(),
            source: Some(e),
        };
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| fail(Box::new(e)))
        };
        let body = serde_json::to_string(message).map_err(|e| fail(Box::new(e)))?;
        SendMessageBatchRequestEntry::builder()
            .id(index.to_string())
            .message_body(body)
            .message_attributes("account", attribute(&message.account)?)
            .message_attributes("region", attribute(&message.region)?)
            .message_attributes("work", attribute(message.work.as_str())?)
            .build()
            .map_err(|e| fail(Box::new(e)))
    }
}

impl WorkQueue for FanOutQueue {
    async fn send(&self, messages: &[FanOutMessage]) -> Result<(), QueueError> {
        for chunk in messages.chunks(BATCH) {
            let mut entries = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| Self::entry(i, m))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| QueueError {
                    queue: self.url.clone(),
                    ..e
                })?;
            for attempt in 0..2 {
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries.clone()))
                    .send()
                    .await
                    .map_err(|e| {
                        let e = aws_sdk_sqs::Error::from(e);
                        QueueError {
                            queue: self.url.clone(),
                            failed: entries.len(),
                            summary: error_chain(&e),
                            source: Some(Box::new(e)),
                        }
                    })?;
                let failed = out.failed;
                if failed.is_empty() {
                    break;
                }
                if attempt == 1 || failed.iter().any(|f| f.sender_fault) {
                    return Err(QueueError {
                        queue: self.url.clone(),
                        failed: failed.len(),
                        summary: failed
                            .iter()
                            .map(|f| format!("{}: {}", f.code, f.message.as_deref().unwrap_or("")))
                            .collect::<Vec<_>>()
                            .join("; "),
                        source: None,
                    });
                }
                let ids: Vec<&str> = failed.iter().map(|f| f.id.as_str()).collect();
                entries.retain(|e| ids.contains(&e.id.as_str()));
            }
        }
        Ok(())
    }
}
