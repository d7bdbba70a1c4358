//! `streamwarden check`: reads files, evaluates them, renders the report.

use crate::files::{Walk, read_file, read_stdin};
use crate::output::OutputArgs;
use clap::Args;
use std::path::Path;
use std::process::ExitCode;
use streamwarden::inputs::{Collected, Note, read_document};
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

pub fn run(args: &CheckArgs) -> ExitCode {
    match check(args) {
        Ok(code) => code,
        Err(e) => {
            crate::print_error(&e);
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
    // Every file's resources first, then one evaluation: a fleet in one file is joined
    // with its image in another.
    let mut collected = Collected::default();
    for path in &args.paths {
        if path == "-" {
            match read_stdin() {
                Ok(text) => add(&mut report, &mut collected, "<stdin>", text, false),
                Err(e) => report.add_error(&e),
            }
            continue;
        }
        let p = Path::new(path);
        if p.is_dir() {
            let mut walk = Walk::default();
            walk.walk(p);
            for file in walk.files {
                let name = file.display().to_string();
                match read_file(&file) {
                    Ok(text) => add(&mut report, &mut collected, &name, text, true),
                    Err(e) => report.add_error(&e),
                }
            }
            for e in &walk.errors {
                report.add_problem(e.location().clone(), e.to_string());
            }
            report.notes.extend(walk.notes);
        } else {
            match read_file(p) {
                Ok(text) => add(&mut report, &mut collected, path, text, false),
                Err(e) => report.add_error(&e),
            }
        }
    }
    report.evaluate(&policy, collected, now);
    args.output.emit(report)
}

/// Reads one document, consuming its text: its resources into `collected`, its errors
/// and notes into the report. Inside a walked directory, a file that is not an AppStream
/// document is noted and skipped; named on the command line, it is an error.
fn add(report: &mut Report, collected: &mut Collected, name: &str, text: String, walked: bool) {
    let read = read_document(name, &text);
    // The text is no longer needed: free it before the next file is read and findings
    // are made (a large input is otherwise held twice over).
    drop(text);
    match read {
        Ok(doc) => report.collect(doc, collected),
        Err(InputError::Unrecognised { location, .. }) if walked => report.notes.push(Note {
            location,
            message: "skipped: not an AppStream document".to_owned(),
        }),
        Err(e) => report.add_error(&e),
    }
}
