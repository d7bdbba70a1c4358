//! What every rendering of a digest shares: each region's findings, changes and fleets
//! in the orders rows are kept in when some must be left out, the totals and phrases,
//! the command that prints the digest in full, and the digest's words for times, ages,
//! session-hours and shares.

use crate::digest::{Digest, FindingChange, FleetUsage, OpenFinding, RegionDigest};
use crate::finding::{ResourceType, Severity};
use crate::markup::{one_line, plural};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::HashMap;

/// The most regions the suggested `streamwarden report` command names one by one.
const REGIONS_IN_COMMAND: usize = 8;

/// One region, with the orders rows are kept in when some must be left out.
pub(super) struct RegionView<'a> {
    pub(super) r: &'a RegionDigest,
    /// Open findings, most severe first, then oldest first.
    pub(super) open: Vec<&'a OpenFinding>,
    /// How many findings are open on each fleet or stack.
    pub(super) open_per_resource: HashMap<(ResourceType, &'a str), usize>,
    /// Indices into `r.changes`, most important first: opened and raised before
    /// resolved, then most severe, then latest.
    pub(super) changes: Vec<usize>,
    /// Indices into `r.fleets`, busiest first (session-hours, then sessions).
    pub(super) busiest: Vec<usize>,
    pub(super) idle: Vec<&'a FleetUsage>,
}

impl<'a> RegionView<'a> {
    pub(super) fn new(r: &'a RegionDigest) -> Self {
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

    pub(super) fn count_by_severity(&self, severity: Severity) -> usize {
        self.open.iter().filter(|f| f.severity == severity).count()
    }

    pub(super) fn change_count(&self, kind: &str) -> usize {
        self.r.changes.iter().filter(|c| c.change == kind).count()
    }

    /// The open findings to list, grouped by resource in the order of each group's most
    /// important finding.
    pub(super) fn open_groups(&self, rows: usize) -> Vec<(String, usize, Vec<&'a OpenFinding>)> {
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
    pub(super) fn shown_changes(&self, rows: usize) -> Vec<&'a FindingChange> {
        let mut shown: Vec<usize> = self.changes.iter().take(rows).copied().collect();
        shown.sort_unstable();
        shown.iter().map(|&i| &self.r.changes[i]).collect()
    }

    /// The fleets to list in the usage table, by name.
    pub(super) fn shown_fleets(&self, rows: usize) -> Vec<&'a FleetUsage> {
        let mut shown: Vec<usize> = self.busiest.iter().take(rows).copied().collect();
        shown.sort_unstable();
        shown.iter().map(|&i| &self.r.fleets[i]).collect()
    }
}

/// One account of an organisation digest: its sections and how much they hold.
pub(super) struct AccountView<'a> {
    pub(super) id: &'a str,
    /// The account's name on one line, where Organizations gives one.
    pub(super) name: Option<String>,
    pub(super) not_audited: bool,
    /// Indices into [`View::regions`], in the digest's order.
    pub(super) regions: Vec<usize>,
    pub(super) open: usize,
    pub(super) changes: usize,
}

impl AccountView<'_> {
    /// `111111111111 (Production)`, or the ID alone.
    pub(super) fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({name})", one_line(self.id)),
            None => one_line(self.id),
        }
    }
}

pub(super) struct View<'a> {
    pub(super) d: &'a Digest,
    pub(super) regions: Vec<RegionView<'a>>,
    /// An organisation digest: sections per account (some section is of another account
    /// than the digest's own).
    pub(super) org: bool,
    /// The accounts, largest first: most open findings, then most changes, then in the
    /// digest's order. When a rendering must leave accounts out, it keeps a prefix.
    pub(super) accounts: Vec<AccountView<'a>>,
}

impl<'a> View<'a> {
    pub(super) fn new(d: &'a Digest) -> Self {
        let regions: Vec<RegionView<'a>> = d.regions.iter().map(RegionView::new).collect();
        let mut accounts: Vec<AccountView<'a>> = Vec::new();
        for (i, r) in d.regions.iter().enumerate() {
            let at = match accounts.iter().position(|a| a.id == r.account) {
                Some(at) => at,
                None => {
                    accounts.push(AccountView {
                        id: &r.account,
                        name: None,
                        not_audited: false,
                        regions: Vec::new(),
                        open: 0,
                        changes: 0,
                    });
                    accounts.len() - 1
                }
            };
            let a = &mut accounts[at];
            a.regions.push(i);
            a.open += r.open.len();
            a.changes += r.changes.len();
            a.not_audited |= r.not_audited;
            if a.name.is_none() {
                a.name = r
                    .account_name
                    .as_deref()
                    .map(one_line)
                    .filter(|n| !n.is_empty());
            }
        }
        // A stable sort: equals keep the digest's order.
        accounts.sort_by_key(|a| (Reverse(a.open), Reverse(a.changes)));
        View {
            d,
            regions,
            org: d.is_organization(),
            accounts,
        }
    }

