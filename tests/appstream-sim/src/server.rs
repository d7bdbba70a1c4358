//! The HTTP front end: the two AppStream wire protocols and the `/_sim/` control API.
//!
//! Control API (plain JSON; errors are `{"error": CODE, "message": TEXT}` with 4xx):
//!
//! | method and path | body | does |
//! |---|---|---|
//! | `GET /_sim/health` | | `{"status": "ok", "now", "calls", "fleets", "stacks", "associations", "sessions"}` |
//! | `GET /_sim/scenario` | | the current state as a scenario document |
//! | `POST`/`PUT /_sim/scenario` | scenario | replaces the account and resets the clock to its `Now` |
//! | `GET /_sim/clock` | | `{"now": RFC 3339, "epoch": seconds, "frozen": bool}` |
//! | `POST /_sim/clock` | `{"frozen": bool, "set": ISO or epoch, "advance_seconds": N}` (any of them, applied in that order) | moves the clock |
//! | `GET /_sim/faults` | | `{"rules": [rule, ...]}` |
//! | `POST`/`PUT /_sim/faults` | a rule, a list of rules or `{"rules": [...]}` | replaces the rules (see [`FaultRule`]) |
//! | `DELETE /_sim/faults` | | removes all rules |
//! | `GET /_sim/calls` | | `{"calls": [{"seq", "time", "protocol", "operation", "params", "status", "error"?, "injected"}]}` |
//! | `DELETE /_sim/calls` | | empties the call log |
//! | `GET`/`POST /_sim/page-sizes` | `{"DescribeFleets": 2, ...}` | reads / sets page sizes |
//! | `GET`/`POST /_sim/sessions` | Session object | lists / starts a session (defaults filled in, capacity updated) |
//! | `GET`/`PATCH`/`DELETE /_sim/sessions/{id}` | merge patch | reads / changes / ends a session |
//! | `GET`/`POST /_sim/fleets`, `GET`/`PATCH`/`DELETE /_sim/fleets/{name}` | Fleet object / merge patch | fleets |
//! | `GET`/`POST /_sim/stacks`, `GET`/`PATCH`/`DELETE /_sim/stacks/{name}` | Stack object / merge patch | stacks |
//! | `GET`/`POST /_sim/image-builders`, `GET`/`PATCH`/`DELETE /_sim/image-builders/{name}` | ImageBuilder object / merge patch | image builders |
//! | `GET`/`POST /_sim/images`, `GET`/`PATCH`/`DELETE /_sim/images/{name}` | Image object / merge patch | images (`GET` shows them as stored: `ImageSharedWithOthers` is derived on the wire) |
//! | `POST`/`DELETE /_sim/associations` | `{"FleetName", "StackName"}` | associates / disassociates |
//! | `POST /_sim/tags` | `{"Resource": ARN or name, "Tags": {...}}` | replaces a resource's tags |
//! | `GET /_sim/accounts` | | `{"<id>": {"Roles": [...], "Regions": {"<region>": counts or {"Enabled": false}}}}` |
//! | `POST /_sim/accounts` | `{"<id>": {"Roles", "Regions"}}` (the scenario's `Accounts`) | adds accounts, or replaces their roles and the regions given |
//! | `POST /_sim/accounts/generate` | [`Generate`](crate::generate::Generate) as JSON | adds generated accounts; answers their ids |
//! | `GET /_sim/sts` | | `{"AssumeRole": {account: calls}, "AssumeRoleDenied": {account: calls}, "GetCallerIdentity": n, "IssuedCredentials": n}` |
//! | `DELETE /_sim/sts` | | resets the STS counters |
//!
//! The fleet, stack, session, image, association and tag endpoints act on the home
//! world (the scenario's top level); seed other accounts through `Accounts`, these
//! account endpoints, or AppStream calls signed with the account's id as access key.
//!
//! Counts: `health`'s `calls` and the call log (`GET /_sim/calls`) cover every AppStream
//! operation, the image and usage report ones included.
//!
//! A merge patch is RFC 7386: members given replace, `null` removes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::faults::FaultRule;
use crate::generate::Generate;
use crate::scenario::{Scenario, parse_accounts, parse_page_sizes};
use crate::sim::{Protocol, Sim};
use crate::sts::{self, Scope, StsError};
use crate::time::parse_timestamp;
use crate::wire::{
    SERVICE, cbor_body_to_json, cbor_error_body, json_error_body, json_to_cbor_body,
};
use crate::world::{Kind, OPERATIONS};

