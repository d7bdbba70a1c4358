//! Table-driven tests of the readers, through the public entry points (`read_document`,
//! `parse_text`) and the model they produce.

use super::*;
use crate::finding::Evaluation;
use crate::model::{
    AccessEndpoint, ComputeCapacity, ComputeCapacityStatus, DomainJoinInfo, FleetError, FleetType,
    UserSetting, VpcConfig,
};
use crate::policy::{CATALOG, Check, Policy, evaluate_fleet};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

/// Reads a document that must be readable.
fn read(file: &str, text: &str) -> Document {
    read_document(file, text).unwrap_or_else(|e| panic!("{file} should be readable: {e}"))
}

/// Reads a document that must be rejected as a whole.
fn rejected(file: &str, text: &str) -> InputError {
    match read_document(file, text) {
        Ok(doc) => panic!("{file} should be rejected, got {doc:?}"),
        Err(e) => e,
    }
}

/// The one fleet of a document that must hold exactly one and no errors.
fn one_fleet(doc: &Document) -> &Fleet {
    assert!(doc.errors.is_empty(), "unexpected errors: {:?}", doc.errors);
    assert_eq!(doc.fleets.len(), 1, "fleets: {:?}", doc.fleets);
    &doc.fleets[0]
}

/// The one error of a document that was read but whose only resource was not.
fn one_error(doc: &Document) -> &InputError {
    assert!(
        doc.fleets.is_empty(),
        "no fleet should be read: {:?}",
        doc.fleets
    );
    assert_eq!(doc.errors.len(), 1, "errors: {:?}", doc.errors);
    &doc.errors[0]
}

fn pointer(e: &InputError) -> Option<&str> {
    e.location().pointer.as_deref()
}

fn unread<T>(field: &'static str, reason: UnreadReason) -> Attr<T> {
    Attr::unread(field, reason)
}

fn intrinsic<T>(field: &'static str, expr: &str) -> Attr<T> {
    Attr::unread(field, UnreadReason::Intrinsic(expr.to_owned()))
}

fn strings(items: &[&str]) -> Attr<Vec<String>> {
    Attr::Set(items.iter().map(|s| (*s).to_owned()).collect())
}

fn set_str(s: &str) -> Attr<String> {
    Attr::Set(s.to_owned())
}

