//! Output options shared by `check` and `audit`, and the exit status they imply.

use crate::FailOn;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use streamwarden::report::asff::{PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION};
use streamwarden::report::{
    AsffTarget, Report, render_text, write_asff, write_json, write_ocsf, write_sarif,
};
use streamwarden::terminal::Escaped;

#[derive(Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding has this severity or higher (CRITICAL, HIGH, MEDIUM, LOW,
    /// INFO), or `never`.
    #[arg(long, value_name = "SEVERITY", default_value = "LOW")]
    pub fail_on: FailOn,
    /// Judge waiver expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Colour text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// AWS account of the OCSF and ASFF findings (their product ARN and resource ARNs).
    /// Offline there is none: the placeholder 000000000000 is used.
    #[arg(long, value_name = "ID", default_value = PLACEHOLDER_ACCOUNT)]
    pub account: String,
    /// Region of the OCSF and ASFF findings read from files (audit findings carry the
    /// audited region). Offline there is none: the placeholder us-east-1 is used.
    #[arg(long, value_name = "REGION", default_value = PLACEHOLDER_REGION)]
    pub finding_region: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// One JSON array of OCSF 1.5.0 Compliance Finding events (class_uid 2003).
    Ocsf,
    /// One JSON array of the ASFF findings the Security Hub export would import.
    Asff,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl OutputArgs {
    /// The moment waivers are judged at.
    pub fn now(&self) -> anyhow::Result<DateTime<Utc>> {
        Ok(match self.as_of {
            Some(date) => date
                .and_hms_opt(12, 0, 0)
                .context("--as-of is not a valid date")?
                .and_utc(),
            None => Utc::now(),
        })
    }

    /// The account, region and time OCSF and ASFF findings are stamped with.
    fn target(&self) -> anyhow::Result<AsffTarget> {
        Ok(AsffTarget {
            account: self.account.clone(),
            region: self.finding_region.clone(),
            now: self.now()?,
        })
    }

    /// Prints the report and returns the exit status: 2 when anything could not be read
    /// or called, else 1 when a finding reaches --fail-on, else 0.
    pub fn emit(&self, mut report: Report) -> anyhow::Result<ExitCode> {
        report.sort();
        let failed = report.fails(self.fail_on.0);
        // Written as produced: no whole rendering is held as one string, and SARIF
        // results are made one at a time.
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        match self.format {
            Format::Json => {
                write_json(&report, self.fail_on.0, &mut stdout)?;
                writeln!(stdout)?;
            }
            Format::Sarif => {
                write_sarif(&report, &mut stdout)?;
                writeln!(stdout)?;
            }
            Format::Ocsf => {
                write_ocsf(&report, &self.target()?, &mut stdout)?;
                writeln!(stdout)?;
            }
            Format::Asff => {
                write_asff(&report, &self.target()?, &mut stdout)?;
                writeln!(stdout)?;
            }
            Format::Text => {
                let color = match self.color {
                    Color::Always => true,
                    Color::Never => false,
                    Color::Auto => {
                        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                    }
                };
                write!(stdout, "{}", render_text(&report, color))?;
            }
        }
        stdout.flush()?;
        if !report.errors.is_empty() {
            if !matches!(self.format, Format::Text) {
                for e in &report.errors {
                    eprintln!("streamwarden: error: {}", Escaped(&e.message));
                }
            }
            return Ok(ExitCode::from(2));
        }
        Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    }
}
