//! compliance-digest: once a day, summarises open findings, what changed and how the
//! fleets were used, and publishes it to SNS for e-mail and Slack.

mod handler;

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, run, service_fn, tracing};
use streamwarden::aws::session_store::dynamodb_client;
use streamwarden::aws::{DynamoStore, SnsPublisher};
use streamwarden::config::Config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let digest = handler::DigestFunction {
        store: DynamoStore::new(dynamodb_client(&sdk), &config.table),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&sdk), &config.topic_arn),
        regions: config.regions,
    };
    run(service_fn(|event| handler::handle(&digest, event))).await
}
