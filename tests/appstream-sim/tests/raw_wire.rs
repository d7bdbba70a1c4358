//! Requests sent by hand: awsJson1_1 (as the AWS CLI and boto3 send it), raw RPC v2 CBOR
//! framing, and the `appstream-sim` binary itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use appstream_sim::SimConfig;
use ciborium::Value as Cbor;
use common::{client, control, http, seed_fleet, start};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

fn doc() -> Value {
    json!({
        "Now": "2026-11-27T09:00:00Z",
        "Fleets": [seed_fleet()],
        "Stacks": [{"Name": "seed-stack"}],
        "Associations": [{"FleetName": "seed-multi", "StackName": "seed-stack"}],
        "Sessions": [{"Id": "x1", "UserId": "u", "FleetName": "seed-multi", "StackName": "seed-stack",
            "State": "ACTIVE", "ConnectionState": "CONNECTED", "AuthenticationType": "API",
            "StartTime": "2026-11-27T08:00:00Z", "MaxExpirationTime": "2026-11-27T18:00:00Z",
            "InstanceId": "i-0123456789abcdef0"}]
    })
}

async fn aws_json(url: &str, target: &str, body: Value) -> common::RawResponse {
    http(
        url,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target),
        ],
        body.to_string().as_bytes(),
    )
    .await
}

#[tokio::test]
async fn aws_json_1_1_by_hand() {
    let sim = start(doc(), SimConfig::default()).await;
    let url = sim.url();

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeFleets",
        json!({"Names": ["seed-multi"]}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
    assert!(r.header("x-amzn-requestid").is_some());
    let body = r.json();
    let fleet = &body["Fleets"][0];
    assert_eq!(
        fleet["CreatedTime"],
        json!(1_698_315_330.25),
        "timestamps are epoch-seconds numbers"
    );
    assert_eq!(fleet["ComputeCapacityStatus"]["ActualUserSessions"], 8);
    assert_eq!(fleet["MaxSessionsPerInstance"], 4);

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeSessions",
        json!({"FleetName": "seed-multi", "StackName": "seed-stack"}),
    )
    .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["Sessions"][0]["StartTime"], json!(1_795_766_400));
    assert_eq!(body["Sessions"][0]["InstanceId"], "i-0123456789abcdef0");

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeFleets",
        json!({"Names": ["ghost"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "ResourceNotFoundException");
    assert!(r.json()["message"].as_str().unwrap().contains("ghost"));

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeSessions",
        json!({"FleetName": "seed-multi", "StackName": "seed-stack", "UserId": "u"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("InvalidParameterCombinationException"))
    );

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.CreateStack",
        json!({"Name": "agents", "AgentAccessConfig": {"Settings": [
            {"AgentAction": "SCREEN_READER", "Permission": "ENABLED"}]}}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("ValidationException")),
        "an AgentAction the service does not know is refused"
    );
    let r = aws_json(
        &url,
        "PhotonAdminProxyService.UpdateStack",
        json!({"Name": "seed-stack", "EmbedHostDomains": ["portal.example.com"]}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["Stack"]["EmbedHostDomains"],
        json!(["portal.example.com"])
    );

    let r = aws_json(&url, "PhotonAdminProxyService.DeleteFleet", json!({})).await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let r = aws_json(&url, "SomethingElse.DescribeFleets", json!({})).await;
    assert_eq!(r.status, 400);
    let r = http(
        &url,
        "POST",
        "/",
        &[("X-Amz-Target", "PhotonAdminProxyService.DescribeStacks")],
        b"{not json",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("SerializationException"))
    );

    let calls = sim.sim().calls();
    assert_eq!(calls[0].operation, "DescribeFleets");
    assert_eq!(
        serde_json::to_value(calls[0].protocol).unwrap(),
        "awsJson1_1"
    );
    assert_eq!(calls[0].params, json!({"Names": ["seed-multi"]}));
    sim.shutdown().await;
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

fn lookup<'a>(map: &'a Cbor, key: &str) -> &'a Cbor {
    map.as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key}"))
}

