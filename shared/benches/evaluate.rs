//! Policy evaluation of 10,000 described fleets under the default policy (target: under
//! 50 ms on one core), and reading the describe-fleets document that holds them; and the
//! whole surface of issue 13: the fleets joined with their images, 2,000 stacks with the
//! 2026 controls, 1,000 image builders and 5,000 images (target: under 100 ms).
//!
//! `cargo bench -p streamwarden --bench evaluate`

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use streamwarden::inputs::read_document;
use streamwarden::model::{
    AgentAccess, AgentAccessSetting, Attr, Image, ImageBuilder, Origin, ResourceError, SharedWith,
    Stack, StorageConnector, UrlRedirection, UserSetting, VpcConfig, join_images,
};
use streamwarden::policy::{evaluate_builder, evaluate_fleet, evaluate_image, evaluate_stack};
use streamwarden::{Policy, Source};

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

fn strings(values: &[&str]) -> Attr<Vec<String>> {
    Attr::Set(values.iter().map(|v| (*v).to_owned()).collect())
}

/// 5,000 images: this account's, some shared (with permissions read or not), some on an
/// old agent or an old base image; the first 100 are the images the fleets use.
fn image(i: usize, now: DateTime<Utc>) -> Image {
    let mut image = Image::new(format!("image-{i}"), Source::default());
    image.arn = Some(format!(
        "arn:aws:appstream:eu-west-1:111122223333:image/image-{i}"
    ));
    image.visibility = Some(if i % 10 == 9 { "PUBLIC" } else { "PRIVATE" }.to_owned());
    image.public_base_image_released_date =
        (!i.is_multiple_of(13)).then(|| now - Duration::days((i % 300) as i64));
    image.latest_appstream_agent_version =
        Attr::Set(if i.is_multiple_of(3) { "FALSE" } else { "TRUE" }.to_owned());
    image.image_shared_with_others =
        Attr::Set(if i.is_multiple_of(4) { "TRUE" } else { "FALSE" }.to_owned());
    if i.is_multiple_of(8) {
        image.shared_with = Attr::Set(vec![SharedWith {
            account_id: format!("{:012}", 444_455_556_666u64 + i as u64),
            allow_fleet: Some(true),
            allow_image_builder: Some(false),
        }]);
    }
    image
}

/// 2,000 stacks with user settings and the 2026 controls, compliant and not.
fn stack(i: usize) -> Stack {
    let mut stack = Stack::new(format!("stack-{i}"), Origin::Described, Source::default());
    stack.user_settings = Attr::Set(
        [
            "CLIPBOARD_COPY_TO_LOCAL_DEVICE",
            "FILE_DOWNLOAD",
            "FILE_UPLOAD",
        ]
        .iter()
        .map(|action| UserSetting {
            action: (*action).to_owned(),
            permission: Attr::Set(
                if i.is_multiple_of(3) {
                    "ENABLED"
                } else {
                    "DISABLED"
                }
                .to_owned(),
            ),
        })
        .collect(),
    );
    stack.embed_host_domains = strings(if i.is_multiple_of(5) {
        &["*.example.com"]
    } else {
        &["portal.example.com"]
    });
    stack.url_redirection = Attr::Set(UrlRedirection {
        enabled: Attr::Set(i.is_multiple_of(2)),
        allowed_urls: strings(&["https://intranet.example.com/*"]),
        denied_urls: Attr::Absent,
    });
    stack.agent_access = Attr::Set(AgentAccess {
        settings: Attr::Set(vec![
            AgentAccessSetting {
                action: "COMPUTER_VISION".to_owned(),
                permission: Attr::Set("ENABLED".to_owned()),
            },
            AgentAccessSetting {
                action: "COMPUTER_INPUT".to_owned(),
                permission: Attr::Set(
                    if i.is_multiple_of(4) {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    }
                    .to_owned(),
                ),
            },
        ]),
        user_control_mode: Attr::Set(
            if i.is_multiple_of(3) {
                "VIEW_ONLY"
            } else {
                "VIEW_STOP"
            }
            .to_owned(),
        ),
        screenshots_upload_enabled: Attr::Set(false),
        s3_bucket_arn: Attr::Absent,
    });
    stack.storage_connectors = Attr::Set(vec![
        StorageConnector {
            connector_type: "HOMEFOLDERS".to_owned(),
            domains: Attr::Absent,
        },
        StorageConnector {
            connector_type: if i.is_multiple_of(6) {
                "ONE_DRIVE"
            } else {
                "HOMEFOLDERS"
            }
            .to_owned(),
            domains: Attr::Absent,
        },
    ]);
    stack.tags = Attr::Set(Default::default());
    stack
}

