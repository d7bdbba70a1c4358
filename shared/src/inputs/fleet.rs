//! Reads a fleet from any fleet-shaped object: a DescribeFleets `Fleet`, a
//! CreateFleet/UpdateFleet request (PascalCase or CloudTrail's lowerCamelCase), or the
//! `Properties` of an `AWS::AppStream::Fleet` template resource.

use super::node::Node;
use super::time::timestamp;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{
    Attr, ComputeCapacity, ComputeCapacityStatus, DomainJoinInfo, Fleet, FleetError, FleetType,
    Origin, UnreadReason, VpcConfig,
};
use std::collections::BTreeMap;

/// Reads the fleet at `node`. `name` is the fleet's name when the caller already knows
/// it (a template's logical ID as fallback); otherwise `Name` is required.
pub fn read_fleet(
    node: &Node<'_>,
    origin: Origin,
    source: Source,
    fallback_name: Option<&str>,
) -> Result<Fleet, InputError> {
    if !node.value.is_object() {
        return Err(node.wrong_type("a fleet object"));
    }
    let name = node.name(fallback_name)?;
    let mut fleet = Fleet::new(name, origin, source);
    fleet.arn = node.get("Arn").map(|n| n.string()).transpose()?;
    fleet.display_name = node.attr_string("DisplayName", "DisplayName")?;
    fleet.description = node.attr_string("Description", "Description")?;
    fleet.image_name = node.attr_string("ImageName", "ImageName")?;
    fleet.image_arn = node.attr_string("ImageArn", "ImageArn")?;
    fleet.instance_type = node.attr_string("InstanceType", "InstanceType")?;
    fleet.fleet_type = node.attr("FleetType", "FleetType", |n| {
        let s = n.string()?;
        FleetType::parse(&s).ok_or_else(|| InputError::UnknownValue {
            location: n.location(),
            what: "FleetType",
            value: s,
            expected: FleetType::EXPECTED,
        })
    })?;
    fleet.compute_capacity = node.attr("ComputeCapacity", "ComputeCapacity", |n| {
        let n = n.object()?;
        Ok(ComputeCapacity {
            desired_instances: n
                .attr_int("DesiredInstances", "ComputeCapacity.DesiredInstances")?,
            desired_sessions: n.attr_int("DesiredSessions", "ComputeCapacity.DesiredSessions")?,
        })
    })?;
    if let Some(status) = node.get("ComputeCapacityStatus") {
        fleet.compute_capacity_status = Some(read_status(&status)?);
    }
    fleet.max_user_duration_in_seconds =
        node.attr_int("MaxUserDurationInSeconds", "MaxUserDurationInSeconds")?;
    fleet.disconnect_timeout_in_seconds =
        node.attr_int("DisconnectTimeoutInSeconds", "DisconnectTimeoutInSeconds")?;
    fleet.idle_disconnect_timeout_in_seconds = node.attr_int(
        "IdleDisconnectTimeoutInSeconds",
        "IdleDisconnectTimeoutInSeconds",
    )?;
    fleet.state = node.get("State").map(|n| n.string()).transpose()?;
    fleet.vpc_config = read_vpc_config(node)?;
    fleet.created_time = node.get("CreatedTime").map(|n| timestamp(&n)).transpose()?;
    fleet.fleet_errors = node
        .error_list("FleetErrors")?
        .into_iter()
        .map(|(error_code, error_message)| FleetError {
            error_code,
            error_message,
        })
        .collect();
    fleet.enable_default_internet_access =
        node.attr_bool("EnableDefaultInternetAccess", "EnableDefaultInternetAccess")?;
    fleet.domain_join_info = node.attr("DomainJoinInfo", "DomainJoinInfo", |n| {
        let n = n.object()?;
        Ok(DomainJoinInfo {
            directory_name: n.attr_string("DirectoryName", "DomainJoinInfo.DirectoryName")?,
            organizational_unit_distinguished_name: n.attr_string(
                "OrganizationalUnitDistinguishedName",
                "DomainJoinInfo.OrganizationalUnitDistinguishedName",
            )?,
        })
    })?;
    fleet.iam_role_arn = node.attr_string("IamRoleArn", "IamRoleArn")?;
    fleet.stream_view = node.attr_string("StreamView", "StreamView")?;
    fleet.platform = node.attr_string("Platform", "Platform")?;
    fleet.max_concurrent_sessions =
        node.attr_int("MaxConcurrentSessions", "MaxConcurrentSessions")?;
    fleet.usb_device_filter_strings =
        node.attr_strings("UsbDeviceFilterStrings", "UsbDeviceFilterStrings")?;
    fleet.session_script_s3_location =
        node.attr("SessionScriptS3Location", "SessionScriptS3Location", |n| {
            let n = n.object()?;
            let bucket = n.get("S3Bucket").map(|b| b.string()).transpose()?;
            let key = n.get("S3Key").map(|k| k.string()).transpose()?;
            Ok(format!(
                "s3://{}/{}",
                bucket.as_deref().unwrap_or("?"),
                key.as_deref().unwrap_or("")
            ))
        })?;
    fleet.max_sessions_per_instance =
        node.attr_int("MaxSessionsPerInstance", "MaxSessionsPerInstance")?;
    fleet.disable_imdsv1 = node.attr_bool("DisableIMDSV1", "DisableIMDSV1")?;
    fleet.tags = read_tags(node)?;
    if fleet.tags.is_absent() && origin == Origin::Described {
        fleet.tags = Attr::unread(
            "Tags",
            UnreadReason::NotInInput("DescribeFleets output (tags come from ListTagsForResource)"),
        );
    }
    Ok(fleet)
}

