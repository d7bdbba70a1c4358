//! The plain-text digest, for people reading the e-mail (SNS `email` and `default`) or
//! a terminal (`streamwarden report --format text`): a summary, then per region the open
//! findings grouped by fleet and stack, the changes, fleet usage, idle fleets and what
//! could not be read, in fixed-width columns. An organisation digest puts a heading per
//! account (ID, name, NOT AUDITED) above its regions, largest account first.

use super::table::{Align, Row, Table};
use super::view::{
    AccountView, RegionView, View, age, hours_range, minute, or_none, packing, percent,
    resource_label,
};
use crate::finding::Severity;
use crate::markup::{capitalize, line, one_line, plural};

/// How wide the region banners in the text are.
const TEXT_WIDTH: usize = 78;

/// Said wherever rows were left out.
pub(super) const FOR_ALL: &str = "(run streamwarden report --format html for all)";

/// How much of the digest the plain text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    /// The most rows in each table or list of a region.
    pub(super) rows: usize,
    pub(super) level: Level,
    /// An organisation digest: how many accounts are shown, largest first (the rest
    /// are named at the top).
    pub(super) accounts: usize,
}

impl Limits {
    pub(super) const ALL: Limits = Limits {
        rows: usize::MAX,
        level: Level::All,
        accounts: usize::MAX,
    };

    /// `rows` per table at `level`, every account shown.
    pub(super) fn of(rows: usize, level: Level) -> Limits {
        Limits {
            rows,
            level,
            accounts: usize::MAX,
        }
    }
}

/// The sections a shortened e-mail keeps, from all of them to one line per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    All,
    /// The changes table is left out (its counts stay).
    NoChanges,
    /// The usage table is left out too (the idle fleets stay).
    NoUsage,
    /// One summary line per region.
    Brief,
}

