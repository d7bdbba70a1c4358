//! `streamwarden rules`: the rule catalog, as a terminal list, the README's table, JSON,
//! the framework controls of each rule, or the full reference that is `docs/rules.md`.

use clap::{Args, ValueEnum};
use std::process::ExitCode;
use streamwarden::policy::frameworks::{references, summary};
use streamwarden::policy::{CATALOG, Rule, markdown_table};

#[derive(Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    /// One line per rule: ID, severity, title.
    Text,
    /// A Markdown table: ID, severity, what fails, default (the README's table).
    Markdown,
    /// Every field of every rule, as a JSON array.
    Json,
    /// The full reference in Markdown, with policy keys and remediation (docs/rules.md).
    Reference,
    /// Per rule, the CIS Controls, NIST SP 800-53 and ISO/IEC 27001 controls it maps to,
    /// each with its source (a published mapping or Streamwarden judgement).
    Frameworks,
}

pub fn run(args: &RulesArgs) -> ExitCode {
    match args.format {
        RulesFormat::Markdown => print!("{}", markdown_table()),
        RulesFormat::Reference => print!("{}", Rule::catalog_markdown()),
        RulesFormat::Json => {
            let rules: Vec<_> = CATALOG
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "resource_type": r.resource_type(),
                        "title": r.title,
                        "fails_when": r.fails_when,
                        "default": r.default,
                        "remediation": r.remediation,
                        "references": references(r.id),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).unwrap_or_default()
            );
        }
        RulesFormat::Frameworks => {
            for r in CATALOG {
                println!("{}", r.id);
                for line in summary(r.id) {
                    println!("  {line}");
                }
            }
        }
        RulesFormat::Text => {
            for r in CATALOG {
                println!("{:<34} {:<8} {}", r.id, r.severity.as_str(), r.title);
            }
        }
    }
    ExitCode::SUCCESS
}
