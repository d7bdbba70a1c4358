//! session-recorder: on an EventBridge schedule, records every AppStream streaming
//! session (who, where, when, every state change) and each fleet's capacity in
//! DynamoDB, and raises the session rules through SNS.

mod handler;

use lambda_runtime::{Error, run, service_fn, tracing};
use std::sync::Arc;
use streamwarden::aws::Aws;
use streamwarden::config::Config;
use streamwarden::services::session_recorder::SessionRecorder;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = Aws::load().await;
    let mut recorder = SessionRecorder::new(
        aws.inventories(&config.regions),
        aws.store(&config.table),
        aws.publisher(&config.topic_arn),
        config.policy,
        config.retention_days,
    );
    if config.security_hub {
        recorder = recorder.with_exporter(Arc::new(aws.security_hub()));
    }
    run(service_fn(|event| handler::handle(&recorder, event))).await
}