    pub(super) fn not_audited(&self) -> impl Iterator<Item = &AccountView<'a>> {
        self.accounts.iter().filter(|a| a.not_audited)
    }

    /// `3 accounts (1 not audited)`.
    pub(super) fn accounts_phrase(&self) -> String {
        format!(
            "{}{}",
            plural(self.accounts.len(), "account", "accounts"),
            self.not_audited_note()
        )
    }

    /// ` (1 not audited)`, or nothing when every account was audited.
    pub(super) fn not_audited_note(&self) -> String {
        match self.not_audited().count() {
            0 => String::new(),
            n => format!(" ({n} not audited)"),
        }
    }

    /// The command that prints one account's part of this digest.
    pub(super) fn account_command(&self, account: &str) -> String {
        format!(
            "streamwarden report --account {account} --since {} --until {}",
            rfc3339(self.d.since),
            rfc3339(self.d.until)
        )
    }

    pub(super) fn open_count(&self) -> usize {
        self.d.open_count()
    }

    pub(super) fn idle_count(&self) -> usize {
        self.regions.iter().map(|r| r.idle.len()).sum()
    }

    pub(super) fn fleet_count(&self) -> usize {
        self.d.regions.iter().map(|r| r.fleets.len()).sum()
    }

    pub(super) fn sessions(&self) -> usize {
        self.fleets().map(|(_, f)| f.sessions).sum()
    }

    pub(super) fn fleets(&self) -> impl Iterator<Item = (&'a str, &'a FleetUsage)> {
        self.d
            .regions
            .iter()
            .flat_map(|r| r.fleets.iter().map(move |f| (r.region.as_str(), f)))
    }

    pub(super) fn change_count(&self, kind: &str) -> usize {
        self.regions.iter().map(|r| r.change_count(kind)).sum()
    }

    pub(super) fn count_by_severity(&self, severity: Severity) -> usize {
        self.regions
            .iter()
            .map(|r| r.count_by_severity(severity))
            .sum()
    }

    /// `1 CRITICAL, 2 HIGH`, the severities present, most severe first; `none`.
    pub(super) fn severity_phrase(counts: impl Fn(Severity) -> usize) -> String {
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
    pub(super) fn changes_phrase(count: impl Fn(&str) -> usize) -> String {
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
    pub(super) fn total_hours(&self) -> String {
        let (least, most) = self.fleets().fold((0.0, 0.0), |(l, m), (_, f)| {
            (l + f.session_hours_min, m + f.session_hours_max)
        });
        hours_range(least, most)
    }

    /// Each region once, in the digest's order.
    pub(super) fn region_names(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.d
            .regions
            .iter()
            .filter(|r| seen.insert(r.region.as_str()))
            .map(|r| one_line(&r.region))
            .collect()
    }

    /// The command that prints this digest in full.
    pub(super) fn report_command(&self) -> String {
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

    pub(super) fn period(&self) -> String {
        format!(
            "{} to {} UTC ({})",
            minute(self.d.since),
            minute(self.d.until),
            span(self.d.until - self.d.since)
        )
    }
}

pub(super) fn or_none(s: &str) -> &str {
    if s.is_empty() { "none" } else { s }
}

/// `fleet finance-apps`, `stack desk`, `sessions on fleet finance-apps`.
pub(super) fn resource_label(t: ResourceType, name: &str) -> String {
    format!("{} {}", resource_noun(t), one_line(name))
}

pub(super) fn resource_noun(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Fleet => "fleet",
        ResourceType::Stack => "stack",
        ResourceType::Session => "sessions on fleet",
        ResourceType::ImageBuilder => "image builder",
        ResourceType::Image => "image",
        ResourceType::Account => "account",
    }
}

/// How long a finding has been open: `5 h`, `3 d 4 h`, `12 d`.
pub(super) fn age(hours: i64) -> String {
    let hours = hours.max(0);
    match (hours / 24, hours % 24) {
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} d"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// The period's length: `24 hours`, `7 days`, `90 minutes`.
pub(super) fn span(d: chrono::TimeDelta) -> String {
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
pub(super) fn hours_range(least: f64, most: f64) -> String {
    let (a, b) = (format!("{least:.1}"), format!("{most:.1}"));
    if a == b { a } else { format!("{a}–{b}") }
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// `2.4/3 of 4` for a multi-session fleet: average and peak sessions per instance, of
/// MaxSessionsPerInstance; `-` for a single-session fleet.
pub(super) fn packing(f: &FleetUsage) -> String {
    match f.max_sessions_per_instance {
        Some(max) if max > 1 => {
            let avg = f
                .average_sessions_per_instance
                .map_or("-".to_owned(), |a| format!("{a:.1}"));
            let peak = f
                .peak_sessions_per_instance
                .map_or("-".to_owned(), |p| p.to_string());
            match f.draining_instances {
                Some(n) if n > 0 => format!("{avg}/{peak} of {max}, {n} draining"),
                _ => format!("{avg}/{peak} of {max}"),
            }
        }
        _ => "-".to_owned(),
    }
}

pub(super) fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn hhmm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
