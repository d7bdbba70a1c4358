//! compliance-digest: once a day, summarises open findings, what changed and how the
//! fleets were used, and publishes it to SNS for e-mail and Slack.

mod handler;

use lambda_runtime::{Error, run, service_fn, tracing};
use streamwarden::aws::Aws;
use streamwarden::config::Config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = Aws::load().await;
    // A table of the single-account layout is migrated first (streamwarden migrate-table).
    aws.store(&config.table).require_account_layout().await?;
    let digest = handler::DigestFunction {
        store: aws.store(&config.table),
        publisher: aws.publisher(&config.topic_arn),
        regions: config.regions.clone(),
        members: config.accounts.is_members().then(|| {
            aws.members(
                &config.home_account,
                config.accounts.clone(),
                config.member_role.clone(),
                "compliance-digest",
            )
        }),
    };
    run(service_fn(|event| handler::handle(&digest, event))).await
}