fn tags(pairs: &[(&str, &str)]) -> Attr<BTreeMap<String, String>> {
    Attr::Set(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// Asserts that an update request leaves `attr` (AppStream's `field`) unchanged.
fn assert_not_in_request<T: Debug>(attr: &Attr<T>, field: &str) {
    match attr {
        Attr::Unread(u) => {
            assert_eq!(u.field, field);
            assert_eq!(u.reason, UnreadReason::NotInRequest, "{field}");
        }
        other => panic!("{field} should be Unread(NotInRequest), got {other:?}"),
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn now() -> DateTime<Utc> {
    utc(2026, 11, 27, 12, 0, 0)
}

fn rule_ids(evaluation: &Evaluation) -> Vec<&'static str> {
    evaluation.findings.iter().map(|f| f.rule_id).collect()
}

/// A describe-fleets document with one fleet built from `fleet` (a JSON object).
fn describe_one(fleet: serde_json::Value) -> String {
    json!({ "Fleets": [fleet] }).to_string()
}

const DESCRIBE_FULL: &str = r#"{
    "Fleets": [
        {
            "Arn": "arn:aws:appstream:eu-west-1:123456789012:fleet/analytics-ms",
            "Name": "analytics-ms",
            "DisplayName": "Analytics (multi-session)",
            "Description": "Analytics desktops",
            "ImageName": "analytics-win2022-2026-10",
            "ImageArn": "arn:aws:appstream:eu-west-1:123456789012:image/analytics-win2022-2026-10",
            "InstanceType": "stream.memory.2xlarge",
            "FleetType": "ALWAYS_ON",
            "ComputeCapacityStatus": {
                "Desired": 5, "Running": 4, "InUse": 3, "Available": 1, "Draining": 0,
                "DesiredUserSessions": 40, "AvailableUserSessions": 2,
                "ActiveUserSessions": 30, "ActualUserSessions": 32
            },
            "MaxUserDurationInSeconds": 36000,
            "DisconnectTimeoutInSeconds": 300,
            "IdleDisconnectTimeoutInSeconds": 900,
            "State": "RUNNING",
            "VpcConfig": {
                "SubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                "SecurityGroupIds": ["sg-0f1e2d3c4b5a60002"]
            },
            "CreatedTime": "2026-01-05T12:00:00Z",
            "FleetErrors": [
                {"ErrorCode": "IAM_SERVICE_ROLE_IS_MISSING", "ErrorMessage": "The service role is missing."},
                {"ErrorCode": "INTERNAL_SERVICE_ERROR"}
            ],
            "EnableDefaultInternetAccess": false,
            "DomainJoinInfo": {
                "DirectoryName": "corp.example.com",
                "OrganizationalUnitDistinguishedName": "OU=AppStream,DC=corp,DC=example,DC=com"
            },
            "IamRoleArn": "arn:aws:iam::123456789012:role/AppStreamFleet",
            "StreamView": "DESKTOP",
            "Platform": "WINDOWS_SERVER_2022",
            "MaxConcurrentSessions": 50,
            "UsbDeviceFilterStrings": ["*,*,*,*,*,*,*,*", "0781,5581,*,*,*,*,*,*"],
            "SessionScriptS3Location": {"S3Bucket": "example-scripts", "S3Key": "analytics/session.zip"},
            "MaxSessionsPerInstance": 8,
            "DisableIMDSV1": true
        }
    ]
}"#;

#[test]
fn describe_fleets_output_round_trips_every_field_the_rules_need() {
    let doc = read("describe-fleets.json", DESCRIBE_FULL);
    assert_eq!(doc.kind, DocumentKind::DescribeOutput);
    let fleet = one_fleet(&doc);

    let mut expected = Fleet::new(
        "analytics-ms",
        Origin::Described,
        Source {
            file: "describe-fleets.json".to_owned(),
            line: Some(5),
            pointer: Some("/Fleets/0".to_owned()),
        },
    );
    expected.arn = Some("arn:aws:appstream:eu-west-1:123456789012:fleet/analytics-ms".to_owned());
    expected.display_name = set_str("Analytics (multi-session)");
    expected.description = set_str("Analytics desktops");
    expected.image_name = set_str("analytics-win2022-2026-10");
    expected.image_arn =
        set_str("arn:aws:appstream:eu-west-1:123456789012:image/analytics-win2022-2026-10");
    expected.instance_type = set_str("stream.memory.2xlarge");
    expected.fleet_type = Attr::Set(FleetType::AlwaysOn);
    expected.compute_capacity_status = Some(ComputeCapacityStatus {
        drain_mode_active_user_sessions: None,
        drain_mode_unused_user_sessions: None,
        desired: Some(5),
        running: Some(4),
        in_use: Some(3),
        available: Some(1),
        draining: Some(0),
        desired_user_sessions: Some(40),
        available_user_sessions: Some(2),
        active_user_sessions: Some(30),
        actual_user_sessions: Some(32),
    });
    expected.max_user_duration_in_seconds = Attr::Set(36_000);
    expected.disconnect_timeout_in_seconds = Attr::Set(300);
    expected.idle_disconnect_timeout_in_seconds = Attr::Set(900);
    expected.state = Some("RUNNING".to_owned());
    expected.vpc_config = Attr::Set(VpcConfig {
        subnet_ids: strings(&["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]),
        security_group_ids: strings(&["sg-0f1e2d3c4b5a60002"]),
    });
    expected.created_time = Some(utc(2026, 1, 5, 12, 0, 0));
    expected.fleet_errors = vec![
        FleetError {
            error_code: "IAM_SERVICE_ROLE_IS_MISSING".to_owned(),
            error_message: Some("The service role is missing.".to_owned()),
        },
        FleetError {
            error_code: "INTERNAL_SERVICE_ERROR".to_owned(),
            error_message: None,
        },
    ];
    expected.enable_default_internet_access = Attr::Set(false);
    expected.domain_join_info = Attr::Set(DomainJoinInfo {
        directory_name: set_str("corp.example.com"),
        organizational_unit_distinguished_name: set_str("OU=AppStream,DC=corp,DC=example,DC=com"),
    });
    expected.iam_role_arn = set_str("arn:aws:iam::123456789012:role/AppStreamFleet");
    expected.stream_view = set_str("DESKTOP");
    expected.platform = set_str("WINDOWS_SERVER_2022");
    expected.max_concurrent_sessions = Attr::Set(50);
    expected.usb_device_filter_strings = strings(&["*,*,*,*,*,*,*,*", "0781,5581,*,*,*,*,*,*"]);
    expected.session_script_s3_location = set_str("s3://example-scripts/analytics/session.zip");
    expected.max_sessions_per_instance = Attr::Set(8);
    expected.disable_imdsv1 = Attr::Set(true);
    // Checked on their own below; the reason's wording is not this test's business.
    expected.tags = fleet.tags.clone();

    assert_eq!(fleet, &expected);
    assert!(fleet.is_multi_session().unwrap());
    assert!(!fleet.is_elastic().unwrap());
}

#[test]
fn created_time_is_read_in_every_form_the_cli_and_sdks_print() {
    let base = utc(2025, 3, 14, 9, 21, 7);
    for (raw, expected) in [
        (json!("2025-03-14T09:21:07Z"), base),
        (json!("2025-03-14T09:21:07+00:00"), base),
        (json!("2025-03-14T11:21:07+02:00"), base),
        (json!("2025-03-14T04:21:07-05:00"), base),
        (json!("2025-03-14T09:21:07+0000"), base),
        (
            json!("2025-03-14T09:21:07.123000+00:00"),
            base + Duration::milliseconds(123),
        ),
        (
            json!("2025-03-14T09:21:07.5Z"),
            base + Duration::milliseconds(500),
        ),
        (json!("2025-03-14T09:21:07"), base),
        (
            json!("2025-03-14T09:21:07.250"),
            base + Duration::milliseconds(250),
        ),
        (json!(1_741_944_067), base),
        (json!(1_741_944_067.0), base),
        (json!(1_741_944_067.5), base + Duration::milliseconds(500)),
        (json!(1_741_944_067.25), base + Duration::milliseconds(250)),
    ] {
        let doc = read(
            "describe-fleets.json",
            &describe_one(json!({"Name": "f", "CreatedTime": raw})),
        );
        assert_eq!(one_fleet(&doc).created_time, Some(expected), "{raw}");
    }
}

#[test]
fn created_time_with_milliseconds_as_epoch_float_keeps_millisecond_precision() {
    let doc = read(
        "describe-fleets.json",
        &describe_one(json!({"Name": "f", "CreatedTime": 1_718_000_000.123})),
    );
    let got = one_fleet(&doc).created_time.unwrap();
    let want = DateTime::from_timestamp(1_718_000_000, 123_000_000).unwrap();
    assert!(
        (got - want).num_microseconds().unwrap().abs() < 1,
        "{got} vs {want}"
    );
}

#[test]
fn describe_output_tags_are_unread_unless_a_tags_key_is_present() {
    let doc = read("d.json", &describe_one(json!({"Name": "no-tags"})));
    match &one_fleet(&doc).tags {
        Attr::Unread(u) => {
            assert_eq!(u.field, "Tags");
            assert!(
                matches!(u.reason, UnreadReason::NotInInput(_)),
                "{:?}",
                u.reason
            );
        }
        other => panic!("tags should be unread, got {other:?}"),
    }

    for (raw, expected) in [
        (
            json!({"owner": "finance-it", "cost-center": "4711"}),
            tags(&[("owner", "finance-it"), ("cost-center", "4711")]),
        ),
        (json!({}), tags(&[])),
        (
            json!([{"Key": "owner", "Value": "x"}]),
            tags(&[("owner", "x")]),
        ),
    ] {
        let doc = read("d.json", &describe_one(json!({"Name": "f", "Tags": raw})));
        assert_eq!(one_fleet(&doc).tags, expected, "{raw}");
    }
}

#[test]
fn a_describe_document_holding_fleets_stacks_and_sessions_yields_all_three() {
    let text = json!({
        "Fleets": [{"Name": "analytics-ms", "InstanceType": "stream.memory.2xlarge"}],
        "Stacks": [
            {
                "Name": "analytics",
                "UserSettings": [
                    {"Action": "FILE_DOWNLOAD", "Permission": "DISABLED"},
                    {"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "ENABLED"}
                ],
                "AccessEndpoints": [{"EndpointType": "STREAMING", "VpceId": "vpce-0123"}],
                "StackErrors": [{"ErrorCode": "STORAGE_CONNECTOR_ERROR", "ErrorMessage": "bucket"}]
            },
            {"Name": "finance"}
        ],
        "Sessions": [
            {
                "Id": "s-1", "UserId": "ana@example.com", "StackName": "analytics",
                "FleetName": "analytics-ms", "State": "ACTIVE", "ConnectionState": "CONNECTED",
                "StartTime": "2026-11-27T08:02:11+00:00", "MaxExpirationTime": 1_795_802_400,
                "AuthenticationType": "SAML", "InstanceId": "i-0123456789abcdef0"
            }
        ]
    })
    .to_string();
    let doc = read("describe-all.json", &text);
    assert_eq!(doc.kind, DocumentKind::DescribeOutput);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(doc.fleets.len(), 1);
    assert_eq!(doc.fleets[0].name, "analytics-ms");

    let names: Vec<&str> = doc.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["analytics", "finance"]);
    let analytics = &doc.stacks[0];
    assert_eq!(analytics.origin, Origin::Described);
    assert_eq!(
        analytics.user_settings,
        Attr::Set(vec![
            UserSetting {
                action: "FILE_DOWNLOAD".to_owned(),
                permission: set_str("DISABLED"),
            },
            UserSetting {
                action: "PRINTING_TO_LOCAL_DEVICE".to_owned(),
                permission: set_str("ENABLED"),
            },
        ])
    );
    assert_eq!(
        analytics.access_endpoints,
        Attr::Set(vec![AccessEndpoint {
            endpoint_type: set_str("STREAMING"),
            vpce_id: set_str("vpce-0123"),
        }])
    );
    assert_eq!(analytics.stack_errors.len(), 1);
    assert_eq!(
        analytics.stack_errors[0].error_code,
        "STORAGE_CONNECTOR_ERROR"
    );
    assert_eq!(analytics.source.pointer.as_deref(), Some("/Stacks/0"));
    assert_eq!(doc.stacks[1].user_settings, Attr::Absent);

    assert_eq!(doc.sessions.len(), 1);
    let session = &doc.sessions[0];
    assert_eq!(session.id, "s-1");
    assert_eq!(session.user_id, "ana@example.com");
    assert_eq!(session.fleet_name, "analytics-ms");
    assert_eq!(session.stack_name, "analytics");
    assert_eq!(session.state, "ACTIVE");
    assert_eq!(session.connection_state.as_deref(), Some("CONNECTED"));
    assert_eq!(session.start_time, Some(utc(2026, 11, 27, 8, 2, 11)));
    assert_eq!(
        session.max_expiration_time,
        DateTime::from_timestamp(1_795_802_400, 0)
    );
    assert_eq!(session.instance_id.as_deref(), Some("i-0123456789abcdef0"));
    assert_eq!(session.source.pointer.as_deref(), Some("/Sessions/0"));
}

#[test]
fn a_session_without_a_required_field_is_an_error_and_the_others_are_read() {
    let text = json!({"Sessions": [
        {"Id": "s-1", "UserId": "u", "StackName": "st", "FleetName": "f", "State": "ACTIVE"},
        {"Id": "s-2", "UserId": "u", "StackName": "st", "State": "ACTIVE"}
    ]})
    .to_string();
    let doc = read("sessions.json", &text);
    assert_eq!(doc.sessions.len(), 1);
    assert_eq!(doc.errors.len(), 1);
    assert!(
        matches!(
            &doc.errors[0],
            InputError::Missing {
                field: "FleetName",
                ..
            }
        ),
        "{:?}",
        doc.errors[0]
    );
    assert_eq!(pointer(&doc.errors[0]), Some("/Sessions/1"));
}

#[test]
fn a_single_fleet_as_a_create_fleet_response_is_read() {
    let text = r#"{
    "Fleet": {
        "Arn": "arn:aws:appstream:eu-west-1:123456789012:fleet/new-fleet",
        "Name": "new-fleet",
        "InstanceType": "stream.standard.medium",
        "FleetType": "ON_DEMAND",
        "ComputeCapacityStatus": {"Desired": 2},
        "State": "STOPPED",
        "CreatedTime": 1718000000
    }
}"#;
    let doc = read("create-fleet-response.json", text);
    assert_eq!(doc.kind, DocumentKind::DescribeOutput);
    let fleet = one_fleet(&doc);
    assert_eq!(fleet.name, "new-fleet");
    assert_eq!(fleet.origin, Origin::Described);
    assert_eq!(fleet.fleet_type, Attr::Set(FleetType::OnDemand));
    assert_eq!(fleet.state.as_deref(), Some("STOPPED"));
    assert_eq!(
        fleet
            .compute_capacity_status
            .as_ref()
            .and_then(|s| s.desired),
        Some(2)
    );
    assert_eq!(fleet.source.pointer.as_deref(), Some("/Fleet"));
    assert_eq!(fleet.source.line, Some(4));
}

#[test]
fn the_line_of_each_fleets_name_is_found() {
    let text = r#"{
    "Fleets": [
        {
            "Arn": "arn:aws:appstream:eu-west-1:123456789012:fleet/alpha",
            "Name": "alpha",
            "ImageName": "beta"
        },
        {
            "DisplayName": "alpha",
            "Name": "beta"
        },
        {"Name": "alpha-2", "InstanceType": "stream.standard.small"}
    ]
}"#;
    let doc = read("describe-fleets.json", text);
    let lines: Vec<(&str, Option<usize>)> = doc
        .fleets
        .iter()
        .map(|f| (f.name.as_str(), f.source.line))
        .collect();
    assert_eq!(
        lines,
        [
            ("alpha", Some(5)),
            ("beta", Some(10)),
            ("alpha-2", Some(12))
        ]
    );
}

#[test]
fn a_stack_sharing_its_name_with_a_fleet_points_at_its_own_name_line() {
    // AppStream setups very often name the stack after its fleet.
    let text = r#"{
    "Fleets": [
        {"Name": "engineering", "InstanceType": "stream.standard.large"}
    ],
    "Stacks": [
        {"Name": "engineering"}
    ]
}"#;
    let doc = read("describe-all.json", text);
    assert_eq!(doc.fleets[0].source.line, Some(3));
    assert_eq!(doc.stacks[0].source.line, Some(6), "the stack's own line");
}

const CREATE_PASCAL: &str = r#"{
    "Name": "kiosk",
    "ImageName": "kiosk-win2019",
    "ImageArn": "arn:aws:appstream:eu-west-1:123456789012:image/kiosk-win2019",
    "InstanceType": "stream.standard.large",
    "FleetType": "ON_DEMAND",
    "ComputeCapacity": {"DesiredInstances": 2, "DesiredSessions": 8},
    "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
    "MaxUserDurationInSeconds": 7200,
    "DisconnectTimeoutInSeconds": 60,
    "IdleDisconnectTimeoutInSeconds": 300,
    "DisplayName": "Kiosk",
    "Description": "Kiosk fleet",
    "EnableDefaultInternetAccess": true,
    "DomainJoinInfo": {"DirectoryName": "corp.example.com", "OrganizationalUnitDistinguishedName": "OU=Kiosk,DC=corp"},
    "Tags": {"owner": "kiosk-team", "CostCenter": "4711"},
    "IamRoleArn": "arn:aws:iam::123456789012:role/Kiosk",
    "StreamView": "APP",
    "Platform": "WINDOWS_SERVER_2019",
    "MaxConcurrentSessions": 10,
    "UsbDeviceFilterStrings": ["0781,5581,*,*,*,*,*,*"],
    "SessionScriptS3Location": {"S3Bucket": "scripts", "S3Key": "kiosk.zip"},
    "MaxSessionsPerInstance": 4,
    "DisableIMDSV1": false
}"#;

