//! Timestamps and the simulated clock.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Number, Value};

/// Reads a timestamp given as epoch seconds (number or numeric string) or ISO-8601 text.
pub fn parse_timestamp(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_timestamp_str(s),
        _ => None,
    }
}

/// Reads ISO-8601 / RFC 3339 text (a missing offset means UTC) or epoch seconds as text.
pub fn parse_timestamp_str(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return secs.is_finite().then_some(secs);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(to_epoch(&dt.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(to_epoch(&naive.and_utc()));
        }
    }
    None
}

fn to_epoch(dt: &DateTime<Utc>) -> f64 {
    dt.timestamp() as f64 + f64::from(dt.timestamp_subsec_millis()) / 1000.0
}

/// Epoch seconds as a JSON number: an integer when whole, milliseconds precision otherwise.
pub fn epoch_value(secs: f64) -> Value {
    let millis = (secs * 1000.0).round() / 1000.0;
    if millis.fract() == 0.0 && millis.abs() < 9.0e15 {
        Value::Number((millis as i64).into())
    } else {
        Number::from_f64(millis).map_or(Value::Null, Value::Number)
    }
}

/// Formats epoch seconds as RFC 3339 UTC text.
pub fn format_iso(secs: f64) -> String {
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    DateTime::<Utc>::from_timestamp(whole as i64, nanos)
        .map(|dt| dt.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| secs.to_string())
}

fn real_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The simulated clock.
///
/// Started at a fixed time (the scenario's `Now`) it is frozen and only moves when told
/// to; otherwise it follows real time. Either way it can be advanced or set.
#[derive(Debug, Clone)]
pub struct Clock {
    base: f64,
    since: Option<Instant>,
}

impl Clock {
    /// A clock frozen at `start` (epoch seconds), or following real time when `None`.
    pub fn new(start: Option<f64>) -> Self {
        match start {
            Some(base) => Self { base, since: None },
            None => Self {
                base: real_now(),
                since: Some(Instant::now()),
            },
        }
    }

    /// The current simulated time in epoch seconds, millisecond precision.
    pub fn now(&self) -> f64 {
        let elapsed = self.since.map_or(0.0, |i| i.elapsed().as_secs_f64());
        ((self.base + elapsed) * 1000.0).floor() / 1000.0
    }

    /// Whether the clock only moves when advanced or set.
    pub fn is_frozen(&self) -> bool {
        self.since.is_none()
    }

    /// Moves the clock forward (or back, for a negative value) by `seconds`.
    pub fn advance(&mut self, seconds: f64) {
        self.base += seconds;
    }

    /// Sets the clock to `secs`; it keeps following real time from there if it was.
    pub fn set(&mut self, secs: f64) {
        self.base = secs;
        if self.since.is_some() {
            self.since = Some(Instant::now());
        }
    }

    /// Freezes the clock at its current time, or lets it follow real time again.
    pub fn set_frozen(&mut self, frozen: bool) {
        let now = self.now();
        self.base = now;
        self.since = if frozen { None } else { Some(Instant::now()) };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_common_forms() {
        let t = 1_795_770_000.0;
        for v in [
            json!("2026-11-27T09:00:00Z"),
            json!("2026-11-27T09:00:00.000000+00:00"),
            json!("2026-11-27T10:00:00+01:00"),
            json!("2026-11-27T09:00:00"),
            json!(1_795_770_000),
            json!("1795770000"),
        ] {
            assert_eq!(parse_timestamp(&v), Some(t), "{v}");
        }
        assert_eq!(
            parse_timestamp(&json!("2026-11-27T09:00:00.250Z")),
            Some(t + 0.25)
        );
        assert_eq!(parse_timestamp(&json!("yesterday")), None);
        assert_eq!(format_iso(t), "2026-11-27T09:00:00Z");
        assert_eq!(epoch_value(t), json!(1_795_770_000));
        assert_eq!(epoch_value(t + 0.5), json!(1_795_770_000.5));
    }

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let mut c = Clock::new(Some(100.0));
        assert!(c.is_frozen());
        assert_eq!(c.now(), 100.0);
        c.advance(60.0);
        assert_eq!(c.now(), 160.0);
        c.set(10.0);
        assert_eq!(c.now(), 10.0);
    }
}
