//! The 2025-2026 surface through the real aws-sdk-appstream client: image builders,
//! images and their permissions, usage report subscriptions, drain mode and the new stack
//! fields.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use appstream_sim::{FaultRule, SimConfig};
use aws_sdk_appstream::Client;
use aws_sdk_appstream::error::ProvideErrorMetadata;
use aws_sdk_appstream::types::{Image, VisibilityType};
use common::{client, control, sample_scenario, start};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

fn own_arn(kind: &str, name: &str) -> String {
    format!("arn:aws:appstream:us-east-1:{ACCOUNT}:{kind}/{name}")
}

/// Seven private images (the first two shared), two public ones, one shared with us,
/// three image builders and a usage report subscription.
fn images_doc() -> Value {
    let mut images: Vec<Value> = (1..=7)
        .map(|i| {
            json!({"Name": format!("golden-{i}"), "State": "AVAILABLE", "Platform": "WINDOWS_SERVER_2022",
                "CreatedTime": 1_790_000_000 + i, "PublicBaseImageReleasedDate": "2026-05-12T00:00:00Z",
                "LatestAppstreamAgentVersion": if i == 1 { "FALSE" } else { "TRUE" }})
        })
        .collect();
    images[2]["ImageErrors"] = json!([{"ErrorCode": "INTERNAL_SERVICE_ERROR",
        "ErrorMessage": "snapshot failed", "ErrorTimestamp": "2026-11-01T10:00:00.5Z"}]);
    images[2]["State"] = json!("FAILED");
    images.push(
        json!({"Name": "AppStream-WinServer2022-10-14-2026", "Visibility": "PUBLIC",
        "State": "AVAILABLE", "PublicBaseImageReleasedDate": "2026-10-14T00:00:00Z"}),
    );
    images.push(
        json!({"Name": "AppStream-AmazonLinux2-10-14-2026", "Visibility": "PUBLIC",
        "State": "AVAILABLE", "Platform": "AMAZON_LINUX2"}),
    );
    images.push(json!({"Name": "partner-tools", "Visibility": "SHARED",
        "Arn": "arn:aws:appstream:us-east-1:777788889999:image/partner-tools",
        "ImagePermissions": {"allowFleet": true, "allowImageBuilder": false},
        "Tags": {"Owner": "partner"}}));
    images[0]["Tags"] = json!({"Team": "golden"});
    let share = |account: &str, fleet: bool, builder: bool| json!({"sharedAccountId": account, "imagePermissions": {"allowFleet": fleet, "allowImageBuilder": builder}});
    json!({
        "Now": "2026-11-27T09:00:00Z",
        "Images": images,
        "ImagePermissions": [
            {"Name": "golden-1", "SharedImagePermissionsList": [
                share("111122223333", true, false), share("444455556666", true, true),
                share("777788889999", false, true)]},
            {"Name": "golden-2", "SharedImagePermissionsList": [share("111122223333", true, true)]},
            {"Name": "golden-4", "SharedImagePermissionsList": []}
        ],
        "ImageBuilders": [
            {"Name": "b-open", "State": "RUNNING", "InstanceType": "stream.standard.medium",
             "EnableDefaultInternetAccess": true, "CreatedTime": "2026-10-01T08:00:00Z",
             "ImageArn": own_arn("image", "golden-2"), "Platform": "WINDOWS_SERVER_2022",
             "Tags": {"Team": "builders"}},
            {"Name": "b-vpc", "State": "STOPPED", "InstanceType": "stream.graphics-desktop.2xlarge",
             "EnableDefaultInternetAccess": false,
             "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
             "AccessEndpoints": [{"EndpointType": "STREAMING", "VpceId": "vpce-1"}],
             "ImageBuilderErrors": [{"ErrorCode": "NETWORK_INTERFACE_LIMIT_EXCEEDED",
                "ErrorMessage": "ENI limit", "ErrorTimestamp": 1_795_000_000}]},
            {"Name": "b-third", "State": "PENDING", "InstanceType": "stream.standard.small"}
        ],
        "UsageReportSubscriptions": [{"S3BucketName": "appstream-logs-us-east-1-123456789012-abcd",
            "Schedule": "DAILY", "LastGeneratedReportDate": "2026-11-27T02:00:00Z",
            "SubscriptionErrors": [{"ErrorCode": "ACCESS_DENIED", "ErrorMessage": "bucket policy"}]}]
    })
}

/// The error code of a failed call, or "" when it succeeded.
fn code<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> String {
    result
        .err()
        .and_then(|e| e.code().map(str::to_owned))
        .unwrap_or_default()
}

fn names(images: &[Image]) -> Vec<String> {
    images
        .iter()
        .map(|i| i.name().unwrap().to_owned())
        .collect()
}

/// Every image DescribeImages returns for `kind`, page by page (MaxResults `max`).
async fn all_images(c: &Client, kind: Option<VisibilityType>, max: i32) -> (Vec<String>, usize) {
    let (mut got, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let out = c
            .describe_images()
            .set_type(kind.clone())
            .max_results(max)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.images().len() <= max as usize);
        got.extend(names(out.images()));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return (got, pages);
        }
    }
}

