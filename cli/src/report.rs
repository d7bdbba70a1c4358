//! `streamwarden report`: the compliance digest, from the table, as text, JSON or one
//! self-contained HTML page.

use crate::time_arg::parse_time;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};
use std::process::ExitCode;
use streamwarden::aws::Aws;
use streamwarden::digest::{build, controls, render};
use streamwarden::policy::frameworks::Framework;
use streamwarden::store::Target;

#[derive(Args)]
pub struct ReportArgs {
    /// Start of the period: RFC 3339, a date (midnight UTC) or an age (24h, 7d);
    /// default 24 hours before --until.
    #[arg(long, value_parser = parse_time)]
    since: Option<DateTime<Utc>>,
    /// End of the period (same forms); default now.
    #[arg(long, value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Region to report (repeatable); default: the region of the AWS configuration.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// The Streamwarden table (the stack's TableName output).
    #[arg(long, env = "STREAMWARDEN_TABLE")]
    table: String,
    /// The account whose findings and sessions are reported (default: the table's own,
    /// read from its ARN). An organisation deployment's table holds every governed
    /// account: name one.
    #[arg(long, value_parser = crate::sessions::parse_account)]
    account: Option<String>,
    /// Open findings grouped by the controls of a framework (cis, nist-800-53,
    /// iso-27001), with the controls that have no finding and those no rule checks;
    /// text or json.
    #[arg(long, value_parser = parse_framework)]
    framework: Option<Framework>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
}

/// A framework by its `--framework` name; an unknown one lists the known ones (clap
/// exits 2).
fn parse_framework(name: &str) -> Result<Framework, String> {
    Framework::parse(name).ok_or_else(|| {
        format!(
            "unknown framework {name:?}; the known frameworks are {}",
            Framework::names()
        )
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Html,
}

pub fn run(args: &ReportArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(report(args)) {
        Ok(text) => {
            let written = match &args.output {
                Some(path) => std::fs::write(path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            };
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("streamwarden: {}", streamwarden::terminal::escape(&e));
                    ExitCode::from(2)
                }
            }
        }
        Err(e) => {
            crate::print_error(&e);
            ExitCode::from(2)
        }
    }
}

async fn report(args: &ReportArgs) -> anyhow::Result<String> {
    let now = Utc::now();
    let until = args.until.unwrap_or(now);
    let since = match args.since {
        Some(since) => since,
        None => until
            .checked_sub_signed(Duration::hours(24))
            .context("--until is too close to the start of the calendar")?,
    };
    if since > until {
        bail!("--since ({since}) is after --until ({until})");
    }
    let aws = Aws::load().await;
    let regions: Vec<String> = if args.regions.is_empty() {
        match aws.region() {
            Some(region) => vec![region],
            None => bail!("no AWS region: pass --region or set AWS_REGION (or a profile's region)"),
        }
    } else {
        args.regions.clone()
    };
    let store = aws.store(&args.table);
    let account = match &args.account {
        Some(account) => account.clone(),
        None => store.account().await?,
    };
    if args.framework.is_some() && matches!(args.format, Format::Html) {
        bail!("--framework prints text or json, not html");
    }
    let targets: Vec<Target> = regions.iter().map(|r| Target::new(&account, r)).collect();
    let digest = build(&store, &account, &targets, since, until, now)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read table {} in {e}", args.table))?;
    if let Some(framework) = args.framework {
        let report = controls::by_control(&digest, framework);
        return Ok(match args.format {
            Format::Json => {
                let mut out = serde_json::to_string_pretty(&report)?;
                out.push('\n');
                out
            }
            _ => controls::text(&report),
        });
    }
    Ok(match args.format {
        // Names and messages come from the account: made inert for a terminal.
        Format::Text => streamwarden::terminal::escape_lines(&render::text(&digest)).into_owned(),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&digest)?;
            out.push('\n');
            out
        }
        Format::Html => render::html(&digest),
    })
}
