//! An image builder: a full administrator desktop used to make images, often left
//! running, sometimes with internet access.

use super::{AccessEndpoint, Attr, Origin, VpcConfig};
use crate::finding::Source;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One entry of a builder's or image's errors (`ResourceError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceError {
    pub error_code: String,
    pub error_message: Option<String>,
}

/// An image builder, from DescribeImageBuilders output, a CreateImageBuilder request or
/// an `AWS::AppStream::ImageBuilder` template resource. `origin` is
/// [`Origin::Described`], [`Origin::CreateRequest`] or [`Origin::Template`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImageBuilder {
    pub name: String,
    pub origin: Origin,
    pub source: Source,
    pub arn: Option<String>,
    pub image_name: Attr<String>,
    pub image_arn: Attr<String>,
    pub instance_type: Attr<String>,
    pub platform: Attr<String>,
    /// `RUNNING`, `STOPPED`, ... (described builders only).
    pub state: Option<String>,
    pub created_time: Option<DateTime<Utc>>,
    pub enable_default_internet_access: Attr<bool>,
    pub vpc_config: Attr<VpcConfig>,
    pub access_endpoints: Attr<Vec<AccessEndpoint>>,
    pub iam_role_arn: Attr<String>,
    pub disable_imdsv1: Attr<bool>,
    pub errors: Vec<ResourceError>,
    pub tags: Attr<BTreeMap<String, String>>,
}

impl ImageBuilder {
    pub fn new(name: impl Into<String>, origin: Origin, source: Source) -> Self {
        ImageBuilder {
            name: name.into(),
            origin,
            source,
            arn: None,
            image_name: Attr::Absent,
            image_arn: Attr::Absent,
            instance_type: Attr::Absent,
            platform: Attr::Absent,
            state: None,
            created_time: None,
            enable_default_internet_access: Attr::Absent,
            vpc_config: Attr::Absent,
            access_endpoints: Attr::Absent,
            iam_role_arn: Attr::Absent,
            disable_imdsv1: Attr::Absent,
            errors: Vec::new(),
            tags: Attr::Absent,
        }
    }
}
