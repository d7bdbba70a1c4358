//! Transcoding between the simulator's internal JSON values and the two wire formats the
//! AppStream API is spoken in: Smithy RPC v2 CBOR and awsJson1_1.
//!
//! Internally every timestamp member holds epoch seconds as a JSON number. On the CBOR
//! wire those members become CBOR tag 1 (epoch seconds, integer when whole, float
//! otherwise); on the JSON wire they stay epoch-seconds numbers, as awsJson1_1 requires.

use ciborium::Value as Cbor;
use serde_json::{Map, Number, Value};

use crate::error::SimError;

/// Smithy shape namespace of the AppStream service.
pub const NAMESPACE: &str = "com.amazonaws.appstream";

/// Smithy service shape name, used in RPC v2 CBOR routes and awsJson1_1 targets.
pub const SERVICE: &str = "PhotonAdminProxyService";

/// Members of AppStream shapes whose Smithy type is `timestamp` (from the SDK's schemas).
pub const TIMESTAMP_MEMBERS: &[&str] = &[
    "CreatedTime",
    "StartTime",
    "MaxExpirationTime",
    "LastModifiedTime",
    "ErrorTimestamp",
    "Expires",
    "CreatedDate",
    "PublicBaseImageReleasedDate",
    "LastGeneratedReportDate",
    "SubscriptionFirstUsedDate",
    "SubscriptionLastUsedDate",
];

/// Members whose values are free-form string maps (tags) and never hold timestamps.
const OPAQUE_MAP_MEMBERS: &[&str] = &["Tags"];

/// CBOR tag for epoch-based date/time (RFC 8949 section 3.4.2).
const EPOCH_TAG: u64 = 1;

/// Whether `name` is a timestamp member.
pub fn is_timestamp_member(name: &str) -> bool {
    TIMESTAMP_MEMBERS.contains(&name)
}

/// Decodes an RPC v2 CBOR request body into JSON. An empty body is an empty structure.
pub fn cbor_body_to_json(body: &[u8]) -> Result<Value, SimError> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Cbor = ciborium::from_reader(body)
        .map_err(|e| SimError::serialization(format!("request body is not valid CBOR: {e}")))?;
    let json = cbor_to_json(value)?;
    if !json.is_object() {
        return Err(SimError::serialization(
            "request body must be a CBOR map".to_owned(),
        ));
    }
    Ok(json)
}

/// Converts a CBOR value to JSON. Tag 1 timestamps become epoch-seconds numbers.
pub fn cbor_to_json(value: Cbor) -> Result<Value, SimError> {
    Ok(match value {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Integer(i) => {
            let wide = i128::from(i);
            if let Ok(v) = i64::try_from(wide) {
                Value::Number(v.into())
            } else if let Ok(v) = u64::try_from(wide) {
                Value::Number(v.into())
            } else {
                return Err(SimError::serialization("integer out of range".to_owned()));
            }
        }
        Cbor::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(b) => Value::String(hex(&b)),
        Cbor::Array(items) => Value::Array(
            items
                .into_iter()
                .map(cbor_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Cbor::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let Cbor::Text(key) = k else {
                    return Err(SimError::serialization(
                        "CBOR map keys must be text strings".to_owned(),
                    ));
                };
                map.insert(key, cbor_to_json(v)?);
            }
            Value::Object(map)
        }
        Cbor::Tag(_, inner) => cbor_to_json(*inner)?,
        _ => {
            return Err(SimError::serialization("unsupported CBOR value".to_owned()));
        }
    })
}

/// Encodes a JSON response structure as an RPC v2 CBOR body.
pub fn json_to_cbor_body(value: &Value) -> Vec<u8> {
    let cbor = json_to_cbor(value, None);
    let mut out = Vec::new();
    if ciborium::into_writer(&cbor, &mut out).is_err() {
        out.clear();
        out.push(0xa0);
    }
    out
}

/// Converts JSON to CBOR; `member` is the name of the structure member holding `value`.
fn json_to_cbor(value: &Value, member: Option<&str>) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => {
            let plain = number_to_cbor(n);
            if member.is_some_and(is_timestamp_member) {
                Cbor::Tag(EPOCH_TAG, Box::new(plain))
            } else {
                plain
            }
        }
        Value::String(s) => {
            if member.is_some_and(is_timestamp_member)
                && let Some(secs) = crate::time::parse_timestamp(value)
            {
                return Cbor::Tag(EPOCH_TAG, Box::new(epoch_to_cbor(secs)));
            }
            Cbor::Text(s.clone())
        }
        Value::Array(items) => Cbor::Array(items.iter().map(|v| json_to_cbor(v, member)).collect()),
        Value::Object(map) => {
            let opaque = member.is_some_and(|m| OPAQUE_MAP_MEMBERS.contains(&m));
            Cbor::Map(
                map.iter()
                    .map(|(k, v)| {
                        let child = if opaque { None } else { Some(k.as_str()) };
                        (Cbor::Text(k.clone()), json_to_cbor(v, child))
                    })
                    .collect(),
            )
        }
    }
}

