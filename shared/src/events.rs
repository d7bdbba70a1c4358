//! The events the fleet-auditor reacts to: EventBridge "AWS API Call via CloudTrail"
//! events from `aws.appstream`, and "Scheduled Event" from `aws.events`. Anything else
//! is an error naming its source and detail-type, so it reaches the dead-letter queue
//! instead of vanishing.

use crate::inputs::time::parse_iso;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The AppStream calls the auditor handles.
pub const HANDLED_CALLS: &[&str] = &[
    "CreateFleet",
    "UpdateFleet",
    "StartFleet",
    "StopFleet",
    "DeleteFleet",
    "CreateStack",
    "UpdateStack",
    "DeleteStack",
    "AssociateFleet",
    "DisassociateFleet",
    "CreateImageBuilder",
    "StartImageBuilder",
    "StopImageBuilder",
    "DeleteImageBuilder",
    "CreateUpdatedImage",
    "CopyImage",
    "CreateImportedImage",
    "DeleteImage",
    "UpdateImagePermissions",
    "DeleteImagePermissions",
    "CreateUsageReportSubscription",
    "DeleteUsageReportSubscription",
];

/// One AppStream API call, from CloudTrail.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    pub event_id: String,
    pub event_name: String,
    pub account: String,
    pub region: String,
    /// `userIdentity.arn` (or the principal ID / type when there is no ARN).
    pub principal: String,
    pub source_ip: Option<String>,
    pub time: DateTime<Utc>,
    pub request: Value,
    /// Set when the call failed: then nothing changed.
    pub error_code: Option<String>,
}

impl ApiCall {
    /// A string member of `requestParameters` (`name`, `fleetName`, `stackName`,
    /// `newImageName`, `destinationImageName`, `destinationRegion`).
    pub fn parameter(&self, key: &str) -> Option<&str> {
        let map = self.request.as_object()?;
        map.get(key)
            .or_else(|| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .and_then(Value::as_str)
    }
}

/// What one invocation is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditorEvent {
    ApiCall(Box<ApiCall>),
    /// The scheduled full sweep.
    Schedule {
        id: String,
        account: String,
        time: DateTime<Utc>,
    },
}

/// An event the auditor cannot act on. `error_type` is stable for alarms and triage.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("malformed event: {reason}")]
    Malformed { reason: String },
    #[error(
        "unsupported event: source {source_name:?}, detail-type {detail_type:?}; the fleet-auditor handles \"AWS API Call via CloudTrail\" from aws.appstream and \"Scheduled Event\" from aws.events"
    )]
    Unsupported {
        source_name: String,
        detail_type: String,
    },
    #[error("unsupported AppStream call {event_name} (event {event_id}); handled: {}", HANDLED_CALLS.join(", "))]
    UnsupportedCall {
        event_name: String,
        event_id: String,
    },
}

impl EventError {
    pub fn error_type(&self) -> &'static str {
        match self {
            EventError::Malformed { .. } => "MalformedEvent",
            EventError::Unsupported { .. } => "UnsupportedEvent",
            EventError::UnsupportedCall { .. } => "UnsupportedCall",
        }
    }
}

fn malformed(reason: impl Into<String>) -> EventError {
    EventError::Malformed {
        reason: reason.into(),
    }
}

/// Reads an EventBridge event.
/// One SQS record of a batch (the organisation fan-out queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedUnit {
    pub message_id: String,
    pub body: String,
}