const CREATE_CLOUDTRAIL: &str = r#"{
    "eventVersion": "1.09",
    "eventTime": "2026-11-27T09:14:03Z",
    "eventSource": "appstream.amazonaws.com",
    "eventName": "CreateFleet",
    "awsRegion": "eu-west-1",
    "requestParameters": {
        "name": "kiosk",
        "imageName": "kiosk-win2019",
        "imageArn": "arn:aws:appstream:eu-west-1:123456789012:image/kiosk-win2019",
        "instanceType": "stream.standard.large",
        "fleetType": "ON_DEMAND",
        "computeCapacity": {"desiredInstances": 2, "desiredSessions": 8},
        "vpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]},
        "maxUserDurationInSeconds": 7200,
        "disconnectTimeoutInSeconds": 60,
        "idleDisconnectTimeoutInSeconds": 300,
        "displayName": "Kiosk",
        "description": "Kiosk fleet",
        "enableDefaultInternetAccess": true,
        "domainJoinInfo": {"directoryName": "corp.example.com", "organizationalUnitDistinguishedName": "OU=Kiosk,DC=corp"},
        "tags": {"owner": "kiosk-team", "CostCenter": "4711"},
        "iamRoleArn": "arn:aws:iam::123456789012:role/Kiosk",
        "streamView": "APP",
        "platform": "WINDOWS_SERVER_2019",
        "maxConcurrentSessions": 10,
        "usbDeviceFilterStrings": ["0781,5581,*,*,*,*,*,*"],
        "sessionScriptS3Location": {"s3Bucket": "scripts", "s3Key": "kiosk.zip"},
        "maxSessionsPerInstance": 4,
        "disableIMDSV1": false
    },
    "responseElements": null
}"#;

#[test]
fn a_pascal_case_create_fleet_request_reads_every_member() {
    let doc = read("create-fleet.json", CREATE_PASCAL);
    assert_eq!(doc.kind, DocumentKind::CreateFleetRequest);
    let f = one_fleet(&doc);
    assert_eq!(f.name, "kiosk");
    assert_eq!(f.origin, Origin::CreateRequest);
    assert_eq!(f.source.pointer.as_deref(), Some("/"));
    assert_eq!(f.image_name, set_str("kiosk-win2019"));
    assert_eq!(f.instance_type, set_str("stream.standard.large"));
    assert_eq!(f.fleet_type, Attr::Set(FleetType::OnDemand));
    assert_eq!(
        f.compute_capacity,
        Attr::Set(ComputeCapacity {
            desired_instances: Attr::Set(2),
            desired_sessions: Attr::Set(8),
        })
    );
    assert_eq!(
        f.vpc_config,
        Attr::Set(VpcConfig {
            subnet_ids: strings(&["subnet-1", "subnet-2"]),
            security_group_ids: strings(&["sg-1"]),
        })
    );
    assert_eq!(f.max_user_duration_in_seconds, Attr::Set(7200));
    assert_eq!(f.disconnect_timeout_in_seconds, Attr::Set(60));
    assert_eq!(f.idle_disconnect_timeout_in_seconds, Attr::Set(300));
    assert_eq!(f.display_name, set_str("Kiosk"));
    assert_eq!(f.description, set_str("Kiosk fleet"));
    assert_eq!(f.enable_default_internet_access, Attr::Set(true));
    assert_eq!(
        f.domain_join_info,
        Attr::Set(DomainJoinInfo {
            directory_name: set_str("corp.example.com"),
            organizational_unit_distinguished_name: set_str("OU=Kiosk,DC=corp"),
        })
    );
    assert_eq!(
        f.tags,
        tags(&[("owner", "kiosk-team"), ("CostCenter", "4711")])
    );
    assert_eq!(
        f.iam_role_arn,
        set_str("arn:aws:iam::123456789012:role/Kiosk")
    );
    assert_eq!(f.stream_view, set_str("APP"));
    assert_eq!(f.platform, set_str("WINDOWS_SERVER_2019"));
    assert_eq!(f.max_concurrent_sessions, Attr::Set(10));
    assert_eq!(
        f.usb_device_filter_strings,
        strings(&["0781,5581,*,*,*,*,*,*"])
    );
    assert_eq!(
        f.session_script_s3_location,
        set_str("s3://scripts/kiosk.zip")
    );
    assert_eq!(f.max_sessions_per_instance, Attr::Set(4));
    assert_eq!(f.disable_imdsv1, Attr::Set(false));
}

#[test]
fn the_same_create_fleet_request_in_pascal_case_and_cloudtrail_camel_case_gives_equal_fleets() {
    let cli = read("create-fleet.json", CREATE_PASCAL);
    let trail = read("cloudtrail-record.json", CREATE_CLOUDTRAIL);
    assert_eq!(trail.kind, DocumentKind::CloudTrail);
    let mut from_cli = one_fleet(&cli).clone();
    let mut from_trail = one_fleet(&trail).clone();
    assert_eq!(
        from_trail.source.pointer.as_deref(),
        Some("/requestParameters")
    );
    // Only where they came from differs.
    from_cli.source = Source::default();
    from_trail.source = Source::default();
    assert_eq!(from_cli, from_trail);
}

#[test]
fn compute_capacity_reads_desired_instances_and_desired_sessions() {
    for (capacity, instances, sessions) in [
        (json!({"DesiredInstances": 3}), Attr::Set(3), Attr::Absent),
        (json!({"DesiredSessions": 24}), Attr::Absent, Attr::Set(24)),
        (json!({"desiredSessions": 24}), Attr::Absent, Attr::Set(24)),
        (
            json!({"DesiredInstances": 2, "DesiredSessions": 8}),
            Attr::Set(2),
            Attr::Set(8),
        ),
        (json!({}), Attr::Absent, Attr::Absent),
        (
            json!({"DesiredInstances": null}),
            Attr::Absent,
            Attr::Absent,
        ),
    ] {
        let request = json!({"Name": "f", "InstanceType": "stream.standard.small",
            "FleetType": "ON_DEMAND", "ComputeCapacity": capacity});
        let doc = read("create-fleet.json", &request.to_string());
        assert_eq!(
            one_fleet(&doc).compute_capacity,
            Attr::Set(ComputeCapacity {
                desired_instances: instances,
                desired_sessions: sessions,
            }),
            "{capacity}"
        );
    }
}

#[test]
fn tags_are_read_as_a_map_from_requests_and_as_a_key_value_list_from_templates() {
    let request = json!({"Name": "f", "InstanceType": "stream.standard.small",
        "Tags": {"owner": "team-a", "env": "prod"}});
    let doc = read("create-fleet.json", &request.to_string());
    assert_eq!(
        one_fleet(&doc).tags,
        tags(&[("owner", "team-a"), ("env", "prod")])
    );

    let template = "Resources:\n  F:\n    Type: AWS::AppStream::Fleet\n    Properties:\n      \
        Tags:\n        - Key: owner\n          Value: team-a\n        - Key: stack\n          \
        Value: !Ref AWS::StackName\n";
    let doc = read("t.yaml", template);
    assert_eq!(
        one_fleet(&doc).tags,
        tags(&[("owner", "team-a"), ("stack", "<!Ref AWS::StackName>")])
    );
}

