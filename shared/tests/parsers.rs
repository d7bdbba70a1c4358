//! Property tests of the input readers: they never panic, whatever they are given, and a
//! valid describe-fleets fleet reads back with the values it was written with.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value, json};
use streamwarden::InputError;
use streamwarden::inputs::read_document;
use streamwarden::model::{Attr, FleetType, Origin};

fn config() -> Config {
    Config {
        cases: 256,
        // Leave no regression files behind in the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// File names that steer the reader: by extension to JSON or YAML, and by "update" to
/// UpdateFleet.
const FILES: &[&str] = &[
    "input.json",
    "input.yaml",
    "input.yml",
    "input.template",
    "input",
    "update-fleet.json",
    "create-fleet.json",
];

/// AppStream members and document keys, PascalCase and lowerCamelCase.
const KEYS: &[&str] = &[
    "Name",
    "name",
    "Arn",
    "DisplayName",
    "Description",
    "ImageName",
    "imageName",
    "ImageArn",
    "InstanceType",
    "instanceType",
    "FleetType",
    "fleetType",
    "ComputeCapacity",
    "computeCapacity",
    "DesiredInstances",
    "desiredInstances",
    "DesiredSessions",
    "desiredSessions",
    "ComputeCapacityStatus",
    "Desired",
    "Running",
    "InUse",
    "Available",
    "Draining",
    "DesiredUserSessions",
    "AvailableUserSessions",
    "ActiveUserSessions",
    "ActualUserSessions",
    "MaxUserDurationInSeconds",
    "maxUserDurationInSeconds",
    "DisconnectTimeoutInSeconds",
    "disconnectTimeoutInSeconds",
    "IdleDisconnectTimeoutInSeconds",
    "State",
    "VpcConfig",
    "vpcConfig",
    "SubnetIds",
    "subnetIds",
    "SecurityGroupIds",
    "securityGroupIds",
    "CreatedTime",
    "FleetErrors",
    "ErrorCode",
    "ErrorMessage",
    "EnableDefaultInternetAccess",
    "enableDefaultInternetAccess",
    "DomainJoinInfo",
    "DirectoryName",
    "OrganizationalUnitDistinguishedName",
    "IamRoleArn",
    "StreamView",
    "Platform",
    "platform",
    "MaxConcurrentSessions",
    "UsbDeviceFilterStrings",
    "SessionScriptS3Location",
    "S3Bucket",
    "S3Key",
    "MaxSessionsPerInstance",
    "maxSessionsPerInstance",
    "DisableIMDSV1",
    "disableIMDSV1",
    "Tags",
    "tags",
    "Key",
    "Value",
    "AttributesToDelete",
    "attributesToDelete",
    "DeleteVpcConfig",
    "UserSettings",
    "userSettings",
    "Action",
    "Permission",
    "AccessEndpoints",
    "EndpointType",
    "VpceId",
    "StackErrors",
    "Id",
    "UserId",
    "StackName",
    "FleetName",
    "StartTime",
    "MaxExpirationTime",
    "InstanceId",
    "Fleets",
    "Fleet",
    "Stacks",
    "Stack",
    "Sessions",
    "Records",
    "detail",
    "eventName",
    "eventSource",
    "errorCode",
    "requestParameters",
    "AWSTemplateFormatVersion",
    "Resources",
    "Type",
    "Properties",
    "Ref",
    "Fn::If",
    "Fn::GetAtt",
    "Fn::Sub",
    "Condition",
    "",
    "a/b~c",
];

/// String values the readers give meaning to.
const STRINGS: &[&str] = &[
    "",
    "ALWAYS_ON",
    "ON_DEMAND",
    "ELASTIC",
    "SPOT",
    "stream.standard.small",
    "stream.graphics-pro.4xlarge",
    "VPC_CONFIGURATION",
    "VPC_CONFIGURATION_SECURITY_GROUP_IDS",
    "DOMAIN_JOIN_INFO",
    "USB_DEVICE_FILTER_STRINGS",
    "AWS::AppStream::Fleet",
    "AWS::AppStream::Stack",
    "appstream.amazonaws.com",
    "s3.amazonaws.com",
    "CreateFleet",
    "UpdateFleet",
    "CreateStack",
    "UpdateStack",
    "StartFleet",
    "2026-11-27T09:14:03Z",
    "2025-03-14T09:21:07.123000+00:00",
    "2025-03-14T09:21:07",
    "1718000000.5",
    "NaN",
    "3600",
    "true",
    "false",
    "yes",
    "FILE_DOWNLOAD",
    "DISABLED",
    "*,*,*,*,*,*,*,*",
    "\u{feff}",
    "é\u{0}\n\"",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[A-Za-z:~/]{0,12}",
        1 => any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i64..100_000).prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0.0f64..2.0e9).prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        proptest::sample::select(STRINGS).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ]
}

