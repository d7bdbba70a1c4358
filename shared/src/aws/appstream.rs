//! AppStream adapter over aws-sdk-appstream: fleets, stacks, associations, tags and
//! sessions, mapped onto [`crate::model`]; image builders, images and usage reports in
//! [`images`].
//!
//! The SDK has no paginator for DescribeFleets or DescribeStacks, so the NextToken loops
//! live here. Retries (throttling, 5xx) are the SDK's, configured in [`super::clients`].

use super::tagging::ResourceTagging;
use crate::finding::{ResourceType, Source};
use crate::inventory::TagCatalog;
use crate::inventory::{AppStreamError, FleetInventory};
use crate::model::{
    AccessEndpoint, AgentAccess, AgentAccessSetting, Attr, AuthenticationType,
    ComputeCapacityStatus, DomainJoinInfo, Fleet, FleetError, FleetType, Origin, Session, Stack,
    StackError, StorageConnector, UnreadReason, UrlRedirection, UserSetting, VpcConfig,
};
use crate::tags::TaggedResources;
use aws_sdk_appstream::Client;
use aws_sdk_appstream::error::ProvideErrorMetadata;
use aws_sdk_appstream::types as sdk;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use tracing::{debug, instrument};

mod images;
pub use images::{builder_from_sdk, image_from_sdk, shared_with_from_sdk, subscription_from_sdk};

/// DescribeSessions' largest page.
const SESSIONS_PAGE: i32 = 50;

/// The port's error from an SDK error: code and message as text, the SDK error as source.
fn call_error(
    operation: &'static str,
    resource: Option<&str>,
    source: impl Into<aws_sdk_appstream::Error>,
) -> AppStreamError {
    port_error(operation, resource, source.into())
}

/// The port's error from any SDK's service error (AppStream's, the tagging API's).
pub(super) fn port_error<E>(
    operation: &'static str,
    resource: Option<&str>,
    source: E,
) -> AppStreamError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = source.code().map(str::to_owned);
    let summary = match (source.code(), source.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        // No service answer (connection refused, timeout): the SDK's own text is only
        // "unhandled error"; the cause is further down the chain.
        _ => crate::error::error_chain(&source),
    };
    AppStreamError {
        operation,
        resource: resource.map(str::to_owned),
        code,
        summary,
        source: Box::new(source),
    }
}

fn sdk_authentication(authentication: AuthenticationType) -> sdk::AuthenticationType {
    match authentication {
        AuthenticationType::Api => sdk::AuthenticationType::Api,
        AuthenticationType::Saml => sdk::AuthenticationType::Saml,
        AuthenticationType::Userpool => sdk::AuthenticationType::Userpool,
        AuthenticationType::AwsAd => sdk::AuthenticationType::AwsAd,
    }
}

/// The live inventory of one region.
#[derive(Clone, Debug)]
pub struct AppStreamInventory {
    client: Client,
    region: String,
    /// The region's tagging API, for tags in pages; without it tags are read one
    /// resource at a time.
    tagging: Option<ResourceTagging>,
}

impl AppStreamInventory {
    pub fn new(client: Client, region: impl Into<String>) -> Self {
        AppStreamInventory {
            client,
            region: region.into(),
            tagging: None,
        }
    }

    /// Reads the tags of whole resource types through the tagging API.
    pub fn with_tagging(mut self, tagging: ResourceTagging) -> Self {
        self.tagging = Some(tagging);
        self
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    fn source(&self, kind: &str, name: &str) -> Source {
        Source {
            file: format!("appstream:{}", self.region),
            line: None,
            pointer: Some(format!("/{kind}/{name}")),
        }
    }
}

impl TagCatalog for AppStreamInventory {
    async fn tagged(
        &self,
        resource_type: ResourceType,
    ) -> Option<Result<TaggedResources, AppStreamError>> {
        Some(self.tagging.as_ref()?.tagged(resource_type).await)
    }
}

impl FleetInventory for AppStreamInventory {
    fn region(&self) -> &str {
        &self.region
    }

