//! `streamwarden audit`: the same findings as `check`, from a live account through the
//! default AWS credential chain. `AWS_ENDPOINT_URL_APPSTREAM` points it elsewhere (the
//! simulator, a proxy). With `--accounts` or `--organization` and `--role-name`, every
//! governed account's regions, each through its member role, a few at a time; one
//! account that cannot be read is an error in the report and the others still are.

use crate::output::OutputArgs;
use anyhow::{Context, bail};
use clap::Args;
use futures_util::{StreamExt, stream};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;
use streamwarden::Policy;
use streamwarden::aws::Aws;
use streamwarden::error::Location;
use streamwarden::inputs::Note;
use streamwarden::org::{AccessError, Governed, Members, Target, is_role_name};
use streamwarden::region_audit::{Audit, AuditOptions, audit};
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
    /// Audit these member accounts (comma separated account IDs) through their
    /// --role-name role.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT,...", requires = "role_name", conflicts_with = "organization", value_parser = crate::sessions::parse_account)]
    accounts: Vec<String>,
    /// Audit every active account AWS Organizations lists (run it in the management or
    /// a delegated administrator account) through their --role-name role.
    #[arg(long, requires = "role_name")]
    organization: bool,
    /// The member role (`arn:aws:iam::<account>:role/<NAME>`), e.g. StreamwardenAudit.
    #[arg(long, value_name = "NAME")]
    role_name: Option<String>,
    /// (account, region) pairs audited at once with --accounts/--organization.
    #[arg(long, default_value_t = 4, value_name = "N")]
    account_concurrency: usize,
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
    let governed = if args.organization {
        Governed::Organization { units: Vec::new() }
    } else if !args.accounts.is_empty() {
        Governed::List(args.accounts.clone())
    } else {
        Governed::Home
    };
    if let Some(role) = &args.role_name
        && !is_role_name(role)
    {
        bail!("--role-name {role:?} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)");
    }
    if governed.is_members() {
        let members = aws.members("", governed, args.role_name.clone(), "cli");
        let accounts = members
            .accounts()
            .await
            .context("cannot list the accounts to audit")?;
        let targets: Vec<Target> = accounts
            .iter()
            .flat_map(|a| regions.iter().map(move |r| Target::new(&a.id, r)))
            .collect();
        let options = AuditOptions {
            concurrency: args.concurrency,
            sessions: args.sessions,
            account: None,
        };
        let results: Vec<(Target, Result<Audit, AccessError>)> = stream::iter(targets)
            .map(|target| {
                let (members, policy, options) = (&members, &policy, options.clone());
                async move {
                    let result = match members.inventory(&target).await {
                        Ok(inventory) => {
                            Ok(Box::pin(audit(&inventory, policy, now, options)).await)
                        }
                        Err(e) => Err(e),
                    };
                    (target, result)
                }
            })
            .buffer_unordered(args.account_concurrency.max(1))
            .collect()
            .await;
        let mut results = results;
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (target, result) in results {
            let source = format!("appstream:{target}");
            match result {
                Ok(mut result) => {
                    for f in &mut result.evaluation.findings {
                        f.source.file = source.clone();
                    }
                    report
                        .source_accounts
                        .insert(source.clone(), target.account.clone());
                    add_audit(&mut report, &source, result);
                }
                Err(e) => report.add_problem(
                    Location {
                        file: source,
                        ..Location::default()
                    },
                    format!("{target}: {e} ({})", e.error_type()),
                ),
            }
        }
        return args.output.emit(report).context("cannot write the report");
    }
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
        let source = format!("appstream:{region}");
        if let Some(account) = result.account_id() {
            report.source_accounts.insert(source.clone(), account);
        }
        add_audit(&mut report, &source, result);
    }
    args.output.emit(report).context("cannot write the report")
}

/// Adds one region's audit to the report; `source` names it in notes and errors.
fn add_audit(report: &mut Report, source: &str, result: Audit) {
    {
        let region = source.trim_start_matches("appstream:");
        report.files += 1;
        report.fleets += result.fleets.len();
        report.stacks += result.stacks.len();
        report.sessions += result.sessions.len();
        report.add_evaluation(result.evaluation);
        for message in result.notes {
            report.notes.push(Note {
                location: Location {
                    file: source.to_owned(),
                    ..Location::default()
                },
                message,
            });
        }
        for error in result.errors {
            let location = Location {
                file: source.to_owned(),
                pointer: error.resource.clone(),
                ..Location::default()
            };
            report.add_problem(location, format!("{region}: {error}"));
        }
    }
}
