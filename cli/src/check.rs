//! `streamwarden check`: reads files, evaluates them, renders the report.

use crate::output::OutputArgs;
use anyhow::Context;
use chrono::Utc;
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use streamwarden::error::Location;
use streamwarden::inputs::{Note, read_document};
use streamwarden::report::Report;
use streamwarden::{InputError, Policy};

#[derive(Args)]
pub struct CheckArgs {
    /// Policy file (TOML); default: the built-in policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    /// Files or directories to check; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];

pub fn run(args: &CheckArgs) -> ExitCode {
    match check(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("streamwarden: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::builtin(),
    };
    let now = args.output.now()?;
    let mut report = Report::new(&policy);
    for path in &args.paths {
        if path == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read standard input")?;
            add(&mut report, &policy, now, "<stdin>", &text, false);
            continue;
        }
        let p = Path::new(path);
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files).with_context(|| format!("cannot read directory {path}"))?;
            files.sort();
            for file in files {
                let name = file.display().to_string();
                match std::fs::read_to_string(&file) {
                    Ok(text) => add(&mut report, &policy, now, &name, &text, true),
                    Err(source) => report.add_error(&io_error(&name, source)),
                }
            }
        } else {
            match std::fs::read_to_string(p) {
                Ok(text) => add(&mut report, &policy, now, path, &text, false),
                Err(source) => report.add_error(&io_error(path, source)),
            }
        }
    }
    args.output.emit(report)
}

fn io_error(file: &str, source: std::io::Error) -> InputError {
    InputError::Io {
        location: Location {
            file: file.to_owned(),
            ..Location::default()
        },
        source,
    }
}

/// Reads one document into the report. Inside a walked directory, a file that is not an
/// AppStream document is noted and skipped; named on the command line, it is an error.
fn add(
    report: &mut Report,
    policy: &Policy,
    now: chrono::DateTime<Utc>,
    name: &str,
    text: &str,
    walked: bool,
) {
    match read_document(name, text) {
        Ok(doc) => report.add_document(policy, &doc, now),
        Err(InputError::Unrecognised { location, .. }) if walked => report.notes.push(Note {
            location,
            message: "skipped: not an AppStream document".to_owned(),
        }),
        Err(e) => report.add_error(&e),
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            files.push(path);
        }
    }
    Ok(())
}
