//! A fleet, whichever input it came from.

use super::Attr;
use crate::finding::Source;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt;

/// What kind of input described the fleet. Some rules only make sense for some kinds:
/// the capacity-sizing rules read a request's `ComputeCapacity`, the consistency rules a
/// described fleet's `ComputeCapacityStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// DescribeFleets output (CLI JSON or the SDK): the fleet as it is.
    Described,
    /// A CreateFleet request (CLI input JSON or CloudTrail `requestParameters`).
    CreateRequest,
    /// An UpdateFleet request: fields it does not name stay as they are.
    UpdateRequest,
    /// An `AWS::AppStream::Fleet` resource of a CloudFormation or SAM template.
    Template,
}

impl Origin {
    /// True for inputs that say how a fleet is to be configured (requests, templates).
    pub fn is_declared(self) -> bool {
        !matches!(self, Origin::Described)
    }
}

/// `ALWAYS_ON`, `ON_DEMAND` or `ELASTIC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetType {
    AlwaysOn,
    OnDemand,
    Elastic,
}

impl FleetType {
    pub const EXPECTED: &'static str = "ALWAYS_ON, ON_DEMAND, ELASTIC";

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ALWAYS_ON" => Some(FleetType::AlwaysOn),
            "ON_DEMAND" => Some(FleetType::OnDemand),
            "ELASTIC" => Some(FleetType::Elastic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FleetType::AlwaysOn => "ALWAYS_ON",
            FleetType::OnDemand => "ON_DEMAND",
            FleetType::Elastic => "ELASTIC",
        }
    }
}

impl fmt::Display for FleetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request's or template's desired capacity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComputeCapacity {
    pub desired_instances: Attr<i64>,
    /// Multi-session fleets only (2023-10-26).
    pub desired_sessions: Attr<i64>,
}

/// A described fleet's capacity; the user-session fields exist since 2023-10-26 and are
/// set for multi-session fleets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComputeCapacityStatus {
    pub desired: Option<i64>,
    pub running: Option<i64>,
    pub in_use: Option<i64>,
    pub available: Option<i64>,
    /// Instances in drain mode (2026-04, `DrainSessionInstance`).
    pub draining: Option<i64>,
    pub desired_user_sessions: Option<i64>,
    pub available_user_sessions: Option<i64>,
    pub active_user_sessions: Option<i64>,
    pub actual_user_sessions: Option<i64>,
    /// Drain mode (2026-04): sessions still active on draining instances, and the slots of
    /// draining instances that take no new session. The documentation does not say
    /// whether the other counters include them.
    pub drain_mode_active_user_sessions: Option<i64>,
    pub drain_mode_unused_user_sessions: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VpcConfig {
    pub subnet_ids: Attr<Vec<String>>,
    pub security_group_ids: Attr<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomainJoinInfo {
    pub directory_name: Attr<String>,
    pub organizational_unit_distinguished_name: Attr<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetError {
    pub error_code: String,
    pub error_message: Option<String>,
}

/// A fleet. `name` is the fleet's name (a template resource without a literal `Name`
/// uses its logical ID).
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub name: String,
    pub origin: Origin,
    pub source: Source,
    pub arn: Option<String>,
    pub display_name: Attr<String>,
    pub description: Attr<String>,
    pub image_name: Attr<String>,
    pub image_arn: Attr<String>,
    pub instance_type: Attr<String>,
    pub fleet_type: Attr<FleetType>,
    pub compute_capacity: Attr<ComputeCapacity>,
    pub compute_capacity_status: Option<ComputeCapacityStatus>,
    pub max_user_duration_in_seconds: Attr<i64>,
    pub disconnect_timeout_in_seconds: Attr<i64>,
    pub idle_disconnect_timeout_in_seconds: Attr<i64>,
    pub state: Option<String>,
    pub vpc_config: Attr<VpcConfig>,
    pub created_time: Option<DateTime<Utc>>,
    pub fleet_errors: Vec<FleetError>,
    pub enable_default_internet_access: Attr<bool>,
    pub domain_join_info: Attr<DomainJoinInfo>,
    pub iam_role_arn: Attr<String>,
    pub stream_view: Attr<String>,
    pub platform: Attr<String>,
    pub max_concurrent_sessions: Attr<i64>,
    pub usb_device_filter_strings: Attr<Vec<String>>,
    pub session_script_s3_location: Attr<String>,
    pub max_sessions_per_instance: Attr<i64>,
    pub disable_imdsv1: Attr<bool>,
    pub tags: Attr<BTreeMap<String, String>>,
    /// The fleet's image as DescribeImages reports it, joined by ImageArn or ImageName
    /// ([`super::join_images`]); unread until joined.
    pub image: Attr<super::FleetImage>,
}

impl Fleet {
    /// An empty fleet of the given name and origin; readers fill in what they find.
    pub fn new(name: impl Into<String>, origin: Origin, source: Source) -> Self {
        Fleet {
            name: name.into(),
            origin,
            source,
            arn: None,
            display_name: Attr::Absent,
            description: Attr::Absent,
            image_name: Attr::Absent,
            image_arn: Attr::Absent,
            instance_type: Attr::Absent,
            fleet_type: Attr::Absent,
            compute_capacity: Attr::Absent,
            compute_capacity_status: None,
            max_user_duration_in_seconds: Attr::Absent,
            disconnect_timeout_in_seconds: Attr::Absent,
            idle_disconnect_timeout_in_seconds: Attr::Absent,
            state: None,
            vpc_config: Attr::Absent,
            created_time: None,
            fleet_errors: Vec::new(),
            enable_default_internet_access: Attr::Absent,
            domain_join_info: Attr::Absent,
            iam_role_arn: Attr::Absent,
            stream_view: Attr::Absent,
            platform: Attr::Absent,
            max_concurrent_sessions: Attr::Absent,
            usb_device_filter_strings: Attr::Absent,
            session_script_s3_location: Attr::Absent,
            max_sessions_per_instance: Attr::Absent,
            disable_imdsv1: Attr::Absent,
            tags: Attr::Absent,
            image: Attr::unread(
                "Image.PublicBaseImageReleasedDate",
                super::UnreadReason::NotInInput("this run's inputs (describe-images)"),
            ),
        }
    }

    /// Whether the fleet is Elastic (`Err` when the type cannot be known).
    pub fn is_elastic(&self) -> Result<bool, super::Unread> {
        Ok(self.fleet_type.get()? == Some(&FleetType::Elastic))
    }

    /// Whether the fleet is multi-session: MaxSessionsPerInstance > 1.
    pub fn is_multi_session(&self) -> Result<bool, super::Unread> {
        Ok(self
            .max_sessions_per_instance
            .get()?
            .is_some_and(|n| *n > 1))
    }
}
