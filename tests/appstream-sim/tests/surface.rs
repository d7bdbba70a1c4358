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
