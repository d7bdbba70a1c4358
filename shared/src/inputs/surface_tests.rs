//! Tests of the readers for image builders, images, image permissions, usage reports and
//! the 2026 stack controls: describe output in both key cases, requests, CloudTrail
//! records, templates, malformed shapes, and the one inventory of a `check` run.

use super::*;
use crate::model::{
    AccessEndpoint, AgentAccess, AgentAccessSetting, ResourceError, StorageConnector,
    UrlRedirection, VpcConfig,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

fn read(file: &str, text: &str) -> Document {
    read_document(file, text).unwrap_or_else(|e| panic!("{file} should be readable: {e}"))
}

fn strings(items: &[&str]) -> Attr<Vec<String>> {
    Attr::Set(items.iter().map(|s| (*s).to_owned()).collect())
}

fn set_str(s: &str) -> Attr<String> {
    Attr::Set(s.to_owned())
}

fn utc(y: i32, mo: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, 0, 0, 0).unwrap()
}

/// The same value with every object key turned to lowerCamelCase, as CloudTrail and some
/// SDKs print them.
fn camel(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = chars
                        .next()
                        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                        .unwrap_or_default();
                    (key, camel(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(camel).collect()),
        other => other.clone(),
    }
}

fn builder_json() -> Value {
    json!({
        "Name": "golden-builder",
        "Arn": "arn:aws:appstream:eu-west-1:111122223333:image-builder/golden-builder",
        "ImageArn": "arn:aws:appstream:eu-west-1::image/AppStream-WinServer2022-06-17-2026",
        "InstanceType": "stream.standard.medium",
        "Platform": "WINDOWS_SERVER_2022",
        "State": "RUNNING",
        "CreatedTime": "2026-06-01T08:30:00+00:00",
        "EnableDefaultInternetAccess": true,
        "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        "AccessEndpoints": [{"EndpointType": "STREAMING", "VpceId": "vpce-1"}],
        "IamRoleArn": "arn:aws:iam::111122223333:role/builder",
        "DisableIMDSV1": false,
        "ImageBuilderErrors": [{"ErrorCode": "IAM_SERVICE_ROLE_MISSING_DESCRIBE_SUBNET_ACTION",
            "ErrorMessage": "role", "ErrorTimestamp": 1780000000}],
        "AppstreamAgentVersion": "LATEST"
    })
}

#[test]
fn describe_image_builders_output_reads_every_field_in_both_key_cases() {
    let pascal = read(
        "b.json",
        &json!({"ImageBuilders": [builder_json()]}).to_string(),
    );
    let camel_doc = read(
        "b.json",
        &json!({"ImageBuilders": [camel(&builder_json())]}).to_string(),
    );
    assert!(pascal.errors.is_empty(), "{:?}", pascal.errors);
    assert_eq!(pascal.kind, DocumentKind::DescribeOutput);
    let b = &pascal.builders[0];
    assert_eq!(b.name, "golden-builder");
    assert_eq!(b.origin, Origin::Described);
    assert_eq!(b.instance_type, set_str("stream.standard.medium"));
    assert_eq!(b.platform, set_str("WINDOWS_SERVER_2022"));
    assert_eq!(b.state.as_deref(), Some("RUNNING"));
    assert_eq!(
        b.created_time,
        Some(Utc.with_ymd_and_hms(2026, 6, 1, 8, 30, 0).unwrap())
    );
    assert_eq!(b.enable_default_internet_access, Attr::Set(true));
    assert_eq!(
        b.vpc_config,
        Attr::Set(VpcConfig {
            subnet_ids: strings(&["subnet-1"]),
            security_group_ids: strings(&["sg-1"]),
        })
    );
    assert_eq!(
        b.access_endpoints,
        Attr::Set(vec![AccessEndpoint {
            endpoint_type: set_str("STREAMING"),
            vpce_id: set_str("vpce-1"),
        }])
    );
    assert_eq!(b.disable_imdsv1, Attr::Set(false));
    assert_eq!(
        b.errors,
        [ResourceError {
            error_code: "IAM_SERVICE_ROLE_MISSING_DESCRIBE_SUBNET_ACTION".into(),
            error_message: Some("role".into()),
        }]
    );
    assert!(matches!(b.tags, Attr::Unread(_)), "{:?}", b.tags);
    assert_eq!(b.source.line, Some(1));
    let mut c = camel_doc.builders[0].clone();
    c.source = b.source.clone();
    assert_eq!(&c, b);
}