/// Any JSON value, with keys mostly drawn from real AppStream members.
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key(), inner.clone(), 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            // A CloudFormation intrinsic in its long form.
            (
                proptest::sample::select(
                    &["Ref", "Fn::If", "Fn::GetAtt", "Fn::Sub", "Condition"][..]
                ),
                inner
            )
                .prop_map(|(k, v)| json!({ k: v })),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    btree_map(key(), value(), 0..10).prop_map(|m| m.into_iter().collect())
}

/// Documents shaped like each kind the reader accepts, with arbitrary contents, so the
/// random values reach every reader and not only the top-level dispatch.
fn document() -> impl Strategy<Value = Value> {
    prop_oneof![
        value(),
        object().prop_map(Value::Object),
        vec(object(), 0..4).prop_map(|fleets| json!({"Fleets": fleets})),
        (object(), vec(object(), 0..3), vec(object(), 0..3)).prop_map(
            |(fleet, stacks, sessions)| {
                json!({"Fleet": fleet, "Stacks": stacks, "Sessions": sessions})
            }
        ),
        (object(), value()).prop_map(|(mut request, name)| {
            request.insert("Name".to_owned(), name);
            request.insert("InstanceType".to_owned(), json!("stream.standard.small"));
            Value::Object(request)
        }),
        (
            proptest::sample::select(
                &[
                    "CreateFleet",
                    "UpdateFleet",
                    "CreateStack",
                    "UpdateStack",
                    "StartFleet"
                ][..]
            ),
            object(),
            any::<bool>(),
        )
            .prop_map(|(event, parameters, bridged)| {
                let record = json!({
                    "eventSource": "appstream.amazonaws.com",
                    "eventName": event,
                    "requestParameters": parameters,
                });
                if bridged {
                    json!({"detail-type": "AWS API Call via CloudTrail", "detail": record})
                } else {
                    json!({"Records": [record]})
                }
            }),
        (
            proptest::sample::select(&["AWS::AppStream::Fleet", "AWS::AppStream::Stack"][..]),
            prop_oneof![object().prop_map(Value::Object), value()],
            key(),
        )
            .prop_map(|(kind, properties, logical_id)| json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {logical_id: {"Type": kind, "Properties": properties}}
            })),
    ]
}

/// Renders a value as YAML with CloudFormation short forms (`!Ref X`, `!If [...]`) for
/// single-key intrinsic objects, and flow style (JSON syntax) elsewhere.
fn short_form_yaml(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) if map.len() == 1 => {
            let (k, v) = map.iter().next().unwrap_or_else(|| unreachable!());
            let tag = k.strip_prefix("Fn::").unwrap_or(k);
            let intrinsic = k == "Ref" || k == "Condition" || k.starts_with("Fn::");
            if intrinsic && !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push('!');
                out.push_str(tag);
                out.push(' ');
                short_form_yaml(v, out);
                return;
            }
            flow_object(map, out);
        }
        Value::Object(map) => flow_object(map, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                short_form_yaml(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn flow_object(map: &Map<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&Value::String(k.clone()).to_string());
        out.push_str(": ");
        short_form_yaml(v, out);
    }
    out.push('}');
}

