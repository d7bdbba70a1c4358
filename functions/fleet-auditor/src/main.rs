//! fleet-auditor: audits AppStream fleets and stacks when CloudTrail reports a change
//! and on a schedule; keeps compliance state in DynamoDB and alerts through SNS.

mod handler;

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, run, service_fn, tracing};
use streamwarden::auditor::FleetAuditor;
use streamwarden::aws::appstream::inventories;
use streamwarden::aws::{DynamoStore, SnsPublisher};
use streamwarden::config::Config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let inventories = inventories(&sdk, &config.regions);
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table);
    let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&sdk), &config.topic_arn);
    let auditor = FleetAuditor::new(
        inventories,
        store,
        publisher,
        config.policy,
        config.retention_days,
    );
    run(service_fn(|event| handler::handle(&auditor, event))).await
}
