//! `streamwarden audit`: the same findings as `check`, from a live account through the
//! default AWS credential chain. `AWS_ENDPOINT_URL_APPSTREAM` points it elsewhere (the
//! simulator, a proxy).

use crate::output::OutputArgs;
use anyhow::{Context, bail};
use clap::Args;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;
use streamwarden::Policy;
use streamwarden::aws::Aws;
use streamwarden::error::Location;
use streamwarden::inputs::Note;
use streamwarden::region_audit::{AuditOptions, audit};
use streamwarden::report::Report;

#[derive(Args)]
pub struct AuditArgs {
    /// Region to audit (repeatable); default: the region of the AWS configuration.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Policy file (TOML); default: the built-in policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<String>,
    /// AppStream calls in flight at once per region (tags, image permissions).
    #[arg(long, default_value_t = 8, value_name = "N")]
    concurrency: usize,
    /// Also read every fleet's live sessions (each associated stack x authentication
    /// type) and count them in the summary.
    #[arg(long)]
    sessions: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: &AuditArgs) -> ExitCode {
    let runtime = match crate::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(audit_regions(args)) {
        Ok(code) => code,
        Err(e) => {
            crate::print_error(&e);
            ExitCode::from(2)
        }
    }
}

async fn audit_regions(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::builtin(),
    };
    let now = args.output.now()?;
    let aws = Aws::load().await;
    let regions: Vec<String> = if args.regions.is_empty() {
        match aws.region() {
            Some(region) => vec![region],
            None => bail!("no AWS region: pass --region or set AWS_REGION (or a profile's region)"),
        }
    } else {
        args.regions.clone()
    };
    let progress = std::io::stderr().is_terminal();
    let mut report = Report::new(&policy);
    for region in regions {
        let started = Instant::now();
        if progress {
            eprint!("auditing AppStream in {region}...");
        }
        let inventory = aws.inventory(&region);
        let options = AuditOptions {
            concurrency: args.concurrency,
            sessions: args.sessions,
            account: None,
        };
        let result = audit(&inventory, &policy, now, options).await;
        if progress {
            eprintln!(
                "\rauditing AppStream in {region}: {} fleets, {} stacks, {} image builders, {} images, {} sessions in {:.1} s",
                result.fleets.len(),
                result.stacks.len(),
                result.builders.len(),
                result.images.iter().filter(|i| i.is_owned()).count(),
                result.sessions.len(),
                started.elapsed().as_secs_f64()
            );
        }
        report.files += 1;
        report.fleets += result.fleets.len();
        report.stacks += result.stacks.len();
        report.sessions += result.sessions.len();
        report.add_evaluation(result.evaluation);
        for message in result.notes {
            report.notes.push(Note {
                location: Location {
                    file: format!("appstream:{region}"),
                    ..Location::default()
                },
                message,
            });
        }
        for error in result.errors {
            let location = Location {
                file: format!("appstream:{region}"),
                pointer: error.resource.clone(),
                ..Location::default()
            };
            report.add_problem(location, format!("{region}: {error}"));
        }
    }
    args.output.emit(report).context("cannot write the report")
}
