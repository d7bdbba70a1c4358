//! The AppStream helper: the simulator starts from a scenario file or JSON, answers on
//! its URL, and stops on drop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use streamwarden_harness::AppStream;

fn get(url: &str, path: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn simulator_starts_from_the_sample_scenario_file() {
    let sim = AppStream::from_file("tests/appstream-sim/scenarios/sample.json");
    let (name, url) = sim.env();
    assert_eq!(name, "AWS_ENDPOINT_URL_APPSTREAM");
    assert_eq!(url, sim.url());
    assert!(get(&url, "/_sim/health").starts_with("HTTP/1.1 200"));
}

#[test]
fn simulator_starts_from_json_and_stops_on_drop() {
    let sim = AppStream::from_json(json!({
        "Fleets": [{"Name": "f1", "State": "RUNNING"}]
    }));
    let url = sim.url();
    let fleets = get(&url, "/_sim/fleets");
    assert!(fleets.contains("\"f1\""), "{fleets}");
    drop(sim);
    let addr = url.trim_start_matches("http://");
    assert!(TcpStream::connect(addr).is_err(), "{url} still answers");
}
