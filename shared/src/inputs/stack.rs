//! Reads a stack from DescribeStacks output, a CreateStack/UpdateStack request or the
//! `Properties` of an `AWS::AppStream::Stack` template resource.

use super::fleet::read_tags;
use super::node::Node;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{AccessEndpoint, Origin, Stack, StackError, UserSetting};

pub fn read_stack(
    node: &Node<'_>,
    origin: Origin,
    source: Source,
    fallback_name: Option<&str>,
) -> Result<Stack, InputError> {
    if !node.value.is_object() {
        return Err(node.wrong_type("a stack object"));
    }
    let name = node.name(fallback_name)?;
    let mut stack = Stack::new(name, origin, source);
    stack.arn = node.get("Arn").map(|n| n.string()).transpose()?;
    stack.user_settings = node.attr("UserSettings", "UserSettings", |n| {
        n.items()?
            .iter()
            .map(|item| {
                let item = item.object()?;
                let action = item
                    .get("Action")
                    .ok_or_else(|| InputError::Missing {
                        location: item.location(),
                        field: "Action",
                    })?
                    .string()?;
                Ok(UserSetting {
                    action,
                    permission: item.attr_string("Permission", "UserSettings.Permission")?,
                })
            })
            .collect()
    })?;
    stack.access_endpoints = node.attr("AccessEndpoints", "AccessEndpoints", |n| {
        n.items()?
            .iter()
            .map(|item| {
                let item = item.object()?;
                Ok(AccessEndpoint {
                    endpoint_type: item
                        .attr_string("EndpointType", "AccessEndpoints.EndpointType")?,
                    vpce_id: item.attr_string("VpceId", "AccessEndpoints.VpceId")?,
                })
            })
            .collect()
    })?;
    stack.stack_errors = node
        .error_list("StackErrors")?
        .into_iter()
        .map(|(error_code, error_message)| StackError {
            error_code,
            error_message,
        })
        .collect();
    stack.tags = read_tags(node)?;
    Ok(stack)
}