#[test]
fn update_fleet_fields_not_in_the_request_are_unread_not_in_request() {
    let text = r#"{
    "Name": "finance-apps",
    "DisconnectTimeoutInSeconds": 1800,
    "UsbDeviceFilterStrings": ["*,*,*,*,*,*,*,*"],
    "AttributesToDelete": ["IAM_ROLE_ARN"]
}"#;
    let doc = read("update-fleet.cli-input.json", text);
    assert_eq!(doc.kind, DocumentKind::UpdateFleetRequest);
    let f = one_fleet(&doc);
    assert_eq!(f.origin, Origin::UpdateRequest);
    assert_eq!(f.name, "finance-apps");
    assert_eq!(f.disconnect_timeout_in_seconds, Attr::Set(1800));
    assert_eq!(f.usb_device_filter_strings, strings(&["*,*,*,*,*,*,*,*"]));
    assert_eq!(
        f.iam_role_arn,
        Attr::Absent,
        "deleted by AttributesToDelete"
    );

    assert_not_in_request(&f.display_name, "DisplayName");
    assert_not_in_request(&f.description, "Description");
    assert_not_in_request(&f.image_name, "ImageName");
    assert_not_in_request(&f.image_arn, "ImageArn");
    assert_not_in_request(&f.instance_type, "InstanceType");
    assert_not_in_request(&f.fleet_type, "FleetType");
    assert_not_in_request(&f.compute_capacity, "ComputeCapacity");
    assert_not_in_request(&f.max_user_duration_in_seconds, "MaxUserDurationInSeconds");
    assert_not_in_request(
        &f.idle_disconnect_timeout_in_seconds,
        "IdleDisconnectTimeoutInSeconds",
    );
    assert_not_in_request(&f.vpc_config, "VpcConfig");
    assert_not_in_request(
        &f.enable_default_internet_access,
        "EnableDefaultInternetAccess",
    );
    assert_not_in_request(&f.domain_join_info, "DomainJoinInfo");
    assert_not_in_request(&f.stream_view, "StreamView");
    assert_not_in_request(&f.platform, "Platform");
    assert_not_in_request(&f.max_concurrent_sessions, "MaxConcurrentSessions");
    assert_not_in_request(&f.session_script_s3_location, "SessionScriptS3Location");
    assert_not_in_request(&f.max_sessions_per_instance, "MaxSessionsPerInstance");
    assert_not_in_request(&f.disable_imdsv1, "DisableIMDSV1");
    assert_not_in_request(&f.tags, "Tags");
}

#[test]
fn update_fleet_deleting_the_vpc_config_makes_it_absent() {
    for (request, expected) in [
        (
            json!({"Name": "f", "DisconnectTimeoutInSeconds": 300,
                "AttributesToDelete": ["VPC_CONFIGURATION"]}),
            Attr::Absent,
        ),
        (
            json!({"Name": "f", "DisconnectTimeoutInSeconds": 300, "DeleteVpcConfig": true}),
            Attr::Absent,
        ),
        (
            json!({"Name": "f", "DisconnectTimeoutInSeconds": 300, "DeleteVpcConfig": false}),
            unread("VpcConfig", UnreadReason::NotInRequest),
        ),
        (
            json!({"Name": "f", "DisconnectTimeoutInSeconds": 300,
                "AttributesToDelete": ["DOMAIN_JOIN_INFO"]}),
            unread("VpcConfig", UnreadReason::NotInRequest),
        ),
    ] {
        let doc = read("update-fleet.json", &request.to_string());
        assert_eq!(doc.kind, DocumentKind::UpdateFleetRequest, "{request}");
        assert_eq!(one_fleet(&doc).vpc_config, expected, "{request}");
    }
}

#[test]
fn update_fleet_attributes_to_delete_make_each_named_attribute_absent() {
    for attribute in [
        "DOMAIN_JOIN_INFO",
        "IAM_ROLE_ARN",
        "USB_DEVICE_FILTER_STRINGS",
        "SESSION_SCRIPT_S3_LOCATION",
        "MAX_SESSIONS_PER_INSTANCE",
        "VPC_CONFIGURATION",
    ] {
        let request = json!({"Name": "f", "IdleDisconnectTimeoutInSeconds": 600,
            "AttributesToDelete": [attribute]});
        let doc = read("update.json", &request.to_string());
        let f = one_fleet(&doc);
        let absent = [
            ("DOMAIN_JOIN_INFO", f.domain_join_info.is_absent()),
            ("IAM_ROLE_ARN", f.iam_role_arn.is_absent()),
            (
                "USB_DEVICE_FILTER_STRINGS",
                f.usb_device_filter_strings.is_absent(),
            ),
            (
                "SESSION_SCRIPT_S3_LOCATION",
                f.session_script_s3_location.is_absent(),
            ),
            (
                "MAX_SESSIONS_PER_INSTANCE",
                f.max_sessions_per_instance.is_absent(),
            ),
            ("VPC_CONFIGURATION", f.vpc_config.is_absent()),
        ];
        for (name, is_absent) in absent {
            assert_eq!(
                is_absent,
                name == attribute,
                "{name} after deleting {attribute}"
            );
        }
    }
}

#[test]
fn update_fleet_with_subnets_only_leaves_the_security_groups_unchanged_unless_deleted() {
    let doc = read(
        "update.json",
        &json!({"Name": "f", "VpcConfig": {"SubnetIds": ["subnet-9"]}}).to_string(),
    );
    let Attr::Set(vpc) = &one_fleet(&doc).vpc_config else {
        panic!("VpcConfig should be set")
    };
    assert_eq!(vpc.subnet_ids, strings(&["subnet-9"]));
    assert_not_in_request(&vpc.security_group_ids, "VpcConfig.SecurityGroupIds");

    let doc = read(
        "update.json",
        &json!({"Name": "f", "VpcConfig": {"SubnetIds": ["subnet-9"]},
            "AttributesToDelete": ["VPC_CONFIGURATION_SECURITY_GROUP_IDS"]})
        .to_string(),
    );
    let Attr::Set(vpc) = &one_fleet(&doc).vpc_config else {
        panic!("VpcConfig should be set")
    };
    assert_eq!(vpc.security_group_ids, Attr::Absent);
}

#[test]
fn an_update_fleet_that_only_deletes_attributes_is_read_as_an_update() {
    // `aws appstream update-fleet --name f --attributes-to-delete USB_DEVICE_FILTER_STRINGS`
    // is the remediation FLEET-USB-REDIRECTION itself suggests.
    for request in [
        json!({"Name": "f", "AttributesToDelete": ["USB_DEVICE_FILTER_STRINGS"]}),
        json!({"Name": "f", "DeleteVpcConfig": true}),
    ] {
        let doc = read_document("update-fleet.json", &request.to_string())
            .unwrap_or_else(|e| panic!("{request}: {e}"));
        assert_eq!(doc.kind, DocumentKind::UpdateFleetRequest, "{request}");
        assert_eq!(one_fleet(&doc).origin, Origin::UpdateRequest);
    }
}

#[test]
fn create_and_update_fleet_requests_are_told_apart() {
    use DocumentKind::{CreateFleetRequest as Create, UpdateFleetRequest as Update};
    let instance = "stream.standard.small";
    for (file, request, expected) in [
        // AttributesToDelete and DeleteVpcConfig exist only on UpdateFleet.
        (
            "create-fleet.json",
            json!({"Name": "f", "InstanceType": instance, "AttributesToDelete": ["IAM_ROLE_ARN"]}),
            Update,
        ),
        (
            "fleet.json",
            json!({"Name": "f", "InstanceType": instance, "DeleteVpcConfig": false}),
            Update,
        ),
        // FleetType and Tags exist only on CreateFleet, whatever the file is called.
        (
            "update-fleet.json",
            json!({"Name": "f", "InstanceType": instance, "FleetType": "ON_DEMAND"}),
            Create,
        ),
        (
            "update-fleet.json",
            json!({"Name": "f", "ImageName": "img", "Tags": {"a": "b"}}),
            Create,
        ),
        // Otherwise the file name breaks the tie...
        (
            "fleet.json",
            json!({"Name": "f", "InstanceType": instance}),
            Create,
        ),
        (
            "update-fleet.json",
            json!({"Name": "f", "InstanceType": instance}),
            Update,
        ),
        (
            "requests/UPDATE_kiosk.json",
            json!({"Name": "f", "InstanceType": instance}),
            Update,
        ),
        (
            "updates/fleet.json",
            json!({"Name": "f", "InstanceType": instance}),
            Create,
        ),
        // ...and a request without InstanceType (required by CreateFleet) is an update.
        (
            "fleet.json",
            json!({"Name": "f", "DisconnectTimeoutInSeconds": 900}),
            Update,
        ),
        (
            "fleet.json",
            json!({"Name": "f", "ImageName": "img", "MaxUserDurationInSeconds": 3600}),
            Update,
        ),
    ] {
        let doc = read(file, &request.to_string());
        assert_eq!(doc.kind, expected, "{file} {request}");
        let origin = if expected == Update {
            Origin::UpdateRequest
        } else {
            Origin::CreateRequest
        };
        assert_eq!(one_fleet(&doc).origin, origin, "{file} {request}");
    }
}

