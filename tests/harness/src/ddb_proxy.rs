//! A fault-injecting HTTP proxy in front of moto's DynamoDB.
//!
//! moto answers every `BatchWriteItem` in full and never throttles, so code that must cope
//! with `UnprocessedItems` or with throttling errors cannot be tested against it directly.
//! [`DynamoProxy`] sits between the client under test and moto: it forwards every request
//! unchanged, except the ones a test has armed a fault for:
//!
//! - [`DynamoProxy::unprocess_batch_writes`]: `BatchWriteItem` calls reach moto with only
//!   their first write requests; the rest come back to the caller as `UnprocessedItems`.
//! - [`DynamoProxy::throttle`] / [`DynamoProxy::throttle_with`]: calls are answered with a
//!   throttling error (HTTP 400, awsJson1_0 error body) without reaching moto.
//!
//! ```no_run
//! # async fn demo() {
//! use streamwarden_harness::{DynamoProxy, Moto};
//! let moto = Moto::start();
//! let proxy = DynamoProxy::start(moto.url());
//! let db = aws_sdk_dynamodb::Client::new(&proxy.sdk_config(&moto.sdk_config()));
//! proxy.throttle("PutItem", 2);
//! // ... the SDK retries twice, the third attempt reaches moto ...
//! assert_eq!(proxy.stats().throttled, 2);
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use aws_config::SdkConfig;
use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

/// The operation name that matches every operation in [`DynamoProxy::throttle`].
pub const ANY_OPERATION: &str = "*";
/// The error [`DynamoProxy::throttle`] answers with.
pub const PROVISIONED_THROUGHPUT_EXCEEDED: &str = "ProvisionedThroughputExceededException";
/// Counted in [`ProxyStats::requests`] for requests without an `X-Amz-Target` header.
pub const NO_OPERATION: &str = "(none)";

/// Largest request or response body the proxy reads (DynamoDB's own limit is 16 MB).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// The awsJson1_0 content type of DynamoDB requests and responses.
const AMZ_JSON: &str = "application/x-amz-json-1.0";
/// Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, not the
/// message, so they are not copied from one side of the proxy to the other. Bodies are
/// read in full and re-sent with a `Content-Length`, which replaces any chunked framing.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

static REQUEST_IDS: AtomicU64 = AtomicU64::new(0);

/// What the proxy has seen and done since it started. Counters only grow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Requests received, by operation (the part of `X-Amz-Target` after the dot, e.g.
    /// `PutItem`; [`NO_OPERATION`] when the header is missing), throttled ones included.
    pub requests: BTreeMap<String, usize>,
    /// Requests answered with a throttling error instead of being forwarded.
    pub throttled: usize,
    /// Write requests withheld from `BatchWriteItem` calls and returned to the caller in
    /// `UnprocessedItems`.
    pub unprocessed_items: usize,
    /// Write requests forwarded to the upstream inside `BatchWriteItem` calls (all of
    /// them when no fault is armed, only the kept ones when one is).
    pub batch_write_requests_forwarded: usize,
}

impl ProxyStats {
    /// Requests received for `operation` (e.g. `"PutItem"`), throttled ones included.
    pub fn requests_for(&self, operation: &str) -> usize {
        self.requests.get(operation).copied().unwrap_or(0)
    }
}

