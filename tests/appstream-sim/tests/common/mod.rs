//! Helpers shared by the integration tests: an SDK client pointed at a simulator, a tiny
//! HTTP/1.1 client for the control API and raw protocol requests, and converters from
//! SDK shapes back to JSON for field-by-field comparison.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use appstream_sim::{Scenario, SimConfig, SimHandle, Simulator};
use aws_sdk_appstream::Client;
use aws_sdk_appstream::config::retry::RetryConfig;
use aws_sdk_appstream::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_appstream::primitives::DateTime;
use aws_sdk_appstream::types::{Fleet, Session};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An SDK client for the simulator at `url`, with static credentials and the standard
/// retry strategy (3 attempts) using a short backoff so tests stay fast.
pub fn client(url: &str) -> Client {
    client_with_retry(
        url,
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(5))
            .with_max_backoff(Duration::from_millis(50)),
    )
}

pub fn client_with_retry(url: &str, retry: RetryConfig) -> Client {
    let config = aws_sdk_appstream::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDSIMULATOR",
            "simulator-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(url)
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// Starts a simulator holding `doc`.
pub async fn start(doc: Value, config: SimConfig) -> SimHandle {
    Simulator::start(Scenario::from_json(doc).unwrap(), config)
        .await
        .unwrap()
}

/// The sample scenario shipped with the crate.
pub fn sample_scenario() -> Scenario {
    Scenario::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/sample.json"
    ))
    .unwrap()
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one HTTP/1.1 request (`Connection: close`) and reads the whole response.
pub async fn http(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = raw[split + 4..].to_vec();
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")),
        "chunked responses are not handled by this test client"
    );
    RawResponse {
        status,
        headers,
        body,
    }
}

/// Calls the control API with an optional JSON body; returns the status and JSON answer.
pub async fn control(url: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let response = http(
        url,
        method,
        path,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await;
    let status = response.status;
    (status, response.json())
}

/// Epoch seconds of an SDK timestamp, as the simulator stores them.
pub fn epoch(t: &DateTime) -> Value {
    let secs = t.as_secs_f64();
    if secs.fract() == 0.0 {
        json!(secs as i64)
    } else {
        json!(secs)
    }
}

fn put<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| json!(s)).collect())
}

/// The fields of the SDK's `Fleet` that the seed document lists, back as JSON.
pub fn fleet_to_json(f: &Fleet) -> Value {
    let mut m = Map::new();
    put(&mut m, "Arn", f.arn());
    put(&mut m, "Name", f.name());
    put(&mut m, "DisplayName", f.display_name());
    put(&mut m, "Description", f.description());
    put(&mut m, "ImageName", f.image_name());
    put(&mut m, "ImageArn", f.image_arn());
    put(&mut m, "InstanceType", f.instance_type());
    put(&mut m, "FleetType", f.fleet_type().map(|t| t.as_str()));
    if let Some(c) = f.compute_capacity_status() {
        let mut s = Map::new();
        put(&mut s, "Desired", c.desired());
        put(&mut s, "Running", c.running());
        put(&mut s, "InUse", c.in_use());
        put(&mut s, "Available", c.available());
        put(&mut s, "DesiredUserSessions", c.desired_user_sessions());
        put(&mut s, "AvailableUserSessions", c.available_user_sessions());
        put(&mut s, "ActiveUserSessions", c.active_user_sessions());
        put(&mut s, "ActualUserSessions", c.actual_user_sessions());
        m.insert("ComputeCapacityStatus".into(), Value::Object(s));
    }
    put(
        &mut m,
        "MaxUserDurationInSeconds",
        f.max_user_duration_in_seconds(),
    );
    put(
        &mut m,
        "DisconnectTimeoutInSeconds",
        f.disconnect_timeout_in_seconds(),
    );
    put(&mut m, "State", f.state().map(|s| s.as_str()));
    if let Some(v) = f.vpc_config() {
        m.insert(
            "VpcConfig".into(),
            json!({"SubnetIds": strings(v.subnet_ids()), "SecurityGroupIds": strings(v.security_group_ids())}),
        );
    }
    put(&mut m, "CreatedTime", f.created_time().map(epoch));
    m.insert(
        "FleetErrors".into(),
        Value::Array(
            f.fleet_errors()
                .iter()
                .map(|e| {
                    json!({
                        "ErrorCode": e.error_code().map(|c| c.as_str()),
                        "ErrorMessage": e.error_message(),
                    })
                })
                .collect(),
        ),
    );
    put(
        &mut m,
        "EnableDefaultInternetAccess",
        f.enable_default_internet_access(),
    );
    if let Some(d) = f.domain_join_info() {
        m.insert(
            "DomainJoinInfo".into(),
            json!({
                "DirectoryName": d.directory_name(),
                "OrganizationalUnitDistinguishedName": d.organizational_unit_distinguished_name(),
            }),
        );
    }
    put(
        &mut m,
        "IdleDisconnectTimeoutInSeconds",
        f.idle_disconnect_timeout_in_seconds(),
    );
    put(&mut m, "IamRoleArn", f.iam_role_arn());
    put(&mut m, "StreamView", f.stream_view().map(|s| s.as_str()));
    put(&mut m, "Platform", f.platform().map(|p| p.as_str()));
    put(&mut m, "MaxConcurrentSessions", f.max_concurrent_sessions());
    if !f.usb_device_filter_strings().is_empty() {
        m.insert(
            "UsbDeviceFilterStrings".into(),
            strings(f.usb_device_filter_strings()),
        );
    }
    if let Some(s) = f.session_script_s3_location() {
        m.insert(
            "SessionScriptS3Location".into(),
            json!({"S3Bucket": s.s3_bucket(), "S3Key": s.s3_key()}),
        );
    }
    put(
        &mut m,
        "MaxSessionsPerInstance",
        f.max_sessions_per_instance(),
    );
    Value::Object(m)
}

