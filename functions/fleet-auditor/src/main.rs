//! fleet-auditor: audits AppStream fleets and stacks when CloudTrail reports a change
//! and on a schedule; keeps compliance state in DynamoDB and alerts through SNS. With
//! member accounts governed (`STREAMWARDEN_ACCOUNTS`), its schedule fans out one SQS
//! message per (account, region), which it consumes one per invocation.

mod handler;

use handler::Deployment;
use lambda_runtime::{Error, run, service_fn, tracing};
use std::sync::Arc;
use streamwarden::aws::Aws;
use streamwarden::config::Config;
use streamwarden::services::fan_out::Org;
use streamwarden::services::fleet_auditor::FleetAuditor;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = Aws::load().await;
    // A table of the single-account layout is migrated first (streamwarden migrate-table).
    aws.store(&config.table).require_account_layout().await?;
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
    let org = config.accounts.is_members().then(|| Org {
        members: aws.members(
            &config.home_account,
            config.accounts.clone(),
            config.member_role.clone(),
            "fleet-auditor",
        ),
        queue: config.sweep_queue_url.as_deref().map(|url| aws.queue(url)),
        regions: config.regions.clone(),
    });
    if let Some(org) = &org {
        auditor = auditor
            .governing_members()
            .with_account_names(org.members.account_names());
    }
    let deployment = Deployment {
        home_account: config.home_account.clone(),
        org,
    };
    run(service_fn(|event| {
        handler::handle(&auditor, &deployment, event)
    }))
    .await
}
