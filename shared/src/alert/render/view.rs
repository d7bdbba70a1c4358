//! What every rendering of one change shares: its findings in display order and in
//! order of importance, the counts and sentences, and where the resource is.

use crate::alert::{AlertFinding, Change, Trigger};
use crate::finding::{ResourceType, Severity};
use crate::markup::{one_line, plural};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;

/// Where an item is listed, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Section {
    Opened,
    Raised,
    Resolved,
}

impl Section {
    pub(super) const ALL: [Section; 3] = [Section::Opened, Section::Raised, Section::Resolved];

    pub(super) fn heading(self) -> &'static str {
        match self {
            Section::Opened => "Opened",
            Section::Raised => "Severity raised",
            Section::Resolved => "Resolved",
        }
    }
}

/// One finding as listed: its section, and for a raised finding the severity before.
pub(super) struct Item<'a> {
    pub(super) section: Section,
    pub(super) finding: &'a AlertFinding,
    pub(super) was: Option<Severity>,
}

impl Item<'_> {
    /// `HIGH`, or `MEDIUM -> HIGH` for a raised finding.
    pub(super) fn severity_label(&self) -> String {
        match self.was {
            Some(was) => format!("{was} -> {}", self.finding.severity),
            None => self.finding.severity.to_string(),
        }
    }
}

/// Everything derived from a change once, shared by every rendering.
pub(super) struct View<'a> {
    pub(super) change: &'a Change,
    /// Display order: section, then severity (most severe first), then rule ID.
    pub(super) items: Vec<Item<'a>>,
    /// Indices into `items`, most important first: what is open now before what was
    /// resolved, then by severity. When a rendering must leave items out, it keeps a
    /// prefix of this order.
    pub(super) ranked: Vec<usize>,
    /// The resource type as a word: `fleet`, `stack` or `session`.
    pub(super) noun: &'static str,
    /// The resource name on one line.
    pub(super) name: String,
    /// The account's name on one line, where Organizations gives one.
    pub(super) account_name: Option<String>,
    /// When the change was seen: the API call's time, or the sweep's.
    pub(super) time: DateTime<Utc>,
}

impl<'a> View<'a> {
    pub(super) fn new(change: &'a Change) -> Self {
        let mut items: Vec<Item<'a>> = change
            .opened
            .iter()
            .map(|f| Item {
                section: Section::Opened,
                finding: f,
                was: None,
            })
            .chain(change.raised.iter().map(|(f, was)| Item {
                section: Section::Raised,
                finding: f,
                was: Some(*was),
            }))
            .chain(change.resolved.iter().map(|f| Item {
                section: Section::Resolved,
                finding: f,
                was: None,
            }))
            .collect();
        items.sort_by(|a, b| {
            (a.section, Reverse(a.finding.severity), &a.finding.rule_id)
                .cmp(&(b.section, Reverse(b.finding.severity), &b.finding.rule_id))
                .then_with(|| a.finding.title.cmp(&b.finding.title))
                .then_with(|| a.finding.message.cmp(&b.finding.message))
                .then_with(|| a.finding.remediation.cmp(&b.finding.remediation))
                .then_with(|| a.finding.since.cmp(&b.finding.since))
                .then_with(|| a.was.cmp(&b.was))
        });
        let mut ranked: Vec<usize> = (0..items.len()).collect();
        ranked.sort_by_key(|&i| {
            let item = &items[i];
            (
                item.section == Section::Resolved,
                Reverse(item.finding.severity),
                i,
            )
        });
        let time = match &change.trigger {
            Trigger::Schedule { time } | Trigger::ApiCall { time, .. } => *time,
        };
        View {
            change,
            items,
            ranked,
            noun: match change.resource_type {
                // Session findings are kept per fleet: "AppStream sessions on fleet X".
                ResourceType::Session => "sessions on fleet",
                ResourceType::ImageBuilder => "image builder",
                other => other.as_str(),
            },
            name: one_line(&change.resource),
            account_name: change
                .account_name
                .as_deref()
                .map(one_line)
                .filter(|n| !n.is_empty()),
            time,
        }
    }

    pub(super) fn count(&self, section: Section) -> usize {
        self.items.iter().filter(|i| i.section == section).count()
    }

