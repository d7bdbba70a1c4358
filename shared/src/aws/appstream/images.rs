//! The [`ImageInventory`] half of the AppStream adapter: image builders, images, image
//! permissions and usage report subscriptions, mapped onto [`crate::model`].

use super::{
    AppStreamInventory, access_endpoints, all_pages, call_error, string, time, vpc_config,
};
use crate::finding::Source;
use crate::inventory::{AppStreamError, ImageInventory};
use crate::model::{
    Attr, Image, ImageBuilder, Origin, ResourceError, SharedWith, UnreadReason,
    UsageReportSubscription,
};
use aws_sdk_appstream::types as sdk;
use tracing::{debug, instrument};

/// DescribeImages' largest page (the API's `MaxResults` range is 0-25).
const IMAGES_PAGE: i32 = 25;
/// DescribeImagePermissions' largest page (0-500).
const PERMISSIONS_PAGE: i32 = 500;
/// ARNs per DescribeImages call. The API documents no limit on `Arns`, but one page holds
/// at most [`IMAGES_PAGE`] images, so n ARNs cost ceil(n / 25) calls either way; sending
/// them a page's worth at a time keeps each request small at no extra cost.
const ARNS_PER_CALL: usize = IMAGES_PAGE as usize;

impl AppStreamInventory {
    /// DescribeImages for a batch of ARNs, all pages. The service fails the whole call
    /// with ResourceNotFoundException when one ARN does not exist (an image deleted
    /// under a running fleet), so a failing batch is halved until the unknown ARNs are
    /// isolated and left out: a few extra calls only when an image is missing.
    async fn images_of(&self, arns: &[String]) -> Result<Vec<Image>, AppStreamError> {
        let mut pending = vec![arns];
        let mut images = Vec::new();
        while let Some(batch) = pending.pop() {
            match self.describe_images(Some(batch), None, None).await {
                Ok(found) => images.extend(found),
                Err(e) if e.is_not_found() && batch.len() > 1 => {
                    let (left, right) = batch.split_at(batch.len() / 2);
                    pending.push(left);
                    pending.push(right);
                }
                Err(e) if e.is_not_found() => debug!(arn = %batch[0], "image not found"),
                Err(e) => return Err(e),
            }
        }
        Ok(images)
    }

    /// One DescribeImages query (ARNs, a name, or a visibility), all pages.
    async fn describe_images(
        &self,
        arns: Option<&[String]>,
        name: Option<&str>,
        visibility: Option<sdk::VisibilityType>,
    ) -> Result<Vec<Image>, AppStreamError> {
        all_pages(|token| {
            let visibility = visibility.clone();
            async move {
                let page = self
                    .client
                    .describe_images()
                    .set_arns(arns.map(<[String]>::to_vec))
                    .set_names(name.map(|n| vec![n.to_owned()]))
                    .set_type(visibility)
                    .max_results(IMAGES_PAGE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| call_error("DescribeImages", name, e))?;
                let images = page
                    .images()
                    .iter()
                    .map(|i| image_from_sdk(i, self.source("image", i.name().unwrap_or_default())))
                    .collect();
                Ok((images, page.next_token))
            }
        })
        .await
    }
}

impl ImageInventory for AppStreamInventory {
    #[instrument(skip(self), fields(region = %self.region))]
    async fn image_builders(&self) -> Result<Vec<ImageBuilder>, AppStreamError> {
        let builders = all_pages(|token| async move {
            let page = self
                .client
                .describe_image_builders()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeImageBuilders", None, e))?;
            let builders = page
                .image_builders()
                .iter()
                .map(|b| {
                    builder_from_sdk(
                        b,
                        self.source("image-builder", b.name().unwrap_or_default()),
                    )
                })
                .collect();
            Ok((builders, page.next_token))
        })
        .await?;
        debug!(count = builders.len(), "described image builders");
        Ok(builders)
    }

