//! The plain text of an alert, for people reading e-mail (SNS `email`) and for any
//! other subscriber (`default`): what changed, who or what changed it, each finding with
//! its observed value and fix, and the console link.

use super::view::{Item, Section, View, duration, timestamp};
use crate::alert::{AlertFinding, Trigger};
use crate::markup::{capitalize, line, one_line, truncate_bytes};

impl View<'_> {
    /// The plain text, leaving out the least important items if it would exceed
    /// `budget` bytes.
    pub(super) fn plain_within(&self, budget: usize) -> String {
        let text = self.fit(
            |shown, omitted| self.plain(shown, omitted),
            |t| t.len() <= budget,
        );
        if text.len() <= budget {
            return text;
        }
        truncate_bytes(&text, budget)
    }

    fn plain(&self, shown: &[bool], omitted: usize) -> String {
        let c = self.change;
        let mut out = String::new();
        line(
            &mut out,
            format!(
                "AppStream {} {} in account {}{}, region {}",
                self.noun,
                self.name,
                one_line(&c.account),
                self.account_name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                one_line(&c.region)
            ),
        );
        line(&mut out, self.summary_sentence());
        out.push('\n');
        match &c.trigger {
            Trigger::ApiCall {
                event_id,
                event_name,
                principal,
                source_ip,
                ..
            } => {
                line(&mut out, format!("Changed by: {}", one_line(principal)));
                line(
                    &mut out,
                    format!(
                        "Source IP:  {}",
                        source_ip.as_deref().map_or("unknown".to_owned(), one_line)
                    ),
                );
                line(&mut out, format!("Time:       {}", timestamp(self.time)));
                line(&mut out, format!("CloudTrail: {}", one_line(event_name)));
                line(&mut out, format!("Event ID:   {}", one_line(event_id)));
            }
            Trigger::Schedule { .. } => {
                line(
                    &mut out,
                    format!("Found by the scheduled sweep at {}.", timestamp(self.time)),
                );
            }
        }
        if c.deleted {
            out.push('\n');
            line(
                &mut out,
                format!(
                    "The {} no longer exists; its findings are closed.",
                    self.resource_key()
                ),
            );
        }
        for section in Section::ALL {
            let count = self.count(section);
            if count == 0 {
                continue;
            }
            let listed: Vec<&Item<'_>> = self
                .items
                .iter()
                .enumerate()
                .filter(|(i, item)| item.section == section && shown[*i])
                .map(|(_, item)| item)
                .collect();
            out.push('\n');
            line(&mut out, format!("{} ({count})", section.heading()));
            line(
                &mut out,
                "-".repeat(section.heading().len() + 3 + digits(count)),
            );
            for item in listed {
                self.plain_item(&mut out, item);
            }
        }
        if omitted > 0 {
            out.push('\n');
            line(
                &mut out,
                format!("... and {omitted} more not listed here (see streamwarden)"),
            );
        }
        out.push('\n');
        if !c.deleted {
            line(&mut out, self.still_open_sentence());
            out.push('\n');
        }
        line(&mut out, "AppStream console:");
        line(&mut out, self.console_url());
        out
    }

    fn plain_item(&self, out: &mut String, item: &Item<'_>) {
        let f = item.finding;
        let severity = item.severity_label();
        out.push('\n');
        line(
            out,
            format!(
                "{severity} {}: {}",
                one_line(&f.rule_id),
                one_line(&f.title)
            ),
        );
        if !f.message.trim().is_empty() {
            line(out, format!("  {}", one_line(&f.message)));
        }
        if item.section == Section::Resolved {
            if let Some(open_for) = self.open_for(f) {
                line(out, format!("  {open_for}"));
            }
        } else if !f.remediation.trim().is_empty() {
            line(out, format!("  Fix: {}", one_line(&f.remediation)));
        }
    }

    /// `2 findings opened; highest severity HIGH.` and the like.
    fn summary_sentence(&self) -> String {
        match self.change.severity() {
            Some(severity) => format!(
                "{}; highest severity {severity}.",
                capitalize(&self.counts_phrase())
            ),
            None => format!("{}.", capitalize(&self.counts_phrase())),
        }
    }

    /// `Was open for 3 days 4 hours (since 2026-02-27 10:00:00 UTC).`, when known.
    fn open_for(&self, f: &AlertFinding) -> Option<String> {
        let since = f.since?;
        Some(format!(
            "Was open for {} (since {}).",
            duration(self.time.signed_duration_since(since)),
            timestamp(since)
        ))
    }
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}