const CBOR: &str = "application/cbor";
const AMZ_JSON: &str = "application/x-amz-json-1.1";
const BODY_LIMIT: usize = 64 * 1024 * 1024;

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// Builds the router serving both protocols and the control API.
pub fn router(sim: Sim) -> Router {
    Router::new()
        .route(
            "/service/{service}/operation/{operation}",
            post(rpc_v2_cbor),
        )
        .route("/", post(aws_json))
        .route("/_sim/health", get(health))
        .route(
            "/_sim/scenario",
            get(get_scenario).post(put_scenario).put(put_scenario),
        )
        .route("/_sim/clock", get(get_clock).post(post_clock))
        .route(
            "/_sim/faults",
            get(get_faults)
                .post(put_faults)
                .put(put_faults)
                .delete(clear_faults),
        )
        .route("/_sim/calls", get(get_calls).delete(clear_calls))
        .route("/_sim/page-sizes", get(get_page_sizes).post(put_page_sizes))
        .route("/_sim/sessions", get(list_sessions).post(add_session))
        .route(
            "/_sim/sessions/{id}",
            get(get_session).patch(patch_session).delete(end_session),
        )
        .route("/_sim/fleets", get(list_fleets).post(add_fleet))
        .route(
            "/_sim/fleets/{name}",
            get(get_fleet).patch(patch_fleet).delete(remove_fleet),
        )
        .route("/_sim/stacks", get(list_stacks).post(add_stack))
        .route(
            "/_sim/stacks/{name}",
            get(get_stack).patch(patch_stack).delete(remove_stack),
        )
        .route("/_sim/image-builders", collection(Kind::ImageBuilder))
        .route("/_sim/image-builders/{name}", member(Kind::ImageBuilder))
        .route("/_sim/images", collection(Kind::Image))
        .route("/_sim/images/{name}", member(Kind::Image))
        .route("/_sim/associations", post(associate).delete(disassociate))
        .route("/_sim/tags", post(set_tags))
        .route("/_sim/accounts", get(get_accounts).post(add_accounts))
        .route("/_sim/accounts/generate", post(generate_accounts))
        .route("/_sim/sts", get(get_sts).delete(clear_sts))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(sim)
}

fn request_id() -> String {
    let n = REQUEST_IDS.fetch_add(1, Ordering::Relaxed);
    format!("5157a5e0-0000-4000-8000-{n:012x}")
}

fn wire_response(status: u16, content_type: &'static str, body: Vec<u8>, cbor: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if cbor {
        headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    }
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
    (status, headers, body).into_response()
}

fn cbor_error(error: &SimError) -> Response {
    wire_response(
        error.status,
        CBOR,
        cbor_error_body(&error.code, &error.message),
        true,
    )
}

fn json_error(error: &SimError) -> Response {
    wire_response(
        error.status,
        AMZ_JSON,
        json_error_body(&error.code, &error.message),
        false,
    )
}

/// The SigV4 credential scope of a request, if it is signed.
fn scope(headers: &HeaderMap) -> Option<Scope> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Scope::from_authorization)
}

async fn perform(
    sim: &Sim,
    protocol: Protocol,
    operation: &str,
    params: &Value,
    scope: Option<&Scope>,
) -> Result<Value, SimError> {
    let outcome = sim.call_signed(protocol, operation, params, scope);
    match &outcome.result {
        Ok(_) => tracing::info!(%protocol, operation, status = 200, "call"),
        Err(e) => tracing::info!(%protocol, operation, status = e.status, code = %e.code, "call"),
    }
    tracing::debug!(%protocol, operation, %params, "call parameters");
    if outcome.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(outcome.latency_ms)).await;
    }
    outcome.result
}