/// An HTTP proxy on `127.0.0.1:<free port>` in front of a DynamoDB endpoint (moto), that
/// injects the faults moto never produces: partial `BatchWriteItem` results and throttling.
///
/// It runs on a thread with its own Tokio runtime, like [`AppStream`](crate::AppStream),
/// so it serves `#[tokio::test]` tests, sync tests and child processes alike. Dropping it
/// stops the server (open connections are closed) and joins the thread.
///
/// Requests without an armed fault are forwarded unchanged: method, path and query,
/// headers (except `Host`, `Content-Length` and hop-by-hop headers, which are set for the
/// upstream connection) and body; the upstream's status, headers and body come back the
/// same way. The SDK's signature is forwarded as it is: moto does not check it, so a body
/// the proxy shortens is still accepted. When the proxy changes a response body it
/// recomputes `Content-Length` and `x-amz-crc32` (which moto sends and boto3 checks).
///
/// Faults are armed per call count and are consumed as matching requests arrive; arming
/// again replaces what was left. Throttling is checked first, so a throttled
/// `BatchWriteItem` does not use up an [`unprocess_batch_writes`](Self::unprocess_batch_writes)
/// arm.
#[derive(Debug)]
pub struct DynamoProxy {
    addr: SocketAddr,
    upstream: String,
    state: Arc<Mutex<ProxyState>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DynamoProxy {
    /// Starts a proxy forwarding to `upstream`, a plain-HTTP base URL such as
    /// [`Moto::url`](crate::Moto::url) (`http://127.0.0.1:43123`). Returns once it
    /// listens.
    ///
    /// # Panics
    /// When `upstream` is not an `http://host[:port]` URL, or the proxy cannot bind a port
    /// or start its thread.
    pub fn start(upstream: &str) -> DynamoProxy {
        let upstream = upstream.trim_end_matches('/').to_owned();
        match upstream.parse::<Uri>() {
            Ok(uri)
                if uri.scheme_str() == Some("http")
                    && uri.authority().is_some()
                    && uri.path_and_query().is_none_or(|p| p.as_str() == "/") => {}
            _ => panic!("DynamoProxy upstream must be an http://host[:port] URL, got {upstream:?}"),
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .unwrap_or_else(|e| panic!("DynamoProxy could not bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("DynamoProxy listener has no address: {e}"));
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let proxy = Arc::new(Forwarder {
            upstream: upstream.clone(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            state: Arc::clone(&state),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ddb-proxy".to_owned())
            .spawn(move || serve(listener, proxy, &ready_tx, stop_rx))
            .unwrap_or_else(|e| panic!("DynamoProxy could not spawn its thread: {e}"));
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(message)) => panic!("DynamoProxy did not start: {message}"),
            Err(_) => panic!("DynamoProxy thread exited during start"),
        }
        DynamoProxy {
            addr,
            upstream,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The proxy's base URL, e.g. `http://127.0.0.1:43124`: use it as the DynamoDB
    /// endpoint of the client under test.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The upstream the proxy forwards to, as given to [`start`](Self::start) (without a
    /// trailing slash).
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// `base` (e.g. [`Moto::sdk_config`](crate::Moto::sdk_config)) with its endpoint
    /// pointed at the proxy: `aws_sdk_dynamodb::Client::new(&proxy.sdk_config(&base))`.
    /// Made for DynamoDB; any other service's requests are forwarded too (the Security
    /// Hub tests use it), but restJson1 requests carry no `X-Amz-Target`: they count under
    /// [`NO_OPERATION`], and only [`ANY_OPERATION`] (or `NO_OPERATION`) throttles them.
    pub fn sdk_config(&self, base: &SdkConfig) -> SdkConfig {
        base.to_builder().endpoint_url(self.url()).build()
    }

    /// `("AWS_ENDPOINT_URL_DYNAMODB", url)`, for a child process (what
    /// [`LocalStack::env`](crate::LocalStack::env) sets when the stack has a proxy).
    pub fn env(&self) -> (String, String) {
        ("AWS_ENDPOINT_URL_DYNAMODB".to_owned(), self.url())
    }

    /// For the next `calls` `BatchWriteItem` requests: forward only the first `keep` write
    /// requests (across tables, in the order of the request body) and return the rest to
    /// the caller as `UnprocessedItems`, merged into the upstream's successful response
    /// (after any the upstream left unprocessed itself, per table).
    ///
    /// A call with no more than `keep` write requests is forwarded whole but still uses up
    /// one of the `calls`. With `keep == 0` nothing reaches the upstream and the proxy
    /// answers `200 {"UnprocessedItems": ...}` itself (real DynamoDB may instead throttle
    /// the call when nothing at all can be written: use [`throttle`](Self::throttle) for
    /// that). If the upstream rejects the shortened request, its error is returned as it
    /// is. `calls == 0` disarms.
    pub fn unprocess_batch_writes(&self, calls: usize, keep: usize) {
        self.lock().unprocess = (calls > 0).then_some(Unprocess { calls, keep });
    }

    /// The next `calls` requests of `operation` (e.g. `"BatchWriteItem"`, `"Query"`,
    /// `"PutItem"`, or [`ANY_OPERATION`] `"*"`) are answered with HTTP 400
    /// `ProvisionedThroughputExceededException` without reaching the upstream. The SDK's
    /// standard retry strategy classifies it as throttling and retries with backoff.
    ///
    /// A rule for the request's own operation is used before a `"*"` rule. `calls == 0`
    /// disarms the operation.
    pub fn throttle(&self, operation: &str, calls: usize) {
        self.throttle_with(operation, calls, PROVISIONED_THROUGHPUT_EXCEEDED);
    }

    /// Like [`throttle`](Self::throttle), with another DynamoDB throttling error code:
    /// `"ThrottlingException"`, `"RequestLimitExceeded"` or
    /// `"ProvisionedThroughputExceededException"` (any other code is sent as given, with
    /// a generic message, still with HTTP 400).
    pub fn throttle_with(&self, operation: &str, calls: usize, error_code: &str) {
        let mut state = self.lock();
        if calls == 0 {
            state.throttles.remove(operation);
        } else {
            state.throttles.insert(
                operation.to_owned(),
                ThrottleRule {
                    remaining: calls,
                    error_code: error_code.to_owned(),
                },
            );
        }
    }

    /// Disarms every fault: from now on all requests are forwarded unchanged.
    pub fn clear_faults(&self) {
        let mut state = self.lock();
        state.throttles.clear();
        state.unprocess = None;
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ProxyStats {
        self.lock().stats.clone()
    }

    fn lock(&self) -> MutexGuard<'_, ProxyState> {
        lock(&self.state)
    }
}

impl Drop for DynamoProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _sent = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _joined = thread.join();
        }
    }
}

/// Armed faults and counters, shared by the handle and the server.
#[derive(Debug, Default)]
struct ProxyState {
    /// Operation name (or `"*"`) -> throttling rule.
    throttles: HashMap<String, ThrottleRule>,
    unprocess: Option<Unprocess>,
    stats: ProxyStats,
}

#[derive(Debug)]
struct ThrottleRule {
    remaining: usize,
    error_code: String,
}

#[derive(Debug, Clone, Copy)]
struct Unprocess {
    calls: usize,
    keep: usize,
}

fn lock(state: &Mutex<ProxyState>) -> MutexGuard<'_, ProxyState> {
    // A panic elsewhere while holding the lock leaves counters that are still usable.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server side: the upstream client and the shared state.
struct Forwarder {
    upstream: String,
    client: Client<HttpConnector, Body>,
    state: Arc<Mutex<ProxyState>>,
}

/// What to do with one request, decided under the lock.
enum Decision {
    /// Answer with this throttling error code.
    Throttle(String),
    /// Forward the request body as it is.
    Forward,
    /// Forward `forwarded` (when any write request is kept), then add `withheld` to the
    /// response's `UnprocessedItems`.
    Split(BatchSplit),
}

/// The thread body: a current-thread runtime serving `listener` until `stop` fires.
/// Dropping the runtime at the end closes connections still open.
fn serve(
    listener: TcpListener,
    proxy: Arc<Forwarder>,
    ready: &std::sync::mpsc::Sender<Result<(), String>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _sent = ready.send(Err(format!("building the Tokio runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                let _sent = ready.send(Err(format!("registering the listener: {e}")));
                return;
            }
        };
        let app = Router::new().fallback(handle).with_state(proxy);
        let _sent = ready.send(Ok(()));
        tokio::select! {
            result = axum::serve(listener, app).into_future() => {
                if let Err(e) = result {
                    eprintln!("DynamoProxy server stopped: {e}");
                }
            }
            _stopped = stop => {}
        }
    });
}

/// Every request, whatever its method and path.
async fn handle(State(proxy): State<Arc<Forwarder>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => return plain_error(StatusCode::BAD_REQUEST, &format!("reading body: {e}")),
    };
    let operation = operation_of(&parts.headers);
    match proxy.decide(&operation, &body) {
        Decision::Throttle(error_code) => throttling_response(&error_code),
        Decision::Forward => match proxy.forward(&parts, body).await {
            Ok(upstream) => upstream.into_response(),
            Err(message) => plain_error(StatusCode::BAD_GATEWAY, &message),
        },
        Decision::Split(split) => proxy.forward_split(&parts, split).await,
    }
}

impl Forwarder {
    /// Counts the request and consumes the fault (if any) it triggers.
    fn decide(&self, operation: &str, body: &[u8]) -> Decision {
        let mut state = lock(&self.state);
        let state = &mut *state;
        *state
            .stats
            .requests
            .entry(operation.to_owned())
            .or_default() += 1;

        for key in [operation, ANY_OPERATION] {
            if let Some(rule) = state.throttles.get_mut(key) {
                rule.remaining = rule.remaining.saturating_sub(1);
                let error_code = rule.error_code.clone();
                if rule.remaining == 0 {
                    state.throttles.remove(key);
                }
                state.stats.throttled += 1;
                return Decision::Throttle(error_code);
            }
        }

        if operation != "BatchWriteItem" {
            return Decision::Forward;
        }
        let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(body) else {
            // Not ours to judge: the upstream answers a malformed request.
            return Decision::Forward;
        };
        let Some(unprocess) = state.unprocess else {
            state.stats.batch_write_requests_forwarded += count_write_requests(&request);
            return Decision::Forward;
        };
        state.unprocess = (unprocess.calls > 1).then_some(Unprocess {
            calls: unprocess.calls - 1,
            keep: unprocess.keep,
        });
        let split = split_batch(request, unprocess.keep);
        state.stats.batch_write_requests_forwarded += split.kept;
        if split.withheld_count == 0 {
            Decision::Forward
        } else {
            Decision::Split(split)
        }
    }

    /// Sends the request upstream with `body` and reads the whole response.
    async fn forward(&self, parts: &Parts, body: Bytes) -> Result<Upstream, String> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let uri = format!("{}{path}", self.upstream);
        let mut builder = axum::http::Request::builder()
            .method(parts.method.clone())
            .uri(&uri);
        if let Some(headers) = builder.headers_mut() {
            copy_end_to_end_headers(&parts.headers, headers);
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let request = builder
            .body(Body::from(body))
            .map_err(|e| format!("building the upstream request to {uri}: {e}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("DynamoProxy could not reach the upstream {uri}: {e}"))?;
        let (parts, body) = response.into_parts();
        let body = to_bytes(Body::new(body), MAX_BODY)
            .await
            .map_err(|e| format!("reading the upstream response from {uri}: {e}"))?;
        let mut headers = HeaderMap::new();
        copy_end_to_end_headers(&parts.headers, &mut headers);
        Ok(Upstream {
            status: parts.status,
            headers,
            body,
        })
    }

    /// A `BatchWriteItem` with withheld write requests: forwards the kept ones (if any)
    /// and adds the withheld ones to `UnprocessedItems`.
    async fn forward_split(&self, parts: &Parts, split: BatchSplit) -> Response {
        let mut upstream = match split.forwarded {
            Some(body) => match self.forward(parts, body).await {
                Ok(upstream) => upstream,
                Err(message) => return plain_error(StatusCode::BAD_GATEWAY, &message),
            },
            None => Upstream::synthesized(StatusCode::OK, Bytes::from_static(b"{}")),
        };
        if !upstream.status.is_success() {
            return upstream.into_response();
        }
        let Ok(Value::Object(mut response)) = serde_json::from_slice::<Value>(&upstream.body)
        else {
            return upstream.into_response();
        };
        let unprocessed = response
            .entry("UnprocessedItems")
            .or_insert_with(|| Value::Object(Map::new()));
        if !unprocessed.is_object() {
            *unprocessed = Value::Object(Map::new());
        }
        if let Value::Object(tables) = unprocessed {
            for (table, requests) in split.withheld {
                let entry = tables
                    .entry(table)
                    .or_insert_with(|| Value::Array(Vec::new()));
                match entry {
                    Value::Array(existing) => existing.extend(requests),
                    other => *other = Value::Array(requests),
                }
            }
        }
        let body = Value::Object(response).to_string();
        upstream.set_body(Bytes::from(body));
        lock(&self.state).stats.unprocessed_items += split.withheld_count;
        upstream.into_response()
    }
}

/// A whole upstream response (or one the proxy made up), ready to send back.
struct Upstream {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Upstream {
    /// A DynamoDB-style response made by the proxy itself.
    fn synthesized(status: StatusCode, body: Bytes) -> Upstream {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
        let request_id = format!(
            "STREAMWARDENDDBPROXY{:032}",
            REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
        );
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert(HeaderName::from_static("x-amzn-requestid"), value);
        }
        let mut upstream = Upstream {
            status,
            headers,
            body: Bytes::new(),
        };
        upstream.set_body(body);
        upstream
    }

    /// Replaces the body and keeps `x-amz-crc32` (DynamoDB's body checksum) true to it.
    fn set_body(&mut self, body: Bytes) {
        self.headers.insert(
            HeaderName::from_static("x-amz-crc32"),
            HeaderValue::from(crc32(&body)),
        );
        self.body = body;
    }
}

impl IntoResponse for Upstream {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        // Content-Length comes from the (complete) body.
        response
    }
}

/// The awsJson1_0 error DynamoDB sends when it throttles a request.
fn throttling_response(error_code: &str) -> Response {
    let (namespace, message) = match error_code {
        PROVISIONED_THROUGHPUT_EXCEEDED => (
            "com.amazonaws.dynamodb.v20120810",
            "The level of configured provisioned throughput for the table was exceeded. \
             Consider increasing your provisioning level with the UpdateTable API.",
        ),
        "ThrottlingException" => (
            "com.amazon.coral.availability",
            "Rate of requests exceeds the allowed throughput.",
        ),
        "RequestLimitExceeded" => (
            "com.amazonaws.dynamodb.v20120810",
            "Throughput exceeds the current throughput limit for your account. \
             Please contact AWS Support at https://aws.amazon.com/support request a limit increase",
        ),
        _ => (
            "com.amazonaws.dynamodb.v20120810",
            "Throttled by the Streamwarden test proxy.",
        ),
    };
    let body = serde_json::json!({
        "__type": format!("{namespace}#{error_code}"),
        "message": message,
    });
    Upstream::synthesized(StatusCode::BAD_REQUEST, Bytes::from(body.to_string())).into_response()
}

/// A plain-text error about the proxy itself (unreadable request, upstream unreachable).
fn plain_error(status: StatusCode, message: &str) -> Response {
    (status, format!("DynamoProxy: {message}\n")).into_response()
}

/// The operation of an awsJson request: `PutItem` from
/// `X-Amz-Target: DynamoDB_20120810.PutItem`.
fn operation_of(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .map_or(NO_OPERATION, |target| {
            target.rsplit_once('.').map_or(target, |(_, op)| op)
        })
        .to_owned()
}

/// Copies `from` into `to`, leaving out `Host`, `Content-Length` and hop-by-hop headers.
fn copy_end_to_end_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if name == HOST || name == CONTENT_LENGTH || HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        to.append(name.clone(), value.clone());
    }
}

/// A `BatchWriteItem` request cut in two.
#[derive(Debug)]
struct BatchSplit {
    /// The request body with only the kept write requests; `None` when none is kept.
    forwarded: Option<Bytes>,
    /// How many write requests are kept.
    kept: usize,
    /// Table -> withheld write requests, in request order (tables in body order).
    withheld: Vec<(String, Vec<Value>)>,
    /// How many write requests are withheld.
    withheld_count: usize,
}

/// Keeps the first `keep` write requests of a `BatchWriteItem` request (walking tables in
/// body order) and withholds the rest. Other request fields (`ReturnConsumedCapacity`,
/// ...) are kept; tables left without a request are dropped from `RequestItems`.
fn split_batch(mut request: Map<String, Value>, keep: usize) -> BatchSplit {
    let mut kept_items = Map::new();
    let mut withheld = Vec::new();
    let (mut kept, mut withheld_count) = (0, 0);
    let request_items = match request.remove("RequestItems") {
        Some(Value::Object(items)) => items,
        _ => Map::new(),
    };
    for (table, requests) in request_items {
        let Value::Array(requests) = requests else {
            kept_items.insert(table, requests);
            continue;
        };
        let take = keep.saturating_sub(kept).min(requests.len());
        let mut requests = requests;
        let rest = requests.split_off(take);
        kept += requests.len();
        withheld_count += rest.len();
        if !requests.is_empty() {
            kept_items.insert(table.clone(), Value::Array(requests));
        }
        if !rest.is_empty() {
            withheld.push((table, rest));
        }
    }
    let forwarded = (kept > 0).then(|| {
        // RequestItems first, where the SDK puts it.
        let mut body = Map::new();
        body.insert("RequestItems".to_owned(), Value::Object(kept_items));
        body.extend(request);
        Bytes::from(Value::Object(body).to_string())
    });
    BatchSplit {
        forwarded,
        kept,
        withheld,
        withheld_count,
    }
}

/// How many write requests a `BatchWriteItem` request carries.
fn count_write_requests(request: &Map<String, Value>) -> usize {
    request
        .get("RequestItems")
        .and_then(Value::as_object)
        .map_or(0, |tables| {
            tables
                .values()
                .filter_map(Value::as_array)
                .map(Vec::len)
                .sum()
        })
}

/// CRC-32 (IEEE 802.3, as zlib and Python's `binascii.crc32`), DynamoDB's `x-amz-crc32`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn split_keeps_the_first_requests_across_tables_in_body_order() {
        let put = |n: u32| json!({"PutRequest": {"Item": {"PK": {"S": n.to_string()}}}});
        let request = json!({
            "RequestItems": {"b": [put(1), put(2)], "a": [put(3), put(4), put(5)]},
            "ReturnConsumedCapacity": "TOTAL"
        });
        let Value::Object(request) = request else {
            unreachable!()
        };
        assert_eq!(count_write_requests(&request), 5);

        let split = split_batch(request.clone(), 3);
        assert_eq!((split.kept, split.withheld_count), (3, 2));
        let forwarded: Value = serde_json::from_slice(&split.forwarded.unwrap()).unwrap();
        assert_eq!(
            forwarded,
            json!({
                "RequestItems": {"b": [put(1), put(2)], "a": [put(3)]},
                "ReturnConsumedCapacity": "TOTAL"
            })
        );
        assert_eq!(split.withheld, [("a".to_owned(), vec![put(4), put(5)])]);

        let none_kept = split_batch(request.clone(), 0);
        assert!(none_kept.forwarded.is_none());
        assert_eq!(none_kept.withheld_count, 5);

        let all_kept = split_batch(request, 25);
        assert_eq!((all_kept.kept, all_kept.withheld_count), (5, 0));
    }

    #[test]
    fn operation_comes_from_the_target_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(operation_of(&headers), NO_OPERATION);
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("DynamoDB_20120810.BatchWriteItem"),
        );
        assert_eq!(operation_of(&headers), "BatchWriteItem");
    }
}