/// 1,000 image builders, running and stopped, some open to the internet or outside a VPC.
fn builder(i: usize, now: DateTime<Utc>) -> ImageBuilder {
    let mut builder =
        ImageBuilder::new(format!("builder-{i}"), Origin::Described, Source::default());
    builder.instance_type = Attr::Set(
        if i.is_multiple_of(20) {
            "stream.graphics-desktop.2xlarge"
        } else {
            "stream.standard.large"
        }
        .to_owned(),
    );
    builder.state = Some(
        if i.is_multiple_of(2) {
            "RUNNING"
        } else {
            "STOPPED"
        }
        .to_owned(),
    );
    builder.created_time = Some(now - Duration::days((i % 30) as i64));
    builder.enable_default_internet_access = Attr::Set(i.is_multiple_of(3));
    if !i.is_multiple_of(4) {
        builder.vpc_config = Attr::Set(VpcConfig {
            subnet_ids: strings(&["subnet-1"]),
            security_group_ids: strings(&["sg-1"]),
        });
    }
    if i.is_multiple_of(50) {
        builder.errors = vec![ResourceError {
            error_code: "IAM_SERVICE_ROLE_IS_MISSING".to_owned(),
            error_message: None,
        }];
    }
    builder.tags = Attr::Set(Default::default());
    builder
}

fn benches(c: &mut Criterion) {
    let text =
        serde_json::to_string(&json!({"Fleets": (0..10_000).map(fleet).collect::<Vec<_>>()}))
            .unwrap_or_default();
    let Ok(doc) = read_document("bench.json", &text) else {
        panic!("the generated document must read");
    };
    assert_eq!(doc.fleets.len(), 10_000);
    let now = Utc::now();
    let images: Vec<Image> = (0..5_000).map(|i| image(i, now)).collect();
    let mut joined = doc.fleets.clone();
    for (i, fleet) in joined.iter_mut().enumerate() {
        fleet.image_name = Attr::Set(format!("image-{}", i % 100));
    }
    join_images(&mut joined, &images);
    let stacks: Vec<Stack> = (0..2_000).map(stack).collect();
    let builders: Vec<ImageBuilder> = (0..1_000).map(|i| builder(i, now)).collect();
    let policy = Policy::builtin();
    let findings: usize = doc
        .fleets
        .iter()
        .map(|f| evaluate_fleet(&policy, f, now).findings.len())
        .sum();
    println!("10,000 fleets -> {findings} findings under the default policy");
    let everything = |policy: &Policy| {
        let mut n = 0;
        for fleet in &joined {
            n += evaluate_fleet(policy, black_box(fleet), now).findings.len();
        }
        for stack in &stacks {
            n += evaluate_stack(policy, black_box(stack), now).findings.len();
        }
        for builder in &builders {
            n += evaluate_builder(policy, black_box(builder), now)
                .findings
                .len();
        }
        for image in &images {
            n += evaluate_image(policy, black_box(image), now).findings.len();
        }
        n
    };
    println!(
        "10,000 fleets (joined), 2,000 stacks, 1,000 builders, 5,000 images -> {} findings",
        everything(&policy)
    );

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
    group.bench_function(
        "evaluate 10,000 fleets + 2,000 stacks + 1,000 builders + 5,000 images (default policy)",
        |b| b.iter(|| black_box(everything(&policy))),
    );
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