#[test]
fn an_update_fleet_changing_only_the_disconnect_timeout_to_900_yields_exactly_that_finding() {
    let doc = read(
        "update-fleet.json",
        r#"{"Name": "finance-apps", "DisconnectTimeoutInSeconds": 900}"#,
    );
    assert_eq!(doc.kind, DocumentKind::UpdateFleetRequest);
    let evaluation = evaluate_fleet(&Policy::builtin(), one_fleet(&doc), now());
    assert_eq!(rule_ids(&evaluation), ["FLEET-DISCONNECT-TIMEOUT"]);
    assert!(
        evaluation.unresolved.is_empty(),
        "{:?}",
        evaluation.unresolved
    );
    assert!(evaluation.exempted.is_empty());
    let finding = &evaluation.findings[0];
    assert_eq!(finding.resource, "finance-apps");
    assert!(finding.message.contains("900"), "{}", finding.message);

    // The same value in a complete CreateFleet request is found too, among others.
    let doc = read(
        "create-fleet.json",
        r#"{"Name": "finance-apps", "InstanceType": "stream.standard.small",
            "FleetType": "ON_DEMAND", "DisconnectTimeoutInSeconds": 900}"#,
    );
    let evaluation = evaluate_fleet(&Policy::builtin(), one_fleet(&doc), now());
    let ids = rule_ids(&evaluation);
    assert!(ids.contains(&"FLEET-DISCONNECT-TIMEOUT"), "{ids:?}");
    assert!(ids.len() > 1, "{ids:?}");
}

fn record(event_name: &str, parameters: serde_json::Value) -> serde_json::Value {
    json!({
        "eventVersion": "1.09",
        "eventSource": "appstream.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "eu-west-1",
        "requestParameters": parameters,
        "responseElements": null
    })
}

#[test]
fn a_bare_cloudtrail_record_is_read() {
    let text = record(
        "CreateFleet",
        json!({"name": "kiosk", "instanceType": "stream.standard.large", "fleetType": "ELASTIC",
            "maxConcurrentSessions": 5, "platform": "AMAZON_LINUX2"}),
    )
    .to_string();
    let doc = read("record.json", &text);
    assert_eq!(doc.kind, DocumentKind::CloudTrail);
    let f = one_fleet(&doc);
    assert_eq!(f.name, "kiosk");
    assert_eq!(f.origin, Origin::CreateRequest);
    assert_eq!(f.fleet_type, Attr::Set(FleetType::Elastic));
    assert_eq!(f.max_concurrent_sessions, Attr::Set(5));
    assert_eq!(f.platform, set_str("AMAZON_LINUX2"));
    assert_eq!(f.source.pointer.as_deref(), Some("/requestParameters"));
    assert!(doc.notes.is_empty(), "{:?}", doc.notes);
}

#[test]
fn an_eventbridge_api_call_via_cloudtrail_event_is_read() {
    let text = json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.appstream",
        "account": "123456789012",
        "time": "2026-11-27T09:14:03Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": record("UpdateFleet", json!({"name": "kiosk",
            "disconnectTimeoutInSeconds": 900, "attributesToDelete": ["VPC_CONFIGURATION"]}))
    })
    .to_string();
    let doc = read("event.json", &text);
    assert_eq!(doc.kind, DocumentKind::CloudTrail);
    let f = one_fleet(&doc);
    assert_eq!(f.name, "kiosk");
    assert_eq!(f.origin, Origin::UpdateRequest);
    assert_eq!(f.disconnect_timeout_in_seconds, Attr::Set(900));
    assert_eq!(f.vpc_config, Attr::Absent);
    assert_not_in_request(&f.instance_type, "InstanceType");
    assert_eq!(
        f.source.pointer.as_deref(),
        Some("/detail/requestParameters")
    );
}

