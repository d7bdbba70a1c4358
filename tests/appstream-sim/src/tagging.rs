//! The Resource Groups Tagging API's GetResources, served from the same process and port
//! as AppStream (awsJson1_1: `POST /` with `X-Amz-Target:
//! ResourceGroupsTaggingAPI_20170126.GetResources`), so one endpoint URL serves both.
//!
//! Like the service: only tagged resources come back; `ResourceTypeFilters`
//! (`appstream` or `appstream:fleet`, ...), `TagFilters` (every filter must match: the
//! key, and one of `Values` when given) and `ResourceARNList` apply; `ResourcesPerPage`
//! (1 to 100, default 50, or the page size set for `GetResources` when smaller) and
//! `PaginationToken` page the answer, the last page with an empty token. A value out of
//! range is an `InvalidParameterException`. Calls are logged, counted and subject to
//! fault rules like the AppStream operations (operation `GetResources`).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::wire::{hex, unhex};

/// The service's `X-Amz-Target` prefix.
pub const SERVICE: &str = "ResourceGroupsTaggingAPI_20170126";

/// Operations served.
pub const OPERATIONS: &[&str] = &["GetResources"];

/// GetResources' largest page.
pub const MAX_RESOURCES_PER_PAGE: i64 = 100;

const DEFAULT_RESOURCES_PER_PAGE: usize = 50;
const TOKEN_PREFIX: &str = "rgta1";

/// Whether `service.operation` of an `X-Amz-Target` is served here.
pub fn serves(service: &str, operation: &str) -> bool {
    service == SERVICE && OPERATIONS.contains(&operation)
}

fn invalid(message: impl Into<String>) -> SimError {
    SimError::new(400, "InvalidParameterException", message)
}

/// The tagging API's resource type of an ARN: `arn:aws:appstream:r:a:fleet/x` ->
/// `appstream:fleet`.
fn resource_type(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2)?;
    let resource = parts.nth(2)?;
    let kind = resource.split('/').next()?;
    Some(format!("{service}:{kind}"))
}

fn strings(params: &Value, key: &str) -> Result<Vec<String>, SimError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("{key} must be a list of strings")))
            })
            .collect(),
        Some(_) => Err(invalid(format!("{key} must be a list of strings"))),
    }
}

/// `(key, values)` of each `TagFilters` entry.
fn tag_filters(params: &Value) -> Result<Vec<(String, Vec<String>)>, SimError> {
    let Some(filters) = params.get("TagFilters").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let filters = filters
        .as_array()
        .ok_or_else(|| invalid("TagFilters must be a list"))?;
    filters
        .iter()
        .map(|f| {
            let key = f
                .get("Key")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("each TagFilter needs a Key"))?;
            Ok((key.to_owned(), strings(f, "Values")?))
        })
        .collect()
}

/// What a token is bound to: the request's filters and page size (not the order of its
/// members).
fn fingerprint(params: &Value) -> u64 {
    let mut hasher = DefaultHasher::new();
    for key in [
        "ResourceTypeFilters",
        "TagFilters",
        "ResourceARNList",
        "ResourcesPerPage",
    ] {
        params
            .get(key)
            .unwrap_or(&Value::Null)
            .to_string()
            .hash(&mut hasher);
    }
    hasher.finish()
}

fn decode_token(token: &str, fingerprint: u64) -> Option<usize> {
    let text = String::from_utf8(unhex(token)?).ok()?;
    let mut parts = text.split('|');
    (parts.next()? == TOKEN_PREFIX).then_some(())?;
    let offset = parts.next()?.parse().ok()?;
    (parts.next()? == format!("{fingerprint:016x}")).then_some(offset)
}

