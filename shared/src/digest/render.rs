//! Renders a [`Digest`] for its readers: plain text in fixed-width columns (the e-mail
//! body and `streamwarden report`), an AWS Chatbot custom notification (Slack), one SNS
//! message carrying both with attributes for filtering, and one self-contained HTML page
//! with a usage chart per fleet.
//!
//! Everything here is deterministic: the only clock is the digest's own times, and every
//! list is in a fixed order. The digest holds no user IDs and nothing here adds any.

use super::{Digest, FindingChange, FleetUsage, OpenFinding, RegionDigest, UsagePoint};
use crate::alert::{Alert, CHATBOT_DESCRIPTION_LIMIT, SUBJECT_LIMIT};
use crate::finding::{ResourceType, Severity};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The largest SNS publish: "The total size limit for a single SNS publish action is
/// 262,144 bytes (256 KiB)", counting the message, the subject and every message
/// attribute's name, type and value (SNS API reference, `Publish`; SNS developer guide,
/// "Amazon SNS message attributes"). [`message`] keeps [`published_size`] within it.
pub const SNS_PUBLISH_LIMIT: usize = 262_144;

/// A shortened e-mail keeps dropping sections (see [`Level`]) until each table can list
/// at least this many rows.
const MIN_ROWS: usize = 10;

/// The longest first column (fleet names) in a text table; a longer name gets a line of
/// its own, so the other columns stay aligned.
const FIRST_COLUMN_LIMIT: usize = 32;

/// How wide the region banners in the text are.
const TEXT_WIDTH: usize = 78;

/// The most items of each kind the Chatbot description lists.
const CHATBOT_TOP: usize = 5;

/// The longest title or message of one item in the Chatbot description, in characters.
const CHATBOT_FIELD_LIMIT: usize = 160;

/// The most regions the suggested `streamwarden report` command names one by one.
const REGIONS_IN_COMMAND: usize = 8;

/// Said wherever rows were left out.
const FOR_ALL: &str = "(run streamwarden report --format html for all)";

/// The plain-text digest: the e-mail body and `streamwarden report --format text`.
pub fn text(d: &Digest) -> String {
    View::new(d).text(Limits::ALL)
}

/// The AWS Chatbot custom notification for Slack, within [`CHATBOT_DESCRIPTION_LIMIT`].
pub fn chatbot(d: &Digest) -> Value {
    let view = View::new(d);
    view.chatbot(&view.subject())
}

/// The whole digest as one SNS message (`MessageStructure=json`): the plain text for
/// `default` and `email`, the Chatbot notification (as a JSON string) for `https`, and
/// attributes for subscription filter policies (`kind`, `account`, `regions`,
/// `severity`, `open_findings`, `idle_fleets`). A digest too large for
/// [`SNS_PUBLISH_LIMIT`] lists fewer rows per table, then fewer sections, and says what
/// it left out.
pub fn message(d: &Digest) -> Alert {
    let view = View::new(d);
    let subject = view.subject();
    let https = view.chatbot(&subject).to_string();
    let attributes = view.attributes();
    let fixed = subject.len() + attributes_size(&attributes);
    let body = |text: &str| json!({ "default": text, "email": text, "https": https }).to_string();
    let fits = |text: &str| body(text).len() + fixed <= SNS_PUBLISH_LIMIT;
    let text = view.fitted_text(&fits);
    Alert {
        subject,
        message: body(&text),
        attributes,
    }
}

/// The bytes an SNS publish of `alert` counts against [`SNS_PUBLISH_LIMIT`]: the message,
/// the subject, and each attribute's name, data type (`String`) and value.
pub fn published_size(alert: &Alert) -> usize {
    alert.message.len() + alert.subject.len() + attributes_size(&alert.attributes)
}

fn attributes_size(attributes: &BTreeMap<String, String>) -> usize {
    attributes
        .iter()
        .map(|(name, value)| name.len() + "String".len() + value.len())
        .sum()
}

/// The digest as one self-contained HTML page: inline CSS, inline SVG charts, no script
/// and no external resource (a Content-Security-Policy forbids both), every string
/// escaped. Hooks for tests and readers: `section.region#region-<slug>`,
/// `section.fleet#fleet-<region>-<fleet>` (with class `idle` and `data-idle="true"` for
/// idle fleets) holding `svg.usage-chart` with a `polyline.sessions`.
pub fn html(d: &Digest) -> String {
    View::new(d).html()
}

// ----- the shared view -----

/// How much of the digest the plain text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    /// The most rows in each table or list of a region.
    rows: usize,
    level: Level,
}

impl Limits {
    const ALL: Limits = Limits {
        rows: usize::MAX,
        level: Level::All,
    };
}

/// The sections a shortened e-mail keeps, from all of them to one line per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    All,
    /// The changes table is left out (its counts stay).
    NoChanges,
    /// The usage table is left out too (the idle fleets stay).
    NoUsage,
    /// One summary line per region.
    Brief,
}

/// One region, with the orders rows are kept in when some must be left out.
struct RegionView<'a> {
    r: &'a RegionDigest,
    /// Open findings, most severe first, then oldest first.
    open: Vec<&'a OpenFinding>,
    /// How many findings are open on each fleet or stack.
    open_per_resource: HashMap<(ResourceType, &'a str), usize>,
    /// Indices into `r.changes`, most important first: opened and raised before
    /// resolved, then most severe, then latest.
    changes: Vec<usize>,
    /// Indices into `r.fleets`, busiest first (session-hours, then sessions).
    busiest: Vec<usize>,
    idle: Vec<&'a FleetUsage>,
}

impl<'a> RegionView<'a> {
    fn new(r: &'a RegionDigest) -> Self {
        let mut open: Vec<&OpenFinding> = r.open.iter().collect();
        open.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.opened_at.cmp(&b.opened_at))
                .then(a.resource.cmp(&b.resource))
                .then(a.rule_id.cmp(&b.rule_id))
        });
        let mut changes: Vec<usize> = (0..r.changes.len()).collect();
        changes.sort_by_key(|&i| {
            let c = &r.changes[i];
            (
                c.change == "resolved",
                Reverse(c.severity),
                Reverse(c.time),
                i,
            )
        });
        let mut busiest: Vec<usize> = (0..r.fleets.len()).collect();
        busiest.sort_by(|&a, &b| {
            let (fa, fb) = (&r.fleets[a], &r.fleets[b]);
            fb.session_hours_max
                .total_cmp(&fa.session_hours_max)
                .then(fb.sessions.cmp(&fa.sessions))
                .then(fa.fleet.cmp(&fb.fleet))
        });
        let mut open_per_resource = HashMap::new();
        for f in &open {
            *open_per_resource
                .entry((f.resource_type, f.resource.as_str()))
                .or_default() += 1;
        }
        RegionView {
            r,
            open,
            open_per_resource,
            changes,
            busiest,
            idle: r.fleets.iter().filter(|f| f.idle).collect(),
        }
    }

    fn count_by_severity(&self, severity: Severity) -> usize {
        self.open.iter().filter(|f| f.severity == severity).count()
    }

    fn change_count(&self, kind: &str) -> usize {
        self.r.changes.iter().filter(|c| c.change == kind).count()
    }

    /// The open findings to list, grouped by resource in the order of each group's most
    /// important finding.
    fn open_groups(&self, rows: usize) -> Vec<(String, usize, Vec<&'a OpenFinding>)> {
        let mut groups: Vec<(String, usize, Vec<&OpenFinding>)> = Vec::new();
        let mut index: HashMap<(ResourceType, &str), usize> = HashMap::new();
        for f in self.open.iter().take(rows) {
            let key = (f.resource_type, f.resource.as_str());
            match index.get(&key) {
                Some(&i) => groups[i].2.push(f),
                None => {
                    index.insert(key, groups.len());
                    let total = self.open_per_resource.get(&key).copied().unwrap_or(0);
                    groups.push((resource_label(f.resource_type, &f.resource), total, vec![f]));
                }
            }
        }
        groups
    }

    /// The changes to list, oldest first.
    fn shown_changes(&self, rows: usize) -> Vec<&'a FindingChange> {
        let mut shown: Vec<usize> = self.changes.iter().take(rows).copied().collect();
        shown.sort_unstable();
        shown.iter().map(|&i| &self.r.changes[i]).collect()
    }

    /// The fleets to list in the usage table, by name.
    fn shown_fleets(&self, rows: usize) -> Vec<&'a FleetUsage> {
        let mut shown: Vec<usize> = self.busiest.iter().take(rows).copied().collect();
        shown.sort_unstable();
        shown.iter().map(|&i| &self.r.fleets[i]).collect()
    }
}

struct View<'a> {
    d: &'a Digest,
    regions: Vec<RegionView<'a>>,
}

impl<'a> View<'a> {
    fn new(d: &'a Digest) -> Self {
        View {
            d,
            regions: d.regions.iter().map(RegionView::new).collect(),
        }
    }

    fn open_count(&self) -> usize {
        self.d.open_count()
    }

    fn idle_count(&self) -> usize {
        self.regions.iter().map(|r| r.idle.len()).sum()
    }

    fn fleet_count(&self) -> usize {
        self.d.regions.iter().map(|r| r.fleets.len()).sum()
    }

    fn sessions(&self) -> usize {
        self.fleets().map(|(_, f)| f.sessions).sum()
    }

    fn fleets(&self) -> impl Iterator<Item = (&'a str, &'a FleetUsage)> {
        self.d
            .regions
            .iter()
            .flat_map(|r| r.fleets.iter().map(move |f| (r.region.as_str(), f)))
    }

