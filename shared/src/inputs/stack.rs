//! Reads a stack from DescribeStacks output, a CreateStack/UpdateStack request or the
//! `Properties` of an `AWS::AppStream::Stack` template resource.

use super::fleet::read_tags;
use super::node::Node;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::{
    AccessEndpoint, AgentAccess, AgentAccessSetting, Attr, Origin, Stack, StackError,
    StorageConnector, UrlRedirection, UserSetting,
};

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
                Ok(UserSetting {
                    action: required_string(item, "Action")?,
                    permission: item.attr_string("Permission", "UserSettings.Permission")?,
                })
            })
            .collect()
    })?;
    stack.access_endpoints = read_access_endpoints(node)?;
    stack.stack_errors = node
        .error_list("StackErrors")?
        .into_iter()
        .map(|(error_code, error_message)| StackError {
            error_code,
            error_message,
        })
        .collect();
    stack.embed_host_domains = node.attr_strings("EmbedHostDomains", "EmbedHostDomains")?;
    stack.url_redirection = read_url_redirection(node)?;
    stack.agent_access = node.attr("AgentAccessConfig", "AgentAccessConfig", read_agent_access)?;
    stack.storage_connectors = node.attr("StorageConnectors", "StorageConnectors", |n| {
        n.items()?
            .iter()
            .map(|item| {
                let item = item.object()?;
                Ok(StorageConnector {
                    connector_type: required_string(item, "ConnectorType")?,
                    domains: item.attr_strings("Domains", "StorageConnectors.Domains")?,
                })
            })
            .collect()
    })?;
    stack.tags = read_tags(node)?;
    Ok(stack)
}

/// `AccessEndpoints` (stacks and image builders).
pub(super) fn read_access_endpoints(
    node: &Node<'_>,
) -> Result<Attr<Vec<AccessEndpoint>>, InputError> {
    node.attr("AccessEndpoints", "AccessEndpoints", |n| {
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
    })
}

/// A member that must be present and a string (an enum value is kept as given, known or
/// not: the rules tell an unknown value from a known one).
fn required_string(node: &Node<'_>, field: &'static str) -> Result<String, InputError> {
    node.get(field)
        .ok_or_else(|| InputError::Missing {
            location: node.location(),
            field,
        })?
        .string()
}

/// `ContentRedirection.HostToClient`. A `ContentRedirection` without `HostToClient`
/// redirects nothing, as an absent one does.
fn read_url_redirection(node: &Node<'_>) -> Result<Attr<UrlRedirection>, InputError> {
    let content = node.attr("ContentRedirection", "ContentRedirection", |n| {
        n.object()?
            .attr("HostToClient", "ContentRedirection.HostToClient", |h| {
                let h = h.object()?;
                Ok(UrlRedirection {
                    enabled: h.attr_bool("Enabled", "ContentRedirection.HostToClient.Enabled")?,
                    allowed_urls: h.attr_strings(
                        "AllowedUrls",
                        "ContentRedirection.HostToClient.AllowedUrls",
                    )?,
                    denied_urls: h
                        .attr_strings("DeniedUrls", "ContentRedirection.HostToClient.DeniedUrls")?,
                })
            })
    })?;
    Ok(match content {
        Attr::Absent => Attr::Absent,
        Attr::Set(host_to_client) => host_to_client,
        Attr::Unread(unread) => Attr::Unread(unread),
    })
}

fn read_agent_access(node: &Node<'_>) -> Result<AgentAccess, InputError> {
    let node = node.object()?;
    Ok(AgentAccess {
        settings: node.attr("Settings", "AgentAccessConfig.Settings", |n| {
            n.items()?
                .iter()
                .map(|item| {
                    let item = item.object()?;
                    Ok(AgentAccessSetting {
                        action: required_string(item, "AgentAction")?,
                        permission: item
                            .attr_string("Permission", "AgentAccessConfig.Settings.Permission")?,
                    })
                })
                .collect()
        })?,
        user_control_mode: node
            .attr_string("UserControlMode", "AgentAccessConfig.UserControlMode")?,
        screenshots_upload_enabled: node.attr_bool(
            "ScreenshotsUploadEnabled",
            "AgentAccessConfig.ScreenshotsUploadEnabled",
        )?,
        s3_bucket_arn: node.attr_string("S3BucketArn", "AgentAccessConfig.S3BucketArn")?,
    })
}
