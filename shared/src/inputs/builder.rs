//! Reads an image builder from DescribeImageBuilders output, a CreateImageBuilder request
//! (PascalCase or CloudTrail's lowerCamelCase) or the `Properties` of an
//! `AWS::AppStream::ImageBuilder` template resource.

use super::fleet::{read_tags, read_vpc_config};
use super::node::Node;
use super::stack::read_access_endpoints;
use super::time::timestamp;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{Attr, ImageBuilder, Origin, ResourceError, UnreadReason};

pub fn read_builder(
    node: &Node<'_>,
    origin: Origin,
    source: Source,
    fallback_name: Option<&str>,
) -> Result<ImageBuilder, InputError> {
    if !node.value.is_object() {
        return Err(node.wrong_type("an image builder object"));
    }
    let name = node.name(fallback_name)?;
    let mut builder = ImageBuilder::new(name, origin, source);
    builder.arn = node.get("Arn").map(|n| n.string()).transpose()?;
    builder.image_name = node.attr_string("ImageName", "ImageName")?;
    builder.image_arn = node.attr_string("ImageArn", "ImageArn")?;
    builder.instance_type = node.attr_string("InstanceType", "InstanceType")?;
    builder.platform = node.attr_string("Platform", "Platform")?;
    builder.state = node.get("State").map(|n| n.string()).transpose()?;
    builder.created_time = node.get("CreatedTime").map(|n| timestamp(&n)).transpose()?;
    builder.enable_default_internet_access =
        node.attr_bool("EnableDefaultInternetAccess", "EnableDefaultInternetAccess")?;
    builder.vpc_config = read_vpc_config(node)?;
    builder.access_endpoints = read_access_endpoints(node)?;
    builder.iam_role_arn = node.attr_string("IamRoleArn", "IamRoleArn")?;
    builder.disable_imdsv1 = node.attr_bool("DisableIMDSV1", "DisableIMDSV1")?;
    builder.errors = resource_errors(node, "ImageBuilderErrors")?;
    builder.tags = read_tags(node)?;
    if builder.tags.is_absent() && origin == Origin::Described {
        builder.tags = Attr::unread(
            "Tags",
            UnreadReason::NotInInput(
                "DescribeImageBuilders output (tags come from ListTagsForResource)",
            ),
        );
    }
    Ok(builder)
}

/// A list of `ResourceError`s (`ImageBuilderErrors`, `ImageErrors`).
pub(super) fn resource_errors(
    node: &Node<'_>,
    key: &str,
) -> Result<Vec<ResourceError>, InputError> {
    Ok(node
        .error_list(key)?
        .into_iter()
        .map(|(error_code, error_message)| ResourceError {
            error_code,
            error_message,
        })
        .collect())
}