fn image_json() -> Value {
    json!({
        "Name": "golden",
        "Arn": "arn:aws:appstream:eu-west-1:111122223333:image/golden",
        "Visibility": "PRIVATE",
        "State": "AVAILABLE",
        "Platform": "WINDOWS_SERVER_2022",
        "CreatedTime": 1780000000,
        "PublicBaseImageReleasedDate": "2026-01-13T00:00:00Z",
        "LatestAppstreamAgentVersion": "FALSE",
        "ImageSharedWithOthers": "TRUE",
        "ImageErrors": [{"ErrorCode": "IMAGE_BUILDER_STOPPED"}],
        "Applications": [{"Name": "golden", "DisplayName": "An app called like its image"}],
        "ImagePermissions": {"allowFleet": true, "allowImageBuilder": true}
    })
}

#[test]
fn describe_images_output_reads_every_field_in_both_key_cases() {
    let text = format!(
        "{{\"Images\": [\n{},\n{}\n]}}",
        image_json(),
        json!({"Name": "base", "Visibility": "PUBLIC"})
    );
    let doc = read("i.json", &text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let [image, base] = &doc.images[..] else {
        panic!("{:?}", doc.images)
    };
    assert_eq!(
        image.arn.as_deref(),
        Some("arn:aws:appstream:eu-west-1:111122223333:image/golden")
    );
    assert_eq!(image.visibility.as_deref(), Some("PRIVATE"));
    assert_eq!(image.state.as_deref(), Some("AVAILABLE"));
    assert_eq!(
        image.created_time,
        DateTime::from_timestamp(1_780_000_000, 0)
    );
    assert_eq!(
        image.public_base_image_released_date,
        Some(utc(2026, 1, 13))
    );
    assert_eq!(image.latest_appstream_agent_version, set_str("FALSE"));
    assert_eq!(image.image_shared_with_others, set_str("TRUE"));
    assert_eq!(image.errors[0].error_code, "IMAGE_BUILDER_STOPPED");
    assert!(image.is_owned() && !base.is_owned());
    // Not joined with DescribeImagePermissions yet: unknown, never "shared with nobody".
    assert!(matches!(image.shared_with, Attr::Unread(_)));
    assert_eq!((image.source.line, base.source.line), (Some(2), Some(3)));

    let camel_doc = read(
        "i.json",
        &json!({"images": [camel(&image_json())]}).to_string(),
    );
    let mut c = camel_doc.images[0].clone();
    c.source = image.source.clone();
    assert_eq!(&c, image);
}

#[test]
fn streamed_and_general_readers_give_the_same_builders_and_images() {
    let text = json!({"ImageBuilders": [builder_json()], "Images": [image_json()]}).to_string();
    let streamed = read("d.json", &text);
    // A key the streamed reader does not know sends the document to the general reader.
    let general = read(
        "d.json",
        &json!({"ImageBuilders": [builder_json()], "Images": [image_json()], "Other": 1})
            .to_string(),
    );
    assert_eq!(streamed.builders, general.builders);
    assert_eq!(streamed.images, general.images);
    assert_eq!(streamed.builders.len() + streamed.images.len(), 2);
}

#[test]
fn describe_image_permissions_reads_each_account_in_both_key_cases() {
    for text in [
        json!({"Name": "golden", "SharedImagePermissionsList": [
            {"sharedAccountId": "444455556666",
             "imagePermissions": {"allowFleet": true, "allowImageBuilder": false}},
            {"sharedAccountId": "777788889999"}]}),
        json!({"name": "golden", "sharedImagePermissionsList": [
            {"SharedAccountId": "444455556666",
             "ImagePermissions": {"AllowFleet": true, "AllowImageBuilder": false}},
            {"SharedAccountId": "777788889999"}]}),
    ] {
        let doc = read("p.json", &text.to_string());
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        let [permissions] = &doc.image_permissions[..] else {
            panic!("{doc:?}")
        };
        assert_eq!(permissions.image, "golden");
        assert_eq!(
            permissions.shared_with,
            [
                SharedWith {
                    account_id: "444455556666".into(),
                    allow_fleet: Some(true),
                    allow_image_builder: Some(false),
                },
                SharedWith {
                    account_id: "777788889999".into(),
                    allow_fleet: None,
                    allow_image_builder: None,
                },
            ]
        );
    }
}

#[test]
fn usage_report_subscriptions_give_one_account_named_dash_offline() {
    let doc = read("u.json", r#"{"UsageReportSubscriptions": []}"#);
    let [account] = &doc.accounts[..] else {
        panic!("{doc:?}")
    };
    assert_eq!(account.name, "-");
    assert_eq!(account.usage_report_subscriptions, Attr::Set(Vec::new()));

    let doc = read(
        "u.json",
        &json!({"usageReportSubscriptions": [{"s3BucketName": "appstream-logs-eu-west-1-111122223333",
            "schedule": "DAILY", "lastGeneratedReportDate": "2026-11-26T00:00:00Z",
            "subscriptionErrors": [{"errorCode": "ACCESS_DENIED", "errorMessage": "no"}]}]})
        .to_string(),
    );
    let account = &doc.accounts[0];
    // Nothing is derived from the bucket's name.
    assert_eq!(
        (account.name.as_str(), account.region.as_deref()),
        ("-", None)
    );
    let subscriptions = account.usage_report_subscriptions.known().unwrap();
    assert_eq!(subscriptions[0].schedule.as_deref(), Some("DAILY"));
    assert_eq!(
        subscriptions[0].last_generated_report_date,
        Some(utc(2026, 11, 26))
    );
    assert_eq!(subscriptions[0].errors[0].error_code, "ACCESS_DENIED");
}

fn stack_json() -> Value {
    json!({
        "Name": "agents",
        "EmbedHostDomains": ["*.example.com"],
        "ContentRedirection": {"HostToClient": {"Enabled": true,
            "AllowedUrls": ["https://*.example.com"], "DeniedUrls": ["https://bad.example.com"]}},
        "AgentAccessConfig": {
            "Settings": [{"AgentAction": "COMPUTER_VISION", "Permission": "ENABLED"},
                         {"AgentAction": "SUMMON_DRAGONS", "Permission": "ENABLED"}],
            "UserControlMode": "VIEW_AND_PANIC",
            "ScreenshotsUploadEnabled": true,
            "S3BucketArn": "arn:aws:s3:::shots"
        },
        "StorageConnectors": [{"ConnectorType": "GOOGLE_DRIVE", "Domains": ["example.com"]},
                              {"ConnectorType": "HOMEFOLDERS"}]
    })
}

fn expected_stack_fields(stack: &Stack) {
    assert_eq!(stack.embed_host_domains, strings(&["*.example.com"]));
    assert_eq!(
        stack.url_redirection,
        Attr::Set(UrlRedirection {
            enabled: Attr::Set(true),
            allowed_urls: strings(&["https://*.example.com"]),
            denied_urls: strings(&["https://bad.example.com"]),
        })
    );
    // Unknown enum values are kept as given, never mapped to a known one.
    assert_eq!(
        stack.agent_access,
        Attr::Set(AgentAccess {
            settings: Attr::Set(vec![
                AgentAccessSetting {
                    action: "COMPUTER_VISION".into(),
                    permission: set_str("ENABLED"),
                },
                AgentAccessSetting {
                    action: "SUMMON_DRAGONS".into(),
                    permission: set_str("ENABLED"),
                },
            ]),
            user_control_mode: set_str("VIEW_AND_PANIC"),
            screenshots_upload_enabled: Attr::Set(true),
            s3_bucket_arn: set_str("arn:aws:s3:::shots"),
        })
    );
    assert_eq!(
        stack.storage_connectors,
        Attr::Set(vec![
            StorageConnector {
                connector_type: "GOOGLE_DRIVE".into(),
                domains: strings(&["example.com"]),
            },
            StorageConnector {
                connector_type: "HOMEFOLDERS".into(),
                domains: Attr::Absent,
            },
        ])
    );
}

#[test]
fn the_new_stack_controls_are_read_from_describe_output_and_create_requests_in_both_cases() {
    let described = read("s.json", &json!({"Stacks": [stack_json()]}).to_string());
    expected_stack_fields(&described.stacks[0]);
    let request = read("create-stack.json", &stack_json().to_string());
    assert_eq!(request.kind, DocumentKind::StackRequest);
    expected_stack_fields(&request.stacks[0]);
    let trail = read(
        "trail.json",
        &json!({"eventSource": "appstream.amazonaws.com", "eventName": "CreateStack",
            "requestParameters": camel(&stack_json())})
        .to_string(),
    );
    assert!(trail.errors.is_empty(), "{:?}", trail.errors);
    expected_stack_fields(&trail.stacks[0]);
    assert_eq!(trail.stacks[0].origin, Origin::CreateRequest);
}

#[test]
fn a_content_redirection_without_host_to_client_redirects_nothing() {
    let doc = read(
        "s.json",
        r#"{"Stacks": [{"Name": "s", "ContentRedirection": {}}]}"#,
    );
    assert_eq!(doc.stacks[0].url_redirection, Attr::Absent);
}

#[test]
fn update_stack_leaves_unnamed_controls_unchanged_unless_attributes_to_delete_names_them() {
    let unchanged = |stack: &Stack| {
        [
            ("EmbedHostDomains", stack.embed_host_domains.get().err()),
            ("ContentRedirection", stack.url_redirection.get().err()),
            ("AgentAccessConfig", stack.agent_access.get().err()),
            ("StorageConnectors", stack.storage_connectors.get().err()),
        ]
        .into_iter()
        .filter_map(|(field, unread)| {
            let unread = unread?;
            assert_eq!(unread.reason, UnreadReason::NotInRequest);
            assert_eq!(unread.field, field);
            Some(field)
        })
        .collect::<Vec<_>>()
    };
    let doc = read(
        "update-stack.json",
        r#"{"Name": "s", "RedirectURL": "https://x"}"#,
    );
    assert_eq!(doc.stacks[0].origin, Origin::UpdateRequest);
    assert_eq!(
        unchanged(&doc.stacks[0]),
        [
            "EmbedHostDomains",
            "ContentRedirection",
            "AgentAccessConfig",
            "StorageConnectors"
        ]
    );

    let doc = read(
        "s.json",
        r#"{"Name": "s", "AttributesToDelete": ["EMBED_HOST_DOMAINS", "CONTENT_REDIRECTION",
            "AGENT_ACCESS_CONFIG", "STORAGE_CONNECTORS"]}"#,
    );
    let s = &doc.stacks[0];
    assert!(unchanged(s).is_empty());
    assert!(s.embed_host_domains.is_absent() && s.url_redirection.is_absent());
    assert!(s.agent_access.is_absent() && s.storage_connectors.is_absent());

    // CloudTrail's lowerCamelCase, the deprecated flag, and one connector type deleted.
    let doc = read(
        "trail.json",
        &json!({"eventSource": "appstream.amazonaws.com", "eventName": "UpdateStack",
            "requestParameters": {"name": "s", "deleteStorageConnectors": true,
                "agentAccessConfig": {"settings": [{"agentAction": "COMPUTER_INPUT",
                    "permission": "ENABLED"}], "userControlMode": "VIEW_STOP"}}})
        .to_string(),
    );
    let s = &doc.stacks[0];
    assert_eq!(unchanged(s), ["EmbedHostDomains", "ContentRedirection"]);
    assert!(s.storage_connectors.is_absent());
    assert_eq!(
        s.agent_access.known().map(|a| a.user_control_mode.clone()),
        Some(set_str("VIEW_STOP"))
    );
    let doc = read(
        "update-stack.json",
        r#"{"Name": "s", "StorageConnectors": [{"ConnectorType": "ONE_DRIVE"},
            {"ConnectorType": "GOOGLE_DRIVE"}],
            "AttributesToDelete": ["STORAGE_CONNECTOR_GOOGLE_DRIVE"]}"#,
    );
    let kinds: Vec<&str> = doc.stacks[0]
        .storage_connectors
        .known()
        .unwrap()
        .iter()
        .map(|c| c.connector_type.as_str())
        .collect();
    assert_eq!(kinds, ["ONE_DRIVE"]);
}