    #[instrument(skip(self), fields(region = %self.region))]
    async fn fleets(&self) -> Result<Vec<Fleet>, AppStreamError> {
        let fleets = all_pages(|token| async move {
            let page = self
                .client
                .describe_fleets()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeFleets", None, e))?;
            let fleets = page
                .fleets()
                .iter()
                .map(|f| fleet_from_sdk(f, self.source("fleet", f.name().unwrap_or_default())))
                .collect();
            Ok((fleets, page.next_token))
        })
        .await?;
        debug!(count = fleets.len(), "described fleets");
        Ok(fleets)
    }

    async fn fleet(&self, name: &str) -> Result<Option<Fleet>, AppStreamError> {
        match self.client.describe_fleets().names(name).send().await {
            Ok(page) => Ok(page
                .fleets()
                .iter()
                .find(|f| f.name() == Some(name))
                .map(|f| fleet_from_sdk(f, self.source("fleet", name)))),
            Err(e) => {
                let e = call_error("DescribeFleets", Some(name), e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    #[instrument(skip(self), fields(region = %self.region))]
    async fn stacks(&self) -> Result<Vec<Stack>, AppStreamError> {
        all_pages(|token| async move {
            let page = self
                .client
                .describe_stacks()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeStacks", None, e))?;
            let stacks = page
                .stacks()
                .iter()
                .map(|s| stack_from_sdk(s, self.source("stack", s.name().unwrap_or_default())))
                .collect();
            Ok((stacks, page.next_token))
        })
        .await
    }

    async fn stack(&self, name: &str) -> Result<Option<Stack>, AppStreamError> {
        match self.client.describe_stacks().names(name).send().await {
            Ok(page) => Ok(page
                .stacks()
                .iter()
                .find(|s| s.name() == Some(name))
                .map(|s| stack_from_sdk(s, self.source("stack", name)))),
            Err(e) => {
                let e = call_error("DescribeStacks", Some(name), e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, AppStreamError> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| call_error("ListTagsForResource", Some(arn), e))?;
        Ok(out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    async fn associated_stacks(&self, fleet: &str) -> Result<Vec<String>, AppStreamError> {
        all_pages(|token| async move {
            let page = self
                .client
                .list_associated_stacks()
                .fleet_name(fleet)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("ListAssociatedStacks", Some(fleet), e))?;
            Ok((page.names.unwrap_or_default(), page.next_token))
        })
        .await
    }

    async fn sessions(
        &self,
        fleet: &str,
        stack: &str,
        authentication: AuthenticationType,
    ) -> Result<Vec<Session>, AppStreamError> {
        all_pages(|token| async move {
            let page = self
                .client
                .describe_sessions()
                .fleet_name(fleet)
                .stack_name(stack)
                .authentication_type(sdk_authentication(authentication))
                .limit(SESSIONS_PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeSessions", Some(fleet), e))?;
            let sessions = page
                .sessions()
                .iter()
                .map(|s| session_from_sdk(s, self.source("session", s.id().unwrap_or_default())))
                .collect();
            Ok((sessions, page.next_token))
        })
        .await
    }
}

/// Follows NextToken until the service stops returning one (an empty token ends it too).
async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AppStreamError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AppStreamError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let (found, next) = page(token).await?;
        items.extend(found);
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(items);
        }
    }
}

fn time(t: Option<&aws_sdk_appstream::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn int(v: Option<i32>) -> Attr<i64> {
    v.map(i64::from).into()
}

fn string(v: Option<&str>) -> Attr<String> {
    v.map(str::to_owned).into()
}

fn vpc_config(v: &sdk::VpcConfig) -> VpcConfig {
    VpcConfig {
        subnet_ids: v.subnet_ids.clone().into(),
        security_group_ids: v.security_group_ids.clone().into(),
    }
}

/// An access endpoint list (stacks and image builders).
fn access_endpoints(endpoints: &[sdk::AccessEndpoint]) -> Vec<AccessEndpoint> {
    endpoints
        .iter()
        .map(|e| AccessEndpoint {
            endpoint_type: e.endpoint_type().map(|t| t.as_str().to_owned()).into(),
            vpce_id: string(e.vpce_id()),
        })
        .collect()
}

/// Maps the SDK's fleet onto the model, losing nothing a rule reads.
pub fn fleet_from_sdk(f: &sdk::Fleet, source: Source) -> Fleet {
    let mut fleet = Fleet::new(f.name().unwrap_or_default(), Origin::Described, source);
    fleet.arn = f.arn().map(str::to_owned);
    fleet.display_name = string(f.display_name());
    fleet.description = string(f.description());
    fleet.image_name = string(f.image_name());
    fleet.image_arn = string(f.image_arn());
    fleet.instance_type = string(f.instance_type());
    fleet.fleet_type = match f.fleet_type() {
        None => Attr::Absent,
        Some(t) => match FleetType::parse(t.as_str()) {
            Some(t) => Attr::Set(t),
            None => Attr::unread(
                "FleetType",
                UnreadReason::NotInInput(
                    "the fleet types this version knows (ALWAYS_ON, ON_DEMAND, ELASTIC)",
                ),
            ),
        },
    };
    fleet.compute_capacity_status = f.compute_capacity_status().map(|c| ComputeCapacityStatus {
        desired: c.desired().map(i64::from),
        running: c.running().map(i64::from),
        in_use: c.in_use().map(i64::from),
        available: c.available().map(i64::from),
        draining: c.draining().map(i64::from),
        desired_user_sessions: c.desired_user_sessions().map(i64::from),
        available_user_sessions: c.available_user_sessions().map(i64::from),
        active_user_sessions: c.active_user_sessions().map(i64::from),
        actual_user_sessions: c.actual_user_sessions().map(i64::from),
        drain_mode_active_user_sessions: c.drain_mode_active_user_sessions().map(i64::from),
        drain_mode_unused_user_sessions: c.drain_mode_unused_user_sessions().map(i64::from),
    });
    fleet.max_user_duration_in_seconds = int(f.max_user_duration_in_seconds());
    fleet.disconnect_timeout_in_seconds = int(f.disconnect_timeout_in_seconds());
    fleet.idle_disconnect_timeout_in_seconds = int(f.idle_disconnect_timeout_in_seconds());
    fleet.state = f.state().map(|s| s.as_str().to_owned());
    fleet.vpc_config = f.vpc_config().map(vpc_config).into();
    fleet.created_time = time(f.created_time());
    fleet.fleet_errors = f
        .fleet_errors()
        .iter()
        .map(|e| FleetError {
            error_code: e.error_code().map_or("UNKNOWN", |c| c.as_str()).to_owned(),
            error_message: e.error_message().map(str::to_owned),
        })
        .collect();
    fleet.enable_default_internet_access = f.enable_default_internet_access().into();
    fleet.domain_join_info = f
        .domain_join_info()
        .map(|d| DomainJoinInfo {
            directory_name: string(d.directory_name()),
            organizational_unit_distinguished_name: string(
                d.organizational_unit_distinguished_name(),
            ),
        })
        .into();
    fleet.iam_role_arn = string(f.iam_role_arn());
    fleet.stream_view = f.stream_view().map(|v| v.as_str().to_owned()).into();
    fleet.platform = f.platform().map(|p| p.as_str().to_owned()).into();
    fleet.max_concurrent_sessions = int(f.max_concurrent_sessions());
    fleet.usb_device_filter_strings = f.usb_device_filter_strings.clone().into();
    fleet.session_script_s3_location = f
        .session_script_s3_location()
        .map(|l| {
            format!(
                "s3://{}/{}",
                l.s3_bucket().unwrap_or("?"),
                l.s3_key().unwrap_or_default()
            )
        })
        .into();
    fleet.max_sessions_per_instance = int(f.max_sessions_per_instance());
    fleet.disable_imdsv1 = f.disable_imdsv1().into();
    fleet.tags = Attr::unread(
        "Tags",
        UnreadReason::NotInInput("DescribeFleets output (tags come from ListTagsForResource)"),
    );
    fleet
}

/// Maps the SDK's stack onto the model.
pub fn stack_from_sdk(s: &sdk::Stack, source: Source) -> Stack {
    let mut stack = Stack::new(s.name().unwrap_or_default(), Origin::Described, source);
    stack.arn = s.arn().map(str::to_owned);
    stack.user_settings = s
        .user_settings
        .as_ref()
        .map(|settings| {
            settings
                .iter()
                .filter_map(|u| {
                    Some(UserSetting {
                        action: u.action()?.as_str().to_owned(),
                        permission: u.permission().map(|p| p.as_str().to_owned()).into(),
                    })
                })
                .collect()
        })
        .into();
    stack.access_endpoints = s.access_endpoints.as_deref().map(access_endpoints).into();
    stack.stack_errors = s
        .stack_errors()
        .iter()
        .map(|e| StackError {
            error_code: e.error_code().map_or("UNKNOWN", |c| c.as_str()).to_owned(),
            error_message: e.error_message().map(str::to_owned),
        })
        .collect();
    stack.embed_host_domains = s.embed_host_domains.clone().into();
    stack.url_redirection = s
        .content_redirection()
        .and_then(|c| c.host_to_client())
        .map(|h| UrlRedirection {
            enabled: h.enabled().into(),
            allowed_urls: h.allowed_urls.clone().into(),
            denied_urls: h.denied_urls.clone().into(),
        })
        .into();
    stack.agent_access = s.agent_access_config().map(agent_access).into();
    stack.storage_connectors = s
        .storage_connectors
        .as_ref()
        .map(|connectors| {
            connectors
                .iter()
                .filter_map(|c| {
                    Some(StorageConnector {
                        connector_type: c.connector_type()?.as_str().to_owned(),
                        domains: c.domains.clone().into(),
                    })
                })
                .collect()
        })
        .into();
    stack
}

/// `AgentAccessConfig`; an `AgentAction` or `UserControlMode` this build does not know
/// is kept as its string, for the rules to report as not understood.
fn agent_access(a: &sdk::AgentAccessConfig) -> AgentAccess {
    AgentAccess {
        settings: a
            .settings
            .as_ref()
            .map(|settings| {
                settings
                    .iter()
                    .filter_map(|s| {
                        Some(AgentAccessSetting {
                            action: s.agent_action()?.as_str().to_owned(),
                            permission: s.permission().map(|p| p.as_str().to_owned()).into(),
                        })
                    })
                    .collect()
            })
            .into(),
        user_control_mode: a.user_control_mode().map(|m| m.as_str().to_owned()).into(),
        screenshots_upload_enabled: a.screenshots_upload_enabled().into(),
        s3_bucket_arn: string(a.s3_bucket_arn()),
    }
}

/// Maps the SDK's session onto the model.
pub fn session_from_sdk(s: &sdk::Session, source: Source) -> Session {
    Session {
        instance_drain_status: s.instance_drain_status().map(|d| d.as_str().to_owned()),
        id: s.id().unwrap_or_default().to_owned(),
        user_id: s.user_id().unwrap_or_default().to_owned(),
        stack_name: s.stack_name().unwrap_or_default().to_owned(),
        fleet_name: s.fleet_name().unwrap_or_default().to_owned(),
        state: s.state().map_or("", |v| v.as_str()).to_owned(),
        connection_state: s.connection_state().map(|c| c.as_str().to_owned()),
        start_time: time(s.start_time()),
        max_expiration_time: time(s.max_expiration_time()),
        authentication_type: s.authentication_type().map(|a| a.as_str().to_owned()),
        instance_id: s.instance_id().map(str::to_owned),
        source,
    }
}
