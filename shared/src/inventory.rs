//! The ports to an account's AppStream resources in one region ([`FleetInventory`] for
//! fleets, stacks and sessions, [`ImageInventory`] for image builders, images and usage
//! reports), the error their calls fail with, and the reads built on them. The adapter over
//! aws-sdk-appstream is [`crate::aws::appstream`]; tests use the simulator behind it.

use crate::error::BoxError;
use crate::finding::ResourceType;
use crate::model::{
    AuthenticationType, Fleet, Image, ImageBuilder, Session, SharedWith, Stack,
    UsageReportSubscription,
};
use crate::tags::TaggedResources;
use futures_util::{StreamExt, stream};
use std::collections::BTreeMap;

/// The tags of every resource of a type in one region, in pages.
#[allow(async_fn_in_trait)]
pub trait TagCatalog {
    /// Every tagged resource of `resource_type`, all pages. `None` when this inventory
    /// has no catalog (the caller reads tags one resource at a time); `Some(Err)` when
    /// the catalog failed after its retries (the caller falls back, and says so).
    async fn tagged(
        &self,
        resource_type: ResourceType,
    ) -> Option<Result<TaggedResources, AppStreamError>>;
}

/// What the services need to know about an account's AppStream in one region. Tags of
/// whole resource types come from its [`TagCatalog`].
#[allow(async_fn_in_trait)]
pub trait FleetInventory: TagCatalog {
    /// The region this inventory reads.
    fn region(&self) -> &str;
    /// Every fleet, all pages.
    async fn fleets(&self) -> Result<Vec<Fleet>, AppStreamError>;
    /// One fleet by name; `None` when it does not exist.
    async fn fleet(&self, name: &str) -> Result<Option<Fleet>, AppStreamError>;
    /// Every stack, all pages.
    async fn stacks(&self) -> Result<Vec<Stack>, AppStreamError>;
    /// One stack by name; `None` when it does not exist.
    async fn stack(&self, name: &str) -> Result<Option<Stack>, AppStreamError>;
    /// The tags of a fleet or stack ARN.
    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, AppStreamError>;
    /// The stacks a fleet is associated with.
    async fn associated_stacks(&self, fleet: &str) -> Result<Vec<String>, AppStreamError>;
    /// Every session of a fleet x stack x authentication type, all pages.
    async fn sessions(
        &self,
        fleet: &str,
        stack: &str,
        authentication: AuthenticationType,
    ) -> Result<Vec<Session>, AppStreamError>;
}

/// What the audit reads beside fleets and stacks: image builders, images and who they
/// are shared with, and the region's usage report subscriptions. Every list is paged
/// once; nothing here reads one resource at a time except the single-resource reads the
/// CloudTrail path uses.
#[allow(async_fn_in_trait)]
pub trait ImageInventory {
    /// Every image builder, all pages.
    async fn image_builders(&self) -> Result<Vec<ImageBuilder>, AppStreamError>;
    /// One image builder by name; `None` when it does not exist.
    async fn image_builder(&self, name: &str) -> Result<Option<ImageBuilder>, AppStreamError>;
    /// Every image this account owns (DescribeImages `Type=PRIVATE`), all pages.
    async fn owned_images(&self) -> Result<Vec<Image>, AppStreamError>;
    /// The images with these ARNs (public, shared or owned), in as few calls as the API
    /// allows. An ARN the service does not know is left out.
    async fn images_by_arn(&self, arns: &[String]) -> Result<Vec<Image>, AppStreamError>;
    /// One image by name; `None` when it does not exist.
    async fn image(&self, name: &str) -> Result<Option<Image>, AppStreamError>;
    /// The accounts an owned image is shared with (DescribeImagePermissions), all pages.
    async fn image_permissions(&self, image: &str) -> Result<Vec<SharedWith>, AppStreamError>;
    /// The region's usage report subscriptions, all pages.
    async fn usage_report_subscriptions(
        &self,
    ) -> Result<Vec<UsageReportSubscription>, AppStreamError>;
}

/// An AppStream call that failed after the SDK's retries. The service's error code and
/// message are kept as text; the SDK's error is the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
#[error("{operation}{} failed: {summary}", resource.as_ref().map(|r| format!(" for {r}")).unwrap_or_default())]
pub struct AppStreamError {
    pub operation: &'static str,
    /// The fleet, stack or ARN the call was about.
    pub resource: Option<String>,
    /// The service's error code (`ThrottlingException`, ...), when it gave one.
    pub code: Option<String>,
    /// `code: message`, or the transport error's text.
    pub summary: String,
    #[source]
    pub source: BoxError,
}

impl AppStreamError {
    /// The service's error code (`ThrottlingException`, `ResourceNotFoundException`, ...).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn is_throttling(&self) -> bool {
        matches!(
            self.code(),
            Some("ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException")
        )
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some("ResourceNotFoundException")
    }

    /// Stable, for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        if self.is_throttling() {
            "AppStreamThrottled"
        } else {
            "AppStreamError"
        }
    }
}

/// Every session of one fleet: its associated stacks x every authentication type, all
/// pages, `concurrency` calls at once. Failures are returned beside what was read, so
/// one failing stack or type never hides the rest.
pub async fn fleet_sessions<I: FleetInventory>(
    inventory: &I,
    fleet: &str,
    concurrency: usize,
) -> (Vec<Session>, Vec<AppStreamError>) {
    let stacks = match inventory.associated_stacks(fleet).await {
        Ok(stacks) => stacks,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let queries: Vec<(String, AuthenticationType)> = stacks
        .iter()
        .flat_map(|s| AuthenticationType::ALL.iter().map(move |a| (s.clone(), *a)))
        .collect();
    let results: Vec<Result<Vec<Session>, AppStreamError>> = stream::iter(queries)
        .map(|(stack, auth)| async move { inventory.sessions(fleet, &stack, auth).await })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut sessions = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(found) => sessions.extend(found),
            Err(e) => errors.push(e),
        }
    }
    (sessions, errors)
}
