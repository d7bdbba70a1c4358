//! Policy evaluation of 10,000 described fleets under the default policy (target: under
//! 50 ms on one core), and reading the describe-fleets document that holds them.
//!
//! `cargo bench -p streamwarden --bench evaluate`

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use streamwarden::Policy;
use streamwarden::inputs::read_document;
use streamwarden::policy::evaluate_fleet;

/// A realistic mix: compliant and non-compliant Always-On, On-Demand, Elastic and
/// multi-session fleets, so most rules both pass and fail somewhere.
fn fleet(i: usize) -> Value {
    let types = [
        "stream.standard.large",
        "stream.compute.xlarge",
        "stream.memory.2xlarge",
        "stream.graphics-design.large",
        "stream.graphics.g5.xlarge",
    ];
    match i % 4 {
        0 => json!({
            "Name": format!("always-on-{i}"), "FleetType": "ALWAYS_ON", "InstanceType": types[i % types.len()],
            "ImageName": "golden-win2022", "State": "RUNNING", "Platform": "WINDOWS_SERVER_2022",
            "ComputeCapacityStatus": {"Desired": 10, "Running": 10, "InUse": 9 + (i % 2) as i64, "Available": 1 - (i % 2) as i64},
            "MaxUserDurationInSeconds": 36000 + (i % 3) as i64 * 3600, "DisconnectTimeoutInSeconds": 300,
            "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
            "EnableDefaultInternetAccess": i.is_multiple_of(5), "DisableIMDSV1": !i.is_multiple_of(3), "FleetErrors": [],
        }),
        1 => json!({
            "Name": format!("on-demand-{i}"), "FleetType": "ON_DEMAND", "InstanceType": types[(i + 1) % types.len()],
            "State": "RUNNING", "Platform": "WINDOWS_SERVER_2019", "ComputeCapacityStatus": {"Desired": 4, "Running": 4, "InUse": 4, "Available": 0},
            "MaxUserDurationInSeconds": 57600, "DisconnectTimeoutInSeconds": 900, "IdleDisconnectTimeoutInSeconds": 0,
            "UsbDeviceFilterStrings": ["*,*,*,*,*,*,*,*"], "FleetErrors": [],
        }),
        2 => json!({
            "Name": format!("elastic-{i}"), "FleetType": "ELASTIC", "InstanceType": "stream.standard.medium",
            "State": "RUNNING", "Platform": if i.is_multiple_of(7) { "WINDOWS_SERVER_2022" } else { "AMAZON_LINUX2" },
            "MaxConcurrentSessions": 50, "MaxUserDurationInSeconds": 7200, "DisconnectTimeoutInSeconds": 60,
            "IdleDisconnectTimeoutInSeconds": 600, "VpcConfig": {"SubnetIds": ["subnet-1"]}, "DisableIMDSV1": true,
            "FleetErrors": if i.is_multiple_of(11) { json!([{"ErrorCode": "SUBNET_NOT_FOUND"}]) } else { json!([]) },
        }),
        _ => json!({
            "Name": format!("multi-session-{i}"), "FleetType": "ALWAYS_ON", "InstanceType": "stream.memory.2xlarge",
            "State": "RUNNING", "Platform": if i.is_multiple_of(2) { "WINDOWS_SERVER_2022" } else { "AMAZON_LINUX2" }, "MaxSessionsPerInstance": 8,
            "ComputeCapacityStatus": {"Desired": 5, "Running": 5, "InUse": 5, "Available": 0,
                "DesiredUserSessions": 40, "AvailableUserSessions": 2 + (i % 5) as i64, "ActiveUserSessions": 38 - (i % 5) as i64, "ActualUserSessions": 40},
            "MaxUserDurationInSeconds": 36000, "DisconnectTimeoutInSeconds": 300, "IdleDisconnectTimeoutInSeconds": 900,
            "VpcConfig": {"SubnetIds": ["subnet-1"]}, "DisableIMDSV1": true, "FleetErrors": [],
        }),
    }
}

fn benches(c: &mut Criterion) {
    let text =
        serde_json::to_string(&json!({"Fleets": (0..10_000).map(fleet).collect::<Vec<_>>()}))
            .unwrap_or_default();
    let Ok(doc) = read_document("bench.json", &text) else {
        panic!("the generated document must read");
    };
    assert_eq!(doc.fleets.len(), 10_000);
    let policy = Policy::builtin();
    let now = Utc::now();
    let findings: usize = doc
        .fleets
        .iter()
        .map(|f| evaluate_fleet(&policy, f, now).findings.len())
        .sum();
    println!("10,000 fleets -> {findings} findings under the default policy");

    let mut group = c.benchmark_group("policy");
    group.sample_size(30);
    group.bench_function("evaluate 10,000 fleets (default policy)", |b| {
        b.iter(|| {
            let mut n = 0;
            for fleet in &doc.fleets {
                n += evaluate_fleet(&policy, black_box(fleet), now)
                    .findings
                    .len();
            }
            black_box(n)
        })
    });
    group.sample_size(10);
    group.bench_function("read describe-fleets with 10,000 fleets", |b| {
        b.iter(|| {
            black_box(
                read_document("bench.json", black_box(&text))
                    .map(|d| d.fleets.len())
                    .ok(),
            )
        })
    });
    group.finish();
}

criterion_group!(evaluate, benches);
criterion_main!(evaluate);