async fn rpc_v2_cbor(
    State(sim): State<Sim>,
    Path((service, operation)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if service != SERVICE || !OPERATIONS.contains(&operation.as_str()) {
        return cbor_error(&SimError::unknown_operation(
            404,
            &format!("{service}.{operation}"),
        ));
    }
    let protocol_header = headers.get("smithy-protocol").and_then(|v| v.to_str().ok());
    if protocol_header != Some("rpc-v2-cbor") {
        return cbor_error(&SimError::new(
            400,
            "InvalidRequestException",
            "missing or unsupported smithy-protocol header (expected rpc-v2-cbor)",
        ));
    }
    let params = match cbor_body_to_json(&body) {
        Ok(p) => p,
        Err(e) => return cbor_error(&e),
    };
    match perform(
        &sim,
        Protocol::RpcV2Cbor,
        &operation,
        &params,
        scope(&headers).as_ref(),
    )
    .await
    {
        Ok(output) => wire_response(200, CBOR, json_to_cbor_body(&output), true),
        Err(e) => cbor_error(&e),
    }
}

async fn aws_json(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form && !headers.contains_key("x-amz-target") {
        return sts_query(&sim, &headers, &body);
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let operation = match target.split_once('.') {
        Some((service, op)) if service == SERVICE && OPERATIONS.contains(&op) => op.to_owned(),
        Some((service, op)) if crate::tagging::serves(service, op) => op.to_owned(),
        _ => {
            return json_error(&SimError::unknown_operation(
                400,
                if target.is_empty() {
                    "(no X-Amz-Target)"
                } else {
                    target
                },
            ));
        }
    };
    let params: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return json_error(&SimError::serialization(
                    "the request body must be a JSON object",
                ));
            }
            Err(e) => return json_error(&SimError::serialization(format!("invalid JSON: {e}"))),
        }
    };
    match perform(
        &sim,
        Protocol::AwsJson11,
        &operation,
        &params,
        scope(&headers).as_ref(),
    )
    .await
    {
        Ok(output) => wire_response(200, AMZ_JSON, output.to_string().into_bytes(), false),
        Err(e) => json_error(&e),
    }
}

/// STS (Query protocol): a form-encoded `POST /`, answered in XML.
fn sts_query(sim: &Sim, headers: &HeaderMap, body: &Bytes) -> Response {
    let id = request_id();
    let result = sts::parse_form(body)
        .map_err(|e| StsError::sender(400, "MalformedInput", e))
        .and_then(|form| sim.sts(scope(headers).as_ref(), &form));
    let (status, xml) = match &result {
        Ok(output) => (200, sts::render(output, &id)),
        Err(e) => (e.status, sts::render_error(e, &id)),
    };
    tracing::info!(status, "sts call");
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut out = HeaderMap::new();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        out.insert("x-amzn-requestid", v);
    }
    (status, out, xml).into_response()
}

async fn get_accounts(State(sim): State<Sim>) -> Response {
    ok_json(sim.accounts_json())
}

async fn add_accounts(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return control_error(&e),
    };
    match parse_accounts(value) {
        Ok(specs) => control_result(sim.add_accounts(&specs).map(|()| sim.accounts_json())),
        Err(e) => bad_request(e.to_string()),
    }
}

async fn generate_accounts(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return control_error(&e),
    };
    let spec: Generate = match serde_json::from_value(value) {
        Ok(g) => g,
        Err(e) => return bad_request(format!("invalid generator: {e}")),
    };
    match spec.accounts() {
        Ok(specs) => {
            let ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
            control_result(
                sim.add_accounts(&specs)
                    .map(|()| json!({ "AccountIds": ids })),
            )
        }
        Err(e) => bad_request(e.to_string()),
    }
}

async fn get_sts(State(sim): State<Sim>) -> Response {
    ok_json(sim.sts_counts())
}

async fn clear_sts(State(sim): State<Sim>) -> Response {
    sim.clear_sts_counts();
    ok_json(sim.sts_counts())
}

fn ok_json(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn control_error(error: &SimError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        axum::Json(json!({"error": error.code, "message": error.message})),
    )
        .into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    control_error(&bad(message))
}

fn control_result(result: Result<Value, SimError>) -> Response {
    match result {
        Ok(v) => ok_json(v),
        Err(e) => control_error(&e),
    }
}

fn bad(message: impl Into<String>) -> SimError {
    SimError::new(400, "BadRequest", message)
}

fn parse_body(body: &Bytes) -> Result<Value, SimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))
}

fn parse_object(body: &Bytes) -> Result<Map<String, Value>, SimError> {
    match parse_body(body)? {
        Value::Object(m) => Ok(m),
        _ => Err(bad("expected a JSON object")),
    }
}

fn or_not_found(value: Option<Value>, what: &str, name: &str) -> Response {
    match value {
        Some(v) => ok_json(v),
        None => control_error(&SimError::new(
            404,
            "NotFound",
            format!("{what} {name} does not exist"),
        )),
    }
}

async fn health(State(sim): State<Sim>) -> Response {
    ok_json(sim.health())
}

async fn get_scenario(State(sim): State<Sim>) -> Response {
    ok_json(sim.scenario_json())
}

async fn put_scenario(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return control_error(&e),
    };
    let scenario = match Scenario::from_json(value) {
        Ok(s) => s,
        Err(e) => return bad_request(e.to_string()),
    };
    match sim.load_scenario(&scenario) {
        Ok(()) => ok_json(sim.health()),
        Err(e) => control_error(&e),
    }
}