fn number_to_cbor(n: &Number) -> Cbor {
    if let Some(i) = n.as_i64() {
        Cbor::Integer(i.into())
    } else if let Some(u) = n.as_u64() {
        Cbor::Integer(u.into())
    } else {
        Cbor::Float(n.as_f64().unwrap_or(0.0))
    }
}

fn epoch_to_cbor(secs: f64) -> Cbor {
    if secs.fract() == 0.0 && secs.abs() < 9.0e15 {
        Cbor::Integer((secs as i64).into())
    } else {
        Cbor::Float(secs)
    }
}

/// Converts every timestamp member under `value` to epoch seconds (JSON numbers), in place.
/// Returns the name of the first member whose value could not be read as a timestamp.
pub fn normalize_timestamps(value: &mut Value) -> Result<(), String> {
    match value {
        Value::Array(items) => {
            for item in items {
                normalize_timestamps(item)?;
            }
        }
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if OPAQUE_MAP_MEMBERS.contains(&key.as_str()) {
                    continue;
                }
                if is_timestamp_member(key) && !v.is_null() {
                    let secs = crate::time::parse_timestamp(v)
                        .ok_or_else(|| format!("{key}: not a timestamp: {v}"))?;
                    *v = crate::time::epoch_value(secs);
                } else {
                    normalize_timestamps(v)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Builds the CBOR error envelope (`__type` as an absolute shape id, plus `message`).
pub fn cbor_error_body(code: &str, message: &str) -> Vec<u8> {
    let envelope = Cbor::Map(vec![
        (
            Cbor::Text("__type".to_owned()),
            Cbor::Text(format!("{NAMESPACE}#{code}")),
        ),
        (
            Cbor::Text("message".to_owned()),
            Cbor::Text(message.to_owned()),
        ),
    ]);
    let mut out = Vec::new();
    if ciborium::into_writer(&envelope, &mut out).is_err() {
        out.clear();
    }
    out
}

/// Builds the awsJson1_1 error envelope (`__type` as the bare error name, plus `message`).
pub fn json_error_body(code: &str, message: &str) -> Vec<u8> {
    serde_json::json!({ "__type": code, "message": message })
        .to_string()
        .into_bytes()
}

/// Lower-case hexadecimal encoding.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Decodes lower- or upper-case hexadecimal; `None` when malformed.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_become_tag_1() {
        let body = json_to_cbor_body(&json!({
            "Fleets": [{"Name": "f", "CreatedTime": 1700000000, "Tags": {"CreatedTime": "x"}}],
            "Session": {"StartTime": 1.5}
        }));
        let value: Cbor = ciborium::from_reader(body.as_slice()).unwrap();
        let text = format!("{value:?}");
        assert!(
            text.contains("Tag(1, Integer(Integer(1700000000)))"),
            "{text}"
        );
        assert!(text.contains("Tag(1, Float(1.5))"), "{text}");
        assert!(text.contains("Text(\"x\")"), "{text}");
    }

    #[test]
    fn cbor_round_trip_to_json() {
        let mut body = Vec::new();
        let v = Cbor::Map(vec![
            (
                Cbor::Text("Names".into()),
                Cbor::Array(vec![Cbor::Text("a".into())]),
            ),
            (Cbor::Text("Limit".into()), Cbor::Integer(5.into())),
            (
                Cbor::Text("T".into()),
                Cbor::Tag(1, Box::new(Cbor::Integer(7.into()))),
            ),
        ]);
        ciborium::into_writer(&v, &mut body).unwrap();
        assert_eq!(
            cbor_body_to_json(&body).unwrap(),
            json!({"Names": ["a"], "Limit": 5, "T": 7})
        );
        assert_eq!(cbor_body_to_json(&[]).unwrap(), json!({}));
        assert!(cbor_body_to_json(&[0xff]).is_err());
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(b"abc:1")).unwrap(), b"abc:1");
        assert!(unhex("zz").is_none());
        assert!(unhex("abc").is_none());
    }
}