/// GetResources over the account's tags (ARN to tag set). `page_size`: the size set
/// for the operation, if any.
pub fn get_resources(
    tags: &BTreeMap<String, Map<String, Value>>,
    params: &Value,
    page_size: Option<usize>,
) -> Result<Value, SimError> {
    let per_page = match params.get("ResourcesPerPage").filter(|v| !v.is_null()) {
        None => DEFAULT_RESOURCES_PER_PAGE,
        Some(v) => match v.as_i64() {
            Some(n) if (1..=MAX_RESOURCES_PER_PAGE).contains(&n) => n as usize,
            _ => {
                return Err(invalid(format!(
                    "ResourcesPerPage must be between 1 and {MAX_RESOURCES_PER_PAGE}, got {v}"
                )));
            }
        },
    };
    let per_page = page_size.map_or(per_page, |size| size.clamp(1, per_page));
    let types = strings(params, "ResourceTypeFilters")?;
    let arns = strings(params, "ResourceARNList")?;
    let filters = tag_filters(params)?;
    let fingerprint = fingerprint(params);
    let start = match params.get("PaginationToken").and_then(Value::as_str) {
        None | Some("") => 0,
        Some(token) => decode_token(token, fingerprint)
            .ok_or_else(|| invalid("The PaginationToken is not valid."))?,
    };

    let matching: Vec<(&String, &Map<String, Value>)> = tags
        .iter()
        .filter(|(_, set)| !set.is_empty())
        .filter(|(arn, _)| arns.is_empty() || arns.contains(arn))
        .filter(|(arn, _)| {
            types.is_empty()
                || resource_type(arn).is_some_and(|t| {
                    types
                        .iter()
                        .any(|f| *f == t || t.split(':').next() == Some(f.as_str()))
                })
        })
        .filter(|(_, set)| {
            filters.iter().all(|(key, values)| {
                set.get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|value| values.is_empty() || values.iter().any(|v| v == value))
            })
        })
        .collect();
    let start = start.min(matching.len());
    let end = (start + per_page).min(matching.len());
    let page: Vec<Value> = matching[start..end]
        .iter()
        .map(|(arn, set)| {
            let tags: Vec<Value> = set
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v.as_str().unwrap_or_default()}))
                .collect();
            json!({"ResourceARN": arn, "Tags": tags})
        })
        .collect();
    let token = if end < matching.len() {
        hex(format!("{TOKEN_PREFIX}|{end}|{fingerprint:016x}").as_bytes())
    } else {
        String::new()
    };
    Ok(json!({"ResourceTagMappingList": page, "PaginationToken": token}))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn account() -> BTreeMap<String, Map<String, Value>> {
        let mut tags = BTreeMap::new();
        for (arn, set) in [
            (
                "arn:aws:appstream:eu-west-1:1:fleet/a",
                json!({"owner": "x"}),
            ),
            (
                "arn:aws:appstream:eu-west-1:1:fleet/b",
                json!({"owner": "y", "env": "p"}),
            ),
            (
                "arn:aws:appstream:eu-west-1:1:stack/s",
                json!({"owner": "x"}),
            ),
            (
                "arn:aws:appstream:eu-west-1:1:image-builder/ib",
                json!({"k": "v"}),
            ),
            ("arn:aws:appstream:eu-west-1:1:fleet/untagged", json!({})),
        ] {
            tags.insert(arn.to_owned(), set.as_object().unwrap().clone());
        }
        tags
    }

    fn arns(out: &Value) -> Vec<&str> {
        out["ResourceTagMappingList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["ResourceARN"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn types_and_tag_filters_apply_and_untagged_resources_never_come_back() {
        let tags = account();
        let out = get_resources(
            &tags,
            &json!({"ResourceTypeFilters": ["appstream:fleet"]}),
            None,
        )
        .unwrap();
        assert_eq!(
            arns(&out),
            [
                "arn:aws:appstream:eu-west-1:1:fleet/a",
                "arn:aws:appstream:eu-west-1:1:fleet/b"
            ]
        );
        assert_eq!(out["PaginationToken"], "");
        let out =
            get_resources(&tags, &json!({"ResourceTypeFilters": ["appstream"]}), None).unwrap();
        assert_eq!(arns(&out).len(), 4);
        let out = get_resources(
            &tags,
            &json!({"TagFilters": [{"Key": "owner", "Values": ["x"]}]}),
            None,
        )
        .unwrap();
        assert_eq!(
            arns(&out),
            [
                "arn:aws:appstream:eu-west-1:1:fleet/a",
                "arn:aws:appstream:eu-west-1:1:stack/s"
            ]
        );
        let out = get_resources(&tags, &json!({"TagFilters": [{"Key": "env"}]}), None).unwrap();
        assert_eq!(arns(&out), ["arn:aws:appstream:eu-west-1:1:fleet/b"]);
        assert_eq!(
            out["ResourceTagMappingList"][0]["Tags"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn pages_follow_the_token_and_more_than_100_is_refused() {
        let tags = account();
        let mut seen = Vec::new();
        let mut params = json!({"ResourcesPerPage": 1, "ResourceTypeFilters": ["appstream"]});
        loop {
            let out = get_resources(&tags, &params, None).unwrap();
            assert_eq!(arns(&out).len(), 1);
            seen.extend(arns(&out).into_iter().map(str::to_owned));
            let token = out["PaginationToken"].as_str().unwrap().to_owned();
            if token.is_empty() {
                break;
            }
            // The next request may list its members in another order.
            params = json!({"PaginationToken": token, "ResourceTypeFilters": ["appstream"],
                "ResourcesPerPage": 1});
        }
        assert_eq!(seen.len(), 4);
        let e = get_resources(&tags, &json!({"ResourcesPerPage": 101}), None).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, "InvalidParameterException")
        );
        let e = get_resources(&tags, &json!({"PaginationToken": "zz"}), None).unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        // A smaller page size set for the operation wins.
        let out = get_resources(&tags, &json!({"ResourcesPerPage": 100}), Some(2)).unwrap();
        assert_eq!(arns(&out).len(), 2);
    }
}
