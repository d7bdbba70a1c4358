//! `streamwarden migrate-table`: the one-time move of a single-account table to the
//! account layout (every key names the account).

use anyhow::Context;
use clap::Args;
use std::process::ExitCode;
use streamwarden::aws::Aws;

#[derive(Args)]
pub struct MigrateArgs {
    /// The Streamwarden table (the stack's TableName output).
    #[arg(long, env = "STREAMWARDEN_TABLE")]
    table: String,
    /// The account the table's items belong to (default: the table's own account, read
    /// from its ARN: the deployment's account).
    #[arg(long, value_parser = crate::sessions::parse_account)]
    account: Option<String>,
}

pub fn run(args: &MigrateArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(migrate(args)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            crate::print_error(&e);
            ExitCode::from(2)
        }
    }
}

async fn migrate(args: &MigrateArgs) -> anyhow::Result<String> {
    let aws = Aws::load().await;
    let store = aws.store(&args.table);
    let account = match &args.account {
        Some(account) => account.clone(),
        None => store
            .account()
            .await
            .with_context(|| format!("reading the account of table {}", args.table))?,
    };
    let done = store
        .migrate_to_account_layout(&account)
        .await
        .with_context(|| format!("migrating table {}", args.table))?;
    Ok(format!(
        "table {}: {} item(s) read, {} moved to account {account}'s keys\n",
        args.table, done.scanned, done.moved
    ))
}