/// The SDK's `Session` back as JSON.
pub fn session_to_json(s: &Session) -> Value {
    let mut m = Map::new();
    put(&mut m, "Id", s.id());
    put(&mut m, "UserId", s.user_id());
    put(&mut m, "StackName", s.stack_name());
    put(&mut m, "FleetName", s.fleet_name());
    put(&mut m, "State", s.state().map(|x| x.as_str()));
    put(
        &mut m,
        "ConnectionState",
        s.connection_state().map(|x| x.as_str()),
    );
    put(&mut m, "StartTime", s.start_time().map(epoch));
    put(
        &mut m,
        "MaxExpirationTime",
        s.max_expiration_time().map(epoch),
    );
    put(
        &mut m,
        "AuthenticationType",
        s.authentication_type().map(|x| x.as_str()),
    );
    if let Some(n) = s.network_access_configuration() {
        m.insert(
            "NetworkAccessConfiguration".into(),
            json!({"EniPrivateIpAddress": n.eni_private_ip_address(), "EniId": n.eni_id()}),
        );
    }
    put(&mut m, "InstanceId", s.instance_id());
    Value::Object(m)
}

/// A fleet carrying every member the seed document's DescribeFleets response lists.
pub fn seed_fleet() -> Value {
    json!({
        "Arn": "arn:aws:appstream:us-east-1:123456789012:fleet/seed-multi",
        "Name": "seed-multi",
        "DisplayName": "Seed multi-session fleet",
        "Description": "Every member of the 2023-10-26 DescribeFleets response",
        "ImageName": "seed-image",
        "ImageArn": "arn:aws:appstream:us-east-1:123456789012:image/seed-image",
        "InstanceType": "stream.standard.xlarge",
        "FleetType": "ALWAYS_ON",
        "ComputeCapacityStatus": {
            "Desired": 3, "Running": 2, "InUse": 2, "Available": 0,
            "DesiredUserSessions": 12, "AvailableUserSessions": 3,
            "ActiveUserSessions": 5, "ActualUserSessions": 8
        },
        "MaxUserDurationInSeconds": 36000,
        "DisconnectTimeoutInSeconds": 900,
        "State": "RUNNING",
        "VpcConfig": {
            "SubnetIds": ["subnet-11111111", "subnet-22222222"],
            "SecurityGroupIds": ["sg-33333333"]
        },
        "CreatedTime": "2023-10-26T10:15:30.250Z",
        "FleetErrors": [
            {"ErrorCode": "NETWORK_INTERFACE_LIMIT_EXCEEDED", "ErrorMessage": "ENI limit reached"},
            {"ErrorCode": "DOMAIN_JOIN_ERROR_ACCESS_DENIED", "ErrorMessage": "Access denied"}
        ],
        "EnableDefaultInternetAccess": false,
        "DomainJoinInfo": {
            "DirectoryName": "corp.example.com",
            "OrganizationalUnitDistinguishedName": "OU=AppStream,DC=corp,DC=example,DC=com"
        },
        "IdleDisconnectTimeoutInSeconds": 600,
        "IamRoleArn": "arn:aws:iam::123456789012:role/appstream-seed",
        "StreamView": "DESKTOP",
        "Platform": "WINDOWS_SERVER_2019",
        "MaxConcurrentSessions": 40,
        "UsbDeviceFilterStrings": ["0x0781, 0x5581, *, *, *, *, 1, 0"],
        "SessionScriptS3Location": {"S3Bucket": "seed-bucket", "S3Key": "scripts/session.json"},
        "MaxSessionsPerInstance": 4
    })
}
