//! Reads an image from DescribeImages output, and the accounts an image is shared with
//! from DescribeImagePermissions output.

use super::ImagePermissions;
use super::builder::resource_errors;
use super::fleet::read_tags;
use super::node::Node;
use super::time::timestamp;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{Attr, Image, SharedWith, UnreadReason};

pub fn read_image(node: &Node<'_>, source: Source) -> Result<Image, InputError> {
    if !node.value.is_object() {
        return Err(node.wrong_type("an image object"));
    }
    let optional = |key: &str| node.get(key).map(|n| n.string()).transpose();
    let time = |key: &str| node.get(key).map(|n| timestamp(&n)).transpose();
    let mut image = Image::new(node.name(None)?, source);
    image.arn = optional("Arn")?;
    image.visibility = optional("Visibility")?;
    image.state = optional("State")?;
    image.platform = optional("Platform")?;
    image.created_time = time("CreatedTime")?;
    image.public_base_image_released_date = time("PublicBaseImageReleasedDate")?;
    image.latest_appstream_agent_version =
        node.attr_string("LatestAppstreamAgentVersion", "LatestAppstreamAgentVersion")?;
    image.image_shared_with_others =
        node.attr_string("ImageSharedWithOthers", "ImageSharedWithOthers")?;
    image.errors = resource_errors(node, "ImageErrors")?;
    image.tags = read_tags(node)?;
    if image.tags.is_absent() {
        image.tags = Attr::unread(
            "Tags",
            UnreadReason::NotInInput("DescribeImages output (tags come from ListTagsForResource)"),
        );
    }
    Ok(image)
}

/// DescribeImagePermissions output: `Name` and `SharedImagePermissionsList` of
/// `{sharedAccountId, imagePermissions: {allowFleet, allowImageBuilder}}` (the model
/// spells these members in lowerCamelCase; either case is read).
pub fn read_image_permissions(
    root: &Node<'_>,
    list: &Node<'_>,
    source: Source,
) -> Result<ImagePermissions, InputError> {
    let image = root.get("Name").ok_or_else(|| InputError::Missing {
        location: root.location(),
        field: "Name",
    })?;
    let shared_with = list
        .items()?
        .iter()
        .map(|item| {
            let item = item.object()?;
            let account_id = item
                .get("sharedAccountId")
                .ok_or_else(|| InputError::Missing {
                    location: item.location(),
                    field: "sharedAccountId",
                })?
                .string()?;
            let permissions = item.get("imagePermissions");
            let flag = |key: &str| match &permissions {
                Some(p) => p.object()?.get(key).map(|n| n.bool()).transpose(),
                None => Ok(None),
            };
            Ok(SharedWith {
                account_id,
                allow_fleet: flag("allowFleet")?,
                allow_image_builder: flag("allowImageBuilder")?,
            })
        })
        .collect::<Result<_, InputError>>()?;
    Ok(ImagePermissions {
        image: image.string()?,
        shared_with,
        source,
    })
}