fn read_status(node: &Node<'_>) -> Result<ComputeCapacityStatus, InputError> {
    let node = node.object()?;
    let int = |key: &str| node.get(key).map(|n| n.int()).transpose();
    Ok(ComputeCapacityStatus {
        desired: int("Desired")?,
        running: int("Running")?,
        in_use: int("InUse")?,
        available: int("Available")?,
        draining: int("Draining")?,
        desired_user_sessions: int("DesiredUserSessions")?,
        available_user_sessions: int("AvailableUserSessions")?,
        active_user_sessions: int("ActiveUserSessions")?,
        actual_user_sessions: int("ActualUserSessions")?,
        drain_mode_active_user_sessions: int("DrainModeActiveUserSessions")?,
        drain_mode_unused_user_sessions: int("DrainModeUnusedUserSessions")?,
    })
}

/// `VpcConfig` (fleets and image builders).
pub(super) fn read_vpc_config(node: &Node<'_>) -> Result<Attr<VpcConfig>, InputError> {
    node.attr("VpcConfig", "VpcConfig", |n| {
        let n = n.object()?;
        Ok(VpcConfig {
            subnet_ids: n.attr_strings("SubnetIds", "VpcConfig.SubnetIds")?,
            security_group_ids: n.attr_strings("SecurityGroupIds", "VpcConfig.SecurityGroupIds")?,
        })
    })
}

/// Tags as a map (`{"k": "v"}`, API and CloudTrail) or a list (`[{Key, Value}]`,
/// templates). An intrinsic value is kept as its expression in angle brackets.
pub fn read_tags(node: &Node<'_>) -> Result<Attr<BTreeMap<String, String>>, InputError> {
    node.attr("Tags", "Tags", |tags| {
        let value = |n: &Node<'_>| match n.intrinsic() {
            Some(expr) => Ok(format!("<{expr}>")),
            None => n.string(),
        };
        let mut map = BTreeMap::new();
        if tags.value.is_array() {
            for item in tags.items()? {
                let item = item.object()?;
                let key = item
                    .get("Key")
                    .ok_or_else(|| InputError::Missing {
                        location: item.location(),
                        field: "Key",
                    })
                    .and_then(|k| value(&k))?;
                let val = item.get("Value").map(|v| value(&v)).transpose()?;
                map.insert(key, val.unwrap_or_default());
            }
        } else {
            for (key, val) in tags.entries()? {
                map.insert(key.to_owned(), value(&val)?);
            }
        }
        Ok(map)
    })
}