#[tokio::test]
async fn rpc_v2_cbor_framing_by_hand() {
    let sim = start(doc(), SimConfig::default()).await;
    let url = sim.url();
    let path = "/service/PhotonAdminProxyService/operation/DescribeFleets";
    let body = cbor(&Cbor::Map(vec![(
        Cbor::Text("Names".into()),
        Cbor::Array(vec![Cbor::Text("seed-multi".into())]),
    )]));
    let headers = [
        ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Type", "application/cbor"),
        ("Accept", "application/cbor"),
    ];

    let r = http(&url, "POST", path, &headers, &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("smithy-protocol"), Some("rpc-v2-cbor"));
    assert_eq!(r.header("content-type"), Some("application/cbor"));
    let value: Cbor = ciborium::from_reader(r.body.as_slice()).unwrap();
    let fleet = &lookup(&value, "Fleets").as_array().unwrap()[0];
    match lookup(fleet, "CreatedTime") {
        Cbor::Tag(1, inner) => assert_eq!(inner.as_float(), Some(1_698_315_330.25)),
        other => panic!("CreatedTime is not tag 1: {other:?}"),
    }
    assert!(matches!(
        lookup(fleet, "MaxSessionsPerInstance"),
        Cbor::Integer(_)
    ));

    let missing = cbor(&Cbor::Map(vec![(
        Cbor::Text("Names".into()),
        Cbor::Array(vec![Cbor::Text("ghost".into())]),
    )]));
    let r = http(&url, "POST", path, &headers, &missing).await;
    assert_eq!(r.status, 400);
    let value: Cbor = ciborium::from_reader(r.body.as_slice()).unwrap();
    assert_eq!(
        lookup(&value, "__type").as_text(),
        Some("com.amazonaws.appstream#ResourceNotFoundException")
    );

    let r = http(
        &url,
        "POST",
        path,
        &[("Content-Type", "application/cbor")],
        &body,
    )
    .await;
    assert_eq!(r.status, 400, "smithy-protocol header is required");
    let r = http(&url, "POST", path, &headers, &[0xff, 0x00]).await;
    assert_eq!(r.status, 400);
    let r = http(
        &url,
        "POST",
        "/service/PhotonAdminProxyService/operation/DeleteFleet",
        &headers,
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    let r = http(
        &url,
        "POST",
        "/service/PhotonAdminProxyService/operation/DescribeStacks",
        &headers,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "an empty body is an empty input structure");
    sim.shutdown().await;
}

fn images_doc() -> Value {
    json!({
        "Images": [
            {"Name": "golden", "PublicBaseImageReleasedDate": "2026-05-12T00:00:00Z", "State": "AVAILABLE"},
            {"Name": "plain"},
            {"Name": "base", "Visibility": "PUBLIC"}
        ],
        "ImagePermissions": [{"Name": "golden", "SharedImagePermissionsList": [
            {"sharedAccountId": "111122223333", "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}}
        ]}],
        "ImageBuilders": [{"Name": "b", "State": "RUNNING", "CreatedTime": 1_790_841_600}]
    })
}

#[tokio::test]
async fn image_reads_in_both_protocols_by_hand() {
    let sim = start(images_doc(), SimConfig::default()).await;
    let url = sim.url();

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeImages",
        json!({"Type": "PRIVATE", "MaxResults": 1}),
    )
    .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["Images"][0]["Name"], "golden");
    assert_eq!(body["Images"][0]["Visibility"], "PRIVATE");
    assert_eq!(body["Images"][0]["ImageSharedWithOthers"], "TRUE");
    assert_eq!(
        body["Images"][0]["PublicBaseImageReleasedDate"],
        json!(1_778_544_000)
    );
    let token = body["NextToken"].as_str().unwrap().to_owned();
    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeImages",
        json!({"Type": "PRIVATE", "MaxResults": 5, "NextToken": token}),
    )
    .await;
    let body = r.json();
    assert_eq!(
        body["Images"][0]["Name"], "plain",
        "MaxResults may change between pages"
    );
    assert_eq!(body["Images"][0]["ImageSharedWithOthers"], "FALSE");
    assert!(body.get("NextToken").is_none());
    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeImages",
        json!({"Type": "PUBLIC", "NextToken": token}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("ValidationException")),
        "a token belongs to its query"
    );
    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeImages",
        json!({"Type": "OWNED"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["__type"].as_str()),
        (400, Some("ValidationException"))
    );

    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeImagePermissions",
        json!({"Name": "golden"}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"Name": "golden", "SharedImagePermissionsList": [
            {"sharedAccountId": "111122223333", "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}}
        ]}),
        "the model's own lowerCamel member names"
    );
    let r = aws_json(
        &url,
        "PhotonAdminProxyService.DescribeUsageReportSubscriptions",
        json!({}),
    )
    .await;
    assert_eq!(r.json(), json!({"UsageReportSubscriptions": []}));

    let headers = [
        ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Type", "application/cbor"),
    ];
    let body = cbor(&Cbor::Map(vec![(
        Cbor::Text("Names".into()),
        Cbor::Array(vec![Cbor::Text("golden".into())]),
    )]));
    let r = http(
        &url,
        "POST",
        "/service/PhotonAdminProxyService/operation/DescribeImages",
        &headers,
        &body,
    )
    .await;
    assert_eq!(r.status, 200);
    let value: Cbor = ciborium::from_reader(r.body.as_slice()).unwrap();
    let image = &lookup(&value, "Images").as_array().unwrap()[0];
    match lookup(image, "PublicBaseImageReleasedDate") {
        Cbor::Tag(1, inner) => assert_eq!(inner.as_integer().map(i128::from), Some(1_778_544_000)),
        other => panic!("PublicBaseImageReleasedDate is not tag 1: {other:?}"),
    }
    let r = http(
        &url,
        "POST",
        "/service/PhotonAdminProxyService/operation/DescribeImageBuilders",
        &headers,
        &[],
    )
    .await;
    let value: Cbor = ciborium::from_reader(r.body.as_slice()).unwrap();
    let builder = &lookup(&value, "ImageBuilders").as_array().unwrap()[0];
    assert!(matches!(lookup(builder, "CreatedTime"), Cbor::Tag(1, _)));
    let missing = cbor(&Cbor::Map(vec![(
        Cbor::Text("Name".into()),
        Cbor::Text("base".into()),
    )]));
    let r = http(
        &url,
        "POST",
        "/service/PhotonAdminProxyService/operation/DescribeImagePermissions",
        &headers,
        &missing,
    )
    .await;
    assert_eq!(r.status, 400);
    let value: Cbor = ciborium::from_reader(r.body.as_slice()).unwrap();
    assert_eq!(
        lookup(&value, "__type").as_text(),
        Some("com.amazonaws.appstream#ResourceNotFoundException"),
        "a public image has no permissions of this account's"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn binary_prints_its_url_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("appstream-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("url");
    let started = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_appstream-sim"))
        .args([
            "--scenario",
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sample.json"),
        ])
        .args([
            "--page-size",
            "DescribeFleets=2",
            "--throttle-every",
            "1000",
            "--log-level",
            "warn",
        ])
        .arg("--port-file")
        .arg(&port_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let startup = started.elapsed();
    let url = line
        .strip_prefix("appstream-sim listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    assert_eq!(std::fs::read_to_string(&port_file).unwrap().trim(), url);
    println!("binary startup to listening line: {startup:?}");

    let (status, health) = control(&url, "GET", "/_sim/health", None).await;
    assert_eq!((status, health["fleets"].as_u64()), (200, Some(5)));
    let out = client(&url).describe_fleets().send().await.unwrap();
    assert_eq!(out.fleets().len(), 2);
    assert!(out.next_token().is_some());
    let (_, faults) = control(&url, "GET", "/_sim/faults", None).await;
    assert_eq!(faults["rules"][0]["throttle_every"], 1000);

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn background_simulator_serves_without_an_async_caller() {
    use std::io::{Read, Write};
    let sim =
        appstream_sim::Simulator::start_background(common::sample_scenario(), SimConfig::default())
            .unwrap();
    let mut stream = std::net::TcpStream::connect(sim.addr()).unwrap();
    stream
        .write_all(b"GET /_sim/health HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    let body: Value = serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["sessions"], 6);
    assert_eq!(body["now"], "2026-11-27T09:00:00Z");
    assert_eq!(sim.sim().fleets().as_array().unwrap().len(), 5);
    sim.shutdown();
}