#[test]
fn create_image_builder_and_create_fleet_requests_are_told_apart() {
    let common = r#""Name": "x", "ImageName": "golden", "InstanceType": "stream.standard.medium""#;
    for (file, extra, expected) in [
        // A builder-only member (AccessEndpoints counts beside fleet members).
        (
            "req.json",
            r#""AppstreamAgentVersion": "LATEST""#,
            DocumentKind::CreateImageBuilderRequest,
        ),
        (
            "req.json",
            r#""SoftwaresToInstall": ["a"]"#,
            DocumentKind::CreateImageBuilderRequest,
        ),
        (
            "req.json",
            r#""AccessEndpoints": []"#,
            DocumentKind::CreateImageBuilderRequest,
        ),
        // A fleet-only member.
        (
            "req.json",
            r#""FleetType": "ON_DEMAND""#,
            DocumentKind::CreateFleetRequest,
        ),
        (
            "builder.json",
            r#""ComputeCapacity": {"DesiredInstances": 1}"#,
            DocumentKind::CreateFleetRequest,
        ),
        // Neither: the file name decides, a fleet by default.
        (
            "req.json",
            r#""EnableDefaultInternetAccess": true"#,
            DocumentKind::CreateFleetRequest,
        ),
        (
            "create-image-builder.json",
            r#""EnableDefaultInternetAccess": true"#,
            DocumentKind::CreateImageBuilderRequest,
        ),
        // Both: the file name decides too.
        (
            "req.json",
            r#""FleetType": "ON_DEMAND", "AppstreamAgentVersion": "LATEST""#,
            DocumentKind::CreateFleetRequest,
        ),
        (
            "my-Builder.json",
            r#""FleetType": "ON_DEMAND", "AppstreamAgentVersion": "LATEST""#,
            DocumentKind::CreateImageBuilderRequest,
        ),
    ] {
        let doc = read(file, &format!("{{{common}, {extra}}}"));
        assert_eq!(doc.kind, expected, "{file}: {extra}");
        assert_eq!(
            doc.builders.len(),
            usize::from(expected == DocumentKind::CreateImageBuilderRequest)
        );
    }
    // AccessEndpoints alone is a stack's.
    let doc = read("req.json", r#"{"Name": "s", "AccessEndpoints": []}"#);
    assert_eq!(doc.kind, DocumentKind::StackRequest);
}

#[test]
fn a_create_image_builder_request_reads_the_same_in_pascal_case_and_from_cloudtrail() {
    let request = json!({"Name": "b", "ImageName": "AppStream-WinServer2022-06-17-2026",
        "InstanceType": "stream.standard.large", "EnableDefaultInternetAccess": true,
        "VpcConfig": {"SubnetIds": ["subnet-1"]}, "AppstreamAgentVersion": "LATEST",
        "Tags": {"team": "images"}});
    let cli = read("create-image-builder.cli-input.json", &request.to_string());
    let trail = read(
        "trail.json",
        &json!({"eventSource": "appstream.amazonaws.com", "eventName": "CreateImageBuilder",
            "recipientAccountId": "111122223333", "awsRegion": "eu-west-1",
            "requestParameters": camel(&request)})
        .to_string(),
    );
    assert_eq!(trail.kind, DocumentKind::CloudTrail);
    let (a, b) = (&cli.builders[0], &trail.builders[0]);
    assert_eq!(a.origin, Origin::CreateRequest);
    assert_eq!(a.image_name, set_str("AppStream-WinServer2022-06-17-2026"));
    assert_eq!(a.enable_default_internet_access, Attr::Set(true));
    assert_eq!(a.tags.known().map(|t| t["team"].as_str()), Some("images"));
    assert_eq!(b.source.pointer.as_deref(), Some("/requestParameters"));
    let mut b = b.clone();
    b.source = a.source.clone();
    assert_eq!(&b, a);
}

fn trail_record(event_name: &str, extra: Value) -> Value {
    let mut record = json!({"eventSource": "appstream.amazonaws.com", "eventName": event_name,
        "recipientAccountId": "111122223333", "awsRegion": "eu-west-1",
        "requestParameters": null, "responseElements": null});
    if let (Some(r), Some(e)) = (record.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    record
}

#[test]
fn usage_report_events_give_the_account_with_or_without_its_subscription() {
    let text = json!({"Records": [
        trail_record("CreateUsageReportSubscription", json!({"responseElements":
            {"s3BucketName": "appstream-logs", "schedule": "DAILY"}})),
        trail_record("DeleteUsageReportSubscription", json!({})),
        trail_record("StartImageBuilder", json!({"requestParameters": {"name": "b"}})),
        trail_record("CreateUpdatedImage", json!({"requestParameters": {"existingImageName": "golden"}})),
        trail_record("UpdateImagePermissions", json!({"requestParameters": {"name": "golden"}})),
    ]})
    .to_string();
    let doc = read("trail.json", &text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let [created, deleted] = &doc.accounts[..] else {
        panic!("{:?}", doc.accounts)
    };
    assert_eq!(created.name, "111122223333/eu-west-1");
    assert_eq!(created.account_id.as_deref(), Some("111122223333"));
    let subscriptions = created.usage_report_subscriptions.known().unwrap();
    assert_eq!(subscriptions[0].schedule.as_deref(), Some("DAILY"));
    assert_eq!(deleted.usage_report_subscriptions, Attr::Set(Vec::new()));
    assert_eq!(deleted.source.pointer.as_deref(), Some("/Records/1"));
    let notes: Vec<&str> = doc.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    for (note, event) in notes.iter().zip([
        "StartImageBuilder",
        "CreateUpdatedImage",
        "UpdateImagePermissions",
    ]) {
        assert!(
            note.starts_with("skipped: ") && note.contains(event),
            "{note}"
        );
    }
}

#[test]
fn a_template_image_builder_and_stack_controls_are_read_and_intrinsics_stay_unread() {
    let text = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Builder:
    Type: AWS::AppStream::ImageBuilder
    Properties:
      ImageName: !Ref BaseImage
      InstanceType: stream.standard.large
      EnableDefaultInternetAccess: "true"
      VpcConfig:
        SubnetIds: [!Ref Subnet]
      AccessEndpoints:
        - EndpointType: STREAMING
          VpceId: !Ref Endpoint
      Tags:
        - Key: team
          Value: images
  Agents:
    Type: AWS::AppStream::Stack
    Properties:
      Name: agents
      EmbedHostDomains: ["*.example.com"]
      ContentRedirection: !If [Prod, {HostToClient: {Enabled: true}}, !Ref AWS::NoValue]
      AgentAccessConfig:
        Settings:
          - AgentAction: COMPUTER_INPUT
            Permission: !Ref AgentPermission
        UserControlMode: VIEW_ONLY
"#;
    let doc = read("template.yaml", text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let b = &doc.builders[0];
    assert_eq!((b.name.as_str(), b.origin), ("Builder", Origin::Template));
    assert_eq!(b.source.line, Some(4));
    assert_eq!(
        b.image_name,
        Attr::unread(
            "ImageName",
            UnreadReason::Intrinsic("!Ref BaseImage".into())
        )
    );
    assert_eq!(b.enable_default_internet_access, Attr::Set(true));
    assert_eq!(
        b.vpc_config.known().map(|v| v.subnet_ids.clone()),
        Some(strings(&["<!Ref Subnet>"]))
    );
    assert_eq!(
        b.access_endpoints.known().map(|e| e[0].vpce_id.clone()),
        Some(Attr::unread(
            "AccessEndpoints.VpceId",
            UnreadReason::Intrinsic("!Ref Endpoint".into())
        ))
    );
    let s = &doc.stacks[0];
    assert_eq!(s.name, "agents");
    assert_eq!(s.embed_host_domains, strings(&["*.example.com"]));
    assert_eq!(
        s.url_redirection,
        Attr::unread("ContentRedirection", UnreadReason::Intrinsic("!If".into()))
    );
    let settings = s
        .agent_access
        .known()
        .and_then(|a| a.settings.known())
        .unwrap();
    assert_eq!(
        settings[0].permission,
        Attr::unread(
            "AgentAccessConfig.Settings.Permission",
            UnreadReason::Intrinsic("!Ref AgentPermission".into())
        )
    );
}

#[test]
fn malformed_new_fields_are_errors_with_their_position_and_the_rest_is_still_read() {
    let text = r#"{
  "ImageBuilders": [
    {"Name": "bad-builder", "VpcConfig": "subnet-1"},
    {"Name": "good-builder"}
  ],
  "Images": [
    {"Name": "bad-image", "PublicBaseImageReleasedDate": "last tuesday"},
    {"Name": "good-image"}
  ],
  "Stacks": [
    {"Name": "bad-stack", "AgentAccessConfig": {"Settings": {"AgentAction": "COMPUTER_VISION"}}},
    {"Name": "bad-connector", "StorageConnectors": [{"Domains": []}]},
    {"Name": "bad-redirect", "ContentRedirection": {"HostToClient": {"Enabled": "yes"}}},
    {"Name": "good-stack", "EmbedHostDomains": []}
  ]
}"#;
    let doc = read("d.json", text);
    let names = |v: Vec<&str>| v.join(",");
    assert_eq!(
        names(doc.builders.iter().map(|b| b.name.as_str()).collect()),
        "good-builder"
    );
    assert_eq!(
        names(doc.images.iter().map(|i| i.name.as_str()).collect()),
        "good-image"
    );
    assert_eq!(
        names(doc.stacks.iter().map(|s| s.name.as_str()).collect()),
        "good-stack"
    );
    let found: Vec<(Option<&str>, Option<u32>, String)> = doc
        .errors
        .iter()
        .map(|e| {
            (
                e.location().pointer.as_deref(),
                e.location().line,
                e.to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "/Stacks/0/AgentAccessConfig/Settings",
            11,
            "expected an array",
        ),
        (
            "/Stacks/1/StorageConnectors/0",
            12,
            "missing required field `ConnectorType`",
        ),
        (
            "/Stacks/2/ContentRedirection/HostToClient/Enabled",
            13,
            "expected true or false",
        ),
        ("/ImageBuilders/0/VpcConfig", 3, "expected an object"),
        (
            "/Images/0/PublicBaseImageReleasedDate",
            7,
            "expected a timestamp",
        ),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for ((pointer, line, message), (want_pointer, want_line, want)) in found.iter().zip(expected) {
        assert_eq!(*pointer, Some(want_pointer));
        assert_eq!(*line, Some(want_line), "{want_pointer}");
        assert!(
            message.contains("d.json:") && message.contains(want),
            "{message}"
        );
    }
    assert!(doc.errors.iter().all(|e| e.location().column.is_some()));
}

#[test]
fn one_inventory_joins_a_fleet_with_its_image_and_an_image_with_its_permissions_across_files() {
    let mut collected = Collected::default();
    for (file, text) in [
        (
            "fleets.json",
            r#"{"Fleets": [{"Name": "kiosk", "ImageName": "golden"},
                                      {"Name": "lost", "ImageName": "gone"}]}"#,
        ),
        (
            "images.json",
            r#"{"Images": [{"Name": "golden", "PublicBaseImageReleasedDate": "2026-01-13T00:00:00Z"}]}"#,
        ),
        (
            "permissions.json",
            r#"{"Name": "golden", "SharedImagePermissionsList": [{"sharedAccountId": "444455556666"}]}"#,
        ),
    ] {
        collected.add(read(file, text));
    }
    collected.join();
    let kiosk = collected.fleets[0].image.known().unwrap();
    assert_eq!(kiosk.name, "golden");
    assert_eq!(
        kiosk.public_base_image_released_date,
        Some(utc(2026, 1, 13))
    );
    assert!(matches!(collected.fleets[1].image, Attr::Unread(_)));
    let shared = collected.images[0].shared_with.known().unwrap();
    assert_eq!(shared[0].account_id, "444455556666");
}