#[test]
fn a_cloudtrail_log_file_reads_fleet_and_stack_records_and_skips_the_rest_with_notes() {
    let mut failed = record(
        "CreateFleet",
        json!({"name": "denied", "instanceType": "stream.standard.small"}),
    );
    failed["errorCode"] = json!("AccessDenied");
    failed["errorMessage"] = json!("not authorized");
    let mut s3 = record("PutObject", json!({"bucketName": "b", "key": "k"}));
    s3["eventSource"] = json!("s3.amazonaws.com");
    let mut describe = record("DescribeFleets", json!(null));
    describe
        .as_object_mut()
        .unwrap()
        .remove("requestParameters");

    let text = json!({"Records": [
        record("CreateFleet", json!({"name": "created", "instanceType": "stream.standard.small",
            "fleetType": "ON_DEMAND", "computeCapacity": {"desiredInstances": 1}})),
        s3,
        failed,
        record("StartFleet", json!({"name": "created"})),
        record("UpdateFleet", json!({"name": "updated", "idleDisconnectTimeoutInSeconds": 600})),
        record("CreateStack", json!({"name": "st-created", "userSettings": [
            {"action": "FILE_DOWNLOAD", "permission": "ENABLED"}]})),
        record("UpdateStack", json!({"name": "st-updated", "userSettings": [
            {"action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "permission": "DISABLED"}]})),
        describe,
    ]})
    .to_string();
    let doc = read("cloudtrail-log.json", &text);
    assert_eq!(doc.kind, DocumentKind::CloudTrail);
    assert!(
        doc.errors.is_empty(),
        "skipped records are not errors: {:?}",
        doc.errors
    );

    let fleets: Vec<(&str, Origin)> = doc
        .fleets
        .iter()
        .map(|f| (f.name.as_str(), f.origin))
        .collect();
    assert_eq!(
        fleets,
        [
            ("created", Origin::CreateRequest),
            ("updated", Origin::UpdateRequest)
        ]
    );
    assert_eq!(
        doc.fleets[0].source.pointer.as_deref(),
        Some("/Records/0/requestParameters")
    );

    let stacks: Vec<(&str, Origin)> = doc
        .stacks
        .iter()
        .map(|s| (s.name.as_str(), s.origin))
        .collect();
    assert_eq!(
        stacks,
        [
            ("st-created", Origin::CreateRequest),
            ("st-updated", Origin::UpdateRequest)
        ]
    );
    assert_eq!(
        doc.stacks[0].user_settings,
        Attr::Set(vec![UserSetting {
            action: "FILE_DOWNLOAD".to_owned(),
            permission: set_str("ENABLED"),
        }])
    );
    assert_eq!(doc.stacks[0].access_endpoints, Attr::Absent);
    assert_not_in_request(&doc.stacks[1].access_endpoints, "AccessEndpoints");
    assert_not_in_request(&doc.stacks[1].tags, "Tags");

    let notes: Vec<(Option<&str>, &str)> = doc
        .notes
        .iter()
        .map(|n| (n.location.pointer.as_deref(), n.message.as_str()))
        .collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert_eq!(notes[0].0, Some("/Records/1"));
    assert!(notes[0].1.contains("s3.amazonaws.com"), "{notes:?}");
    assert_eq!(notes[1].0, Some("/Records/2"));
    assert!(notes[1].1.contains("AccessDenied"), "{notes:?}");
    assert_eq!(notes[2].0, Some("/Records/3"));
    assert!(notes[2].1.contains("StartFleet"), "{notes:?}");
    assert_eq!(notes[3].0, Some("/Records/7"));
    assert!(notes[3].1.contains("DescribeFleets"), "{notes:?}");
    for note in &doc.notes {
        assert!(note.message.starts_with("skipped"), "{note:?}");
        assert_eq!(note.location.file, "cloudtrail-log.json");
    }
}

#[test]
fn a_cloudtrail_record_for_a_fleet_without_a_name_is_an_error_not_a_crash() {
    let text = record(
        "CreateFleet",
        json!({"instanceType": "stream.standard.small"}),
    )
    .to_string();
    let doc = read("record.json", &text);
    let e = one_error(&doc);
    assert!(
        matches!(e, InputError::Missing { field: "Name", .. }),
        "{e:?}"
    );
    assert_eq!(pointer(e), Some("/requestParameters"));
}

const TEMPLATE_YAML: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  AppFleet:
    Type: AWS::AppStream::Fleet
    Properties:
      Name: !Sub "${AWS::StackName}-apps"
      InstanceType: !If [IsProd, stream.standard.large, stream.standard.medium]
      ImageName: !Ref ImageName
      IamRoleArn: !GetAtt FleetRole.Arn
      EnableDefaultInternetAccess: !Equals [!Ref Env, dev]
      FleetType: ON_DEMAND
      VpcConfig:
        SubnetIds: !Ref Subnets
        SecurityGroupIds:
          - !Ref SecurityGroup
          - sg-literal
      UsbDeviceFilterStrings: [!Ref UsbFilter]
      ComputeCapacity:
        DesiredInstances: !Ref Count
      MaxUserDurationInSeconds: 3600
  AppStack:
    Type: AWS::AppStream::Stack
    Properties:
      Name: apps
      UserSettings:
        - Action: FILE_DOWNLOAD
          Permission: !If [IsProd, DISABLED, ENABLED]
"#;

const TEMPLATE_JSON: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
  "Resources": {
    "AppFleet": {
      "Type": "AWS::AppStream::Fleet",
      "Properties": {
        "Name": {"Fn::Sub": "${AWS::StackName}-apps"},
        "InstanceType": {"Fn::If": ["IsProd", "stream.standard.large", "stream.standard.medium"]},
        "ImageName": {"Ref": "ImageName"},
        "IamRoleArn": {"Fn::GetAtt": ["FleetRole", "Arn"]},
        "EnableDefaultInternetAccess": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
        "FleetType": "ON_DEMAND",
        "VpcConfig": {
          "SubnetIds": {"Ref": "Subnets"},
          "SecurityGroupIds": [{"Ref": "SecurityGroup"}, "sg-literal"]
        },
        "UsbDeviceFilterStrings": [{"Ref": "UsbFilter"}],
        "ComputeCapacity": {"DesiredInstances": {"Ref": "Count"}},
        "MaxUserDurationInSeconds": 3600
      }
    },
    "AppStack": {
      "Type": "AWS::AppStream::Stack",
      "Properties": {
        "Name": "apps",
        "UserSettings": [{"Action": "FILE_DOWNLOAD", "Permission": {"Fn::If": ["IsProd", "DISABLED", "ENABLED"]}}]
      }
    }
  }
}"#;

#[test]
fn yaml_template_short_forms_are_unread_intrinsics_with_readable_expressions() {
    let doc = read("template.yaml", TEMPLATE_YAML);
    assert_eq!(doc.kind, DocumentKind::Template);
    assert!(doc.notes.is_empty(), "{:?}", doc.notes);
    let f = one_fleet(&doc);
    assert_eq!(f.origin, Origin::Template);
    assert_eq!(
        f.name, "AppFleet",
        "a !Sub name falls back to the logical ID"
    );
    assert_eq!(f.instance_type, intrinsic("InstanceType", "!If"));
    assert_eq!(f.image_name, intrinsic("ImageName", "!Ref ImageName"));
    assert_eq!(
        f.iam_role_arn,
        intrinsic("IamRoleArn", "!GetAtt FleetRole.Arn")
    );
    assert_eq!(
        f.enable_default_internet_access,
        intrinsic("EnableDefaultInternetAccess", "!Equals")
    );
    assert_eq!(f.fleet_type, Attr::Set(FleetType::OnDemand));
    assert_eq!(
        f.vpc_config,
        Attr::Set(VpcConfig {
            subnet_ids: intrinsic("VpcConfig.SubnetIds", "!Ref Subnets"),
            security_group_ids: strings(&["<!Ref SecurityGroup>", "sg-literal"]),
        })
    );
    assert_eq!(f.usb_device_filter_strings, strings(&["<!Ref UsbFilter>"]));
    assert_eq!(
        f.compute_capacity,
        Attr::Set(ComputeCapacity {
            desired_instances: intrinsic("ComputeCapacity.DesiredInstances", "!Ref Count"),
            desired_sessions: Attr::Absent,
        })
    );
    assert_eq!(f.max_user_duration_in_seconds, Attr::Set(3600));
    assert_eq!(f.tags, Attr::Absent, "templates without Tags have none");

    assert_eq!(doc.stacks.len(), 1);
    let stack = &doc.stacks[0];
    assert_eq!(stack.name, "apps");
    assert_eq!(
        stack.user_settings,
        Attr::Set(vec![UserSetting {
            action: "FILE_DOWNLOAD".to_owned(),
            permission: intrinsic("UserSettings.Permission", "!If"),
        }])
    );

    // The unresolved reason names the field and the expression for the user.
    let Attr::Unread(u) = &f.iam_role_arn else {
        unreachable!()
    };
    assert_eq!(
        u.to_string(),
        "IamRoleArn is unresolved (!GetAtt FleetRole.Arn)"
    );
}

#[test]
fn a_json_template_with_long_forms_reads_like_the_yaml_template_with_short_forms() {
    let yaml = read("template.yaml", TEMPLATE_YAML);
    let json = read("template.json", TEMPLATE_JSON);
    assert_eq!(json.kind, DocumentKind::Template);
    let mut from_yaml = one_fleet(&yaml).clone();
    let mut from_json = one_fleet(&json).clone();
    assert_eq!(
        from_json.image_name,
        intrinsic("ImageName", "!Ref ImageName")
    );
    assert_eq!(
        from_json.iam_role_arn,
        intrinsic("IamRoleArn", "!GetAtt FleetRole.Arn")
    );
    assert_eq!(from_json.instance_type, intrinsic("InstanceType", "!If"));
    from_yaml.source = Source::default();
    from_json.source = Source::default();
    assert_eq!(from_yaml, from_json);
    let mut stack_yaml = yaml.stacks[0].clone();
    let mut stack_json = json.stacks[0].clone();
    stack_yaml.source = Source::default();
    stack_json.source = Source::default();
    assert_eq!(stack_yaml, stack_json);
}

#[test]
fn a_template_fleet_with_a_literal_name_uses_it_and_otherwise_the_logical_id() {
    for (name, expected) in [
        ("engineering", "engineering"),
        ("!Sub \"${Env}-engineering\"", "EngFleet"),
        ("!Ref FleetName", "EngFleet"),
        ("!Join [\"-\", [a, b]]", "EngFleet"),
    ] {
        let template = format!(
            "Resources:\n  EngFleet:\n    Type: AWS::AppStream::Fleet\n    Properties:\n      Name: {name}\n      InstanceType: stream.standard.small\n"
        );
        let doc = read("t.yaml", &template);
        assert_eq!(one_fleet(&doc).name, expected, "{name}");
    }
    // No Name at all: the logical ID too.
    let doc = read(
        "t.yaml",
        "Resources:\n  EngFleet:\n    Type: AWS::AppStream::Fleet\n    Properties:\n      InstanceType: stream.standard.small\n",
    );
    assert_eq!(one_fleet(&doc).name, "EngFleet");
}

#[test]
fn templates_accept_numeric_and_boolean_strings_as_cloudformation_does() {
    let template = r#"Resources:
  F:
    Type: AWS::AppStream::Fleet
    Properties:
      MaxUserDurationInSeconds: "3600"
      DisconnectTimeoutInSeconds: " 300 "
      IdleDisconnectTimeoutInSeconds: 600
      MaxSessionsPerInstance: "4"
      DisableIMDSV1: "true"
      EnableDefaultInternetAccess: "False"
      Description: 2024
      ComputeCapacity:
        DesiredSessions: "20"
"#;
    let doc = read("t.yaml", template);
    let f = one_fleet(&doc);
    assert_eq!(f.max_user_duration_in_seconds, Attr::Set(3600));
    assert_eq!(f.disconnect_timeout_in_seconds, Attr::Set(300));
    assert_eq!(f.idle_disconnect_timeout_in_seconds, Attr::Set(600));
    assert_eq!(f.max_sessions_per_instance, Attr::Set(4));
    assert_eq!(f.disable_imdsv1, Attr::Set(true));
    assert_eq!(f.enable_default_internet_access, Attr::Set(false));
    assert_eq!(f.description, set_str("2024"));
    assert_eq!(
        f.compute_capacity,
        Attr::Set(ComputeCapacity {
            desired_instances: Attr::Absent,
            desired_sessions: Attr::Set(20),
        })
    );

    // A JSON template gets the same leniency.
    let json = r#"{"Resources": {"F": {"Type": "AWS::AppStream::Fleet",
        "Properties": {"MaxUserDurationInSeconds": "3600", "DisableIMDSV1": "true"}}}}"#;
    let f = read("t.json", json).fleets.remove(0);
    assert_eq!(f.max_user_duration_in_seconds, Attr::Set(3600));
    assert_eq!(f.disable_imdsv1, Attr::Set(true));
}

#[test]
fn api_json_rejects_strings_for_numbers_and_booleans_with_the_json_pointer() {
    for (member, value, expected) in [
        ("MaxUserDurationInSeconds", json!("3600"), "a whole number"),
        ("DisconnectTimeoutInSeconds", json!(true), "a whole number"),
        ("MaxSessionsPerInstance", json!(2.5), "a whole number"),
        ("DisableIMDSV1", json!("true"), "true or false"),
        ("EnableDefaultInternetAccess", json!(1), "true or false"),
        ("InstanceType", json!(5), "a string"),
    ] {
        let mut request =
            json!({"Name": "f", "InstanceType": "stream.standard.small", "FleetType": "ON_DEMAND"});
        request[member] = value.clone();
        let doc = read("create-fleet.json", &request.to_string());
        let e = one_error(&doc);
        match e {
            InputError::WrongType {
                expected: got,
                found,
                ..
            } => {
                assert_eq!(*got, expected, "{member}");
                assert!(!found.is_empty());
            }
            other => panic!("{member}: expected WrongType, got {other:?}"),
        }
        let want = format!("/{member}");
        assert_eq!(pointer(e), Some(want.as_str()), "{member}");
        assert!(e.to_string().contains(&want), "{e}");
    }
}

#[test]
fn properties_that_are_an_intrinsic_give_a_note_not_a_crash() {
    let yaml = r#"Conditions:
  UseA: !Equals [a, a]
Resources:
  Maybe:
    Type: AWS::AppStream::Fleet
    Properties: !If [UseA, {InstanceType: stream.standard.small}, {InstanceType: stream.standard.large}]
"#;
    let json = r#"{"Resources": {"Maybe": {"Type": "AWS::AppStream::Fleet",
        "Properties": {"Fn::If": ["UseA", {}, {}]}}}}"#;
    for (file, text) in [("t.yaml", yaml), ("t.json", json)] {
        let doc = read(file, text);
        assert!(doc.fleets.is_empty(), "{file}");
        assert!(doc.errors.is_empty(), "{file}: {:?}", doc.errors);
        assert_eq!(doc.notes.len(), 1, "{file}");
        let note = &doc.notes[0];
        assert!(
            note.message.contains("Maybe") && note.message.contains("!If"),
            "{note:?}"
        );
        assert_eq!(
            note.location.pointer.as_deref(),
            Some("/Resources/Maybe/Properties")
        );
    }
}