async fn get_clock(State(sim): State<Sim>) -> Response {
    ok_json(sim.clock_json())
}

async fn post_clock(State(sim): State<Sim>, body: Bytes) -> Response {
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(e) => return control_error(&e),
    };
    if let Some(key) = body
        .keys()
        .find(|k| !matches!(k.as_str(), "set" | "advance_seconds" | "frozen"))
    {
        return bad_request(format!(
            "unknown clock field {key}: use set, advance_seconds, frozen"
        ));
    }
    let set = match body.get("set") {
        None | Some(Value::Null) => None,
        Some(v) => match parse_timestamp(v) {
            Some(t) => Some(t),
            None => return bad_request("set must be an ISO-8601 time or epoch seconds"),
        },
    };
    let advance = match body.get("advance_seconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(s) => Some(s),
            None => return bad_request("advance_seconds must be a number"),
        },
    };
    let frozen = match body.get("frozen") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return bad_request("frozen must be true or false"),
    };
    if let Some(f) = frozen {
        sim.set_clock_frozen(f);
    }
    if let Some(t) = set {
        sim.set_clock(t);
    }
    if let Some(s) = advance {
        sim.advance_clock(s);
    }
    ok_json(sim.clock_json())
}

fn faults_json(sim: &Sim) -> Value {
    json!({ "rules": sim.faults() })
}

async fn get_faults(State(sim): State<Sim>) -> Response {
    ok_json(faults_json(&sim))
}

async fn put_faults(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return control_error(&e),
    };
    let rules = match value {
        Value::Object(mut m) if m.contains_key("rules") && m.len() == 1 => {
            m.remove("rules").unwrap_or(Value::Null)
        }
        other => other,
    };
    let rules: Vec<FaultRule> = match rules {
        Value::Array(_) => match serde_json::from_value(rules) {
            Ok(r) => r,
            Err(e) => return bad_request(format!("invalid fault rules: {e}")),
        },
        Value::Object(_) => match serde_json::from_value(rules) {
            Ok(r) => vec![r],
            Err(e) => return bad_request(format!("invalid fault rule: {e}")),
        },
        _ => return bad_request("expected a fault rule, a list of rules or {\"rules\": [...]}"),
    };
    match sim.set_faults(rules) {
        Ok(()) => ok_json(faults_json(&sim)),
        Err(e) => control_error(&e),
    }
}

async fn clear_faults(State(sim): State<Sim>) -> Response {
    match sim.set_faults(Vec::new()) {
        Ok(()) => ok_json(faults_json(&sim)),
        Err(e) => control_error(&e),
    }
}

async fn get_calls(State(sim): State<Sim>) -> Response {
    ok_json(json!({ "calls": sim.calls() }))
}

async fn clear_calls(State(sim): State<Sim>) -> Response {
    sim.clear_calls();
    ok_json(json!({ "calls": [] }))
}

async fn get_page_sizes(State(sim): State<Sim>) -> Response {
    ok_json(json!(sim.page_sizes()))
}

async fn put_page_sizes(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return control_error(&e),
    };
    let sizes: BTreeMap<String, usize> = match parse_page_sizes(&value) {
        Ok(s) => s,
        Err(e) => return bad_request(e.to_string()),
    };
    sim.set_page_sizes(sizes);
    ok_json(json!(sim.page_sizes()))
}

async fn list_sessions(State(sim): State<Sim>) -> Response {
    ok_json(sim.sessions())
}

async fn add_session(State(sim): State<Sim>, body: Bytes) -> Response {
    match parse_body(&body) {
        Ok(v) => control_result(sim.add_session(&v)),
        Err(e) => control_error(&e),
    }
}

async fn get_session(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    or_not_found(sim.session(&id), "session", &id)
}

async fn patch_session(State(sim): State<Sim>, Path(id): Path<String>, body: Bytes) -> Response {
    match parse_object(&body) {
        Ok(m) => control_result(sim.patch_session(&id, &Value::Object(m))),
        Err(e) => control_error(&e),
    }
}

async fn end_session(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    control_result(sim.end_session(&id))
}

async fn list_fleets(State(sim): State<Sim>) -> Response {
    ok_json(sim.fleets())
}

async fn add_fleet(State(sim): State<Sim>, body: Bytes) -> Response {
    match parse_object(&body) {
        Ok(m) => control_result(sim.add_fleet(m)),
        Err(e) => control_error(&e),
    }
}