    fn change_count(&self, kind: &str) -> usize {
        self.regions.iter().map(|r| r.change_count(kind)).sum()
    }

    fn count_by_severity(&self, severity: Severity) -> usize {
        self.regions
            .iter()
            .map(|r| r.count_by_severity(severity))
            .sum()
    }

    /// `1 CRITICAL, 2 HIGH`, the severities present, most severe first; `none`.
    fn severity_phrase(counts: impl Fn(Severity) -> usize) -> String {
        let parts: Vec<String> = Severity::ALL
            .into_iter()
            .filter_map(|s| {
                let n = counts(s);
                (n > 0).then(|| format!("{n} {s}"))
            })
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// `3 opened, 1 raised, 2 resolved`, or `no changes`.
    fn changes_phrase(count: impl Fn(&str) -> usize) -> String {
        let parts: Vec<String> = ["opened", "raised", "resolved"]
            .into_iter()
            .filter_map(|kind| {
                let n = count(kind);
                (n > 0).then(|| format!("{n} {kind}"))
            })
            .collect();
        if parts.is_empty() {
            "no changes".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// The session-hours of every fleet together, as a range.
    fn total_hours(&self) -> String {
        let (least, most) = self.fleets().fold((0.0, 0.0), |(l, m), (_, f)| {
            (l + f.session_hours_min, m + f.session_hours_max)
        });
        hours_range(least, most)
    }

    fn region_names(&self) -> Vec<String> {
        self.d.regions.iter().map(|r| one_line(&r.region)).collect()
    }

    /// The command that prints this digest in full.
    fn report_command(&self) -> String {
        let mut cmd = format!(
            "streamwarden report --since {} --until {}",
            rfc3339(self.d.since),
            rfc3339(self.d.until)
        );
        let regions = self.region_names();
        if regions.len() <= REGIONS_IN_COMMAND {
            for region in regions {
                cmd.push_str(&format!(" --region {region}"));
            }
        } else {
            cmd.push_str(&format!(
                " --region REGION (once for each of the {} regions)",
                regions.len()
            ));
        }
        cmd
    }

    fn period(&self) -> String {
        format!(
            "{} to {} UTC ({})",
            minute(self.d.since),
            minute(self.d.until),
            span(self.d.until - self.d.since)
        )
    }

    // ----- SNS subject and attributes -----

    /// `[HIGH] AppStream digest 123456789012: 7 open findings, 2 idle fleets`.
    fn subject(&self) -> String {
        let tag = self.d.worst().map_or("OK", Severity::as_str);
        let subject = format!(
            "[{tag}] AppStream digest {}: {}, {}",
            ascii_line(&self.d.account),
            plural(self.open_count(), "open finding", "open findings"),
            plural(self.idle_count(), "idle fleet", "idle fleets"),
        );
        shorten(&subject, SUBJECT_LIMIT)
    }

    fn attributes(&self) -> BTreeMap<String, String> {
        let mut attributes = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            attributes.insert(k.to_owned(), v);
        };
        put("kind", "digest".to_owned());
        put("account", one_line(&self.d.account));
        put("regions", self.region_names().join(","));
        put(
            "severity",
            self.d.worst().map_or("NONE", Severity::as_str).to_owned(),
        );
        put("open_findings", self.open_count().to_string());
        put("idle_fleets", self.idle_count().to_string());
        attributes
    }

    // ----- plain text -----

    /// The longest text for which `fits` holds: all of it, else fewer rows per table,
    /// else fewer sections, else the one-line-per-region summary cut at a line.
    fn fitted_text(&self, fits: &dyn Fn(&str) -> bool) -> String {
        let full = self.text(Limits::ALL);
        if fits(&full) {
            return full;
        }
        let most_rows = self
            .regions
            .iter()
            .map(|r| {
                r.open
                    .len()
                    .max(r.r.changes.len())
                    .max(r.r.fleets.len())
                    .max(r.r.errors.len())
            })
            .max()
            .unwrap_or(0);
        // The most rows that fit at a level, if any do.
        let best = |level: Level| -> Option<(usize, String)> {
            let with = |rows: usize| self.text(Limits { rows, level });
            let all = with(most_rows);
            if fits(&all) {
                return Some((most_rows, all));
            }
            let none = with(0);
            if !fits(&none) {
                return None;
            }
            // `lo` fits, `hi` does not.
            let (mut lo, mut hi, mut text) = (0, most_rows, none);
            while lo + 1 < hi {
                let mid = lo + (hi - lo) / 2;
                let t = with(mid);
                if fits(&t) {
                    (lo, text) = (mid, t);
                } else {
                    hi = mid;
                }
            }
            Some((lo, text))
        };
        let mut fallback = None;
        for level in [Level::All, Level::NoChanges, Level::NoUsage] {
            if let Some((rows, text)) = best(level) {
                if rows >= MIN_ROWS.min(most_rows) {
                    return text;
                }
                if rows > 0 {
                    fallback = Some(text);
                }
            }
        }
        if let Some(text) = fallback {
            return text;
        }
        let brief = self.text(Limits {
            rows: 0,
            level: Level::Brief,
        });
        if fits(&brief) {
            return brief;
        }
        // Even one line per region is too long (thousands of regions): cut at a line.
        let note = format!(
            "… the rest of this digest was cut to fit one SNS message {FOR_ALL}\n\
             {}\n",
            self.report_command()
        );
        let cuts: Vec<usize> = std::iter::once(0)
            .chain(brief.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let with = |lines: usize| format!("{}{note}", &brief[..cuts[lines]]);
        // `lo` lines fit (or none do), `hi` do not.
        let (mut lo, mut hi) = (0, cuts.len() - 1);
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if fits(&with(mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        with(lo)
    }

    fn text(&self, limits: Limits) -> String {
        let d = self.d;
        let mut out = String::new();
        line(
            &mut out,
            format!(
                "AppStream compliance digest for account {}",
                one_line(&d.account)
            ),
        );
        line(&mut out, format!("Period:    {}", self.period()));
        line(
            &mut out,
            format!("Generated: {} UTC", minute(d.generated_at)),
        );
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
        for rv in &self.regions {
            out.push('\n');
            let banner = format!("== {} ", one_line(&rv.r.region));
            let fill = TEXT_WIDTH.saturating_sub(banner.chars().count()).max(2);
            line(&mut out, format!("{banner}{}", "=".repeat(fill)));
            if limits.level == Level::Brief {
                line(&mut out, self.region_brief(rv));
                continue;
            }
            self.text_open(&mut out, rv, limits.rows);
            if limits.level < Level::NoChanges {
                self.text_changes(&mut out, rv, limits.rows);
            } else {
                out.push('\n');
                line(
                    &mut out,
                    format!(
                        "Changes in the period: {} (list left out to fit one SNS message).",
                        Self::changes_phrase(|k| rv.change_count(k))
                    ),
                );
            }
            if limits.level < Level::NoUsage {
                self.text_usage(&mut out, rv, limits.rows);
            } else {
                out.push('\n');
                line(
                    &mut out,
                    format!(
                        "Fleet usage: {} (table left out to fit one SNS message).",
                        plural(rv.r.fleets.len(), "fleet", "fleets")
                    ),
                );
            }
            self.text_idle(&mut out, rv, limits.rows);
            self.text_errors(&mut out, rv, limits.rows);
        }
        out.push('\n');
        line(&mut out, "-".repeat(TEXT_WIDTH));
        if self.fleet_count() > 0 && limits.level < Level::NoUsage {
            line(
                &mut out,
                "Session-hours: at least–at most (a session's end is known only between two"
                    .to_owned(),
            );
            line(
                &mut out,
                "  recorder runs). Peak: most sessions at once. Packing: average/peak sessions"
                    .to_owned(),
            );
            line(
                &mut out,
                "  per instance of MaxSessionsPerInstance. Headroom: spare capacity at the end"
                    .to_owned(),
            );
            line(&mut out, "  of the period, and its lowest.".to_owned());
        }
        line(
            &mut out,
            "Full digest, with a usage chart per fleet:".to_owned(),
        );
        line(
            &mut out,
            format!("  {} --format html", self.report_command()),
        );
        out
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
            "Shortened to fit one SNS message (256 KB).{rows}{sections}\nFor everything, run:\n  {}",
            self.report_command()
        )
    }

    /// `5 open findings (1 CRITICAL, ...); 3 fleets, 42 sessions; 1 idle fleet; 1 error.`
    fn region_brief(&self, rv: &RegionView<'_>) -> String {
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
            line(out, "Changes in the period: none.".to_owned());
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
            line(out, "Fleet usage: no fleets recorded.".to_owned());
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

    // ----- AWS Chatbot custom notification -----

    fn chatbot(&self, subject: &str) -> Value {
        let d = self.d;
        let tag = d.worst().map_or("NONE", Severity::as_str);
        let account = one_line(&d.account);
        let mut context = Map::new();
        let mut put = |k: &str, v: String| {
            context.insert(k.to_owned(), Value::String(v));
        };
        put("account", account.clone());
        put("regions", self.region_names().join(","));
        put("severity", tag.to_owned());
        put("openFindings", self.open_count().to_string());
        put("idleFleets", self.idle_count().to_string());
        put("since", rfc3339(d.since));
        put("until", rfc3339(d.until));
        let mut keywords = vec![
            Value::String(tag.to_owned()),
            Value::String("digest".to_owned()),
        ];
        keywords.extend(
            self.region_names()
                .into_iter()
                .take(CHATBOT_TOP)
                .map(Value::String),
        );
        json!({
            "version": "1.0",
            "source": "custom",
            "content": {
                "textType": "client-markdown",
                "title": format!("{} {}", emoji(d.worst()), slack(subject)),
                "description": self.description(),
                "nextSteps": [
                    format!("Read the whole digest: `{} --format html`", code(&self.report_command())),
                    "Fix the findings listed, or record a waiver in the streamwarden policy".to_owned(),
                    "Stop or scale in idle fleets to save money".to_owned(),
                ],
                "keywords": keywords,
            },
            "metadata": {
                "threadId": format!("streamwarden/{account}/digest"),
                "summary": subject,
                "eventType": "StreamwardenDigest",
                "relatedResources": self.related_resources(),
                "additionalContext": context,
            },
        })
    }

    /// The ARNs of the resources the description lists first (most severe findings, then
    /// idle fleets).
    fn related_resources(&self) -> Vec<String> {
        let mut arns: Vec<String> = Vec::new();
        let findings = self
            .top_findings()
            .into_iter()
            .map(|(region, f)| arn(&self.d.account, region, f.resource_type, &f.resource));
        let idle = self
            .idle_fleets()
            .into_iter()
            .map(|(region, f)| arn(&self.d.account, region, ResourceType::Fleet, &f.fleet));
        for a in findings.chain(idle) {
            if !arns.contains(&a) && arns.len() < CHATBOT_TOP {
                arns.push(a);
            }
        }
        arns
    }

    /// Open findings across regions, most severe first, then oldest first.
    fn top_findings(&self) -> Vec<(&'a str, &'a OpenFinding)> {
        let mut all: Vec<(&str, &OpenFinding)> = self
            .regions
            .iter()
            .flat_map(|rv| rv.open.iter().map(move |f| (rv.r.region.as_str(), *f)))
            .collect();
        all.sort_by(|(_, a), (_, b)| {
            b.severity
                .cmp(&a.severity)
                .then(a.opened_at.cmp(&b.opened_at))
        });
        all
    }

    fn idle_fleets(&self) -> Vec<(&'a str, &'a FleetUsage)> {
        self.regions
            .iter()
            .flat_map(|rv| rv.idle.iter().map(move |f| (rv.r.region.as_str(), *f)))
            .collect()
    }

    /// Fleets with sessions, busiest first.
    fn busiest_fleets(&self) -> Vec<(&'a str, &'a FleetUsage)> {
        let mut all: Vec<(&str, &FleetUsage)> =
            self.fleets().filter(|(_, f)| f.sessions > 0).collect();
        all.sort_by(|(_, a), (_, b)| {
            b.session_hours_max
                .total_cmp(&a.session_hours_max)
                .then(b.sessions.cmp(&a.sessions))
        });
        all
    }

    /// The Slack markdown description, within [`CHATBOT_DESCRIPTION_LIMIT`] characters:
    /// fewer items per list until it fits.
    fn description(&self) -> String {
        let mut text = String::new();
        for n in (0..=CHATBOT_TOP).rev() {
            text = self.description_with(n);
            if text.chars().count() <= CHATBOT_DESCRIPTION_LIMIT {
                return text;
            }
        }
        shorten(&text, CHATBOT_DESCRIPTION_LIMIT)
    }

    fn description_with(&self, n: usize) -> String {
        let d = self.d;
        let mut out = String::new();
        line(
            &mut out,
            format!(
                "*AppStream compliance digest* · account `{}` · {}",
                code(&d.account),
                slack(&self.period())
            ),
        );
        line(
            &mut out,
            format!(
                "*{}*: {} · in the period: {}",
                plural(self.open_count(), "open finding", "open findings"),
                Self::severity_phrase(|s| self.count_by_severity(s)),
                Self::changes_phrase(|k| self.change_count(k))
            ),
        );
        line(
            &mut out,
            format!(
                "Usage: {}, {}, {} session-hours",
                plural(self.fleet_count(), "fleet", "fleets"),
                plural(self.sessions(), "session", "sessions"),
                slack(&self.total_hours())
            ),
        );
        let regions = &self.regions;
        if regions.len() > 1 {
            for rv in regions.iter().take(n.max(1) * 2) {
                line(
                    &mut out,
                    format!(
                        "• `{}`: {} open ({}), {}, {} idle",
                        code(&rv.r.region),
                        rv.open.len(),
                        Self::severity_phrase(|s| rv.count_by_severity(s)),
                        plural(rv.r.fleets.len(), "fleet", "fleets"),
                        rv.idle.len()
                    ),
                );
            }
            more_slack(&mut out, regions.len(), n.max(1) * 2, "region", "regions");
        }

        let top = self.top_findings();
        if !top.is_empty() {
            out.push('\n');
            line(&mut out, "*Most severe open findings*".to_owned());
            for (region, f) in top.iter().take(n) {
                line(
                    &mut out,
                    format!(
                        "{} *{}* `{}` {} `{}` (`{}`), open {}: {}",
                        emoji(Some(f.severity)),
                        f.severity,
                        code(&f.rule_id),
                        resource_noun(f.resource_type),
                        code(&f.resource),
                        code(region),
                        age(f.age_hours),
                        literal(&shorten(&one_line(&f.title), CHATBOT_FIELD_LIMIT))
                    ),
                );
            }
            more_slack(&mut out, top.len(), n, "open finding", "open findings");
        }

        let idle = self.idle_fleets();
        if !idle.is_empty() {
            out.push('\n');
            line(
                &mut out,
                "*Idle fleets* (running, no sessions: money to save)".to_owned(),
            );
            for (region, f) in idle.iter().take(n) {
                let kind = f
                    .fleet_type
                    .as_deref()
                    .map(|t| format!(", {}", slack(t)))
                    .unwrap_or_default();
                line(
                    &mut out,
                    format!("• `{}` (`{}`{kind})", code(&f.fleet), code(region)),
                );
            }
            more_slack(&mut out, idle.len(), n, "idle fleet", "idle fleets");
        }

        let busiest = self.busiest_fleets();
        if !busiest.is_empty() {
            out.push('\n');
            line(&mut out, "*Busiest fleets*".to_owned());
            for (region, f) in busiest.iter().take(n.min(3)) {
                line(
                    &mut out,
                    format!(
                        "• `{}` (`{}`): {}, {}, {} session-hours, peak {}",
                        code(&f.fleet),
                        code(region),
                        plural(f.sessions, "session", "sessions"),
                        plural(f.unique_users, "user", "users"),
                        slack(&hours_range(f.session_hours_min, f.session_hours_max)),
                        f.peak_concurrent
                    ),
                );
            }
        }

        let errors: Vec<String> = regions
            .iter()
            .filter(|rv| !rv.r.errors.is_empty())
            .map(|rv| {
                format!(
                    "{} in `{}`",
                    plural(rv.r.errors.len(), "part", "parts"),
                    code(&rv.r.region)
                )
            })
            .collect();
        if !errors.is_empty() {
            out.push('\n');
            line(
                &mut out,
                format!(
                    ":warning: Not read: {} (see the e-mail; the rest is reported)",
                    errors.join(", ")
                ),
            );
        }
        out.trim_end().to_owned()
    }

    // ----- HTML -----

    fn html(&self) -> String {
        let d = self.d;
        let mut ids = Ids::default();
        let mut h = String::with_capacity(16 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
        );
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str(&format!(
            "<title>AppStream compliance digest {} – {}</title>\n",
            esc(&d.account),
            esc(&minute(d.until))
        ));
        h.push_str("<style>\n");
        h.push_str(CSS);
        h.push_str("</style>\n</head>\n<body>\n<header>\n");
        h.push_str(&format!(
            "<h1>AppStream compliance digest</h1>\n<p class=\"meta\">Account <strong>{}</strong> · {} · generated {} UTC</p>\n",
            esc(&d.account),
            esc(&self.period()),
            esc(&minute(d.generated_at))
        ));
        self.html_summary(&mut h);
        if self.regions.len() > 1 {
            h.push_str("<nav aria-label=\"Regions\"><ul>\n");
            for rv in &self.regions {
                h.push_str(&format!(
                    "<li><a href=\"#{}\">{}</a></li>\n",
                    esc(&format!("region-{}", slug(&rv.r.region))),
                    esc(&rv.r.region)
                ));
            }
            h.push_str("</ul></nav>\n");
        }
        h.push_str("</header>\n<main>\n");
        for rv in &self.regions {
            self.html_region(&mut h, rv, &mut ids);
        }
        h.push_str("</main>\n<footer>\n");
        h.push_str(&format!(
            "<p>Session-hours are a range: a session's end is known only between two recorder runs. Packing: average/peak sessions per instance of MaxSessionsPerInstance. Headroom: spare capacity at the end of the period, and its lowest. All times UTC.</p>\n<p>Generated by streamwarden: <code>{}</code></p>\n",
            esc(&format!("{} --format html", self.report_command()))
        ));
        h.push_str("</footer>\n</body>\n</html>\n");
        h
    }

    fn html_summary(&self, h: &mut String) {
        h.push_str("<ul class=\"cards\" aria-label=\"Summary\">\n");
        let worst = self.d.worst();
        let card = |h: &mut String, value: String, label: &str, class: &str| {
            h.push_str(&format!(
                "<li class=\"card {class}\"><span class=\"value\">{value}</span> <span class=\"label\">{}</span></li>\n",
                esc(label)
            ));
        };
        card(
            h,
            esc(&self.open_count().to_string()),
            "open findings",
            worst.map_or("ok", severity_class),
        );
        card(
            h,
            worst.map_or("none".to_owned(), |s| sev_badge(Some(s))),
            "worst severity",
            "",
        );
        card(
            h,
            format!(
                "{}/{}",
                self.change_count("opened") + self.change_count("raised"),
                self.change_count("resolved")
            ),
            "opened or raised / resolved",
            "",
        );
        card(h, self.sessions().to_string(), "sessions", "");
        card(h, esc(&self.total_hours()), "session-hours", "");
        card(
            h,
            self.idle_count().to_string(),
            "idle fleets",
            if self.idle_count() > 0 { "warn" } else { "" },
        );
        h.push_str("</ul>\n");
    }

    fn html_region(&self, h: &mut String, rv: &RegionView<'_>, ids: &mut Ids) {
        let r = rv.r;
        let rid = ids.take(&format!("region-{}", slug(&r.region)));
        h.push_str(&format!(
            "<section class=\"region\" id=\"{}\" aria-labelledby=\"{}-title\">\n<h2 id=\"{}-title\">Region {}</h2>\n",
            esc(&rid),
            esc(&rid),
            esc(&rid),
            esc(&r.region)
        ));

        // Open findings.
        h.push_str("<h3>Open findings</h3>\n<ul class=\"severity-counts\">\n");
        for s in Severity::ALL {
            h.push_str(&format!(
                "<li>{} {}</li>\n",
                sev_badge(Some(s)),
                rv.count_by_severity(s)
            ));
        }
        h.push_str("</ul>\n");
        if rv.open.is_empty() {
            h.push_str("<p class=\"none\">No open findings.</p>\n");
        } else {
            h.push_str(&format!(
                "<table class=\"findings\">\n<caption>{} in {}, grouped by fleet and stack; most severe, then oldest first</caption>\n<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Rule</th><th scope=\"col\" class=\"num\">Age</th><th scope=\"col\">Title</th><th scope=\"col\">Observed</th><th scope=\"col\">Open since (UTC)</th></tr></thead>\n",
                esc(&plural(rv.open.len(), "open finding", "open findings")),
                esc(&r.region)
            ));
            for (name, _, findings) in rv.open_groups(usize::MAX) {
                h.push_str(&format!(
                    "<tbody>\n<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"6\">{}</th></tr>\n",
                    esc(&name)
                ));
                for f in findings {
                    h.push_str(&format!(
                        "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td class=\"message\">{}</td><td class=\"time\">{}</td></tr>\n",
                        sev_badge(Some(f.severity)),
                        esc(&f.rule_id),
                        esc(&age(f.age_hours)),
                        esc(&f.title),
                        esc(&f.message),
                        esc(&minute(f.opened_at))
                    ));
                }
                h.push_str("</tbody>\n");
            }
            h.push_str("</table>\n");
        }

        // Changes.
        h.push_str("<h3>Changes in the period</h3>\n");
        if r.changes.is_empty() {
            h.push_str("<p class=\"none\">No findings opened, raised or resolved.</p>\n");
        } else {
            h.push_str(&format!(
                "<table class=\"changes\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Change</th><th scope=\"col\">Severity</th><th scope=\"col\">Rule</th><th scope=\"col\">Resource</th><th scope=\"col\">Message</th></tr></thead>\n<tbody>\n",
                esc(&capitalize(&Self::changes_phrase(|k| rv.change_count(k))))
            ));
            for c in &r.changes {
                h.push_str(&format!(
                    "<tr class=\"change-{}\"><td class=\"time\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"message\">{}</td></tr>\n",
                    slug(&c.change),
                    esc(&minute(c.time)),
                    esc(&c.change),
                    sev_badge(Some(c.severity)),
                    esc(&c.rule_id),
                    esc(&resource_label(c.resource_type, &c.resource)),
                    esc(&c.message)
                ));
            }
            h.push_str("</tbody>\n</table>\n");
        }

        // Usage table, idle fleets, then one chart per fleet.
        h.push_str("<h3>Fleet usage</h3>\n");
        let fleet_ids: Vec<String> = r
            .fleets
            .iter()
            .map(|f| ids.take(&format!("fleet-{}-{}", slug(&r.region), slug(&f.fleet))))
            .collect();
        if r.fleets.is_empty() {
            h.push_str("<p class=\"none\">No fleets recorded.</p>\n");
        } else {
            h.push_str("<table class=\"usage\">\n<caption>Usage per fleet in the period</caption>\n<thead><tr><th scope=\"col\">Fleet</th><th scope=\"col\">State</th><th scope=\"col\">Type</th><th scope=\"col\" class=\"num\">Sessions</th><th scope=\"col\" class=\"num\">Unique users</th><th scope=\"col\" class=\"num\">Session-hours</th><th scope=\"col\" class=\"num\">Peak concurrent</th><th scope=\"col\" class=\"num\">Packing (avg/peak of max)</th><th scope=\"col\" class=\"num\">Headroom now</th><th scope=\"col\" class=\"num\">Lowest headroom</th></tr></thead>\n<tbody>\n");
            for (f, id) in r.fleets.iter().zip(&fleet_ids) {
                let peak_at = f
                    .peak_at
                    .map(|t| format!(" <span class=\"at\">at {}</span>", esc(&hhmm(t))))
                    .unwrap_or_default();
                let idle = if f.idle {
                    " <span class=\"badge idle\">idle</span>"
                } else {
                    ""
                };
                h.push_str(&format!(
                    "<tr{}><th scope=\"row\"><a href=\"#{}\">{}</a>{idle}</th><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}{peak_at}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                    if f.idle { " class=\"idle\"" } else { "" },
                    esc(id),
                    esc(&f.fleet),
                    esc(f.state.as_deref().unwrap_or("-")),
                    esc(f.fleet_type.as_deref().unwrap_or("-")),
                    f.sessions,
                    f.unique_users,
                    esc(&hours_range(f.session_hours_min, f.session_hours_max)),
                    f.peak_concurrent,
                    esc(&packing(f)),
                    esc(&f.headroom_now.map_or("-".to_owned(), percent)),
                    esc(&f.min_headroom.map_or("-".to_owned(), percent)),
                ));
            }
            h.push_str("</tbody>\n</table>\n");
        }
        if !rv.idle.is_empty() {
            h.push_str("<h3>Idle fleets (running, no sessions: money to save)</h3>\n<ul class=\"idle-fleets\">\n");
            for (f, id) in r.fleets.iter().zip(&fleet_ids).filter(|(f, _)| f.idle) {
                h.push_str(&format!(
                    "<li><a href=\"#{}\">{}</a>{}</li>\n",
                    esc(id),
                    esc(&f.fleet),
                    f.fleet_type
                        .as_deref()
                        .map(|t| format!(" ({})", esc(t)))
                        .unwrap_or_default()
                ));
            }
            h.push_str("</ul>\n");
        }
        if !r.fleets.is_empty() {
            h.push_str("<h3>Sessions over the period</h3>\n<div class=\"fleets\">\n");
            for (f, id) in r.fleets.iter().zip(&fleet_ids) {
                self.html_fleet(h, f, id);
            }
            h.push_str("</div>\n");
        }

        if !r.errors.is_empty() {
            h.push_str("<h3>Not read</h3>\n<p>These parts of the region could not be read; the rest is reported.</p>\n<ul class=\"errors\">\n");
            for e in &r.errors {
                h.push_str(&format!("<li>{}</li>\n", esc(e)));
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</section>\n");
    }

    fn html_fleet(&self, h: &mut String, f: &FleetUsage, id: &str) {
        let idle = f.idle;
        h.push_str(&format!(
            "<section class=\"fleet{}\" id=\"{}\" data-fleet=\"{}\"{} aria-labelledby=\"{}-title\">\n",
            if idle { " idle" } else { "" },
            esc(id),
            esc(&f.fleet),
            if idle { " data-idle=\"true\"" } else { "" },
            esc(id)
        ));
        h.push_str(&format!(
            "<h4 id=\"{}-title\">{}{}</h4>\n",
            esc(id),
            esc(&f.fleet),
            if idle {
                " <span class=\"badge idle\">idle: running, no sessions</span>"
            } else {
                ""
            }
        ));
        let mut facts = vec![
            format!("{} sessions", f.sessions),
            format!("{} unique users", f.unique_users),
            format!(
                "{} session-hours",
                hours_range(f.session_hours_min, f.session_hours_max)
            ),
            format!("peak {}", f.peak_concurrent),
        ];
        if let Some(m) = f.max_sessions_per_instance.filter(|&m| m > 1) {
            facts.push(format!("packing {} (max {m})", packing(f)));
        }
        if let Some(now) = f.headroom_now {
            facts.push(format!("headroom {}", percent(now)));
        }
        h.push_str(&format!(
            "<p class=\"facts\">{}</p>\n",
            esc(&facts.join(" · "))
        ));
        chart(h, f, self.d.since, self.d.until);
        h.push_str("</section>\n");
    }
}

// ----- text tables -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

enum Row {
    Cells(Vec<String>),
    /// A heading line two columns left of the table (a fleet or stack).
    Group(String),
    /// A line under the previous row, starting at its second column.
    Note(String),
}

/// A fixed-width table: columns two spaces apart, the last one not padded.
struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Row>,
}

impl Table {
    fn new(columns: &[(&'static str, Align)]) -> Self {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    fn render(&self, out: &mut String, indent: usize) {
        let mut widths: Vec<usize> = self.columns.iter().map(|(h, _)| width(h)).collect();
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                for (i, cell) in cells.iter().enumerate() {
                    if i == 0 && width(cell) > FIRST_COLUMN_LIMIT {
                        continue;
                    }
                    if let Some(w) = widths.get_mut(i) {
                        *w = (*w).max(width(cell));
                    }
                }
            }
        }
        let pad = " ".repeat(indent);
        let format_row = |cells: &[&str]| -> String {
            let mut s = pad.clone();
            let last = cells.len().saturating_sub(1);
            for (i, cell) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let align = self.columns.get(i).map_or(Align::Left, |c| c.1);
                match align {
                    Align::Left if i == last => s.push_str(cell),
                    Align::Left => s.push_str(&format!("{cell:<w$}")),
                    Align::Right => s.push_str(&format!("{cell:>w$}")),
                }
                if i != last {
                    s.push_str("  ");
                }
            }
            s.trim_end().to_owned()
        };
        let headers: Vec<&str> = self.columns.iter().map(|(h, _)| *h).collect();
        line(out, format_row(&headers));
        for row in &self.rows {
            match row {
                Row::Cells(cells) => {
                    let mut cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                    if let Some(first) = cells.first_mut()
                        && width(first) > FIRST_COLUMN_LIMIT
                    {
                        line(out, format!("{pad}{first}"));
                        *first = "";
                    }
                    line(out, format_row(&cells));
                }
                Row::Group(text) => {
                    line(
                        out,
                        format!("{}{text}", " ".repeat(indent.saturating_sub(2))),
                    );
                }
                Row::Note(text) => {
                    let at = indent + widths.first().copied().unwrap_or(0) + 2;
                    line(out, format!("{}{text}", " ".repeat(at)));
                }
            }
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
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

fn more_slack(out: &mut String, total: usize, shown: usize, one: &str, many: &str) {
    if total > shown {
        let n = total - shown;
        line(
            out,
            format!("… and {n} more {}", if n == 1 { one } else { many }),
        );
    }
}

// ----- HTML parts -----

const CSS: &str = r#":root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa; --accent: #0969da; --warn: #9a3b00; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1160px; padding: 24px 28px 40px; color: var(--fg); background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.35em; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.08em; margin: 22px 0 8px; }
h4 { font-size: 1em; margin: 0 0 4px; word-break: break-all; }
p { margin: 6px 0; }
.meta, .facts, footer, caption, .at { color: var(--muted); }
code { font: 0.88em/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
a { color: var(--accent); }
ul.cards { display: flex; flex-wrap: wrap; gap: 10px; list-style: none; padding: 0; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card .value { display: block; font-size: 1.45em; font-weight: 650; }
.card .label { color: var(--muted); font-size: 0.85em; }
.card.critical, .card.high { border-color: #cf222e; }
.card.warn { border-color: var(--warn); }
nav ul { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 14px; }
ul.severity-counts { list-style: none; padding: 0; margin: 4px 0 10px; display: flex; flex-wrap: wrap; gap: 14px; }
.sev { display: inline-block; min-width: 5.4em; padding: 1px 6px; border-radius: 3px; font-size: 0.75em; font-weight: 700; letter-spacing: 0.03em; text-align: center; color: #fff; }
.sev.critical { background: #82071e; }
.sev.high { background: #cf222e; }
.sev.medium { background: #bc4c00; }
.sev.low { background: #7d4e00; }
.sev.info { background: #0969da; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 0.75em; font-weight: 600; vertical-align: middle; }
.badge.idle { background: #fff1e5; color: var(--warn); border: 1px solid #f5c99a; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 14px; font-size: 0.9em; }
caption { text-align: left; font-size: 0.9em; padding: 2px 0 6px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--head); font-weight: 600; border-bottom: 2px solid var(--line); }
tr.group th { background: #fbfcfd; font-weight: 600; padding-top: 8px; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td code { white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.message { color: var(--muted); overflow-wrap: anywhere; }
tbody th[scope=row] { font-weight: 600; overflow-wrap: break-word; }
tr.idle { background: #fffaf5; }
p.none { color: var(--muted); font-style: italic; }
ul.errors li { color: #82071e; }
.fleets { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px; }
section.fleet { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 6px; break-inside: avoid; }
section.fleet.idle { border-left: 4px solid var(--warn); }
.facts { font-size: 0.85em; }
svg.usage-chart { display: block; width: 100%; height: auto; margin-top: 4px; }
.usage-chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--muted); }
.usage-chart .grid { stroke: #e6eaef; stroke-width: 1; }
.usage-chart .axis { stroke: #8c959f; stroke-width: 1; }
.usage-chart .area { fill: var(--accent); fill-opacity: 0.12; stroke: none; }
.usage-chart .sessions { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
.usage-chart .peak { fill: var(--accent); }
.usage-chart.idle .sessions { stroke: var(--warn); stroke-dasharray: 6 4; }
.usage-chart text.note { fill: var(--warn); font-size: 13px; font-weight: 600; }
footer { margin-top: 36px; border-top: 1px solid var(--line); font-size: 0.85em; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  .fleets { grid-template-columns: 1fr 1fr; }
}
"#;

/// A severity as a coloured label (`none` without one).
fn sev_badge(severity: Option<Severity>) -> String {
    match severity {
        Some(s) => format!(
            "<span class=\"sev {}\">{}</span>",
            severity_class(s),
            s.as_str()
        ),
        None => "none".to_owned(),
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

/// Unique element IDs: a repeated one gets `-2`, `-3`, ...
#[derive(Default)]
struct Ids(HashSet<String>);

impl Ids {
    fn take(&mut self, wanted: &str) -> String {
        let mut id = wanted.to_owned();
        let mut n = 2;
        while self.0.contains(&id) {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        self.0.insert(id.clone());
        id
    }
}

/// Lower-case ASCII letters and digits, other runs as one `-`: `Finance Apps` ->
/// `finance-apps`.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "x".to_owned()
    } else {
        out.to_owned()
    }
}

/// Text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Chart geometry, in SVG user units.
const CHART_W: f64 = 560.0;
const CHART_H: f64 = 180.0;
const CHART_LEFT: f64 = 40.0;
const CHART_RIGHT: f64 = 20.0;
const CHART_TOP: f64 = 18.0;
const CHART_BOTTOM: f64 = 30.0;

/// A step chart of the fleet's sessions from `since` to `until`, as inline SVG.
fn chart(h: &mut String, f: &FleetUsage, since: DateTime<Utc>, until: DateTime<Utc>) {
    let mut series: Vec<UsagePoint> = f
        .series
        .iter()
        .filter(|p| p.time <= until)
        .copied()
        .collect();
    series.sort_by_key(|p| p.time);
    let span = (until - since).num_seconds().max(1) as f64;
    let plot_w = CHART_W - CHART_LEFT - CHART_RIGHT;
    let plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;
    let x = |t: DateTime<Utc>| {
        let share = ((t - since).num_seconds() as f64 / span).clamp(0.0, 1.0);
        CHART_LEFT + plot_w * share
    };
    let top = series.iter().map(|p| p.sessions).max().unwrap_or(0).max(1);
    let step = nice_step(top);
    let y_max = top.div_ceil(step) * step;
    let y = |v: u32| CHART_TOP + plot_h * (1.0 - f64::from(v) / f64::from(y_max));

    let peak = match (f.peak_at, f.peak_concurrent) {
        (Some(at), n) if n > 0 => format!(", peak {n} at {} UTC", minute(at)),
        _ => String::new(),
    };
    let label = format!(
        "Sessions on fleet {} from {} to {} UTC{}{}",
        one_line(&f.fleet),
        minute(since),
        minute(until),
        peak,
        if f.idle { ": idle, no sessions" } else { "" }
    );
    h.push_str(&format!(
        "<svg class=\"usage-chart{}\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {CHART_W} {CHART_H}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title>{}</title>\n",
        if f.idle { " idle" } else { "" },
        esc(&label),
        esc(&label)
    ));
    // Horizontal grid and session counts.
    let mut v = 0;
    while v <= y_max {
        let yy = y(v);
        h.push_str(&format!(
            "<line class=\"grid\" x1=\"{CHART_LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>\n",
            CHART_W - CHART_RIGHT,
            CHART_LEFT - 6.0,
            yy + 4.0
        ));
        v += step;
    }
    h.push_str(&format!(
        "<text x=\"{:.1}\" y=\"11\" text-anchor=\"start\">sessions</text>\n",
        2.0
    ));
    // Time axis.
    let base = CHART_TOP + plot_h;
    h.push_str(&format!(
        "<line class=\"axis\" x1=\"{CHART_LEFT}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\"/>\n",
        CHART_W - CHART_RIGHT
    ));
    let tick_hours = tick_step_hours(span / 3600.0);
    let tick = tick_hours * 3600;
    let mut t = since.timestamp().div_euclid(tick) * tick;
    if t < since.timestamp() {
        t += tick;
    }
    while t <= until.timestamp() {
        if let Some(at) = DateTime::<Utc>::from_timestamp(t, 0) {
            let xx = x(at);
            let text = if tick_hours >= 24 {
                at.format("%m-%d").to_string()
            } else {
                at.format("%H:%M").to_string()
            };
            h.push_str(&format!(
                "<line class=\"axis\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\"/><text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{text}</text>\n",
                base + 4.0,
                base + 16.0
            ));
        }
        t += tick;
    }
    h.push_str(&format!(
        "<text x=\"{:.1}\" y=\"11\" text-anchor=\"end\">time (UTC)</text>\n",
        CHART_W - CHART_RIGHT
    ));
    // The step line: each point's sessions hold until the next point (or the end).
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(series.len() * 2);
    for (i, p) in series.iter().enumerate() {
        let next = series.get(i + 1).map_or(until, |n| n.time);
        let yy = y(p.sessions);
        points.push((x(p.time), yy));
        points.push((x(next), yy));
    }
    if let (Some(&(first_x, _)), Some(&(last_x, _))) = (points.first(), points.last()) {
        let list = |pts: &[(f64, f64)]| {
            pts.iter()
                .map(|(px, py)| format!("{px:.1},{py:.1}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut area = points.clone();
        area.push((last_x, base));
        area.push((first_x, base));
        h.push_str(&format!(
            "<polygon class=\"area\" points=\"{}\"/>\n<polyline class=\"sessions\" points=\"{}\"/>\n",
            list(&area),
            list(&points)
        ));
        if let Some(at) = f.peak_at.filter(|_| f.peak_concurrent > 0) {
            h.push_str(&format!(
                "<circle class=\"peak\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{}</title></circle>\n",
                x(at),
                y(f.peak_concurrent.min(y_max)),
                esc(&format!("peak {} at {} UTC", f.peak_concurrent, minute(at)))
            ));
        }
    } else {
        h.push_str(&format!(
            "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no capacity snapshots in the period</text>\n",
            CHART_LEFT + plot_w / 2.0,
            CHART_TOP + plot_h / 2.0
        ));
    }
    if f.idle {
        h.push_str(&format!(
            "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">idle: running, no sessions in the period</text>\n",
            CHART_LEFT + plot_w / 2.0,
            CHART_TOP + plot_h / 2.0
        ));
    }
    h.push_str("</svg>\n");
}

/// A step for the session axis giving at most 5 intervals: 1, 2, 5, 10, 20, 50, ...
fn nice_step(top: u32) -> u32 {
    let mut magnitude: u32 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if top.div_ceil(step) <= 5 {
                return step;
            }
        }
        match magnitude.checked_mul(10) {
            Some(next) => magnitude = next,
            None => return top.max(1),
        }
    }
}

/// A time-axis step, in hours, giving at most 8 ticks over `span_hours`.
fn tick_step_hours(span_hours: f64) -> i64 {
    for step in [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720] {
        if span_hours / step as f64 <= 8.0 {
            return step;
        }
    }
    ((span_hours / 8.0).ceil() as i64).max(1)
}

// ----- words and numbers -----

fn line(out: &mut String, text: String) {
    out.push_str(&text);
    out.push('\n');
}

/// `1 fleet`, `2 fleets`.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "none" } else { s }
}

/// `fleet finance-apps`, `stack desk`, `sessions on fleet finance-apps`.
fn resource_label(t: ResourceType, name: &str) -> String {
    format!("{} {}", resource_noun(t), one_line(name))
}

fn resource_noun(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Fleet => "fleet",
        ResourceType::Stack => "stack",
        ResourceType::Session => "sessions on fleet",
    }
}

fn arn(account: &str, region: &str, t: ResourceType, name: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    let kind = match t {
        ResourceType::Stack => "stack",
        ResourceType::Fleet | ResourceType::Session => "fleet",
    };
    format!(
        "arn:{partition}:appstream:{}:{}:{kind}/{}",
        one_line(region),
        one_line(account),
        one_line(name)
    )
}

/// How long a finding has been open: `5 h`, `3 d 4 h`, `12 d`.
fn age(hours: i64) -> String {
    let hours = hours.max(0);
    match (hours / 24, hours % 24) {
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} d"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// The period's length: `24 hours`, `7 days`, `90 minutes`.
fn span(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes % (24 * 60) == 0 && minutes >= 48 * 60 {
        plural((minutes / (24 * 60)) as usize, "day", "days")
    } else if minutes % 60 == 0 {
        plural((minutes / 60) as usize, "hour", "hours")
    } else {
        plural(minutes as usize, "minute", "minutes")
    }
}

/// Session-hours with one decimal: `97.5–101.0`, or one number when both ends agree.
fn hours_range(least: f64, most: f64) -> String {
    let (a, b) = (format!("{least:.1}"), format!("{most:.1}"));
    if a == b { a } else { format!("{a}–{b}") }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// `2.4/3 of 4` for a multi-session fleet: average and peak sessions per instance, of
/// MaxSessionsPerInstance; `-` for a single-session fleet.
fn packing(f: &FleetUsage) -> String {
    match f.max_sessions_per_instance {
        Some(max) if max > 1 => {
            let avg = f
                .average_sessions_per_instance
                .map_or("-".to_owned(), |a| format!("{a:.1}"));
            let peak = f
                .peak_sessions_per_instance
                .map_or("-".to_owned(), |p| p.to_string());
            format!("{avg}/{peak} of {max}")
        }
        _ => "-".to_owned(),
    }
}

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn hhmm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The text on one line: control characters (line breaks included) become spaces, and
/// the ends are trimmed.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Printable ASCII on one line, for the SNS subject (see [`SUBJECT_LIMIT`]).
fn ascii_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            ' '..='~' => c,
            c if c.is_whitespace() || c.is_control() => ' ',
            _ => '?',
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// Text for Slack markdown: one line, `&`, `<` and `>` escaped
/// (<https://api.slack.com/reference/surfaces/formatting#escaping>).
fn slack(s: &str) -> String {
    one_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text shown as written: in a code span when it holds `*`, `_` or `~`, which Slack would
/// read as formatting.
fn literal(s: &str) -> String {
    if s.contains(['*', '~', '_']) {
        format!("`{}`", code(s))
    } else {
        slack(s)
    }
}

/// Text for inside a Slack code span: escaped, without backticks that would end it.
fn code(s: &str) -> String {
    slack(s).replace('`', "'")
}

/// At most `limit` characters, ending in `...` when shortened.
fn shorten(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(limit.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// A Slack emoji for the worst severity; a check mark when nothing is open.
fn emoji(severity: Option<Severity>) -> &'static str {
    match severity {
        Some(Severity::Critical) => ":rotating_light:",
        Some(Severity::High) => ":red_circle:",
        Some(Severity::Medium) => ":large_orange_circle:",
        Some(Severity::Low) => ":large_yellow_circle:",
        Some(Severity::Info) => ":large_blue_circle:",
        None => ":white_check_mark:",
    }
}

#[cfg(test)]
mod tests {
    //! Golden files (`shared/tests/golden/digest/`, regenerate with `UPDATE_GOLDEN=1`),
    //! the SNS size limit on a huge digest, HTML escaping and the Chatbot limits.

    use super::*;
    use chrono::{Duration, TimeZone};
    use std::path::PathBuf;

    fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
            .unwrap()
    }

    fn since() -> DateTime<Utc> {
        at(3, 1, 6, 0)
    }

    fn until() -> DateTime<Utc> {
        at(3, 2, 6, 0)
    }

    fn open(
        resource_type: ResourceType,
        resource: &str,
        rule_id: &str,
        severity: Severity,
        title: &str,
        message: &str,
        opened_at: DateTime<Utc>,
    ) -> OpenFinding {
        OpenFinding {
            resource_type,
            resource: resource.to_owned(),
            rule_id: rule_id.to_owned(),
            severity,
            title: title.to_owned(),
            message: message.to_owned(),
            opened_at,
            age_hours: (until() - opened_at).num_hours(),
        }
    }

    fn change(
        resource_type: ResourceType,
        resource: &str,
        rule_id: &str,
        severity: Severity,
        kind: &str,
        time: DateTime<Utc>,
        message: &str,
    ) -> FindingChange {
        FindingChange {
            resource_type,
            resource: resource.to_owned(),
            rule_id: rule_id.to_owned(),
            severity,
            change: kind.to_owned(),
            time,
            message: message.to_owned(),
        }
    }

    /// One point per hour from `since`, with these sessions.
    fn series(sessions: &[u32]) -> Vec<UsagePoint> {
        sessions
            .iter()
            .enumerate()
            .map(|(i, &n)| UsagePoint {
                time: since() + Duration::hours(i as i64),
                sessions: n,
                active: n.saturating_sub(n / 4),
            })
            .collect()
    }

    fn usage(fleet: &str, sessions: &[u32]) -> FleetUsage {
        let series = series(sessions);
        let peak = series
            .iter()
            .max_by_key(|p| (p.sessions, Reverse(p.time)))
            .copied();
        FleetUsage {
            fleet: fleet.to_owned(),
            state: Some("RUNNING".to_owned()),
            fleet_type: Some("ON_DEMAND".to_owned()),
            max_sessions_per_instance: None,
            sessions: 0,
            unique_users: 0,
            session_hours_min: 0.0,
            session_hours_max: 0.0,
            peak_concurrent: peak.map_or(0, |p| p.sessions),
            peak_at: peak.filter(|p| p.sessions > 0).map(|p| p.time),
            average_sessions_per_instance: None,
            peak_sessions_per_instance: None,
            min_headroom: None,
            headroom_now: None,
            idle: false,
            series,
        }
    }

    /// Two regions: a busy single-session fleet, a multi-session fleet, an idle fleet,
    /// findings of every severity on fleets, a stack and sessions, changes of every kind,
    /// and a region with an error.
    fn sample() -> Digest {
        let eu = RegionDigest {
            region: "eu-west-1".to_owned(),
            open: vec![
                open(
                    ResourceType::Fleet,
                    "finance-apps",
                    "FLEET-IAM-ROLE",
                    Severity::Critical,
                    "Fleet IAM role is not on the allowlist",
                    "IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*",
                    at(2, 14, 10, 0),
                ),
                open(
                    ResourceType::Stack,
                    "finance-desktop",
                    "STACK-FILE-DOWNLOAD",
                    Severity::High,
                    "Users can download files to their device",
                    "UserSettings FILE_DOWNLOAD is ENABLED; the policy requires DISABLED",
                    at(1, 12, 8, 30),
                ),
                open(
                    ResourceType::Fleet,
                    "finance-apps",
                    "FLEET-INTERNET-ACCESS",
                    Severity::High,
                    "Default internet access is enabled",
                    "EnableDefaultInternetAccess is true; the policy requires false",
                    at(3, 1, 9, 12),
                ),
                open(
                    ResourceType::Fleet,
                    "shared-desk",
                    "FLEET-IDLE-DISCONNECT-TIMEOUT",
                    Severity::Medium,
                    "Idle disconnect is off or above the limit",
                    "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)",
                    at(2, 27, 10, 0),
                ),
                open(
                    ResourceType::Fleet,
                    "old-kiosk",
                    "FLEET-STREAM-VIEW",
                    Severity::Low,
                    "Stream view is not allowed",
                    "StreamView is DESKTOP; allowed: APP",
                    at(2, 20, 9, 0),
                ),
                open(
                    ResourceType::Session,
                    "shared-desk",
                    "SESSION-ON-NONCOMPLIANT-FLEET",
                    Severity::Info,
                    "Sessions run on a non-compliant fleet",
                    "3 sessions ran on shared-desk while FLEET-IDLE-DISCONNECT-TIMEOUT was open",
                    at(3, 1, 23, 40),
                ),
            ],
            open_by_severity: BTreeMap::new(),
            changes: vec![
                change(
                    ResourceType::Fleet,
                    "finance-apps",
                    "FLEET-INTERNET-ACCESS",
                    Severity::High,
                    "opened",
                    at(3, 1, 9, 12),
                    "EnableDefaultInternetAccess is true; the policy requires false",
                ),
                change(
                    ResourceType::Fleet,
                    "finance-apps",
                    "FLEET-MAX-USER-DURATION",
                    Severity::Medium,
                    "resolved",
                    at(3, 1, 11, 30),
                    "MaxUserDurationInSeconds is 43200 (12 h); the policy allows at most 43200 (12 h)",
                ),
                change(
                    ResourceType::Fleet,
                    "finance-apps",
                    "FLEET-IAM-ROLE",
                    Severity::Critical,
                    "raised",
                    at(3, 1, 16, 0),
                    "IamRoleArn is arn:aws:iam::123456789012:role/AdminRole; allowed: arn:aws:iam::*:role/appstream-*",
                ),
                change(
                    ResourceType::Session,
                    "shared-desk",
                    "SESSION-ON-NONCOMPLIANT-FLEET",
                    Severity::Info,
                    "opened",
                    at(3, 1, 23, 40),
                    "",
                ),
            ],
            fleets: vec![
                FleetUsage {
                    sessions: 42,
                    unique_users: 31,
                    session_hours_min: 97.5,
                    session_hours_max: 101.0,
                    min_headroom: Some(0.1),
                    headroom_now: Some(0.4),
                    ..usage(
                        "finance-apps",
                        &[
                            0, 0, 1, 4, 9, 14, 18, 17, 15, 12, 13, 16, 15, 11, 7, 4, 2, 1, 0, 0, 0,
                            0, 0, 0,
                        ],
                    )
                },
                FleetUsage {
                    state: Some("RUNNING".to_owned()),
                    fleet_type: Some("ALWAYS_ON".to_owned()),
                    idle: true,
                    headroom_now: Some(1.0),
                    min_headroom: Some(1.0),
                    ..usage("old-kiosk", &[0; 24])
                },
                FleetUsage {
                    max_sessions_per_instance: Some(4),
                    fleet_type: Some("ELASTIC".to_owned()),
                    sessions: 12,
                    unique_users: 10,
                    session_hours_min: 20.0,
                    session_hours_max: 20.0,
                    average_sessions_per_instance: Some(2.4),
                    peak_sessions_per_instance: Some(3),
                    min_headroom: Some(0.25),
                    headroom_now: Some(0.5),
                    ..usage(
                        "shared-desk",
                        &[
                            0, 1, 2, 3, 5, 6, 6, 5, 4, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        ],
                    )
                },
            ],
            errors: Vec::new(),
        };
        let us = RegionDigest {
            region: "us-east-1".to_owned(),
            open: vec![open(
                ResourceType::Fleet,
                "contractors",
                "FLEET-MAX-USER-DURATION",
                Severity::Medium,
                "Maximum session duration is above the limit",
                "MaxUserDurationInSeconds is 57600 (16 h); the policy allows at most 43200 (12 h)",
                at(2, 27, 10, 0),
            )],
            open_by_severity: BTreeMap::new(),
            changes: Vec::new(),
            fleets: vec![FleetUsage {
                sessions: 5,
                unique_users: 5,
                session_hours_min: 11.2,
                session_hours_max: 13.0,
                min_headroom: Some(0.0),
                headroom_now: Some(0.5),
                ..usage(
                    "contractors",
                    &[
                        0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                    ],
                )
            }],
            errors: vec![
                "fleet legacy-tools: ThrottlingException: Rate exceeded (after 3 retries)"
                    .to_owned(),
            ],
        };
        let mut d = Digest {
            account: "123456789012".to_owned(),
            generated_at: at(3, 2, 6, 5),
            since: since(),
            until: until(),
            regions: vec![eu, us],
        };
        for r in &mut d.regions {
            r.open_by_severity = Severity::ALL
                .into_iter()
                .map(|s| (s, r.open.iter().filter(|f| f.severity == s).count()))
                .collect();
        }
        d
    }

    /// Thousands of fleets and findings in four regions.
    fn huge(fleets: usize, findings: usize) -> Digest {
        let mut d = sample();
        d.regions.clear();
        let regions = ["eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"];
        for (ri, region) in regions.iter().enumerate() {
            let severity = |i: usize| Severity::ALL[i % Severity::ALL.len()];
            let open: Vec<OpenFinding> = (ri..findings)
                .step_by(regions.len())
                .map(|i| {
                    open(
                        ResourceType::Fleet,
                        &format!("fleet-{:05}", i % fleets),
                        "FLEET-IDLE-DISCONNECT-TIMEOUT",
                        severity(i),
                        "Idle disconnect is off or above the limit",
                        "IdleDisconnectTimeoutInSeconds is 3600 (1 h); the policy allows at most 900 (15 min)",
                        until() - Duration::hours((i % 2000) as i64),
                    )
                })
                .collect();
            let changes: Vec<FindingChange> = (ri..findings / 2)
                .step_by(regions.len())
                .map(|i| {
                    change(
                        ResourceType::Fleet,
                        &format!("fleet-{:05}", i % fleets),
                        "FLEET-INTERNET-ACCESS",
                        severity(i),
                        ["opened", "raised", "resolved"][i % 3],
                        since() + Duration::seconds((i % 86_400) as i64),
                        "EnableDefaultInternetAccess is true; the policy requires false",
                    )
                })
                .collect();
            let fleets: Vec<FleetUsage> = (ri..fleets)
                .step_by(regions.len())
                .map(|i| FleetUsage {
                    sessions: i % 50,
                    unique_users: i % 40,
                    session_hours_min: (i % 50) as f64 * 1.5,
                    session_hours_max: (i % 50) as f64 * 1.75,
                    idle: i % 50 == 0,
                    max_sessions_per_instance: (i % 3 == 0).then_some(4),
                    average_sessions_per_instance: (i % 3 == 0).then_some(2.5),
                    peak_sessions_per_instance: (i % 3 == 0).then_some(4),
                    ..usage(&format!("fleet-{i:05}"), &[(i % 7) as u32; 24])
                })
                .collect();
            let errors: Vec<String> = (0..200)
                .map(|i| format!("fleet broken-{i}: ThrottlingException: Rate exceeded"))
                .collect();
            d.regions.push(RegionDigest {
                region: (*region).to_owned(),
                open_by_severity: BTreeMap::new(),
                open,
                changes,
                fleets,
                errors,
            });
        }
        d
    }

    fn parse(alert: &Alert) -> (Value, Value) {
        let body: Value = serde_json::from_str(&alert.message).unwrap();
        let https: Value = serde_json::from_str(body["https"].as_str().unwrap()).unwrap();
        (body, https)
    }

    fn golden(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/digest")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        if actual != want {
            let (got, want): (Vec<&str>, Vec<&str>) =
                (actual.lines().collect(), want.lines().collect());
            let line = (0..got.len().max(want.len()))
                .find(|&i| got.get(i) != want.get(i))
                .unwrap_or(0);
            panic!(
                "{name} differs from the golden file at line {}:\n  got:  {}\n  want: {}\nif the change is intended, run UPDATE_GOLDEN=1 and review the diff",
                line + 1,
                got.get(line).unwrap_or(&"<end of output>"),
                want.get(line).unwrap_or(&"<end of file>"),
            );
        }
    }

    #[test]
    fn golden_digest_matches_byte_for_byte() {
        let d = sample();
        let alert = message(&d);
        let (body, https) = parse(&alert);
        let attributes: Vec<String> = alert
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        golden(
            "sample.txt",
            &format!(
                "Subject: {}\nAttributes: {}\n\n{}",
                alert.subject,
                attributes.join(" "),
                body["email"].as_str().unwrap()
            ),
        );
        golden(
            "sample.chatbot.json",
            &format!("{}\n", serde_json::to_string_pretty(&https).unwrap()),
        );
        golden("sample.html", &html(&d));
    }

    #[test]
    fn message_carries_the_text_for_email_and_the_chatbot_json_for_https() {
        let d = sample();
        let alert = message(&d);
        let (body, https) = parse(&alert);
        assert_eq!(body["default"], body["email"]);
        assert_eq!(
            body["email"].as_str().unwrap(),
            text(&d),
            "small: not shortened"
        );
        assert_eq!(https, chatbot(&d));
        assert_eq!(
            alert.subject,
            "[CRITICAL] AppStream digest 123456789012: 7 open findings, 1 idle fleet"
        );
        let attr = |k: &str| alert.attributes.get(k).map(String::as_str);
        assert_eq!(attr("kind"), Some("digest"));
        assert_eq!(attr("account"), Some("123456789012"));
        assert_eq!(attr("regions"), Some("eu-west-1,us-east-1"));
        assert_eq!(attr("severity"), Some("CRITICAL"));
        assert_eq!(attr("open_findings"), Some("7"));
        assert_eq!(attr("idle_fleets"), Some("1"));
        assert_eq!(https["version"], "1.0");
        assert_eq!(https["source"], "custom");
        assert_eq!(https["content"]["textType"], "client-markdown");
        assert_eq!(https["metadata"]["summary"], alert.subject.as_str());
    }

    #[test]
    fn a_digest_with_nothing_open_says_ok_and_severity_none() {
        let mut d = sample();
        for r in &mut d.regions {
            r.open.clear();
            r.fleets.retain(|f| !f.idle);
        }
        let alert = message(&d);
        assert_eq!(
            alert.subject,
            "[OK] AppStream digest 123456789012: 0 open findings, 0 idle fleets"
        );
        assert_eq!(alert.attributes["severity"], "NONE");
        assert!(text(&d).contains("0 open findings: none."));
    }

    #[test]
    fn text_lays_out_findings_changes_and_usage_in_columns() {
        let t = text(&sample());
        assert!(t.contains("Open findings: 6     CRITICAL 1   HIGH 2   MEDIUM 1   LOW 1   INFO 1"));
        // Grouped by fleet or stack, with the age.
        assert!(t.contains("  fleet finance-apps\n    CRITICAL  FLEET-IAM-ROLE"));
        assert!(
            t.contains("15 d 20 h  Fleet IAM role is not on the allowlist"),
            "{t}"
        );
        assert!(t.contains("  sessions on fleet shared-desk\n"));
        // Session-hours as a range, or one number; packing only for multi-session.
        assert!(t.contains("97.5–101.0"));
        assert!(t.contains("2.4/3 of 4"));
        assert!(t.contains(
            "Idle fleets (running, no sessions: money to save): 1\n  - old-kiosk (ALWAYS_ON)"
        ));
        assert!(t.contains("  ! fleet legacy-tools: ThrottlingException"));
        // The usage table's columns line up: every row as long as the header up to the
        // last column.
        let table: Vec<&str> = t
            .lines()
            .skip_while(|l| !l.starts_with("  FLEET "))
            .take(4)
            .collect();
        let end = table[0].len();
        for row in &table {
            assert_eq!(row.chars().count(), end, "{row:?} in\n{}", table.join("\n"));
        }
    }

    #[test]
    fn ages_hours_and_shares_are_written_compactly() {
        for (hours, want) in [(0, "0 h"), (5, "5 h"), (24, "1 d"), (76, "3 d 4 h")] {
            assert_eq!(age(hours), want);
        }
        assert_eq!(hours_range(20.0, 20.04), "20.0");
        assert_eq!(hours_range(97.5, 101.0), "97.5–101.0");
        assert_eq!(percent(0.25), "25%");
        assert_eq!(slug("Finance Apps (EU)"), "finance-apps-eu");
        assert_eq!(
            slug("<script>alert(1)</script>&\""),
            "script-alert-1-script"
        );
        assert_eq!(slug("***"), "x");
    }

    #[test]
    fn a_huge_digest_fits_one_sns_publish_and_says_what_was_left_out() {
        let d = huge(5_000, 20_000);
        let alert = message(&d);
        let size = published_size(&alert);
        assert!(size <= SNS_PUBLISH_LIMIT, "{size} bytes");
        assert!(
            size > SNS_PUBLISH_LIMIT * 3 / 4,
            "uses the room it has: {size} bytes"
        );
        assert!(alert.subject.len() <= SUBJECT_LIMIT);
        let (body, https) = parse(&alert);
        let email = body["email"].as_str().unwrap();
        assert_eq!(body["default"].as_str().unwrap(), email);
        let description = https["content"]["description"].as_str().unwrap();
        assert!(description.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);

        // The note at the top says how many rows each table lists; each region then says
        // how many it left out, and the two add up to the region's total.
        let rows: usize = email
            .split("Each table lists at most ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no row limit said in:\n{}", &email[..2000]));
        assert!(rows >= MIN_ROWS, "{rows} rows");
        for r in &d.regions {
            let left_out = r.open.len() - rows;
            let note = format!(
                "… and {left_out} more open findings (run streamwarden report --format html for all)"
            );
            assert!(email.contains(&note), "no {note:?}");
            assert!(email.contains(&format!("== {} ", r.region)));
        }
        assert!(email.contains("more fleets, the least used"));
        assert!(!email.contains("@"), "no user IDs");
    }

    #[test]
    fn sections_are_left_out_when_fewer_rows_are_not_enough() {
        let mut d = sample();
        let template = d.regions[0].clone();
        d.regions = (0..400)
            .map(|i| RegionDigest {
                region: format!("xx-test-{i}"),
                ..template.clone()
            })
            .collect();
        let alert = message(&d);
        assert!(published_size(&alert) <= SNS_PUBLISH_LIMIT);
        let email = parse(&alert).0["email"].as_str().unwrap().to_owned();
        assert!(email.contains("Left out: "), "{}", &email[..1500]);
        assert!(
            email.contains("== xx-test-399 "),
            "every region is still there"
        );

        // Thousands of regions: one line each is too much, so the text is cut at a line.
        d.regions = (0..5000)
            .map(|i| RegionDigest {
                region: format!("xx-test-{i}"),
                ..template.clone()
            })
            .collect();
        let alert = message(&d);
        assert!(published_size(&alert) <= SNS_PUBLISH_LIMIT);
        let email = parse(&alert).0["email"].as_str().unwrap().to_owned();
        assert!(email.contains("… the rest of this digest was cut to fit one SNS message"));
    }

    #[test]
    fn chatbot_description_stays_within_its_limit() {
        let mut d = huge(5_000, 20_000);
        for r in &mut d.regions {
            for f in &mut r.open {
                f.title = "T".repeat(5_000);
                f.resource = "f".repeat(1_000);
            }
            for f in &mut r.fleets {
                f.fleet = "n".repeat(1_000);
            }
        }
        let value = chatbot(&d);
        let description = value["content"]["description"].as_str().unwrap();
        assert!(description.chars().count() <= CHATBOT_DESCRIPTION_LIMIT);
        let title = value["content"]["title"].as_str().unwrap();
        assert!(title.chars().count() <= SUBJECT_LIMIT + 24, "{title}");

        let small = chatbot(&sample());
        let description = small["content"]["description"].as_str().unwrap();
        assert!(description.contains("*Most severe open findings*"));
        assert!(
            description
                .contains(":rotating_light: *CRITICAL* `FLEET-IAM-ROLE` fleet `finance-apps`")
        );
        assert!(description.contains("• `old-kiosk` (`eu-west-1`, ALWAYS_ON)"));
        assert!(description.contains("*Busiest fleets*\n• `finance-apps`"));
        assert!(
            small["content"]["nextSteps"][0]
                .as_str()
                .unwrap()
                .contains("streamwarden report")
        );
    }

    #[test]
    fn hostile_names_are_escaped_in_html_text_and_slack() {
        let hostile = "<script>alert(1)</script>&\"";
        let mut d = sample();
        d.regions[0].fleets[0].fleet = hostile.to_owned();
        d.regions[0].open[0].resource = hostile.to_owned();
        d.regions[0].open[0].title = "</td><img src=x onerror=alert(2)>".to_owned();
        d.regions[1].errors.push("<iframe src='//evil'>".to_owned());
        let page = html(&d);
        for bad in ["<script", "<img", "<iframe", "</script>"] {
            assert!(!page.contains(bad), "{bad} in the page");
        }
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;"));
        assert!(page.contains("id=\"fleet-eu-west-1-script-alert-1-script\""));
        assert!(page.contains("&lt;/td&gt;&lt;img src=x onerror=alert(2)&gt;"));

        let value = chatbot(&d);
        let description = value["content"]["description"].as_str().unwrap();
        assert!(!description.contains("<script"), "{description}");
    }

    #[test]
    fn html_is_one_self_contained_page_with_a_chart_per_fleet() {
        let d = sample();
        let page = html(&d);
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(page.ends_with("</html>\n"));
        for external in ["<script", "<link", " src=", "url(", "@import"] {
            assert!(!page.contains(external), "{external} in the page");
        }
        let links: Vec<&str> = page.matches("http").collect();
        assert_eq!(
            links.len(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
                + page.matches("http-equiv").count(),
            "only SVG namespaces and the CSP"
        );
        let fleets: usize = d.regions.iter().map(|r| r.fleets.len()).sum();
        assert_eq!(page.matches("<svg class=\"usage-chart").count(), fleets);
        assert_eq!(page.matches("<polyline class=\"sessions\"").count(), fleets);
        assert!(page.contains("<section class=\"fleet idle\" id=\"fleet-eu-west-1-old-kiosk\""));
        assert!(page.contains("role=\"img\" aria-label=\"Sessions on fleet finance-apps from 2026-03-01 06:00 to 2026-03-02 06:00 UTC, peak 18 at 2026-03-01 12:00 UTC\""));
        assert!(page.contains("<th scope=\"col\">Severity</th>"));
    }
}
