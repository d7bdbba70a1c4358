//! Terminal text: findings grouped by resource, colour only when asked (on a TTY).
//! Every string from input (names, files, keys, messages quoting values) is escaped
//! (see [`crate::terminal`]) before our own colour codes are added.

use super::Report;
use crate::finding::{ResourceType, Severity};
use crate::terminal::{Escaped, escape};

/// Appends one formatted line (writing to a `String` cannot fail).
macro_rules! push_line {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &format!("{:<8}", severity.as_str()))
    }
}

/// Renders the report for a person at a terminal.
pub fn render_text(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let mut current: Option<(&str, ResourceType, &str, Option<&str>)> = None;
    for f in &report.findings {
        let key = (
            f.source.file.as_str(),
            f.resource_type,
            f.resource.as_str(),
            f.source.pointer.as_deref(),
        );
        if current != Some(key) {
            if current.is_some() {
                out.push('\n');
            }
            current = Some(key);
            push_line!(
                out,
                "{} {}  ({})",
                f.resource_type.as_str(),
                style.paint("1", &escape(&f.resource)),
                Escaped(&f.source.to_string())
            );
        }
        push_line!(
            out,
            "  {} {}  {}",
            style.severity(f.severity),
            f.rule_id,
            Escaped(&f.message)
        );
        if let Some(note) = &f.note {
            push_line!(out, "           note: {}", Escaped(note));
        }
        push_line!(
            out,
            "           {} {}",
            style.paint("2", "fix:"),
            f.remediation
        );
    }
    if !report.unresolved.is_empty() {
        push_line!(out, "\nNot evaluated (values unknown until deploy time):");
        for u in &report.unresolved {
            push_line!(
                out,
                "  ? {} {}  {}  {}",
                u.resource_type.as_str(),
                Escaped(&u.resource),
                u.rule_id,
                Escaped(&u.reason)
            );
        }
    }
    if !report.exempted.is_empty() {
        push_line!(out, "\nWaived:");
        for e in &report.exempted {
            let until = e
                .exemption
                .expires
                .map(|d| format!(" until {d}"))
                .unwrap_or_default();
            push_line!(
                out,
                "  ~ {} {}  {}  by {}{}: {}",
                e.finding.resource_type.as_str(),
                Escaped(&e.finding.resource),
                e.finding.rule_id,
                e.exemption.by,
                until,
                Escaped(&e.exemption.reason)
            );
        }
    }
    if !report.notes.is_empty() {
        push_line!(out, "\nNotes:");
        for n in &report.notes {
            push_line!(
                out,
                "  - {}: {}",
                Escaped(&n.location.to_string()),
                Escaped(&n.message)
            );
        }
    }
    if !report.errors.is_empty() {
        push_line!(out, "\nErrors:");
        for e in &report.errors {
            push_line!(
                out,
                "  {} {}",
                style.paint("1;31", "error:"),
                Escaped(&e.message)
            );
        }
    }
    let counts: Vec<String> = report
        .by_severity()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if !out.is_empty() {
        out.push('\n');
    }
    // Image builders, images and accounts are named only when the inputs held some.
    let mut resources = Vec::new();
    for (resource_type, count, plural) in [
        (ResourceType::Fleet, report.fleets, "fleets"),
        (ResourceType::Stack, report.stacks, "stacks"),
        (
            ResourceType::ImageBuilder,
            report.builders,
            "image builders",
        ),
        (ResourceType::Image, report.images, "images"),
        (ResourceType::Account, report.accounts, "accounts"),
    ] {
        if count > 0 || matches!(resource_type, ResourceType::Fleet | ResourceType::Stack) {
            let noun = if count == 1 {
                plural.trim_end_matches('s')
            } else {
                plural
            };
            resources.push(format!(
                "{} of {count} {noun}",
                report.resources_with_findings_of(Some(resource_type))
            ));
        }
    }
    let last = resources.pop().unwrap_or_default();
    push_line!(
        out,
        "{} finding{}{} on {} and {last}; {} waived, {} not evaluated, {} error{}",
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        resources.join(", "),
        report.exempted.len(),
        report.unresolved.len(),
        report.errors.len(),
        if report.errors.len() == 1 { "" } else { "s" },
    );
    out
}