/// `read_document` must answer: a document, or a typed error that says where.
fn assert_answers(file: &str, text: &str) {
    match read_document(file, text) {
        Ok(doc) => {
            for e in &doc.errors {
                assert_eq!(e.location().file, file);
                assert!(!e.to_string().is_empty());
            }
        }
        Err(e) => {
            assert_eq!(e.location().file, file, "{e}");
            assert!(
                !matches!(e, InputError::Io { .. }),
                "no I/O happens here: {e}"
            );
            assert!(!e.to_string().is_empty());
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn read_document_never_panics_on_arbitrary_strings(
        text in any::<String>(),
        file in proptest::sample::select(FILES),
    ) {
        assert_answers(file, &text);
    }

    #[test]
    fn read_document_never_panics_on_arbitrary_bytes_read_lossily(
        bytes in vec(any::<u8>(), 0..512),
        file in proptest::sample::select(FILES),
    ) {
        let text = String::from_utf8_lossy(&bytes);
        assert_answers(file, &text);
    }

    #[test]
    fn read_document_never_panics_on_text_that_looks_like_json_or_yaml(
        text in r#"[\{\}\[\]":, \n\t\-!#&*|>'a-zA-Z0-9.]{0,200}"#,
        file in proptest::sample::select(FILES),
    ) {
        assert_answers(file, &text);
    }

    #[test]
    fn read_document_never_panics_on_arbitrary_json_values(
        doc in document(),
        file in proptest::sample::select(&["input.json", "update-fleet.json", "input"][..]),
        pretty in any::<bool>(),
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&doc).unwrap()
        } else {
            doc.to_string()
        };
        assert_answers(file, &text);
    }

    #[test]
    fn read_document_never_panics_on_arbitrary_yaml_made_from_those_values(
        doc in document(),
        file in proptest::sample::select(&["input.yaml", "input.yml", "template.template"][..]),
        short_forms in any::<bool>(),
    ) {
        let text = if short_forms {
            let mut out = String::new();
            short_form_yaml(&doc, &mut out);
            out
        } else {
            serde_norway::to_string(&doc).unwrap()
        };
        assert_answers(file, &text);
    }

    #[test]
    fn read_document_reads_block_yaml_as_it_reads_the_same_json(doc in document()) {
        // Plain YAML (no tags) is the same data as JSON, so both must give the same answer.
        let yaml = serde_norway::to_string(&doc).unwrap();
        let from_json = read_document("input.json", &doc.to_string());
        let from_yaml = read_document("input.yaml", &yaml);
        match (&from_json, &from_yaml) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.kind, b.kind);
                prop_assert_eq!(&a.fleets.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                    &b.fleets.iter().map(|f| f.name.clone()).collect::<Vec<_>>());
                prop_assert_eq!(a.stacks.len(), b.stacks.len());
                prop_assert_eq!(a.sessions.len(), b.sessions.len());
                prop_assert_eq!(a.errors.len(), b.errors.len());
            }
            (Err(_), Err(_)) => {}
            _ => prop_assert!(
                false,
                "JSON {:?} but YAML {:?}",
                from_json.as_ref().map(|d| d.kind),
                from_yaml.as_ref().map(|d| d.kind)
            ),
        }
    }
}

#[derive(Debug, Clone)]
struct Status {
    desired: i64,
    running: i64,
    in_use: i64,
    available: i64,
    sessions: Option<(i64, i64, i64, i64)>,
}

