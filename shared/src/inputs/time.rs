//! Timestamps as the AWS CLI prints them: ISO-8601 strings or epoch seconds.

use super::node::Node;
use crate::error::InputError;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// Reads an ISO-8601 string (with or without offset) or a number of epoch seconds.
pub fn timestamp(node: &Node<'_>) -> Result<DateTime<Utc>, InputError> {
    let parsed = match node.value {
        Value::Number(n) => n.as_f64().and_then(|secs| {
            let whole = secs.floor();
            let nanos = ((secs - whole) * 1e9).round() as u32;
            DateTime::from_timestamp(whole as i64, nanos.min(999_999_999))
        }),
        Value::String(s) => parse_iso(s),
        _ => None,
    };
    parsed.ok_or_else(|| node.wrong_type("a timestamp (ISO-8601 or epoch seconds)"))
}

/// Parses the ISO-8601 forms the CLI and CloudTrail print.
pub fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|t| t.and_utc())
        .or_else(|| {
            s.parse::<f64>()
                .ok()
                .and_then(|secs| DateTime::from_timestamp(secs.floor() as i64, 0))
        })
}