impl View<'_> {
    pub(super) fn text(&self, limits: Limits) -> String {
        let d = self.d;
        let mut out = String::new();
        if self.org {
            line(
                &mut out,
                format!(
                    "AppStream compliance digest for the organisation (from account {})",
                    one_line(&d.account)
                ),
            );
        } else {
            line(
                &mut out,
                format!(
                    "AppStream compliance digest for account {}",
                    one_line(&d.account)
                ),
            );
        }
        line(&mut out, format!("Period:    {}", self.period()));
        line(
            &mut out,
            format!("Generated: {} UTC", minute(d.generated_at)),
        );
        if self.org {
            line(
                &mut out,
                format!(
                    "Accounts:  {}{}",
                    self.accounts.len(),
                    self.not_audited_note()
                ),
            );
        }
        line(
            &mut out,
            format!("Regions:   {}", or_none(&self.region_names().join(", "))),
        );
        out.push('\n');
        line(
            &mut out,
            format!(
                "{}: {}.",
                capitalize(&plural(self.open_count(), "open finding", "open findings")),
                Self::severity_phrase(|s| self.count_by_severity(s))
            ),
        );
        line(
            &mut out,
            format!(
                "In the period: {}.",
                Self::changes_phrase(|k| self.change_count(k))
            ),
        );
        line(
            &mut out,
            format!(
                "Usage: {}, {}, {} session-hours; {}.",
                plural(self.fleet_count(), "fleet", "fleets"),
                plural(self.sessions(), "session", "sessions"),
                self.total_hours(),
                plural(self.idle_count(), "idle fleet", "idle fleets"),
            ),
        );
        if limits != Limits::ALL {
            out.push('\n');
            line(&mut out, self.shortened_note(limits));
        }
        if self.org {
            for account in self.accounts.iter().take(limits.accounts) {
                self.text_account(&mut out, account, limits);
            }
        } else {
            for rv in &self.regions {
                self.text_region(&mut out, rv, limits);
            }
        }
        self.text_footer(&mut out, limits);
        out
    }

    /// An organisation digest's account heading, then its regions.
    fn text_account(&self, out: &mut String, account: &AccountView<'_>, limits: Limits) {
        out.push('\n');
        let flag = if account.not_audited {
            " NOT AUDITED"
        } else {
            ""
        };
        let banner = format!("## Account {}{flag} ", account.label());
        let fill = TEXT_WIDTH.saturating_sub(banner.chars().count()).max(2);
        line(out, format!("{banner}{}", "#".repeat(fill)));
        line(
            out,
            format!(
                "{}; {} in the period; {}.",
                capitalize(&plural(account.open, "open finding", "open findings")),
                plural(account.changes, "change", "changes"),
                plural(account.regions.len(), "region", "regions"),
            ),
        );
        if account.not_audited {
            line(
                out,
                "Not audited: this account is no longer governed. Its findings stay open as last",
            );
            line(out, "  seen until it is governed again.");
        }
        for &i in &account.regions {
            self.text_region(out, &self.regions[i], limits);
        }
    }

    fn text_region(&self, out: &mut String, rv: &RegionView<'_>, limits: Limits) {
        out.push('\n');
        let banner = format!("== {} ", one_line(&rv.r.region));
        let fill = TEXT_WIDTH.saturating_sub(banner.chars().count()).max(2);
        line(out, format!("{banner}{}", "=".repeat(fill)));
        if limits.level == Level::Brief {
            line(out, self.region_brief(rv));
            return;
        }
        self.text_open(out, rv, limits.rows);
        if limits.level < Level::NoChanges {
            self.text_changes(out, rv, limits.rows);
        } else {
            out.push('\n');
            line(
                out,
                format!(
                    "Changes in the period: {} (list left out to fit one SNS message).",
                    Self::changes_phrase(|k| rv.change_count(k))
                ),
            );
        }
        if limits.level < Level::NoUsage {
            self.text_usage(out, rv, limits.rows);
        } else {
            out.push('\n');
            line(
                out,
                format!(
                    "Fleet usage: {} (table left out to fit one SNS message).",
                    plural(rv.r.fleets.len(), "fleet", "fleets")
                ),
            );
        }
        self.text_idle(out, rv, limits.rows);
        self.text_errors(out, rv, limits.rows);
    }

    fn text_footer(&self, out: &mut String, limits: Limits) {
        out.push('\n');
        line(out, "-".repeat(TEXT_WIDTH));
        if self.fleet_count() > 0 && limits.level < Level::NoUsage {
            line(
                out,
                "Session-hours: at least–at most (a session's end is known only between two",
            );
            line(
                out,
                "  recorder runs). Peak: most sessions at once. Packing: average/peak sessions",
            );
            line(
                out,
                "  per instance of MaxSessionsPerInstance. Headroom: spare capacity at the end",
            );
            line(out, "  of the period, and its lowest.");
        }
        line(out, "Full digest, with a usage chart per fleet:");
        line(out, format!("  {} --format html", self.report_command()));
    }

    /// What a shortened e-mail left out, said once at the top.
    fn shortened_note(&self, limits: Limits) -> String {
        let mut left_out = Vec::new();
        if limits.level >= Level::NoChanges {
            left_out.push("the changes tables");
        }
        if limits.level >= Level::NoUsage {
            left_out.push("the usage tables");
        }
        if limits.level >= Level::Brief {
            left_out.push("every table");
        }
        let rows = if limits.level == Level::Brief {
            String::new()
        } else {
            format!(
                " Each table lists at most {} (the most important).",
                plural(limits.rows, "row", "rows")
            )
        };
        let sections = if left_out.is_empty() {
            String::new()
        } else {
            format!("\nLeft out: {}.", left_out.join(", "))
        };
        format!(
            "Shortened to fit one SNS message (256 KB).{rows}{sections}{}\nFor everything, run:\n  {}",
            self.accounts_left_out(limits.accounts),
            self.report_command()
        )
    }

    /// The most accounts left out that the note names one by one.
    const NAMED_LEFT_OUT: usize = 20;

    /// `\n12 accounts not shown (the smallest): 111 (Name), 222, ... and 2 more; see\n  streamwarden report --account ID ...`,
    /// when an organisation digest shows fewer than all its accounts.
    fn accounts_left_out(&self, shown: usize) -> String {
        if !self.org || shown >= self.accounts.len() {
            return String::new();
        }
        let rest = &self.accounts[shown..];
        let mut named: Vec<String> = rest
            .iter()
            .take(Self::NAMED_LEFT_OUT)
            .map(|a| {
                let flag = if a.not_audited { ", not audited" } else { "" };
                format!("{} ({} open{flag})", a.label(), a.open)
            })
            .collect();
        if rest.len() > Self::NAMED_LEFT_OUT {
            named.push(format!("and {} more", rest.len() - Self::NAMED_LEFT_OUT));
        }
        format!(
            "\n{} not shown (the smallest): {}.\nFor one of them, run:\n  {}",
            plural(rest.len(), "account", "accounts"),
            named.join(", "),
            self.account_command("ID")
        )
    }

    /// `5 open findings (1 CRITICAL, ...); 3 fleets, 42 sessions; 1 idle fleet; 1 error.`
    pub(super) fn region_brief(&self, rv: &RegionView<'_>) -> String {
        let mut s = format!(
            "{} ({}); {}; {}",
            plural(rv.open.len(), "open finding", "open findings"),
            Self::severity_phrase(|sev| rv.count_by_severity(sev)),
            Self::changes_phrase(|k| rv.change_count(k)),
            plural(rv.r.fleets.len(), "fleet", "fleets"),
        );
        if !rv.idle.is_empty() {
            s.push_str(&format!(
                ", {}",
                plural(rv.idle.len(), "idle fleet", "idle fleets")
            ));
        }
        if !rv.r.errors.is_empty() {
            s.push_str(&format!(
                "; {} not read",
                plural(rv.r.errors.len(), "part", "parts")
            ));
        }
        s.push('.');
        s
    }

    fn text_open(&self, out: &mut String, rv: &RegionView<'_>, rows: usize) {
        out.push('\n');
        let counts: Vec<String> = Severity::ALL
            .into_iter()
            .map(|s| format!("{s} {}", rv.count_by_severity(s)))
            .collect();
        line(
            out,
            format!("Open findings: {:<5} {}", rv.open.len(), counts.join("   ")),
        );
        if rv.open.is_empty() {
            return;
        }
        out.push('\n');
        let mut table = Table::new(&[
            ("SEVERITY", Align::Left),
            ("RULE", Align::Left),
            ("AGE", Align::Right),
            ("TITLE", Align::Left),
        ]);
        for (name, total, findings) in rv.open_groups(rows) {
            let heading = if findings.len() < total {
                format!("{name} ({total} open, {} listed)", findings.len())
            } else {
                name
            };
            table.rows.push(Row::Group(heading));
            for f in findings {
                table.rows.push(Row::Cells(vec![
                    f.severity.to_string(),
                    one_line(&f.rule_id),
                    age(f.age_hours),
                    one_line(&f.title),
                ]));
            }
        }
        table.render(out, 4);
        more(
            out,
            rv.open.len(),
            rows,
            "open finding",
            "open findings",
            "",
        );
    }

    fn text_changes(&self, out: &mut String, rv: &RegionView<'_>, rows: usize) {
        out.push('\n');
        let changes = &rv.r.changes;
        if changes.is_empty() {
            line(out, "Changes in the period: none.");
            return;
        }
        line(
            out,
            format!(
                "Changes in the period ({}): {}",
                changes.len(),
                Self::changes_phrase(|k| rv.change_count(k))
            ),
        );
        out.push('\n');
        let mut table = Table::new(&[
            ("TIME (UTC)", Align::Left),
            ("CHANGE", Align::Left),
            ("SEVERITY", Align::Left),
            ("RULE", Align::Left),
            ("RESOURCE", Align::Left),
        ]);
        for c in rv.shown_changes(rows) {
            table.rows.push(Row::Cells(vec![
                minute(c.time),
                one_line(&c.change),
                c.severity.to_string(),
                one_line(&c.rule_id),
                resource_label(c.resource_type, &c.resource),
            ]));
            if !c.message.trim().is_empty() {
                table.rows.push(Row::Note(one_line(&c.message)));
            }
        }
        table.render(out, 2);
        more(out, changes.len(), rows, "change", "changes", "");
    }

    fn text_usage(&self, out: &mut String, rv: &RegionView<'_>, rows: usize) {
        out.push('\n');
        let fleets = &rv.r.fleets;
        if fleets.is_empty() {
            line(out, "Fleet usage: no fleets recorded.");
            return;
        }
        line(
            out,
            format!("Fleet usage ({})", plural(fleets.len(), "fleet", "fleets")),
        );
        out.push('\n');
        let mut table = Table::new(&[
            ("FLEET", Align::Left),
            ("STATE", Align::Left),
            ("SESSIONS", Align::Right),
            ("USERS", Align::Right),
            ("SESSION-HOURS", Align::Right),
            ("PEAK", Align::Right),
            ("PACKING", Align::Right),
            ("HEADROOM", Align::Right),
            ("LOWEST", Align::Right),
        ]);
        for f in rv.shown_fleets(rows) {
            table.rows.push(Row::Cells(vec![
                one_line(&f.fleet),
                f.state.as_deref().map_or("-".to_owned(), one_line),
                f.sessions.to_string(),
                f.unique_users.to_string(),
                hours_range(f.session_hours_min, f.session_hours_max),
                f.peak_concurrent.to_string(),
                packing(f),
                f.headroom_now.map_or("-".to_owned(), percent),
                f.min_headroom.map_or("-".to_owned(), percent),
            ]));
        }
        table.render(out, 2);
        more(
            out,
            fleets.len(),
            rows,
            "fleet",
            "fleets",
            ", the least used",
        );
    }

    fn text_idle(&self, out: &mut String, rv: &RegionView<'_>, rows: usize) {
        if rv.idle.is_empty() {
            return;
        }
        out.push('\n');
        line(
            out,
            format!(
                "Idle fleets (running, no sessions: money to save): {}",
                rv.idle.len()
            ),
        );
        for f in rv.idle.iter().take(rows) {
            let mut details: Vec<String> = Vec::new();
            if let Some(t) = &f.fleet_type {
                details.push(one_line(t));
            }
            if let Some(m) = f.max_sessions_per_instance {
                details.push(format!("up to {m} sessions per instance"));
            }
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join(", "))
            };
            line(out, format!("  - {}{details}", one_line(&f.fleet)));
        }
        more(out, rv.idle.len(), rows, "idle fleet", "idle fleets", "");
    }

    fn text_errors(&self, out: &mut String, rv: &RegionView<'_>, rows: usize) {
        let errors = &rv.r.errors;
        if errors.is_empty() {
            return;
        }
        out.push('\n');
        line(
            out,
            format!(
                "Not read in {} (the rest of the region is reported):",
                one_line(&rv.r.region)
            ),
        );
        for e in errors.iter().take(rows) {
            line(out, format!("  ! {}", one_line(e)));
        }
        more(out, errors.len(), rows, "error", "errors", "");
    }
}

/// `  … and 812 more open findings (run streamwarden report --format html for all)`
/// when `rows` of `total` were listed.
fn more(out: &mut String, total: usize, rows: usize, one: &str, many: &str, which: &str) {
    if total > rows {
        let n = total - rows;
        line(
            out,
            format!(
                "  … and {n} more {}{which} {FOR_ALL}",
                if n == 1 { one } else { many }
            ),
        );
    }
}
