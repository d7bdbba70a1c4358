//! session-recorder: on an EventBridge schedule, records every AppStream streaming
//! session (who, where, when, every state change) and each fleet's capacity in
//! DynamoDB, and raises the session rules through SNS.

mod handler;

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, run, service_fn, tracing};
use streamwarden::aws::appstream::inventories;
use streamwarden::aws::session_store::dynamodb_client;
use streamwarden::aws::{DynamoStore, SnsPublisher};
use streamwarden::config::Config;
use streamwarden::recorder::SessionRecorder;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let inventories = inventories(&sdk, &config.regions);
    let store = DynamoStore::new(dynamodb_client(&sdk), &config.table);
    let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&sdk), &config.topic_arn);
    let recorder = SessionRecorder::new(
        inventories,
        store,
        publisher,
        config.policy,
        config.retention_days,
    );
    run(service_fn(|event| handler::handle(&recorder, event))).await
}
