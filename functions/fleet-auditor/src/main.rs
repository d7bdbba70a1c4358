//! fleet-auditor: audits AppStream fleets and stacks when CloudTrail reports a change
//! and on a schedule; keeps compliance state in DynamoDB and alerts through SNS.

mod handler;

use lambda_runtime::{Error, run, service_fn, tracing};
use std::sync::Arc;
use streamwarden::aws::Aws;
use streamwarden::config::Config;
use streamwarden::services::fleet_auditor::FleetAuditor;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = Aws::load().await;
    let mut auditor = FleetAuditor::new(
        aws.inventories(&config.regions),
        aws.store(&config.table),
        aws.publisher(&config.topic_arn),
        config.policy,
        config.retention_days,
    );
    if config.security_hub {
        auditor = auditor.with_exporter(Arc::new(aws.security_hub()));
    }
    run(service_fn(|event| handler::handle(&auditor, event))).await
}