#[test]
fn a_template_without_appstream_resources_gives_a_note() {
    for (file, text) in [
        (
            "bucket.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
        ),
        (
            "sam.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: index.handler\n",
        ),
        ("empty-resources.json", r#"{"Resources": {}}"#),
        (
            "no-resources.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nDescription: nothing\n",
        ),
    ] {
        let doc = read(file, text);
        assert_eq!(doc.kind, DocumentKind::Template, "{file}");
        assert!(
            doc.fleets.is_empty() && doc.stacks.is_empty() && doc.errors.is_empty(),
            "{file}"
        );
        assert_eq!(doc.notes.len(), 1, "{file}: {:?}", doc.notes);
        assert_eq!(doc.notes[0].location.file, file);
    }
}

#[test]
fn a_template_fleet_without_properties_is_a_missing_error() {
    let doc = read(
        "t.yaml",
        "Resources:\n  Bare:\n    Type: AWS::AppStream::Fleet\n",
    );
    let e = one_error(&doc);
    assert!(
        matches!(
            e,
            InputError::Missing {
                field: "Properties",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(pointer(e), Some("/Resources/Bare"));
}

const ALL_INTRINSIC: &str = r#"Resources:
  Opaque:
    Type: AWS::AppStream::Fleet
    Properties:
      Name: !Ref FleetName
      DisplayName: !Ref DisplayName
      Description: !Sub "${AWS::StackName} fleet"
      ImageName: !Ref ImageName
      ImageArn: !Ref ImageArn
      InstanceType: !Ref Type
      FleetType: !Ref FleetType
      ComputeCapacity: !If [IsProd, {DesiredInstances: 4}, {DesiredInstances: 1}]
      MaxUserDurationInSeconds: !Ref MaxDuration
      DisconnectTimeoutInSeconds: !Ref Disconnect
      IdleDisconnectTimeoutInSeconds: !Ref Idle
      VpcConfig: !If [InVpc, {SubnetIds: [a, b]}, !Ref AWS::NoValue]
      EnableDefaultInternetAccess: !Ref Internet
      DomainJoinInfo: !If [Joined, {DirectoryName: corp}, !Ref AWS::NoValue]
      IamRoleArn: !GetAtt Role.Arn
      StreamView: !Ref View
      Platform: !Ref Platform
      MaxConcurrentSessions: !Ref MaxConcurrent
      UsbDeviceFilterStrings: !Ref Usb
      SessionScriptS3Location: !If [Scripted, {S3Bucket: b, S3Key: k}, !Ref AWS::NoValue]
      MaxSessionsPerInstance: !Ref Sessions
      DisableIMDSV1: !Ref NoImdsV1
      Tags: !Ref Tags
"#;

#[test]
fn a_template_fleet_made_only_of_intrinsics_is_unresolved_never_a_silent_pass() {
    let doc = read("opaque.yaml", ALL_INTRINSIC);
    let fleet = one_fleet(&doc);
    assert_eq!(fleet.name, "Opaque");
    // A policy that gives every fleet rule something to check.
    let strict = Policy::parse(
        "strict.toml",
        r#"
[fleet]
allowed_instance_types = ["stream.standard.*"]
allowed_images = ["golden-*"]
allowed_iam_roles = ["arn:aws:iam::*:role/AppStream*"]
allowed_stream_views = ["APP"]
required_tags = ["owner"]
require_domain_join = true
max_sessions_per_instance = 4
allow_multi_session = false
allow_usb_redirection = false
"#,
    )
    .unwrap();
    for policy in [Policy::builtin(), strict.clone()] {
        let evaluation = evaluate_fleet(&policy, fleet, now());
        assert!(
            evaluation.findings.is_empty(),
            "nothing is known, so nothing can fail: {:?}",
            rule_ids(&evaluation)
        );
        assert!(!evaluation.unresolved.is_empty());
        for u in &evaluation.unresolved {
            assert!(u.reason.contains("is unresolved (!"), "{u:?}");
            assert_eq!(u.resource, "Opaque");
        }
    }

    // Under the strict policy every fleet rule that reads the declared configuration is
    // unresolved; only those about a described fleet's live state pass.
    let evaluation = evaluate_fleet(&strict, fleet, now());
    let unresolved: BTreeSet<&str> = evaluation.unresolved.iter().map(|u| u.rule_id).collect();
    let live_state = [
        "FLEET-CAPACITY-CONSISTENCY",
        "FLEET-CAPACITY-HEADROOM",
        "FLEET-ERRORS",
    ];
    let expected: BTreeSet<&str> = CATALOG
        .iter()
        .filter(|r| matches!(r.check, Check::Fleet(_) | Check::FleetAt(_)))
        .map(|r| r.id)
        .filter(|id| !live_state.contains(id))
        .collect();
    assert_eq!(unresolved, expected);
    assert_eq!(
        evaluation.unresolved.len(),
        unresolved.len(),
        "one entry per rule"
    );
}

#[test]
fn template_resource_lines_point_at_the_logical_id() {
    let doc = read("template.yaml", TEMPLATE_YAML);
    assert_eq!(doc.fleets[0].source.line, Some(5), "  AppFleet:");
    assert_eq!(doc.stacks[0].source.line, Some(23), "  AppStack:");
    assert_eq!(
        doc.fleets[0].source.pointer.as_deref(),
        Some("/Resources/AppFleet")
    );

    let doc = read("template.json", TEMPLATE_JSON);
    assert_eq!(doc.fleets[0].source.line, Some(5), "\"AppFleet\": {{");
    assert_eq!(doc.stacks[0].source.line, Some(23), "\"AppStack\": {{");

    // A logical ID that prefixes another, or a parameter, is not mistaken for it.
    let yaml = r#"Parameters:
  Fleet2Size: {Type: Number}
Outputs: {}
Resources:
  Fleet2:
    Type: AWS::AppStream::Fleet
    Properties: {Name: a}
  Fleet:
    Type: AWS::AppStream::Fleet
    Properties: {Name: b}
"#;
    let doc = read("t.yaml", yaml);
    let lines: Vec<(&str, Option<usize>)> = doc
        .fleets
        .iter()
        .map(|f| (f.name.as_str(), f.source.line))
        .collect();
    assert_eq!(lines, [("a", Some(5)), ("b", Some(8))]);
}

#[test]
fn an_empty_or_blank_file_is_empty() {
    for (file, text) in [
        ("empty.json", ""),
        ("blank.json", "  \n\t\n  "),
        ("blank.yaml", "\n\n"),
        ("bom.json", "\u{feff}"),
        ("bom-blank", "\u{feff}  \r\n"),
    ] {
        let e = rejected(file, text);
        assert!(matches!(e, InputError::Empty(_)), "{file}: {e:?}");
        assert_eq!(e.location().file, file);
        assert!(e.to_string().contains("empty"), "{e}");
        assert!(matches!(parse_text(file, text), Err(InputError::Empty(_))));
    }
}

#[test]
fn truncated_or_broken_json_is_a_json_error_with_line_and_column() {
    for (text, line) in [
        ("{\"Fleets\": [{\"Name\": \"a\"", 1),
        ("\n\n{\n  \"Fleets\": [\n    {\"Name\": \"a\",\n", 5),
        (
            "{\n  \"Fleets\": [\n    {\"Name\": \"a\" \"b\"}\n  ]\n}\n",
            3,
        ),
        ("{\"Name\": \"a\",}", 1),
        ("[1, 2", 1),
    ] {
        let e = rejected("broken.json", text);
        match &e {
            InputError::Json { location, .. } => {
                assert_eq!(location.file, "broken.json");
                assert_eq!(location.line, Some(line), "{text:?}: {e}");
                assert!(location.column.is_some_and(|c| c > 0), "{text:?}");
            }
            other => panic!("{text:?}: expected a JSON error, got {other:?}"),
        }
        assert!(
            e.to_string().contains(&format!("broken.json:{line}")),
            "{e}"
        );
    }
}

#[test]
fn broken_yaml_is_a_yaml_error_with_a_line() {
    for (file, text) in [
        (
            "t.yaml",
            "Resources:\n  F:\n    Type: AWS::AppStream::Fleet\n    Properties: [unclosed\n",
        ),
        (
            "t.yml",
            "Resources:\n  F:\n    Type: AWS::AppStream::Fleet\n   Properties: {}\n",
        ),
        ("t.yaml", "a: b: c\n"),
        ("t.template", "Resources:\n  F: {Type: x\n"),
        ("notes", "key: 'unterminated\n"),
        ("dup.yaml", "Resources: {}\nResources: {}\n"),
    ] {
        let e = rejected(file, text);
        match &e {
            InputError::Yaml { location, .. } => {
                assert_eq!(location.file, file);
                assert!(location.line.is_some_and(|l| l >= 1), "{text:?}: {e}");
            }
            other => panic!("{file} {text:?}: expected a YAML error, got {other:?}"),
        }
    }
}

#[test]
fn a_document_that_is_not_an_object_is_a_wrong_type() {
    for (file, text) in [
        ("list.json", "[{\"Name\": \"a\"}]"),
        ("string.json", "\"describe-fleets\""),
        ("number.json", "42"),
        ("null.json", "null"),
        ("list.yaml", "- Name: a\n- Name: b\n"),
        ("scalar.yaml", "just some words\n"),
        ("doc-start.yaml", "---\n"),
    ] {
        let e = rejected(file, text);
        assert!(matches!(e, InputError::WrongType { .. }), "{file}: {e:?}");
        assert_eq!(pointer(&e), Some("/"), "{file}");
        assert_eq!(e.location().file, file);
    }
}

#[test]
fn an_unrecognised_object_is_reported_with_its_keys() {
    let e = rejected(
        "mystery.json",
        r#"{"Widgets": [], "Gadgets": {"Name": "x"}}"#,
    );
    match &e {
        InputError::Unrecognised { keys, location } => {
            assert!(
                keys.contains("Widgets") && keys.contains("Gadgets"),
                "{keys}"
            );
            assert_eq!(location.file, "mystery.json");
        }
        other => panic!("expected Unrecognised, got {other:?}"),
    }
    let message = e.to_string();
    assert!(
        message.contains("Widgets")
            && message.contains("Gadgets")
            && message.contains("mystery.json"),
        "{message}"
    );

    let e = rejected("empty-object.json", "{}");
    assert!(
        matches!(&e, InputError::Unrecognised { keys, .. } if keys == "none"),
        "{e:?}"
    );
    // A fleet request that names nothing a fleet has is not guessed at.
    let e = rejected("name-only.json", r#"{"Name": "f"}"#);
    assert!(matches!(e, InputError::Unrecognised { .. }), "{e:?}");
}

#[test]
fn an_unknown_fleet_type_is_an_unknown_value_at_its_pointer() {
    let doc = read(
        "describe-fleets.json",
        &describe_one(json!({"Name": "f", "FleetType": "SPOT"})),
    );
    let e = one_error(&doc);
    match e {
        InputError::UnknownValue {
            what,
            value,
            expected,
            ..
        } => {
            assert_eq!(*what, "FleetType");
            assert_eq!(value, "SPOT");
            assert!(expected.contains("ALWAYS_ON") && expected.contains("ELASTIC"));
        }
        other => panic!("expected UnknownValue, got {other:?}"),
    }
    assert_eq!(pointer(e), Some("/Fleets/0/FleetType"));
    assert!(e.to_string().contains("SPOT"), "{e}");
    // FleetType values are case-sensitive in the API.
    let doc = read(
        "describe-fleets.json",
        &describe_one(json!({"Name": "f", "FleetType": "on_demand"})),
    );
    assert!(matches!(one_error(&doc), InputError::UnknownValue { .. }));
}

#[test]
fn wrong_member_types_are_reported_with_the_expected_type_and_pointer() {
    for (fleet, at, expected) in [
        (
            json!({"Name": "f", "MaxUserDurationInSeconds": "long"}),
            "/Fleets/0/MaxUserDurationInSeconds",
            "a whole number",
        ),
        (
            json!({"Name": "f", "EnableDefaultInternetAccess": "yes"}),
            "/Fleets/0/EnableDefaultInternetAccess",
            "true or false",
        ),
        (
            json!({"Name": "f", "VpcConfig": {"SubnetIds": "subnet-1"}}),
            "/Fleets/0/VpcConfig/SubnetIds",
            "an array",
        ),
        (
            json!({"Name": "f", "VpcConfig": {"SecurityGroupIds": ["sg-1", 7]}}),
            "/Fleets/0/VpcConfig/SecurityGroupIds/1",
            "a string",
        ),
        (
            json!({"Name": "f", "ComputeCapacityStatus": {"Running": "4"}}),
            "/Fleets/0/ComputeCapacityStatus/Running",
            "a whole number",
        ),
        (
            json!({"Name": "f", "CreatedTime": "last tuesday"}),
            "/Fleets/0/CreatedTime",
            "a timestamp (ISO-8601 or epoch seconds)",
        ),
        (
            json!({"Name": "f", "Tags": "owner=me"}),
            "/Fleets/0/Tags",
            "an object",
        ),
        (
            json!({"Name": "f", "FleetErrors": {"ErrorCode": "X"}}),
            "/Fleets/0/FleetErrors",
            "an array",
        ),
        (json!({"Name": 42}), "/Fleets/0/Name", "a string"),
        (json!("a fleet"), "/Fleets/0", "a fleet object"),
    ] {
        let doc = read("describe-fleets.json", &describe_one(fleet.clone()));
        let e = one_error(&doc);
        match e {
            InputError::WrongType {
                expected: got,
                found,
                ..
            } => {
                assert_eq!(*got, expected, "{fleet}");
                assert!(!found.is_empty(), "{fleet}");
            }
            other => panic!("{fleet}: expected WrongType, got {other:?}"),
        }
        assert_eq!(pointer(e), Some(at), "{fleet}");
    }
}

#[test]
fn a_fleet_without_a_name_is_missing_its_name() {
    for (file, text, at) in [
        (
            "describe-fleets.json",
            describe_one(json!({"InstanceType": "stream.standard.small"})),
            "/Fleets/0",
        ),
        (
            "describe-fleets.json",
            describe_one(json!({"Name": null, "InstanceType": "stream.standard.small"})),
            "/Fleets/0",
        ),
        (
            "create-fleet.json",
            json!({"InstanceType": "stream.standard.small", "FleetType": "ON_DEMAND"}).to_string(),
            "/",
        ),
    ] {
        let doc = read(file, &text);
        let e = one_error(&doc);
        assert!(
            matches!(e, InputError::Missing { field: "Name", .. }),
            "{e:?}"
        );
        assert_eq!(pointer(e), Some(at));
        assert!(e.to_string().contains("`Name`"), "{e}");
    }
}

#[test]
fn one_bad_fleet_among_good_ones_is_an_error_and_the_good_ones_are_still_read() {
    let text = json!({"Fleets": [
        {"Name": "good-1", "InstanceType": "stream.standard.small"},
        {"Name": "bad", "FleetType": "SPOT"},
        {"Name": "good-2", "MaxUserDurationInSeconds": 3600},
        {"InstanceType": "no-name"},
        {"Name": "good-3"}
    ]})
    .to_string();
    let doc = read("describe-fleets.json", &text);
    let names: Vec<&str> = doc.fleets.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["good-1", "good-2", "good-3"]);
    let pointers: Vec<Option<&str>> = doc.errors.iter().map(pointer).collect();
    assert_eq!(pointers, [Some("/Fleets/1/FleetType"), Some("/Fleets/3")]);
    assert!(matches!(doc.errors[0], InputError::UnknownValue { .. }));
    assert!(matches!(doc.errors[1], InputError::Missing { .. }));
    assert_eq!(doc.fleets[1].source.pointer.as_deref(), Some("/Fleets/2"));
}

#[test]
fn a_fleets_member_that_is_not_a_list_is_a_wrong_type() {
    let e = rejected("describe-fleets.json", r#"{"Fleets": {"Name": "f"}}"#);
    assert!(
        matches!(
            e,
            InputError::WrongType {
                expected: "an array",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(pointer(&e), Some("/Fleets"));
    let e = rejected("log.json", r#"{"Records": "none"}"#);
    assert!(matches!(e, InputError::WrongType { .. }), "{e:?}");
    assert_eq!(pointer(&e), Some("/Records"));
}

#[test]
fn parse_text_chooses_json_or_yaml_by_extension_then_by_first_character() {
    for (file, text, ok) in [
        ("a.json", "{\"a\": 1}", true),
        ("a.yaml", "{\"a\": 1}", true), // JSON is YAML
        ("a", "{\"a\": 1}", true),
        ("a", "a: 1", true),
        ("a.yml", "a: 1", true),
        ("a.template", "a: 1", true),
        ("a.json", "a: 1", false), // a .json file is always JSON
        ("A.JSON", "\u{feff}{\"a\": 1}", true),
    ] {
        let parsed = parse_text(file, text);
        assert_eq!(parsed.is_ok(), ok, "{file} {text:?}: {parsed:?}");
        if let Ok(value) = parsed {
            assert_eq!(value, json!({"a": 1}), "{file}");
        }
    }
    assert!(matches!(
        parse_text("a.json", "a: 1"),
        Err(InputError::Json { .. })
    ));
}

#[test]
fn every_shipped_sample_reads_without_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/check");
    let mut read_any = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".json") || name.ends_with(".yaml")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = read(&name, &text);
        assert!(doc.errors.is_empty(), "{name}: {:?}", doc.errors);
        assert!(
            !(doc.fleets.is_empty() && doc.stacks.is_empty() && doc.sessions.is_empty()),
            "{name} holds no resource"
        );
        for fleet in &doc.fleets {
            assert!(
                fleet.source.line.is_some() || fleet.origin.is_declared(),
                "{name}"
            );
        }
        read_any += 1;
    }
    assert!(read_any >= 5, "samples found: {read_any}");
}
