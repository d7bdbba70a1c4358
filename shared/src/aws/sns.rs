//! Alerts to SNS: one `MessageStructure=json` message per change, with message
//! attributes subscribers can filter on.

use crate::alert::{Alert, AlertPublisher, PublishError};
use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;

/// Publishes to one SNS topic.
#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: Client,
    topic_arn: String,
}

impl SnsPublisher {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        SnsPublisher {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl AlertPublisher for SnsPublisher {
    async fn publish(&self, alert: &Alert) -> Result<(), PublishError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(&alert.subject)
            .message(&alert.message)
            .message_structure("json");
        for (name, value) in &alert.attributes {
            if value.is_empty() {
                continue;
            }
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PublishError {
                    topic: self.topic_arn.clone(),
                    source: Box::new(e),
                })?;
            request = request.message_attributes(name, attribute);
        }
        request.send().await.map_err(|e| PublishError {
            topic: self.topic_arn.clone(),
            source: Box::new(aws_sdk_sns::Error::from(e)),
        })?;
        Ok(())
    }
}
