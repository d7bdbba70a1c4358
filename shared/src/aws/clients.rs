//! Every SDK client of the functions and the CLI, built in one place with the
//! documented retry settings: the standard retry mode with 8 attempts and exponential
//! backoff with jitter, for AppStream, the tagging API, DynamoDB and SNS alike.
//! AppStream's Describe* quotas are low and throttle under a sweep, so it waits longer
//! between attempts; GetResources is tuned the same way. A
//! retry configuration set through the standard `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`
//! variables (or a profile) is left as it is. Endpoints follow the standard
//! `AWS_ENDPOINT_URL_<SERVICE>` variables.
//!
//! (The adaptive mode's client-side rate limiter was measured to slow a sweep against a
//! throttling endpoint by minutes, so the standard mode it is.)

use super::appstream::AppStreamInventory;
use super::dynamodb::DynamoStore;
use super::sns::SnsPublisher;
use super::tagging::ResourceTagging;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::collections::BTreeMap;
use std::time::Duration;

/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// The retry settings of one service: `None` when the environment sets its own.
fn retry(initial: Duration, max: Duration) -> Option<RetryConfig> {
    let overridden = std::env::var_os("AWS_MAX_ATTEMPTS").is_some()
        || std::env::var_os("AWS_RETRY_MODE").is_some();
    (!overridden).then(|| {
        RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_initial_backoff(initial)
            .with_max_backoff(max)
    })
}

/// AppStream's retries (throttled Describe* calls back off from 200 ms up to 10 s).
pub fn tune_appstream(
    builder: aws_sdk_appstream::config::Builder,
) -> aws_sdk_appstream::config::Builder {
    match retry(Duration::from_millis(200), Duration::from_secs(10)) {
        Some(config) => builder.retry_config(config),
        None => builder,
    }
}

/// An AppStream client for one region.
pub fn appstream_client(sdk: &SdkConfig, region: &str) -> aws_sdk_appstream::Client {
    aws_sdk_appstream::Client::from_conf(
        tune_appstream(aws_sdk_appstream::config::Builder::from(sdk))
            .region(Region::new(region.to_owned()))
            .build(),
    )
}

/// The tagging API's retries: AppStream's (a sweep's GetResources pages back off from
/// 200 ms up to 10 s when throttled).
pub fn tune_tagging(
    builder: aws_sdk_resourcegroupstagging::config::Builder,
) -> aws_sdk_resourcegroupstagging::config::Builder {
    match retry(Duration::from_millis(200), Duration::from_secs(10)) {
        Some(config) => builder.retry_config(config),
        None => builder,
    }
}

/// A Resource Groups Tagging API client for one region (endpoint:
/// `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`).
pub fn tagging_client(sdk: &SdkConfig, region: &str) -> aws_sdk_resourcegroupstagging::Client {
    aws_sdk_resourcegroupstagging::Client::from_conf(
        tune_tagging(aws_sdk_resourcegroupstagging::config::Builder::from(sdk))
            .region(Region::new(region.to_owned()))
            .build(),
    )
}

/// A DynamoDB client: a throttled table slows a run down instead of failing it.
pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(config) = retry(Duration::from_millis(50), Duration::from_secs(5)) {
        builder = builder.retry_config(config);
    }
    aws_sdk_dynamodb::Client::from_conf(builder.build())
}

/// An SNS client.
pub fn sns_client(sdk: &SdkConfig) -> aws_sdk_sns::Client {
    let mut builder = aws_sdk_sns::config::Builder::from(sdk);
    if let Some(config) = retry(Duration::from_millis(100), Duration::from_secs(5)) {
        builder = builder.retry_config(config);
    }
    aws_sdk_sns::Client::from_conf(builder.build())
}

/// A Security Hub client for one region (findings are imported where their product
/// ARN is).
pub fn securityhub_client(sdk: &SdkConfig, region: &str) -> aws_sdk_securityhub::Client {
    let mut builder = aws_sdk_securityhub::config::Builder::from(sdk);
    if let Some(config) = retry(Duration::from_millis(100), Duration::from_secs(5)) {
        builder = builder.retry_config(config);
    }
    aws_sdk_securityhub::Client::from_conf(builder.region(Region::new(region.to_owned())).build())
}

/// The shared SDK configuration (credentials, region, endpoints) and the adapters built
/// on it.
#[derive(Clone, Debug)]
pub struct Aws {
    sdk: SdkConfig,
}

impl Aws {
    /// The default chain: environment, profile, SSO (CLI builds), container or instance
    /// role.
    pub async fn load() -> Self {
        Aws {
            sdk: aws_config::load_defaults(BehaviorVersion::latest()).await,
        }
    }

    pub fn from_sdk_config(sdk: SdkConfig) -> Self {
        Aws { sdk }
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// The configured region, if any.
    pub fn region(&self) -> Option<String> {
        self.sdk.region().map(ToString::to_string)
    }

    /// The AppStream inventory of one region, with its tags in pages.
    pub fn inventory(&self, region: &str) -> AppStreamInventory {
        AppStreamInventory::new(appstream_client(&self.sdk, region), region)
            .with_tagging(ResourceTagging::new(tagging_client(&self.sdk, region)))
    }

    /// One inventory per region, for the functions' `STREAMWARDEN_REGIONS`.
    pub fn inventories(&self, regions: &[String]) -> BTreeMap<String, AppStreamInventory> {
        regions
            .iter()
            .map(|region| (region.clone(), self.inventory(region)))
            .collect()
    }

    /// The finding and session store on one table.
    pub fn store(&self, table: &str) -> DynamoStore {
        DynamoStore::new(dynamodb_client(&self.sdk), table)
    }

    /// The Security Hub export (`STREAMWARDEN_SECURITY_HUB=true`).
    pub fn security_hub(&self) -> super::securityhub::SecurityHubExporter {
        super::securityhub::SecurityHubExporter::new(self.sdk.clone())
    }

    /// The governed accounts (`STREAMWARDEN_ACCOUNTS`), read through their member roles.
    pub fn members(
        &self,
        home_account: &str,
        governed: crate::org::Governed,
        role_name: Option<String>,
        function: &str,
    ) -> super::members::MemberAccess {
        super::members::MemberAccess::new(&self.sdk, home_account, governed, role_name, function)
    }

    /// The fan-out queue at `url`.
    pub fn queue(&self, url: &str) -> super::sqs::FanOutQueue {
        super::sqs::FanOutQueue::new(aws_sdk_sqs::Client::new(&self.sdk), url)
    }

    /// Alerts to one SNS topic.
    pub fn publisher(&self, topic_arn: &str) -> SnsPublisher {
        SnsPublisher::new(sns_client(&self.sdk), topic_arn)
    }
}