/// The records of an SQS batch, when the payload is one (`Records` whose
/// `eventSource` is `aws:sqs`); `None` for any other event.
pub fn queue_records(value: &Value) -> Option<Vec<QueuedUnit>> {
    let records = value.get("Records")?.as_array()?;
    if records.is_empty()
        || !records
            .iter()
            .all(|r| r.get("eventSource").and_then(Value::as_str) == Some("aws:sqs"))
    {
        return None;
    }
    Some(
        records
            .iter()
            .map(|r| QueuedUnit {
                message_id: r
                    .get("messageId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                body: r
                    .get("body")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect(),
    )
}

pub fn parse_event(value: Value) -> Result<AuditorEvent, EventError> {
    let event: EventBridgeEvent<Value> = serde_json::from_value(value)
        .map_err(|e| malformed(format!("not an EventBridge event: {e}")))?;
    let detail_type = event.detail_type.clone();
    let source = event.source.clone();
    match (source.as_str(), detail_type.as_str()) {
        ("aws.events", "Scheduled Event") => Ok(AuditorEvent::Schedule {
            id: event.id.clone().unwrap_or_default(),
            account: event.account.clone().unwrap_or_default(),
            time: event.time.unwrap_or_else(Utc::now),
        }),
        ("aws.appstream", "AWS API Call via CloudTrail") => {
            api_call(event).map(|c| AuditorEvent::ApiCall(Box::new(c)))
        }
        _ => Err(EventError::Unsupported {
            source_name: source,
            detail_type,
        }),
    }
}

fn api_call(event: EventBridgeEvent<Value>) -> Result<ApiCall, EventError> {
    let detail = &event.detail;
    let text = |key: &str| detail.get(key).and_then(Value::as_str).map(str::to_owned);
    let event_name = text("eventName").ok_or_else(|| malformed("detail.eventName is missing"))?;
    let event_id = text("eventID").ok_or_else(|| malformed("detail.eventID is missing"))?;
    if !HANDLED_CALLS.contains(&event_name.as_str()) {
        return Err(EventError::UnsupportedCall {
            event_name,
            event_id,
        });
    }
    let identity = detail.get("userIdentity");
    let principal = identity
        .and_then(|i| {
            i.get("arn")
                .or_else(|| i.get("principalId"))
                .or_else(|| i.get("type"))
                .and_then(Value::as_str)
        })
        .unwrap_or("unknown")
        .to_owned();
    let time = text("eventTime")
        .and_then(|t| parse_iso(&t))
        .or(event.time)
        .ok_or_else(|| malformed("detail.eventTime is missing or not a timestamp"))?;
    let region = text("awsRegion")
        .or_else(|| event.region.clone())
        .ok_or_else(|| malformed("detail.awsRegion is missing"))?;
    Ok(ApiCall {
        account: text("recipientAccountId")
            .or_else(|| event.account.clone())
            .unwrap_or_default(),
        region,
        principal,
        source_ip: text("sourceIPAddress"),
        time,
        request: detail
            .get("requestParameters")
            .cloned()
            .unwrap_or(Value::Null),
        error_code: text("errorCode"),
        event_name,
        event_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(source: &str, detail_type: &str, detail: Value) -> Value {
        json!({"version": "0", "id": "e-1", "detail-type": detail_type, "source": source,
            "account": "123456789012", "time": "2026-11-27T09:00:00Z", "region": "eu-west-1",
            "resources": [], "detail": detail})
    }

    #[test]
    fn a_cloudtrail_call_names_who_when_and_what() {
        let detail = json!({"eventName": "UpdateFleet", "eventID": "ev-1", "eventTime": "2026-11-27T09:14:03Z",
            "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.24",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Admins/jdoe"},
            "requestParameters": {"name": "f1", "disconnectTimeoutInSeconds": 900}});
        let AuditorEvent::ApiCall(call) = parse_event(envelope(
            "aws.appstream",
            "AWS API Call via CloudTrail",
            detail,
        ))
        .unwrap() else {
            panic!("not an API call")
        };
        assert_eq!(call.event_name, "UpdateFleet");
        assert_eq!(
            call.principal,
            "arn:aws:sts::123456789012:assumed-role/Admins/jdoe"
        );
        assert_eq!(call.source_ip.as_deref(), Some("198.51.100.24"));
        assert_eq!(call.parameter("Name"), Some("f1"));
        assert_eq!(call.region, "eu-west-1");
    }

    #[test]
    fn a_schedule_is_a_sweep() {
        let event = parse_event(envelope("aws.events", "Scheduled Event", json!({}))).unwrap();
        assert!(matches!(event, AuditorEvent::Schedule { ref id, .. } if id == "e-1"));
    }

    #[test]
    fn other_events_are_errors_naming_source_and_detail_type() {
        let e = parse_event(envelope(
            "aws.ec2",
            "EC2 Instance State-change Notification",
            json!({}),
        ))
        .unwrap_err();
        assert_eq!(e.error_type(), "UnsupportedEvent");
        assert!(
            e.to_string().contains("aws.ec2")
                && e.to_string()
                    .contains("EC2 Instance State-change Notification")
        );
        let e = parse_event(json!({"hello": "world"})).unwrap_err();
        assert_eq!(e.error_type(), "MalformedEvent");
        let call = json!({"eventName": "CreateDirectoryConfig", "eventID": "ev-2", "eventTime": "2026-11-27T09:14:03Z", "awsRegion": "eu-west-1"});
        let e = parse_event(envelope(
            "aws.appstream",
            "AWS API Call via CloudTrail",
            call,
        ))
        .unwrap_err();
        assert_eq!(e.error_type(), "UnsupportedCall");
        assert!(e.to_string().contains("CreateDirectoryConfig"));
    }
}
