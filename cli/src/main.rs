//! `streamwarden`: checks AppStream 2.0 fleets and stacks against a policy, offline
//! (`check`: describe output, API requests, CloudTrail events, templates).

mod audit;
mod check;
mod files;
mod migrate;
mod output;
mod report;
mod rules;
mod sessions;
mod time_arg;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use streamwarden::Severity;
use streamwarden::terminal::escape_lines;

#[derive(Parser)]
#[command(
    name = "streamwarden",
    version,
    about = "Compliance and audit for Amazon AppStream 2.0 (WorkSpaces Applications) fleets and stacks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files offline: describe-fleets/-stacks/-sessions output, CreateFleet or
    /// UpdateFleet requests (CLI JSON or CloudTrail), CloudTrail events, CloudFormation/SAM
    /// templates. A directory is walked (`.json`, `.yaml`, `.yml`, `.template`; links
    /// are followed, but each directory and file is read once; FIFOs, sockets and
    /// devices are skipped with a note); `-` reads standard input. One input may be at
    /// most 256 MiB.
    ///
    /// Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 for usage or
    /// input errors.
    Check(check::CheckArgs),
    /// Audit a live account: every fleet and stack in the given regions, with the default
    /// AWS credential chain. Same findings, formats and exit status as `check`; 2 when an
    /// AppStream call failed (the rest is still audited and reported).
    Audit(audit::AuditArgs),
    /// Who used which fleet, when: the streaming-session history the session-recorder
    /// keeps in DynamoDB, by user, fleet or instance, in a time range.
    Sessions(sessions::SessionsArgs),
    /// Move a table of the single-account layout (keys without the account, before
    /// organisation support) to the account layout, once, after upgrading. Safe to run
    /// again: items already moved are left alone.
    MigrateTable(migrate::MigrateArgs),
    /// The compliance digest from the table: open findings with their age, what opened
    /// and resolved, and fleet usage (sessions, users, session-hours, peak concurrency,
    /// multi-session packing, headroom, idle fleets), as text, JSON or an HTML page.
    Report(report::ReportArgs),
    /// List the rule catalog with IDs, severities and defaults.
    Rules(rules::RulesArgs),
    /// Print the built-in policy (policy.default.toml), a starting point for your own.
    DefaultPolicy,
}

/// `--fail-on`: a severity, or `never`.
#[derive(Clone, Copy, Debug)]
pub struct FailOn(pub Option<Severity>);

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("never") || s.eq_ignore_ascii_case("none") {
            return Ok(FailOn(None));
        }
        s.parse::<Severity>()
            .map(|s| FailOn(Some(s)))
            .map_err(|e| format!("{e}, or never"))
    }
}

/// Prints a command's error on standard error, once: a cause is added only when the
/// message does not already say it (an error that shows its source would otherwise
/// print `X: X`), and input-derived text is escaped for the terminal.
pub fn print_error(error: &anyhow::Error) {
    let message = streamwarden::error::error_chain(error.as_ref());
    eprintln!("streamwarden: {}", escape_lines(&message));
}

/// A single-threaded runtime for the commands that call AWS, or exit status 2.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("streamwarden: cannot start the async runtime: {e}");
            ExitCode::from(2)
        })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Sessions(args) => sessions::run(&args),
        Command::MigrateTable(args) => migrate::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::DefaultPolicy => {
            print!("{}", streamwarden::policy::DEFAULT_POLICY_TOML);
            ExitCode::SUCCESS
        }
    }
}