    async fn image_builder(&self, name: &str) -> Result<Option<ImageBuilder>, AppStreamError> {
        match self
            .client
            .describe_image_builders()
            .names(name)
            .send()
            .await
        {
            Ok(page) => Ok(page
                .image_builders()
                .iter()
                .find(|b| b.name() == Some(name))
                .map(|b| builder_from_sdk(b, self.source("image-builder", name)))),
            Err(e) => {
                let e = call_error("DescribeImageBuilders", Some(name), e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    #[instrument(skip(self), fields(region = %self.region))]
    async fn owned_images(&self) -> Result<Vec<Image>, AppStreamError> {
        let images = self
            .describe_images(None, None, Some(sdk::VisibilityType::Private))
            .await?;
        debug!(count = images.len(), "described owned images");
        Ok(images)
    }

    #[instrument(skip(self, arns), fields(region = %self.region, arns = arns.len()))]
    async fn images_by_arn(&self, arns: &[String]) -> Result<Vec<Image>, AppStreamError> {
        let mut images = Vec::new();
        for batch in arns.chunks(ARNS_PER_CALL) {
            images.extend(self.images_of(batch).await?);
        }
        Ok(images)
    }

    async fn image(&self, name: &str) -> Result<Option<Image>, AppStreamError> {
        match self.describe_images(None, Some(name), None).await {
            Ok(images) => Ok(images.into_iter().find(|i| i.name == name)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn image_permissions(&self, image: &str) -> Result<Vec<SharedWith>, AppStreamError> {
        all_pages(|token| async move {
            let page = self
                .client
                .describe_image_permissions()
                .name(image)
                .max_results(PERMISSIONS_PAGE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeImagePermissions", Some(image), e))?;
            let shared = page
                .shared_image_permissions_list()
                .iter()
                .map(shared_with_from_sdk)
                .collect();
            Ok((shared, page.next_token))
        })
        .await
    }

    #[instrument(skip(self), fields(region = %self.region))]
    async fn usage_report_subscriptions(
        &self,
    ) -> Result<Vec<UsageReportSubscription>, AppStreamError> {
        all_pages(|token| async move {
            let page = self
                .client
                .describe_usage_report_subscriptions()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("DescribeUsageReportSubscriptions", None, e))?;
            let subscriptions = page
                .usage_report_subscriptions()
                .iter()
                .map(subscription_from_sdk)
                .collect();
            Ok((subscriptions, page.next_token))
        })
        .await
    }
}

fn resource_errors(errors: &[sdk::ResourceError]) -> Vec<ResourceError> {
    errors
        .iter()
        .map(|e| ResourceError {
            error_code: e.error_code().map_or("UNKNOWN", |c| c.as_str()).to_owned(),
            error_message: e.error_message().map(str::to_owned),
        })
        .collect()
}

fn tags_unread(operation: &'static str) -> Attr<std::collections::BTreeMap<String, String>> {
    Attr::unread("Tags", UnreadReason::NotInInput(operation))
}

/// Maps the SDK's image builder onto the model. DescribeImageBuilders reports the
/// builder's ImageArn only, so `image_name` stays absent.
pub fn builder_from_sdk(b: &sdk::ImageBuilder, source: Source) -> ImageBuilder {
    let mut builder = ImageBuilder::new(b.name().unwrap_or_default(), Origin::Described, source);
    builder.arn = b.arn().map(str::to_owned);
    builder.image_arn = string(b.image_arn());
    builder.instance_type = string(b.instance_type());
    builder.platform = b.platform().map(|p| p.as_str().to_owned()).into();
    builder.state = b.state().map(|s| s.as_str().to_owned());
    builder.created_time = time(b.created_time());
    builder.enable_default_internet_access = b.enable_default_internet_access().into();
    builder.vpc_config = b.vpc_config().map(vpc_config).into();
    builder.access_endpoints = b.access_endpoints.as_deref().map(access_endpoints).into();
    builder.iam_role_arn = string(b.iam_role_arn());
    builder.disable_imdsv1 = b.disable_imdsv1().into();
    builder.errors = resource_errors(b.image_builder_errors());
    builder.tags = tags_unread("DescribeImageBuilders output (tags come from ListTagsForResource)");
    builder
}

/// Maps the SDK's image onto the model; `shared_with` stays unread until
/// DescribeImagePermissions is joined in.
pub fn image_from_sdk(i: &sdk::Image, source: Source) -> Image {
    let mut image = Image::new(i.name().unwrap_or_default(), source);
    image.arn = i.arn().map(str::to_owned);
    image.visibility = i.visibility().map(|v| v.as_str().to_owned());
    image.state = i.state().map(|s| s.as_str().to_owned());
    image.platform = i.platform().map(|p| p.as_str().to_owned());
    image.created_time = time(i.created_time());
    image.public_base_image_released_date = time(i.public_base_image_released_date());
    image.latest_appstream_agent_version = i
        .latest_appstream_agent_version()
        .map(|v| v.as_str().to_owned())
        .into();
    image.image_shared_with_others = i
        .image_shared_with_others()
        .map(|v| v.as_str().to_owned())
        .into();
    image.errors = resource_errors(i.image_errors());
    image.tags = tags_unread("DescribeImages output (tags come from ListTagsForResource)");
    image
}

/// Maps one `SharedImagePermissions` entry (wire names `sharedAccountId`,
/// `imagePermissions.allowFleet`, `imagePermissions.allowImageBuilder`).
pub fn shared_with_from_sdk(p: &sdk::SharedImagePermissions) -> SharedWith {
    SharedWith {
        account_id: p.shared_account_id().unwrap_or_default().to_owned(),
        allow_fleet: p.image_permissions().and_then(|i| i.allow_fleet()),
        allow_image_builder: p.image_permissions().and_then(|i| i.allow_image_builder()),
    }
}

/// Maps one usage report subscription.
pub fn subscription_from_sdk(s: &sdk::UsageReportSubscription) -> UsageReportSubscription {
    UsageReportSubscription {
        s3_bucket_name: s.s3_bucket_name().map(str::to_owned),
        schedule: s.schedule().map(|v| v.as_str().to_owned()),
        last_generated_report_date: time(s.last_generated_report_date()),
        errors: s
            .subscription_errors()
            .iter()
            .map(|e| ResourceError {
                error_code: e.error_code().map_or("UNKNOWN", |c| c.as_str()).to_owned(),
                error_message: e.error_message().map(str::to_owned),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::appstream::stack_from_sdk;
    use aws_sdk_appstream::primitives::DateTime as SdkTime;

    #[test]
    fn a_described_builder_keeps_every_field_a_rule_reads() {
        let sdk_builder = sdk::ImageBuilder::builder()
            .name("golden-builder")
            .arn("arn:aws:appstream:eu-west-1:123456789012:image-builder/golden-builder")
            .image_arn("arn:aws:appstream:eu-west-1::image/AppStream-WinServer2022-09-01-2026")
            .instance_type("stream.graphics-desktop.2xlarge")
            .state(sdk::ImageBuilderState::from("HIBERNATING"))
            .created_time(SdkTime::from_secs(1_790_000_000))
            .enable_default_internet_access(true)
            .vpc_config(sdk::VpcConfig::builder().subnet_ids("subnet-1").build())
            .access_endpoints(
                sdk::AccessEndpoint::builder()
                    .endpoint_type(sdk::AccessEndpointType::Streaming)
                    .vpce_id("vpce-1")
                    .build(),
            )
            .image_builder_errors(
                sdk::ResourceError::builder()
                    .error_code(sdk::FleetErrorCode::from("SUBNET_NOT_FOUND"))
                    .error_message("gone")
                    .build(),
            )
            .build();
        let builder = builder_from_sdk(&sdk_builder, Source::default());
        assert_eq!(builder.origin, Origin::Described);
        assert_eq!(
            builder.instance_type.known().map(String::as_str),
            Some("stream.graphics-desktop.2xlarge")
        );
        // A state this build does not know is kept as the service spelled it.
        assert_eq!(builder.state.as_deref(), Some("HIBERNATING"));
        assert_eq!(builder.enable_default_internet_access, Attr::Set(true));
        assert_eq!(
            builder.created_time.map(|t| t.timestamp()),
            Some(1_790_000_000)
        );
        let vpc = builder.vpc_config.known().unwrap();
        assert_eq!(vpc.subnet_ids, Attr::Set(vec!["subnet-1".to_owned()]));
        assert_eq!(vpc.security_group_ids, Attr::Absent);
        let endpoints = builder.access_endpoints.known().unwrap();
        assert_eq!(endpoints[0].vpce_id, Attr::Set("vpce-1".to_owned()));
        assert_eq!(builder.errors[0].error_code, "SUBNET_NOT_FOUND");
        assert_eq!(builder.disable_imdsv1, Attr::Absent);
        assert!(builder.tags.get().is_err(), "tags come from another call");
    }

    #[test]
    fn a_described_image_keeps_sharing_and_agent_flags_as_the_api_spells_them() {
        let sdk_image = sdk::Image::builder()
            .name("golden-2026-09")
            .arn("arn:aws:appstream:eu-west-1:123456789012:image/golden-2026-09")
            .visibility(sdk::VisibilityType::Private)
            .public_base_image_released_date(SdkTime::from_secs(1_780_000_000))
            .image_shared_with_others(sdk::ImageSharedWithOthers::True)
            .latest_appstream_agent_version(sdk::LatestAppstreamAgentVersion::from("MAYBE"))
            .build();
        let image = image_from_sdk(&sdk_image, Source::default());
        assert!(image.is_owned());
        assert_eq!(image.image_shared_with_others, Attr::Set("TRUE".to_owned()));
        assert_eq!(
            image.latest_appstream_agent_version,
            Attr::Set("MAYBE".to_owned())
        );
        assert_eq!(
            image.public_base_image_released_date.map(|t| t.timestamp()),
            Some(1_780_000_000)
        );
        assert!(
            image.shared_with.get().is_err(),
            "unread until DescribeImagePermissions"
        );

        let shared = shared_with_from_sdk(
            &sdk::SharedImagePermissions::builder()
                .shared_account_id("444455556666")
                .image_permissions(sdk::ImagePermissions::builder().allow_fleet(true).build())
                .build(),
        );
        assert_eq!(
            shared,
            SharedWith {
                account_id: "444455556666".to_owned(),
                allow_fleet: Some(true),
                allow_image_builder: None,
            }
        );
    }

    #[test]
    fn a_described_stack_maps_the_2026_controls_and_keeps_unknown_actions() {
        let sdk_stack = sdk::Stack::builder()
            .name("agents")
            .embed_host_domains("*.example.com")
            .content_redirection(
                sdk::ContentRedirection::builder()
                    .host_to_client(
                        sdk::UrlRedirectionConfig::builder()
                            .enabled(true)
                            .allowed_urls("*")
                            .build(),
                    )
                    .build(),
            )
            .agent_access_config(
                sdk::AgentAccessConfig::builder()
                    .settings(
                        sdk::AgentAccessSetting::builder()
                            .agent_action(sdk::AgentAction::from("COMPUTER_AUDIO"))
                            .permission(sdk::Permission::Enabled)
                            .build(),
                    )
                    .user_control_mode(sdk::UserControlMode::from("VIEW_ONLY"))
                    .build(),
            )
            .storage_connectors(
                sdk::StorageConnector::builder()
                    .connector_type(sdk::StorageConnectorType::from("ONE_DRIVE"))
                    .build(),
            )
            .build();
        let stack = stack_from_sdk(&sdk_stack, Source::default());
        assert_eq!(
            stack.embed_host_domains,
            Attr::Set(vec!["*.example.com".to_owned()])
        );
        let redirection = stack.url_redirection.known().unwrap();
        assert_eq!(redirection.enabled, Attr::Set(true));
        assert_eq!(redirection.allowed_urls, Attr::Set(vec!["*".to_owned()]));
        assert_eq!(redirection.denied_urls, Attr::Absent);
        let agents = stack.agent_access.known().unwrap();
        let settings = agents.settings.known().unwrap();
        assert_eq!(settings[0].action, "COMPUTER_AUDIO");
        assert_eq!(settings[0].permission, Attr::Set("ENABLED".to_owned()));
        assert_eq!(agents.user_control_mode, Attr::Set("VIEW_ONLY".to_owned()));
        let connectors = stack.storage_connectors.known().unwrap();
        assert_eq!(connectors[0].connector_type, "ONE_DRIVE");
        assert_eq!(connectors[0].domains, Attr::Absent);
    }

    #[test]
    fn a_usage_report_subscription_keeps_its_errors() {
        let subscription = subscription_from_sdk(
            &sdk::UsageReportSubscription::builder()
                .s3_bucket_name("appstream-logs")
                .schedule(sdk::UsageReportSchedule::Daily)
                .subscription_errors(
                    sdk::LastReportGenerationExecutionError::builder()
                        .error_code(sdk::UsageReportExecutionErrorCode::AccessDenied)
                        .build(),
                )
                .build(),
        );
        assert_eq!(subscription.schedule.as_deref(), Some("DAILY"));
        assert_eq!(subscription.errors[0].error_code, "ACCESS_DENIED");
    }
}