async fn get_fleet(State(sim): State<Sim>, Path(name): Path<String>) -> Response {
    or_not_found(sim.fleet(&name), "fleet", &name)
}

async fn patch_fleet(State(sim): State<Sim>, Path(name): Path<String>, body: Bytes) -> Response {
    match parse_object(&body) {
        Ok(m) => control_result(sim.patch_fleet(&name, &Value::Object(m))),
        Err(e) => control_error(&e),
    }
}

async fn remove_fleet(State(sim): State<Sim>, Path(name): Path<String>) -> Response {
    control_result(sim.remove_fleet(&name))
}

async fn list_stacks(State(sim): State<Sim>) -> Response {
    ok_json(sim.stacks())
}

async fn add_stack(State(sim): State<Sim>, body: Bytes) -> Response {
    match parse_object(&body) {
        Ok(m) => control_result(sim.add_stack(m)),
        Err(e) => control_error(&e),
    }
}

async fn get_stack(State(sim): State<Sim>, Path(name): Path<String>) -> Response {
    or_not_found(sim.stack(&name), "stack", &name)
}

async fn patch_stack(State(sim): State<Sim>, Path(name): Path<String>, body: Bytes) -> Response {
    match parse_object(&body) {
        Ok(m) => control_result(sim.patch_stack(&name, &Value::Object(m))),
        Err(e) => control_error(&e),
    }
}

async fn remove_stack(State(sim): State<Sim>, Path(name): Path<String>) -> Response {
    control_result(sim.remove_stack(&name))
}

/// `GET` lists the resources of `kind`, `POST` adds one.
fn collection(kind: Kind) -> MethodRouter<Sim> {
    get(move |State(sim): State<Sim>| async move { ok_json(sim.resources(kind)) }).post(
        move |State(sim): State<Sim>, body: Bytes| async move {
            match parse_object(&body) {
                Ok(m) => control_result(sim.add_resource(kind, m)),
                Err(e) => control_error(&e),
            }
        },
    )
}

/// `GET`, `PATCH` (merge patch) and `DELETE` one resource of `kind` by name.
fn member(kind: Kind) -> MethodRouter<Sim> {
    get(
        move |State(sim): State<Sim>, Path(name): Path<String>| async move {
            let noun = if kind == Kind::Image {
                "image"
            } else {
                "image builder"
            };
            or_not_found(sim.resource(kind, &name), noun, &name)
        },
    )
    .patch(
        move |State(sim): State<Sim>, Path(name): Path<String>, body: Bytes| async move {
            match parse_object(&body) {
                Ok(m) => control_result(sim.patch_resource(kind, &name, &Value::Object(m))),
                Err(e) => control_error(&e),
            }
        },
    )
    .delete(
        move |State(sim): State<Sim>, Path(name): Path<String>| async move {
            control_result(sim.remove_resource(kind, &name))
        },
    )
}

fn association(body: &Bytes) -> Result<(String, String), SimError> {
    let m = parse_object(body)?;
    match (
        m.get("FleetName").and_then(Value::as_str),
        m.get("StackName").and_then(Value::as_str),
    ) {
        (Some(f), Some(s)) => Ok((f.to_owned(), s.to_owned())),
        _ => Err(bad("FleetName and StackName are required")),
    }
}

async fn associate(State(sim): State<Sim>, body: Bytes) -> Response {
    match association(&body) {
        Ok((f, s)) => control_result(
            sim.associate(&f, &s)
                .map(|()| json!({"FleetName": f, "StackName": s})),
        ),
        Err(e) => control_error(&e),
    }
}

async fn disassociate(State(sim): State<Sim>, body: Bytes) -> Response {
    match association(&body) {
        Ok((f, s)) => control_result(
            sim.disassociate(&f, &s)
                .map(|()| json!({"FleetName": f, "StackName": s})),
        ),
        Err(e) => control_error(&e),
    }
}

async fn set_tags(State(sim): State<Sim>, body: Bytes) -> Response {
    let m = match parse_object(&body) {
        Ok(m) => m,
        Err(e) => return control_error(&e),
    };
    let Some(resource) = m.get("Resource").and_then(Value::as_str) else {
        return bad_request("Resource (an ARN, fleet name or stack name) is required");
    };
    let tags = match m.get("Tags") {
        Some(Value::Object(t)) => t.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return bad_request("Tags must be an object"),
    };
    control_result(
        sim.set_tags(resource, tags.clone())
            .map(|arn| json!({"ResourceArn": arn, "Tags": tags})),
    )
}
