//! session-recorder: on an EventBridge schedule, records every AppStream streaming
//! session (who, where, when, every state change) and each fleet's capacity in
//! DynamoDB, and raises the session rules through SNS.

#![recursion_limit = "256"]

mod handler;

use lambda_runtime::{Error, run, service_fn, tracing};
use std::sync::Arc;
use streamwarden::aws::Aws;
use streamwarden::config::Config;
use streamwarden::services::fan_out::Org;
use streamwarden::services::session_recorder::SessionRecorder;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = Aws::load().await;
    // A table of the single-account layout is migrated first (streamwarden migrate-table).
    aws.store(&config.table).require_account_layout().await?;
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
    let org = config.accounts.is_members().then(|| Org {
        members: aws.members(
            &config.home_account,
            config.accounts.clone(),
            config.member_role.clone(),
            "session-recorder",
        ),
        queue: config.poll_queue_url.as_deref().map(|url| aws.queue(url)),
        regions: config.regions.clone(),
    });
    if let Some(org) = &org {
        recorder = recorder
            .governing_members()
            .with_account_names(org.members.account_names());
    }
    run(service_fn(|event| {
        handler::handle(&recorder, org.as_ref(), event)
    }))
    .await
}