#[derive(Debug, Clone)]
struct GeneratedFleet {
    name: String,
    display_name: Option<String>,
    instance_type: &'static str,
    fleet_type: FleetType,
    max_user_duration: i64,
    disconnect_timeout: i64,
    idle_disconnect_timeout: i64,
    max_sessions_per_instance: Option<i64>,
    max_concurrent_sessions: Option<i64>,
    internet: bool,
    disable_imdsv1: Option<bool>,
    subnets: Option<Vec<String>>,
    stream_view: &'static str,
    platform: &'static str,
    usb: Vec<String>,
    status: Status,
    created_epoch: i64,
    created_as_number: bool,
    errors: Vec<(&'static str, Option<String>)>,
}

const INSTANCE_TYPES: &[&str] = &[
    "stream.standard.small",
    "stream.standard.medium",
    "stream.standard.2xlarge",
    "stream.compute.8xlarge",
    "stream.memory.z1d.12xlarge",
    "stream.graphics.g4dn.xlarge",
    "stream.graphics.g5.24xlarge",
    "stream.graphics-design.large",
];

fn status() -> impl Strategy<Value = Status> {
    (
        0i64..1000,
        0i64..1000,
        0i64..1000,
        0i64..1000,
        proptest::option::of((0i64..5000, 0i64..5000, 0i64..5000, 0i64..5000)),
    )
        .prop_map(|(desired, running, in_use, available, sessions)| Status {
            desired,
            running,
            in_use,
            available,
            sessions,
        })
}

prop_compose! {
    fn generated_fleet()(
        name in "[A-Za-z0-9][A-Za-z0-9_.-]{0,99}",
        display_name in proptest::option::of("[ -~]{0,100}"),
        instance_type in proptest::sample::select(INSTANCE_TYPES),
        fleet_type in proptest::sample::select(&[FleetType::AlwaysOn, FleetType::OnDemand, FleetType::Elastic][..]),
        max_user_duration in 600i64..=432_000,
        disconnect_timeout in 60i64..=360_000,
        idle_disconnect_timeout in prop_oneof![Just(0i64), 60i64..=36_000],
        max_sessions_per_instance in proptest::option::of(1i64..=50),
        max_concurrent_sessions in proptest::option::of(1i64..=5000),
        internet in any::<bool>(),
        disable_imdsv1 in proptest::option::of(any::<bool>()),
        subnets in proptest::option::of(vec("subnet-[0-9a-f]{17}", 0..4)),
        stream_view in proptest::sample::select(&["APP", "DESKTOP"][..]),
        platform in proptest::sample::select(&["WINDOWS_SERVER_2019", "WINDOWS_SERVER_2022", "AMAZON_LINUX2", "RHEL8"][..]),
        usb in vec("[0-9a-f*]{1,4}(,[0-9a-f*]{1,4}){7}", 0..3),
        status in status(),
        created_epoch in 1_262_304_000i64..4_102_444_800,
        created_as_number in any::<bool>(),
        errors in vec((
            proptest::sample::select(&["IAM_SERVICE_ROLE_IS_MISSING", "SUBNET_NOT_FOUND", "INTERNAL_SERVICE_ERROR"][..]),
            proptest::option::of("[ -~]{0,60}"),
        ), 0..3),
    ) -> GeneratedFleet {
        GeneratedFleet {
            name, display_name, instance_type, fleet_type, max_user_duration, disconnect_timeout,
            idle_disconnect_timeout, max_sessions_per_instance, max_concurrent_sessions, internet,
            disable_imdsv1, subnets, stream_view, platform, usb, status, created_epoch,
            created_as_number, errors,
        }
    }
}

impl GeneratedFleet {
    /// The fleet as `aws appstream describe-fleets` prints it.
    fn to_json(&self) -> Value {
        let mut status = json!({
            "Desired": self.status.desired,
            "Running": self.status.running,
            "InUse": self.status.in_use,
            "Available": self.status.available,
        });
        if let Some((desired, available, active, actual)) = self.status.sessions {
            status["DesiredUserSessions"] = json!(desired);
            status["AvailableUserSessions"] = json!(available);
            status["ActiveUserSessions"] = json!(active);
            status["ActualUserSessions"] = json!(actual);
        }
        let created = chrono::DateTime::from_timestamp(self.created_epoch, 0).unwrap_or_default();
        let mut fleet = json!({
            "Arn": format!("arn:aws:appstream:eu-west-1:123456789012:fleet/{}", self.name),
            "Name": self.name,
            "InstanceType": self.instance_type,
            "FleetType": self.fleet_type.as_str(),
            "ComputeCapacityStatus": status,
            "MaxUserDurationInSeconds": self.max_user_duration,
            "DisconnectTimeoutInSeconds": self.disconnect_timeout,
            "IdleDisconnectTimeoutInSeconds": self.idle_disconnect_timeout,
            "State": "RUNNING",
            "CreatedTime": if self.created_as_number {
                json!(self.created_epoch)
            } else {
                json!(created.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string())
            },
            "FleetErrors": self.errors.iter().map(|(code, message)| match message {
                Some(m) => json!({"ErrorCode": code, "ErrorMessage": m}),
                None => json!({"ErrorCode": code}),
            }).collect::<Vec<_>>(),
            "EnableDefaultInternetAccess": self.internet,
            "StreamView": self.stream_view,
            "Platform": self.platform,
        });
        let mut set = |key: &str, value: Value| {
            fleet[key] = value;
        };
        if let Some(d) = &self.display_name {
            set("DisplayName", json!(d));
        }
        if let Some(n) = self.max_sessions_per_instance {
            set("MaxSessionsPerInstance", json!(n));
        }
        if let Some(n) = self.max_concurrent_sessions {
            set("MaxConcurrentSessions", json!(n));
        }
        if let Some(b) = self.disable_imdsv1 {
            set("DisableIMDSV1", json!(b));
        }
        if let Some(subnets) = &self.subnets {
            set(
                "VpcConfig",
                json!({"SubnetIds": subnets, "SecurityGroupIds": ["sg-1"]}),
            );
        }
        if !self.usb.is_empty() {
            set("UsbDeviceFilterStrings", json!(self.usb));
        }
        fleet
    }
}

fn opt<T: Clone>(value: Option<T>) -> Attr<T> {
    value.map_or(Attr::Absent, Attr::Set)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_valid_described_fleet_reads_back_with_the_values_it_was_written_with(
        fleets in vec(generated_fleet(), 1..4),
        pretty in any::<bool>(),
    ) {
        let document = json!({"Fleets": fleets.iter().map(GeneratedFleet::to_json).collect::<Vec<_>>()});
        let text = if pretty {
            serde_json::to_string_pretty(&document).unwrap()
        } else {
            document.to_string()
        };
        let doc = read_document("describe-fleets.json", &text).unwrap();
        prop_assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        prop_assert_eq!(doc.fleets.len(), fleets.len());
        let mut names: Vec<&str> = fleets.iter().map(|f| f.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let unique_names = names.len() == fleets.len();
        for (i, (read, written)) in doc.fleets.iter().zip(&fleets).enumerate() {
            prop_assert_eq!(&read.name, &written.name);
            prop_assert_eq!(read.origin, Origin::Described);
            prop_assert_eq!(read.source.pointer.clone(), Some(format!("/Fleets/{i}")));
            let line = read.source.line.unwrap_or_default();
            prop_assert!(line >= 1);
            if pretty && unique_names {
                let at = text.lines().nth(line - 1).unwrap_or_default();
                let name_member = format!("\"Name\": \"{}\"", written.name);
                prop_assert!(at.contains(&name_member), "line {}: {}", line, at);
            }
            prop_assert_eq!(&read.display_name, &opt(written.display_name.clone()));
            prop_assert_eq!(&read.instance_type, &Attr::Set(written.instance_type.to_owned()));
            prop_assert_eq!(&read.fleet_type, &Attr::Set(written.fleet_type));
            prop_assert_eq!(&read.max_user_duration_in_seconds, &Attr::Set(written.max_user_duration));
            prop_assert_eq!(&read.disconnect_timeout_in_seconds, &Attr::Set(written.disconnect_timeout));
            prop_assert_eq!(&read.idle_disconnect_timeout_in_seconds, &Attr::Set(written.idle_disconnect_timeout));
            prop_assert_eq!(&read.max_sessions_per_instance, &opt(written.max_sessions_per_instance));
            prop_assert_eq!(&read.max_concurrent_sessions, &opt(written.max_concurrent_sessions));
            prop_assert_eq!(&read.enable_default_internet_access, &Attr::Set(written.internet));
            prop_assert_eq!(&read.disable_imdsv1, &opt(written.disable_imdsv1));
            prop_assert_eq!(&read.stream_view, &Attr::Set(written.stream_view.to_owned()));
            prop_assert_eq!(&read.platform, &Attr::Set(written.platform.to_owned()));
            prop_assert_eq!(read.state.as_deref(), Some("RUNNING"));
            let usb = if written.usb.is_empty() { Attr::Absent } else { Attr::Set(written.usb.clone()) };
            prop_assert_eq!(&read.usb_device_filter_strings, &usb);
            match (&read.vpc_config, &written.subnets) {
                (Attr::Set(vpc), Some(subnets)) => {
                    prop_assert_eq!(&vpc.subnet_ids, &Attr::Set(subnets.clone()));
                    prop_assert_eq!(&vpc.security_group_ids, &Attr::Set(vec!["sg-1".to_owned()]));
                }
                (Attr::Absent, None) => {}
                (read, written) => prop_assert!(false, "VpcConfig {:?} vs {:?}", read, written),
            }
            prop_assert_eq!(
                read.created_time.map(|t| t.timestamp()),
                Some(written.created_epoch)
            );
            let status = read.compute_capacity_status.clone().unwrap_or_default();
            prop_assert_eq!(status.desired, Some(written.status.desired));
            prop_assert_eq!(status.running, Some(written.status.running));
            prop_assert_eq!(status.in_use, Some(written.status.in_use));
            prop_assert_eq!(status.available, Some(written.status.available));
            prop_assert_eq!(status.draining, None);
            let sessions = written.status.sessions;
            prop_assert_eq!(status.desired_user_sessions, sessions.map(|s| s.0));
            prop_assert_eq!(status.available_user_sessions, sessions.map(|s| s.1));
            prop_assert_eq!(status.active_user_sessions, sessions.map(|s| s.2));
            prop_assert_eq!(status.actual_user_sessions, sessions.map(|s| s.3));
            let errors: Vec<(String, Option<String>)> = read
                .fleet_errors
                .iter()
                .map(|e| (e.error_code.clone(), e.error_message.clone()))
                .collect();
            let expected: Vec<(String, Option<String>)> = written
                .errors
                .iter()
                .map(|(c, m)| ((*c).to_owned(), m.clone()))
                .collect();
            prop_assert_eq!(errors, expected);
            prop_assert_eq!(
                read.is_multi_session().ok(),
                Some(written.max_sessions_per_instance.is_some_and(|n| n > 1))
            );
        }
    }

    #[test]
    fn a_valid_described_fleet_reads_the_same_from_yaml(fleet in generated_fleet()) {
        let document = json!({"Fleets": [fleet.to_json()]});
        let from_json = read_document("describe-fleets.json", &document.to_string()).unwrap();
        let yaml = serde_norway::to_string(&document).unwrap();
        let from_yaml = read_document("describe-fleets.yaml", &yaml).unwrap();
        prop_assert_eq!(from_json.fleets.len(), 1);
        prop_assert_eq!(from_yaml.fleets.len(), 1);
        let mut a = from_json.fleets[0].clone();
        let mut b = from_yaml.fleets[0].clone();
        a.source = Default::default();
        b.source = Default::default();
        prop_assert_eq!(a, b);
    }
}