    /// `HIGH`, or `RESOLVED` when the change only resolves findings.
    pub(super) fn severity_tag(&self) -> &'static str {
        self.change
            .severity()
            .map_or("RESOLVED", |severity| severity.as_str())
    }

    /// `opened`, `raised`, `resolved`, `mixed` (more than one of those) or `none`.
    pub(super) fn change_kind(&self) -> &'static str {
        let present: Vec<Section> = Section::ALL
            .into_iter()
            .filter(|&s| self.count(s) > 0)
            .collect();
        match present.as_slice() {
            [] => "none",
            [Section::Opened] => "opened",
            [Section::Raised] => "raised",
            [Section::Resolved] => "resolved",
            _ => "mixed",
        }
    }

    /// `2 findings opened`, `severity raised on 1 finding`, or `1 opened, 2 resolved`
    /// when more than one kind changed.
    pub(super) fn counts_phrase(&self) -> String {
        let parts: Vec<(usize, &str)> = [
            (self.count(Section::Opened), "opened"),
            (self.count(Section::Raised), "raised"),
            (self.count(Section::Resolved), "resolved"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .collect();
        match parts.as_slice() {
            [] => "no change".to_owned(),
            [(n, "raised")] => format!("severity raised on {}", findings(*n)),
            [(n, verb)] => format!("{} {verb}", findings(*n)),
            _ => parts
                .iter()
                .map(|(n, verb)| format!("{n} {verb}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The findings still open after this change, most severe first.
    pub(super) fn still_open(&self) -> Vec<Severity> {
        if self.change.deleted {
            return Vec::new();
        }
        let mut open: Vec<Severity> = self
            .change
            .unchanged
            .iter()
            .chain(&self.change.opened)
            .chain(self.change.raised.iter().map(|(f, _)| f))
            .map(|f| f.severity)
            .collect();
        open.sort_by_key(|&s| Reverse(s));
        open
    }

    /// `3 findings still open (1 HIGH, 2 MEDIUM).`, or that none are.
    pub(super) fn still_open_sentence(&self) -> String {
        let open = self.still_open();
        if self.change.deleted {
            return format!(
                "The {} no longer exists; its findings are closed.",
                self.resource_key()
            );
        }
        if open.is_empty() {
            return format!("No findings are open on {} now.", self.this());
        }
        let by_severity: Vec<String> = Severity::ALL
            .into_iter()
            .filter_map(|s| {
                let n = open.iter().filter(|&&o| o == s).count();
                (n > 0).then(|| format!("{n} {s}"))
            })
            .collect();
        format!(
            "{} still open on {} ({}).",
            findings(open.len()),
            self.this(),
            by_severity.join(", ")
        )
    }

    /// The resource the name belongs to: `fleet`, `stack`, `image-builder`, `image` or
    /// `account` (session findings belong to their fleet).
    pub(super) fn resource_key(&self) -> &'static str {
        match self.change.resource_type {
            ResourceType::Fleet | ResourceType::Session => "fleet",
            other => other.as_str(),
        }
    }

    /// `this fleet`, `this stack`, `this image builder`, ... or `this fleet's sessions`.
    pub(super) fn this(&self) -> &'static str {
        match self.change.resource_type {
            ResourceType::Fleet => "this fleet",
            ResourceType::Stack => "this stack",
            ResourceType::Session => "this fleet's sessions",
            ResourceType::ImageBuilder => "this image builder",
            ResourceType::Image => "this image",
            ResourceType::Account => "this account and region",
        }
    }

    pub(super) fn console_url(&self) -> String {
        let region = &self.change.region;
        let page = match self.change.resource_type {
            ResourceType::Stack => "stacks",
            ResourceType::Fleet | ResourceType::Session => "fleets",
            ResourceType::ImageBuilder => "image-builders",
            ResourceType::Image => "images",
            ResourceType::Account => "usage-reports",
        };
        format!("https://{region}.console.aws.amazon.com/appstream2/home?region={region}#/{page}")
    }

    pub(super) fn arn(&self) -> String {
        crate::markup::appstream_arn(
            &self.change.account,
            &self.change.region,
            self.change.resource_type,
            &self.name,
        )
    }
}

/// `1 finding`, `2 findings`.
pub(super) fn findings(n: usize) -> String {
    plural(n, "finding", "findings")
}

pub(super) fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `3 days 4 hours`, `2 hours 5 minutes`, `12 minutes`, `less than a minute`.
pub(super) fn duration(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (days, hours, mins) {
        (0, 0, 0) => "less than a minute".to_owned(),
        (0, 0, m) => unit(m, "minute"),
        (0, h, 0) => unit(h, "hour"),
        (0, h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
        (d, 0, _) => unit(d, "day"),
        (d, h, _) => format!("{} {}", unit(d, "day"), unit(h, "hour")),
    }
}