#[tokio::test]
async fn describe_images_filters_by_type_names_and_arns_and_pages() {
    let sim = start(images_doc(), SimConfig::default()).await;
    let c = client(&sim.url());

    let (all, pages) = all_images(&c, None, 3).await;
    assert_eq!(all.len(), 10);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 10);
    assert_eq!(pages, 4);
    let (private, pages) = all_images(&c, Some(VisibilityType::Private), 2).await;
    assert_eq!(
        private,
        (1..=7).map(|i| format!("golden-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(pages, 4);
    let (public, _) = all_images(&c, Some(VisibilityType::Public), 25).await;
    assert_eq!(
        public,
        [
            "AppStream-WinServer2022-10-14-2026",
            "AppStream-AmazonLinux2-10-14-2026"
        ]
    );
    let (shared, _) = all_images(&c, Some(VisibilityType::Shared), 25).await;
    assert_eq!(shared, ["partner-tools"]);

    let first = c.describe_images().send().await.unwrap();
    assert_eq!(first.images().len(), 10, "the default page holds up to 25");
    assert!(first.next_token().is_none());
    let golden1 = &first.images()[0];
    assert_eq!(golden1.arn(), Some(own_arn("image", "golden-1").as_str()));
    assert_eq!(
        golden1.visibility(),
        Some(&VisibilityType::Private),
        "a scenario image without a Visibility is this account's"
    );
    assert_eq!(
        golden1.image_shared_with_others().map(|s| s.as_str()),
        Some("TRUE")
    );
    assert_eq!(
        golden1.latest_appstream_agent_version().map(|s| s.as_str()),
        Some("FALSE")
    );
    assert_eq!(
        golden1.public_base_image_released_date().unwrap().secs(),
        1_778_544_000
    );
    assert_eq!(golden1.created_time().unwrap().secs(), 1_790_000_001);
    let failed = &first.images()[2];
    assert_eq!(failed.state().unwrap().as_str(), "FAILED");
    let error = &failed.image_errors()[0];
    assert_eq!(
        error.error_code().unwrap().as_str(),
        "INTERNAL_SERVICE_ERROR"
    );
    assert_eq!(error.error_timestamp().unwrap().subsec_nanos(), 500_000_000);
    let shared_flags: Vec<Option<&str>> = first
        .images()
        .iter()
        .map(|i| i.image_shared_with_others().map(|s| s.as_str()))
        .collect();
    assert_eq!(
        shared_flags,
        [
            Some("TRUE"),
            Some("TRUE"),
            Some("FALSE"),
            Some("FALSE"),
            Some("FALSE"),
            Some("FALSE"),
            Some("FALSE"),
            None,
            None,
            None
        ],
        "derived from the permissions for private images only"
    );
    assert_eq!(
        first.images()[7].arn(),
        Some("arn:aws:appstream:us-east-1::image/AppStream-WinServer2022-10-14-2026")
    );
    assert_eq!(
        first.images()[9].image_permissions().unwrap().allow_fleet(),
        Some(true)
    );

    let out = c
        .describe_images()
        .names("golden-5")
        .names("AppStream-AmazonLinux2-10-14-2026")
        .send()
        .await
        .unwrap();
    assert_eq!(
        names(out.images()),
        ["golden-5", "AppStream-AmazonLinux2-10-14-2026"]
    );
    let out = c
        .describe_images()
        .names("golden-5")
        .names("AppStream-AmazonLinux2-10-14-2026")
        .r#type(VisibilityType::Private)
        .send()
        .await
        .unwrap();
    assert_eq!(names(out.images()), ["golden-5"], "Type narrows Names");
    let out = c
        .describe_images()
        .arns("arn:aws:appstream:us-east-1:777788889999:image/partner-tools")
        .arns(own_arn("image", "golden-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(names(out.images()), ["partner-tools", "golden-2"]);

    for (request, code) in [
        (
            c.describe_images().names("ghost"),
            "ResourceNotFoundException",
        ),
        (
            c.describe_images().names("partner-tools"),
            "ResourceNotFoundException",
        ),
        (
            c.describe_images()
                .arns("arn:aws:appstream:us-east-1:123456789012:image/ghost"),
            "ResourceNotFoundException",
        ),
        (
            c.describe_images()
                .names("golden-1")
                .arns(own_arn("image", "golden-2")),
            "InvalidParameterCombinationException",
        ),
        (c.describe_images().max_results(26), "ValidationException"),
        (c.describe_images().max_results(-1), "ValidationException"),
        (
            c.describe_images().next_token("nope"),
            "ValidationException",
        ),
    ] {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err:?}");
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    }
    let err = c.describe_images().names("ghost").send().await.unwrap_err();
    assert!(err.message().unwrap().contains("ghost"));
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception()
    );

    let paged: Vec<String> = c
        .describe_images()
        .r#type(VisibilityType::Private)
        .max_results(3)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .flat_map(|page| names(page.images()))
        .collect();
    assert_eq!(paged, private, "the SDK paginator sees the same images");

    for arn in [
        own_arn("image", "golden-1"),
        "arn:aws:appstream:us-east-1:777788889999:image/partner-tools".to_owned(),
        own_arn("image-builder", "b-open"),
    ] {
        let tags = c
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
        assert_eq!(tags.tags().map(|t| t.len()), Some(1), "{arn}");
    }
    let untagged = c
        .list_tags_for_resource()
        .resource_arn(own_arn("image-builder", "b-vpc"))
        .send()
        .await
        .unwrap();
    assert!(untagged.tags().is_none_or(|t| t.is_empty()));
    sim.shutdown().await;
}

#[tokio::test]
async fn describe_image_builders_pages_and_round_trips() {
    let sim = start(images_doc(), SimConfig::default()).await;
    let c = client(&sim.url());

    let (mut got, mut token, mut pages) = (Vec::new(), None, 0);
    loop {
        let out = c
            .describe_image_builders()
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        got.extend(
            out.image_builders()
                .iter()
                .map(|b| b.name().unwrap().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(got, ["b-open", "b-vpc", "b-third"]);
    assert_eq!(pages, 3);

    let out = c
        .describe_image_builders()
        .names("b-vpc")
        .names("b-open")
        .send()
        .await
        .unwrap();
    let [vpc, open] = out.image_builders() else {
        panic!("two builders expected")
    };
    assert_eq!(vpc.arn(), Some(own_arn("image-builder", "b-vpc").as_str()));
    assert_eq!(vpc.state().unwrap().as_str(), "STOPPED");
    assert_eq!(vpc.vpc_config().unwrap().subnet_ids(), ["subnet-1"]);
    assert_eq!(vpc.enable_default_internet_access(), Some(false));
    assert_eq!(vpc.instance_type(), Some("stream.graphics-desktop.2xlarge"));
    assert_eq!(vpc.access_endpoints()[0].vpce_id(), Some("vpce-1"));
    let error = &vpc.image_builder_errors()[0];
    assert_eq!(
        error.error_code().unwrap().as_str(),
        "NETWORK_INTERFACE_LIMIT_EXCEEDED"
    );
    assert_eq!(error.error_timestamp().unwrap().secs(), 1_795_000_000);
    assert_eq!(open.enable_default_internet_access(), Some(true));
    assert!(open.vpc_config().is_none());
    assert_eq!(open.created_time().unwrap().secs(), 1_790_841_600);
    assert_eq!(
        open.image_arn(),
        Some(own_arn("image", "golden-2").as_str())
    );

    let err = c
        .describe_image_builders()
        .names("ghost")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_resource_not_found_exception(),
        "{err:?}"
    );
    assert!(err.message().unwrap().contains("ghost"));
    sim.shutdown().await;
}

#[tokio::test]
async fn describe_image_permissions_per_image() {
    let sim = start(images_doc(), SimConfig::default()).await;
    let c = client(&sim.url());

    let out = c
        .describe_image_permissions()
        .name("golden-1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.name(), Some("golden-1"));
    let shared: Vec<(Option<&str>, Option<bool>, Option<bool>)> = out
        .shared_image_permissions_list()
        .iter()
        .map(|p| {
            let perms = p.image_permissions().unwrap();
            (
                p.shared_account_id(),
                perms.allow_fleet(),
                perms.allow_image_builder(),
            )
        })
        .collect();
    assert_eq!(
        shared,
        [
            (Some("111122223333"), Some(true), Some(false)),
            (Some("444455556666"), Some(true), Some(true)),
            (Some("777788889999"), Some(false), Some(true)),
        ]
    );

    let (mut accounts, mut token) = (Vec::new(), None);
    loop {
        let out = c
            .describe_image_permissions()
            .name("golden-1")
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(out.shared_image_permissions_list().len() <= 2);
        accounts.extend(
            out.shared_image_permissions_list()
                .iter()
                .filter_map(|p| p.shared_account_id().map(str::to_owned)),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(accounts, ["111122223333", "444455556666", "777788889999"]);

    let out = c
        .describe_image_permissions()
        .name("golden-1")
        .shared_aws_account_ids("777788889999")
        .shared_aws_account_ids("000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(out.shared_image_permissions_list().len(), 1);
    assert_eq!(
        out.shared_image_permissions_list()[0].shared_account_id(),
        Some("777788889999")
    );
    for name in ["golden-3", "golden-4"] {
        let out = c
            .describe_image_permissions()
            .name(name)
            .send()
            .await
            .unwrap();
        assert!(out.shared_image_permissions_list().is_empty(), "{name}");
    }

    for (request, code) in [
        (
            c.describe_image_permissions().name("ghost"),
            "ResourceNotFoundException",
        ),
        (
            c.describe_image_permissions()
                .name("AppStream-WinServer2022-10-14-2026"),
            "ResourceNotFoundException",
        ),
        (
            c.describe_image_permissions().name("partner-tools"),
            "ResourceNotFoundException",
        ),
        (c.describe_image_permissions(), "ValidationException"),
        (
            c.describe_image_permissions()
                .name("golden-1")
                .max_results(501),
            "ValidationException",
        ),
        (
            c.describe_image_permissions()
                .name("golden-1")
                .shared_aws_account_ids("not-digits"),
            "ValidationException",
        ),
    ] {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err:?}");
    }
    let mut six = c.describe_image_permissions().name("golden-1");
    for i in 0..6 {
        six = six.shared_aws_account_ids(format!("11112222333{i}"));
    }
    let err = six.send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    sim.shutdown().await;
}

#[tokio::test]
async fn usage_report_subscriptions_are_zero_or_one() {
    let sim = start(images_doc(), SimConfig::default()).await;
    let c = client(&sim.url());
    let out = c
        .describe_usage_report_subscriptions()
        .send()
        .await
        .unwrap();
    let [subscription] = out.usage_report_subscriptions() else {
        panic!("one subscription expected")
    };
    assert_eq!(
        subscription.s3_bucket_name(),
        Some("appstream-logs-us-east-1-123456789012-abcd")
    );
    assert_eq!(subscription.schedule().unwrap().as_str(), "DAILY");
    assert_eq!(
        subscription.last_generated_report_date().unwrap().secs(),
        1_795_744_800
    );
    assert_eq!(
        subscription.subscription_errors()[0]
            .error_code()
            .unwrap()
            .as_str(),
        "ACCESS_DENIED"
    );
    assert!(out.next_token().is_none());
    sim.shutdown().await;

    let sim = start(json!({}), SimConfig::default()).await;
    let out = client(&sim.url())
        .describe_usage_report_subscriptions()
        .send()
        .await
        .unwrap();
    assert!(out.usage_report_subscriptions().is_empty());
    sim.shutdown().await;

    let two = json!({"UsageReportSubscriptions": [{"S3BucketName": "a"}, {"S3BucketName": "b"}]});
    let err = appstream_sim::Scenario::from_json(two).unwrap_err();
    assert!(err.to_string().contains("at most one"), "{err}");
    for bad in [
        json!({"ImagePermissions": [{"Name": "ghost", "SharedImagePermissionsList": []}]}),
        json!({"Images": [{"Name": "x", "Visibility": "SHARED"}]}),
        json!({"Images": [{"Name": "x", "Visibility": "SECRET"}]}),
        json!({"Images": [{"Name": "x"}], "ImagePermissions": [{"Name": "x",
            "SharedImagePermissionsList": [{"sharedAccountId": "1"}]}]}),
    ] {
        let refused = appstream_sim::Scenario::from_json(bad.clone())
            .map_err(|e| e.to_string())
            .and_then(|s| {
                appstream_sim::Sim::new(&s, Default::default(), Vec::new())
                    .map_err(|e| e.to_string())
            });
        assert!(refused.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn new_reads_are_counted_and_take_faults() {
    let config = SimConfig::default().fault(FaultRule {
        throttle_every: Some(2),
        operations: vec!["DescribeImages".into(), "DescribeImageBuilders".into()],
        ..FaultRule::default()
    });
    let sim = start(images_doc(), config).await;
    let c = client(&sim.url());
    for _ in 0..2 {
        c.describe_images()
            .r#type(VisibilityType::Private)
            .send()
            .await
            .unwrap();
        c.describe_image_builders().send().await.unwrap();
    }
    c.describe_image_permissions()
        .name("golden-1")
        .send()
        .await
        .unwrap();
    c.describe_usage_report_subscriptions()
        .send()
        .await
        .unwrap();
    let calls = sim.sim().calls();
    let log: Vec<(&str, u16)> = calls
        .iter()
        .map(|c| (c.operation.as_str(), c.status))
        .collect();
    assert_eq!(
        log,
        [
            ("DescribeImages", 200),
            ("DescribeImageBuilders", 400),
            ("DescribeImageBuilders", 200),
            ("DescribeImages", 400),
            ("DescribeImages", 200),
            ("DescribeImageBuilders", 400),
            ("DescribeImageBuilders", 200),
            ("DescribeImagePermissions", 200),
            ("DescribeUsageReportSubscriptions", 200),
        ],
        "throttled calls are retried by the SDK and logged"
    );
    assert!(
        calls
            .iter()
            .filter(|c| c.status == 400)
            .all(|c| c.injected && c.error.as_deref() == Some("ThrottlingException"))
    );
    let (_, health) = control(&sim.url(), "GET", "/_sim/health", None).await;
    assert_eq!(
        (health["images"].as_u64(), health["image_builders"].as_u64()),
        (Some(10), Some(3))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn sample_scenario_holds_the_whole_surface() {
    let sim = appstream_sim::Simulator::start(sample_scenario(), SimConfig::default())
        .await
        .unwrap();
    let url = sim.url();
    let c = client(&url);
    let builders = c.describe_image_builders().send().await.unwrap();
    assert_eq!(builders.image_builders().len(), 2);
    let private = c
        .describe_images()
        .r#type(VisibilityType::Private)
        .send()
        .await
        .unwrap();
    let fleets = c.describe_fleets().send().await.unwrap();
    let private_arns: BTreeSet<&str> = private.images().iter().filter_map(|i| i.arn()).collect();
    for fleet in fleets.fleets().iter().filter_map(|f| f.image_arn()) {
        assert!(private_arns.contains(fleet), "{fleet} has its image");
    }
    let shared: Vec<&str> = private
        .images()
        .iter()
        .filter(|i| i.image_shared_with_others().map(|s| s.as_str()) == Some("TRUE"))
        .filter_map(|i| i.name())
        .collect();
    assert_eq!(shared, ["shared-apps-2026-11"]);
    let reports = c
        .describe_usage_report_subscriptions()
        .send()
        .await
        .unwrap();
    assert_eq!(reports.usage_report_subscriptions().len(), 1);

    let (status, images) = control(&url, "GET", "/_sim/images", None).await;
    assert_eq!(status, 200);
    assert_eq!(images.as_array().unwrap().len(), 5);
    let (status, patched) = control(
        &url,
        "PATCH",
        "/_sim/image-builders/apps-builder",
        Some(json!({"State": "RUNNING"})),
    )
    .await;
    assert_eq!((status, patched["State"].as_str()), (200, Some("RUNNING")));
    let (status, _) = control(&url, "DELETE", "/_sim/images/office-apps-2026-10", None).await;
    assert_eq!(status, 200);
    let err = c
        .describe_images()
        .names("office-apps-2026-10")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let (status, added) = control(
        &url,
        "POST",
        "/_sim/images",
        Some(json!({"Name": "new-image", "PublicBaseImageReleasedDate": "2026-11-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["Arn"], own_arn("image", "new-image"));
    let (status, _) = control(&url, "GET", "/_sim/image-builders/ghost", None).await;
    assert_eq!(status, 404);
    sim.shutdown().await;
}

async fn builder_state(c: &Client, name: &str) -> String {
    c.describe_image_builders()
        .names(name)
        .send()
        .await
        .unwrap()
        .image_builders()[0]
        .state()
        .unwrap()
        .as_str()
        .to_owned()
}

#[tokio::test]
async fn image_builder_lifecycle_and_image_writes() {
    use aws_sdk_appstream::types::{ImagePermissions, VpcConfig};
    let sim = start(images_doc(), SimConfig::default()).await;
    let c = client(&sim.url());

    let out = c
        .create_image_builder()
        .name("fresh")
        .image_name("AppStream-WinServer2022-10-14-2026")
        .instance_type("stream.standard.large")
        .enable_default_internet_access(false)
        .vpc_config(VpcConfig::builder().subnet_ids("subnet-9").build())
        .tags("Team", "new")
        .send()
        .await
        .unwrap();
    let fresh = out.image_builder().unwrap();
    assert_eq!(fresh.state().unwrap().as_str(), "PENDING");
    assert_eq!(
        fresh.arn(),
        Some(own_arn("image-builder", "fresh").as_str())
    );
    assert_eq!(
        fresh.image_arn(),
        Some("arn:aws:appstream:us-east-1::image/AppStream-WinServer2022-10-14-2026")
    );
    assert_eq!(fresh.created_time().unwrap().secs(), 1_795_770_000);
    assert_eq!(fresh.vpc_config().unwrap().subnet_ids(), ["subnet-9"]);
    sim.sim().advance_clock(60.0);
    assert_eq!(builder_state(&c, "fresh").await, "RUNNING");
    let tags = c
        .list_tags_for_resource()
        .resource_arn(own_arn("image-builder", "fresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["Team"], "new");

    let out = c.stop_image_builder().name("fresh").send().await.unwrap();
    assert_eq!(
        out.image_builder().unwrap().state().unwrap().as_str(),
        "STOPPING"
    );
    let err = c
        .start_image_builder()
        .name("fresh")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ConcurrentModificationException"));
    sim.sim().advance_clock(30.0);
    assert_eq!(builder_state(&c, "fresh").await, "STOPPED");
    c.start_image_builder().name("fresh").send().await.unwrap();
    assert_eq!(builder_state(&c, "fresh").await, "PENDING");
    let out = c.delete_image_builder().name("fresh").send().await.unwrap();
    assert_eq!(
        out.image_builder().unwrap().state().unwrap().as_str(),
        "DELETING"
    );
    let err = c
        .describe_image_builders()
        .names("fresh")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    sim.sim().advance_clock(120.0);
    assert!(
        sim.sim()
            .resource(appstream_sim::world::Kind::ImageBuilder, "fresh")
            .is_none(),
        "a pending transition does not bring a deleted builder back"
    );

    for (request, code) in [
        (
            c.create_image_builder()
                .name("b-open")
                .image_name("golden-1")
                .instance_type("stream.standard.small"),
            "ResourceAlreadyExistsException",
        ),
        (
            c.create_image_builder()
                .name("x")
                .image_name("ghost")
                .instance_type("stream.standard.small"),
            "ResourceNotFoundException",
        ),
        (
            c.create_image_builder()
                .name("x")
                .image_name("golden-1")
                .image_arn(own_arn("image", "golden-1"))
                .instance_type("stream.standard.small"),
            "InvalidParameterCombinationException",
        ),
        (
            c.create_image_builder().name("x").image_name("golden-1"),
            "ValidationException",
        ),
    ] {
        let err = request.send().await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err:?}");
    }
    let out = c
        .create_image_builder()
        .name("from-partner")
        .image_arn("arn:aws:appstream:us-east-1:777788889999:image/partner-tools")
        .instance_type("stream.standard.small")
        .send()
        .await
        .unwrap();
    assert!(
        out.image_builder().is_some(),
        "a shared image is found by ARN"
    );
    for (call, expected) in [
        (
            code(c.stop_image_builder().name("ghost").send().await),
            "ResourceNotFoundException",
        ),
        (
            code(c.delete_image_builder().name("ghost").send().await),
            "ResourceNotFoundException",
        ),
    ] {
        assert_eq!(call, expected);
    }

    c.update_image_permissions()
        .name("golden-3")
        .shared_account_id("999988887777")
        .image_permissions(
            ImagePermissions::builder()
                .allow_fleet(true)
                .allow_image_builder(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.update_image_permissions()
        .name("golden-1")
        .shared_account_id("111122223333")
        .image_permissions(
            ImagePermissions::builder()
                .allow_fleet(false)
                .allow_image_builder(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.delete_image_permissions()
        .name("golden-2")
        .shared_account_id("111122223333")
        .send()
        .await
        .unwrap();
    let out = c
        .describe_images()
        .names("golden-1")
        .names("golden-2")
        .names("golden-3")
        .send()
        .await
        .unwrap();
    let flags: Vec<&str> = out
        .images()
        .iter()
        .map(|i| i.image_shared_with_others().unwrap().as_str())
        .collect();
    assert_eq!(flags, ["TRUE", "FALSE", "TRUE"]);
    let perms = c
        .describe_image_permissions()
        .name("golden-1")
        .shared_aws_account_ids("111122223333")
        .send()
        .await
        .unwrap();
    let updated = perms.shared_image_permissions_list()[0]
        .image_permissions()
        .unwrap();
    assert_eq!(
        (updated.allow_fleet(), updated.allow_image_builder()),
        (Some(false), Some(true))
    );
    assert_eq!(
        perms.shared_image_permissions_list().len(),
        1,
        "replaced, not added"
    );
    for (err, expected) in [
        (
            code(
                c.delete_image_permissions()
                    .name("golden-2")
                    .shared_account_id("111122223333")
                    .send()
                    .await,
            ),
            "ResourceNotFoundException",
        ),
        (
            code(
                c.update_image_permissions()
                    .name("partner-tools")
                    .shared_account_id("111122223333")
                    .image_permissions(ImagePermissions::builder().allow_fleet(true).build())
                    .send()
                    .await,
            ),
            "ResourceNotFoundException",
        ),
        (
            code(
                c.update_image_permissions()
                    .name("golden-1")
                    .shared_account_id("abc")
                    .image_permissions(ImagePermissions::builder().allow_fleet(true).build())
                    .send()
                    .await,
            ),
            "ValidationException",
        ),
        (
            code(
                c.update_image_permissions()
                    .name("golden-1")
                    .shared_account_id("111122223333")
                    .send()
                    .await,
            ),
            "ValidationException",
        ),
    ] {
        assert_eq!(err, expected);
    }

    let out = c.delete_image().name("golden-1").send().await.unwrap();
    let gone = out.image().unwrap();
    assert_eq!(gone.state().unwrap().as_str(), "DELETING");
    assert_eq!(gone.image_shared_with_others().unwrap().as_str(), "TRUE");
    for (err, expected) in [
        (
            code(c.describe_images().names("golden-1").send().await),
            "ResourceNotFoundException",
        ),
        (
            code(c.describe_image_permissions().name("golden-1").send().await),
            "ResourceNotFoundException",
        ),
        (
            code(
                c.list_tags_for_resource()
                    .resource_arn(own_arn("image", "golden-1"))
                    .send()
                    .await,
            ),
            "ResourceNotFoundException",
        ),
        (
            code(
                c.delete_image()
                    .name("AppStream-WinServer2022-10-14-2026")
                    .send()
                    .await,
            ),
            "OperationNotPermittedException",
        ),
        (
            code(c.delete_image().name("ghost").send().await),
            "ResourceNotFoundException",
        ),
    ] {
        assert_eq!(err, expected);
    }
    sim.sim()
        .add_fleet(serde_json::from_value(json!({"Name": "f", "ImageName": "golden-5"})).unwrap())
        .unwrap();
    let err = c.delete_image().name("golden-5").send().await.unwrap_err();
    assert_eq!(err.code(), Some("ResourceInUseException"));

    c.tag_resource()
        .resource_arn(own_arn("image", "golden-2"))
        .tags("Owner", "a")
        .tags("Tier", "gold")
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .resource_arn(own_arn("image", "golden-2"))
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(own_arn("image", "golden-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["Tier"], "gold");
    let mut many = c
        .tag_resource()
        .resource_arn(own_arn("image-builder", "b-vpc"));
    for i in 0..51 {
        many = many.tags(format!("k{i}"), "v");
    }
    assert_eq!(
        many.send().await.unwrap_err().code(),
        Some("LimitExceededException")
    );
    let err = c
        .tag_resource()
        .resource_arn(own_arn("image", "ghost"))
        .tags("a", "b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    c.delete_usage_report_subscription().send().await.unwrap();
    let err = c
        .delete_usage_report_subscription()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(
        c.describe_usage_report_subscriptions()
            .send()
            .await
            .unwrap()
            .usage_report_subscriptions()
            .is_empty()
    );
    let created = c.create_usage_report_subscription().send().await.unwrap();
    let bucket = created.s3_bucket_name().unwrap().to_owned();
    assert!(
        bucket.starts_with("appstream-logs-us-east-1-123456789012-"),
        "{bucket}"
    );
    assert_eq!(created.schedule().unwrap().as_str(), "DAILY");
    let again = c.create_usage_report_subscription().send().await.unwrap();
    assert_eq!(again.s3_bucket_name(), Some(bucket.as_str()));
    let listed = c
        .describe_usage_report_subscriptions()
        .send()
        .await
        .unwrap();
    assert_eq!(listed.usage_report_subscriptions().len(), 1, "at most one");

    let ops: BTreeSet<String> = sim.sim().calls().into_iter().map(|c| c.operation).collect();
    for op in [
        "CreateImageBuilder",
        "StartImageBuilder",
        "StopImageBuilder",
        "DeleteImageBuilder",
        "DeleteImage",
        "UpdateImagePermissions",
        "DeleteImagePermissions",
        "TagResource",
        "UntagResource",
        "CreateUsageReportSubscription",
        "DeleteUsageReportSubscription",
    ] {
        assert!(ops.contains(op), "{op} is logged");
    }
    sim.shutdown().await;
}

fn drain_doc() -> Value {
    let session = |id: &str, instance: &str| {
        json!({"Id": id, "UserId": format!("user-{id}"), "FleetName": "pool", "StackName": "s",
            "State": "ACTIVE", "ConnectionState": "CONNECTED", "AuthenticationType": "API",
            "InstanceId": instance, "StartTime": 1_795_766_400})
    };
    json!({
        "Now": "2026-11-27T09:00:00Z",
        "Fleets": [
            {"Name": "pool", "State": "RUNNING", "MaxSessionsPerInstance": 4, "ComputeCapacityStatus": {
                "Desired": 2, "Running": 2, "InUse": 2, "Available": 0, "DesiredUserSessions": 8,
                "ActualUserSessions": 8, "ActiveUserSessions": 3, "AvailableUserSessions": 5}},
            {"Name": "single", "State": "RUNNING", "ComputeCapacityStatus": {
                "Desired": 1, "Running": 1, "InUse": 1, "Available": 0}}
        ],
        "Stacks": [{"Name": "s"}],
        "Associations": [{"FleetName": "pool", "StackName": "s"}, {"FleetName": "single", "StackName": "s"}],
        "Sessions": [session("a", "i-1"), session("b", "i-1"), session("c", "i-2"),
            {"Id": "solo", "UserId": "u", "FleetName": "single", "StackName": "s", "AuthenticationType": "API"}]
    })
}

/// (Draining, DrainModeActive, DrainModeUnused, Active, Available, Actual, InUse) of
/// `pool`; -1 for a counter that is absent.
async fn drain_counters(c: &Client) -> [i32; 7] {
    let out = c.describe_fleets().names("pool").send().await.unwrap();
    let s = out.fleets()[0].compute_capacity_status().unwrap();
    let counters = [
        s.draining(),
        s.drain_mode_active_user_sessions(),
        s.drain_mode_unused_user_sessions(),
        s.active_user_sessions(),
        s.available_user_sessions(),
        s.actual_user_sessions(),
        s.in_use(),
    ];
    let [_, dma, dmu, active, available, actual, _] = counters.map(|c| c.unwrap_or(0));
    assert_eq!(actual, available + active + dma + dmu, "{counters:?}");
    counters.map(|c| c.unwrap_or(-1))
}

async fn drain_statuses(c: &Client, fleet: &str) -> Vec<(String, Option<String>)> {
    let out = c
        .describe_sessions()
        .fleet_name(fleet)
        .stack_name("s")
        .send()
        .await
        .unwrap();
    out.sessions()
        .iter()
        .map(|s| {
            (
                s.id().unwrap().to_owned(),
                s.instance_drain_status().map(|d| d.as_str().to_owned()),
            )
        })
        .collect()
}

#[tokio::test]
async fn drain_session_instance_moves_sessions_and_counters() {
    let sim = start(drain_doc(), SimConfig::default()).await;
    let c = client(&sim.url());
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        drain_statuses(&c, "pool").await,
        [
            ("a".into(), some("ACTIVE")),
            ("b".into(), some("ACTIVE")),
            ("c".into(), some("ACTIVE"))
        ]
    );
    assert_eq!(drain_statuses(&c, "single").await, [("solo".into(), None)]);

    c.drain_session_instance()
        .session_id("a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        drain_statuses(&c, "pool").await,
        [
            ("a".into(), some("DRAINING")),
            ("b".into(), some("DRAINING")),
            ("c".into(), some("ACTIVE"))
        ]
    );
    assert_eq!(drain_counters(&c).await, [1, 2, 2, 1, 3, 8, 2]);
    c.drain_session_instance()
        .session_id("b")
        .send()
        .await
        .unwrap();
    assert_eq!(
        drain_counters(&c).await,
        [1, 2, 2, 1, 3, 8, 2],
        "draining a draining instance again changes nothing"
    );

    let (status, added) = control(
        &sim.url(),
        "POST",
        "/_sim/sessions",
        Some(json!({"FleetName": "pool", "StackName": "s", "Id": "d"})),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(
        added["InstanceId"], "i-2",
        "a draining instance takes no new session"
    );
    assert_eq!(added["InstanceDrainStatus"], "ACTIVE");
    assert_eq!(drain_counters(&c).await, [1, 2, 2, 2, 2, 8, 2]);

    sim.sim().end_session("a").unwrap();
    assert_eq!(drain_counters(&c).await, [1, 1, 3, 2, 2, 8, 2]);
    sim.sim().end_session("b").unwrap();
    assert_eq!(
        drain_counters(&c).await,
        [0, 0, 0, 2, 6, 8, 1],
        "the drained instance is reclaimed and replaced once its last session ends"
    );

    let err = c
        .drain_session_instance()
        .session_id("solo")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("OperationNotPermittedException"));
    let err = c
        .drain_session_instance()
        .session_id("ghost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = c.drain_session_instance().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    c.drain_session_instance()
        .session_id("c")
        .send()
        .await
        .unwrap();
    c.stop_fleet().name("pool").send().await.unwrap();
    sim.sim().advance_clock(30.0);
    assert_eq!(
        drain_counters(&c).await,
        [0, 0, 0, 0, 0, 0, 0],
        "a stopped fleet has no drain capacity left"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn create_and_update_stack_round_trip_the_2026_controls() {
    use aws_sdk_appstream::types::{
        AgentAccessConfig, AgentAccessConfigForUpdate, AgentAccessSetting, AgentAction,
        ContentRedirection, Permission, StackAttribute, StorageConnector, StorageConnectorType,
        UrlRedirectionConfig, UserControlMode,
    };
    let sim = start(json!({"Now": "2026-11-27T09:00:00Z"}), SimConfig::default()).await;
    let c = client(&sim.url());
    let setting = |action: AgentAction, permission: Permission| {
        AgentAccessSetting::builder()
            .agent_action(action)
            .permission(permission)
            .build()
    };
    let out = c
        .create_stack()
        .name("agents")
        .embed_host_domains("*.example.com")
        .content_redirection(
            ContentRedirection::builder()
                .host_to_client(
                    UrlRedirectionConfig::builder()
                        .enabled(true)
                        .allowed_urls("https://*.example.com/*")
                        .denied_urls("https://evil.example.com/*")
                        .build(),
                )
                .build(),
        )
        .agent_access_config(
            AgentAccessConfig::builder()
                .settings(setting(AgentAction::ComputerVision, Permission::Enabled))
                .settings(setting(AgentAction::ComputerInput, Permission::Enabled))
                .user_control_mode(UserControlMode::ViewOnly)
                .screenshots_upload_enabled(true)
                .s3_bucket_arn("arn:aws:s3:::shots")
                .build(),
        )
        .storage_connectors(
            StorageConnector::builder()
                .connector_type(StorageConnectorType::Homefolders)
                .build(),
        )
        .storage_connectors(
            StorageConnector::builder()
                .connector_type(StorageConnectorType::GoogleDrive)
                .domains("example.com")
                .build(),
        )
        .tags("Team", "ai")
        .send()
        .await
        .unwrap();
    let created = out.stack().unwrap();
    assert_eq!(created.arn(), Some(own_arn("stack", "agents").as_str()));
    assert_eq!(created.created_time().unwrap().secs(), 1_795_770_000);
    let described = c.describe_stacks().names("agents").send().await.unwrap();
    let stack = &described.stacks()[0];
    assert_eq!(stack, created, "Describe answers what Create stored");
    assert_eq!(stack.embed_host_domains(), ["*.example.com"]);
    let redirect = stack
        .content_redirection()
        .unwrap()
        .host_to_client()
        .unwrap();
    assert_eq!(redirect.enabled(), Some(true));
    assert_eq!(redirect.allowed_urls(), ["https://*.example.com/*"]);
    assert_eq!(redirect.denied_urls(), ["https://evil.example.com/*"]);
    let agents = stack.agent_access_config().unwrap();
    assert_eq!(agents.settings().len(), 2);
    assert_eq!(agents.user_control_mode(), Some(&UserControlMode::ViewOnly));
    assert_eq!(agents.s3_bucket_arn(), Some("arn:aws:s3:::shots"));
    assert_eq!(stack.storage_connectors()[1].domains(), ["example.com"]);
    let tags = c
        .list_tags_for_resource()
        .resource_arn(own_arn("stack", "agents"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap()["Team"], "ai");

    let out = c
        .update_stack()
        .name("agents")
        .agent_access_config(
            AgentAccessConfigForUpdate::builder()
                .user_control_mode(UserControlMode::ViewStop)
                .build(),
        )
        .attributes_to_delete(StackAttribute::EmbedHostDomains)
        .attributes_to_delete(StackAttribute::ContentRedirection)
        .attributes_to_delete(StackAttribute::StorageConnectorGoogleDrive)
        .send()
        .await
        .unwrap();
    let updated = out.stack().unwrap();
    assert!(updated.embed_host_domains().is_empty());
    assert!(updated.content_redirection().is_none());
    let agents = updated.agent_access_config().unwrap();
    assert_eq!(agents.user_control_mode(), Some(&UserControlMode::ViewStop));
    assert_eq!(agents.settings().len(), 2, "members not given are kept");
    let kinds: Vec<&str> = updated
        .storage_connectors()
        .iter()
        .map(|s| s.connector_type().unwrap().as_str())
        .collect();
    assert_eq!(kinds, ["HOMEFOLDERS"]);
    let out = c
        .update_stack()
        .name("agents")
        .attributes_to_delete(StackAttribute::AgentAccessConfig)
        .send()
        .await
        .unwrap();
    assert!(out.stack().unwrap().agent_access_config().is_none());
    let described = c.describe_stacks().names("agents").send().await.unwrap();
    assert_eq!(&described.stacks()[0], out.stack().unwrap());

    let vision_less = AgentAccessConfig::builder()
        .settings(setting(AgentAction::ComputerInput, Permission::Enabled))
        .build();
    let no_bucket = AgentAccessConfig::builder()
        .settings(setting(AgentAction::ComputerVision, Permission::Enabled))
        .screenshots_upload_enabled(true)
        .build();
    for (result, expected) in [
        (
            code(c.create_stack().name("agents").send().await),
            "ResourceAlreadyExistsException",
        ),
        (
            code(
                c.create_stack()
                    .name("x")
                    .agent_access_config(vision_less)
                    .send()
                    .await,
            ),
            "InvalidParameterCombinationException",
        ),
        (
            code(
                c.create_stack()
                    .name("x")
                    .agent_access_config(no_bucket)
                    .send()
                    .await,
            ),
            "InvalidParameterCombinationException",
        ),
        (
            code(
                c.create_stack()
                    .name("x")
                    .agent_access_config(AgentAccessConfig::builder().build())
                    .send()
                    .await,
            ),
            "ValidationException",
        ),
        (
            code(c.update_stack().name("ghost").send().await),
            "ResourceNotFoundException",
        ),
    ] {
        assert_eq!(result, expected);
    }
    sim.shutdown().await;
}
