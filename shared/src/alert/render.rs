//! Renders one [`Change`] into one SNS message: an e-mail subject, the
//! `MessageStructure=json` body (plain text for `default` and `email`, an AWS Chatbot
//! custom notification for `https`) and the message attributes subscription filter
//! policies match on.
//!
//! Everything here is deterministic: items are sorted (severity, most severe first, then
//! rule ID), maps are `BTreeMap`s or insertion-ordered JSON objects, and the only clock
//! is the trigger's own time.

use super::{Alert, AlertFinding, Change, Trigger};
use crate::finding::{ResourceType, Severity};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// The longest e-mail subject SNS accepts.
///
/// Amazon SNS `Publish`, parameter `Subject`: "Subjects must be UTF-8 text with no line
/// breaks or control characters, and less than 100 characters long" (SNS API reference,
/// as quoted in the AWS SDK for Kotlin `PublishRequest.subject` docs). Older versions of
/// the same reference required "ASCII text that begins with a letter, number, or
/// punctuation mark", and the Amazon Managed Service for Prometheus guide ("Understanding
/// Amazon SNS message validation rules") says SNS rewrites subjects with control or
/// non-ASCII characters, so subjects here are printable ASCII only: line breaks and
/// control characters become spaces, anything else outside ASCII becomes `?`.
pub const SUBJECT_LIMIT: usize = 99;

/// The longest `content.description` this renderer puts in a Chatbot notification, in
/// characters (after Slack escaping).
///
/// The AWS Chatbot (now "Amazon Q Developer in chat applications") custom notification
/// schema (<https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html>,
/// "Event schema" and "Parameter details") defines `version` ("Must be 1.0"), `source`
/// ("Must be custom"), `id`, `content.textType` (only `client-markdown`),
/// `content.title`, `content.description`, `content.nextSteps`, `content.keywords`,
/// `metadata.threadId`, `metadata.summary`, `metadata.eventType`,
/// `metadata.relatedResources` and `metadata.additionalContext` (string values). The
/// copy of that page available when this was written did not show a length limit for
/// the description, so the bound used is the one Slack enforces on the text of a section
/// block: "Maximum length for the text in this field is 3000 characters"
/// (<https://api.slack.com/reference/block-kit/blocks#section>). A longer description
/// lists the most severe items first and ends with "... and N more (see e-mail /
/// streamwarden)".
pub const CHATBOT_DESCRIPTION_LIMIT: usize = 3000;

/// The largest SNS message: "messages must be UTF-8 encoded strings and at most 256 KB
/// in size (262,144 bytes, not 262,144 characters)" (SNS API reference, `Publish`,
/// parameter `Message`). The whole JSON body, with the plain text in it twice, must fit.
const SNS_MESSAGE_LIMIT: usize = 262_144;

/// Byte budgets tried in turn for the plain text (it appears twice in the body, once as
/// `default` and once as `email`); the first one whose body fits [`SNS_MESSAGE_LIMIT`]
/// is used.
const PLAIN_TEXT_BUDGETS: [usize; 5] = [96_000, 48_000, 24_000, 12_000, 6_000];

/// The longest `rule_ids` message attribute. Not an SNS limit (a String attribute value
/// may be as long as the message body): a cap that keeps the attribute readable in
/// subscription filter policies and logs. Truncated at a comma, so every ID in it is
/// whole.
const RULE_IDS_LIMIT: usize = 256;

/// The longest observed-value message or remediation shown for one item in the Chatbot
/// description, in characters; the e-mail always has the whole text.
const DESCRIPTION_FIELD_LIMIT: usize = 300;

/// Renders the alert for one change on one fleet or stack.
pub fn render(change: &Change) -> Alert {
    let view = View::new(change);
    let subject = view.subject();
    let https = view.chatbot(&subject).to_string();
    let mut message = String::new();
    for budget in PLAIN_TEXT_BUDGETS {
        let text = view.plain_within(budget);
        message = json!({ "default": text, "email": text, "https": https }).to_string();
        if message.len() <= SNS_MESSAGE_LIMIT {
            break;
        }
    }
    Alert {
        subject,
        message,
        attributes: view.attributes(),
    }
}

/// Where an item is listed, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Opened,
    Raised,
    Resolved,
}

impl Section {
    const ALL: [Section; 3] = [Section::Opened, Section::Raised, Section::Resolved];

    fn heading(self) -> &'static str {
        match self {
            Section::Opened => "Opened",
            Section::Raised => "Severity raised",
            Section::Resolved => "Resolved",
        }
    }
}

/// One finding as listed: its section, and for a raised finding the severity before.
struct Item<'a> {
    section: Section,
    finding: &'a AlertFinding,
    was: Option<Severity>,
}

/// Everything derived from a change once, shared by every rendering.
struct View<'a> {
    change: &'a Change,
    /// Display order: section, then severity (most severe first), then rule ID.
    items: Vec<Item<'a>>,
    /// Indices into `items`, most important first: what is open now before what was
    /// resolved, then by severity. When a rendering must leave items out, it keeps a
    /// prefix of this order.
    ranked: Vec<usize>,
    /// The resource type as a word: `fleet`, `stack` or `session`.
    noun: &'static str,
    /// The resource name on one line.
    name: String,
    /// When the change was seen: the API call's time, or the sweep's.
    time: DateTime<Utc>,
}

impl<'a> View<'a> {
    fn new(change: &'a Change) -> Self {
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
                other => other.as_str(),
            },
            name: one_line(&change.resource),
            time,
        }
    }

    fn count(&self, section: Section) -> usize {
        self.items.iter().filter(|i| i.section == section).count()
    }

    /// `HIGH`, or `RESOLVED` when the change only resolves findings.
    fn severity_tag(&self) -> &'static str {
        self.change
            .severity()
            .map_or("RESOLVED", |severity| severity.as_str())
    }

    /// `opened`, `raised`, `resolved`, `mixed` (more than one of those) or `none`.
    fn change_kind(&self) -> &'static str {
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
    fn counts_phrase(&self) -> String {
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
    fn still_open(&self) -> Vec<Severity> {
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
    fn still_open_sentence(&self) -> String {
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

    /// The resource the name belongs to: `fleet` or `stack` (session findings belong to
    /// their fleet).
    fn resource_key(&self) -> &'static str {
        match self.change.resource_type {
            ResourceType::Stack => "stack",
            ResourceType::Fleet | ResourceType::Session => "fleet",
        }
    }

    /// `this fleet`, `this stack`, or `this fleet's sessions`.
    fn this(&self) -> &'static str {
        match self.change.resource_type {
            ResourceType::Fleet => "this fleet",
            ResourceType::Stack => "this stack",
            ResourceType::Session => "this fleet's sessions",
        }
    }

    fn console_url(&self) -> String {
        let region = &self.change.region;
        let page = match self.change.resource_type {
            ResourceType::Stack => "stacks",
            ResourceType::Fleet | ResourceType::Session => "fleets",
        };
        format!("https://{region}.console.aws.amazon.com/appstream2/home?region={region}#/{page}")
    }

    fn arn(&self) -> String {
        let region = &self.change.region;
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        format!(
            "arn:{partition}:appstream:{region}:{}:{}/{}",
            self.change.account,
            self.resource_key(),
            self.name
        )
    }

    /// `[HIGH] AppStream fleet finance-apps: 2 findings opened`, under
    /// [`SUBJECT_LIMIT`]: the resource name is shortened with `...` when needed, never
    /// the severity or the counts.
    fn subject(&self) -> String {
        let prefix = format!("[{}] AppStream {} ", self.severity_tag(), self.noun);
        let deleted = if self.change.deleted { " deleted" } else { "" };
        let suffix = format!("{deleted}: {}", self.counts_phrase());
        let name = ascii_line(&self.name);
        let room = SUBJECT_LIMIT.saturating_sub(prefix.len() + suffix.len());
        let name = if name.len() <= room {
            name
        } else if room > 3 {
            // `name` is ASCII, so any byte index is a character boundary.
            format!("{}...", name[..room - 3].trim_end())
        } else {
            String::new()
        };
        let mut subject = ascii_line(&format!("{prefix}{name}{suffix}"));
        subject.truncate(SUBJECT_LIMIT);
        subject
    }

    fn attributes(&self) -> BTreeMap<String, String> {
        let mut attributes = BTreeMap::new();
        attributes.insert("severity".to_owned(), self.severity_tag().to_owned());
        attributes.insert("rule_ids".to_owned(), self.rule_ids());
        attributes.insert(self.resource_key().to_owned(), self.name.clone());
        attributes.insert(
            "resource_type".to_owned(),
            self.change.resource_type.as_str().to_owned(),
        );
        attributes.insert("account".to_owned(), one_line(&self.change.account));
        attributes.insert("region".to_owned(), one_line(&self.change.region));
        attributes.insert("change".to_owned(), self.change_kind().to_owned());
        attributes
    }

    /// The rule IDs of every opened, raised and resolved finding: sorted, deduplicated,
    /// comma-separated, cut at a comma to fit [`RULE_IDS_LIMIT`].
    fn rule_ids(&self) -> String {
        let mut ids: Vec<String> = self
            .items
            .iter()
            .map(|i| one_line(&i.finding.rule_id).replace(',', " "))
            .filter(|id| !id.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        let mut out = String::new();
        for id in ids {
            let extra = if out.is_empty() { 0 } else { 1 };
            if out.len() + extra + id.len() > RULE_IDS_LIMIT {
                break;
            }
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(&id);
        }
        out
    }

    /// The largest prefix of `ranked` whose rendering fits `fits`, and that rendering.
    /// The rendering grows with every item, so a binary search finds it.
    fn fit(
        &self,
        render: impl Fn(&[bool], usize) -> String,
        fits: impl Fn(&str) -> bool,
    ) -> String {
        let total = self.ranked.len();
        let with = |k: usize| {
            let mut shown = vec![false; total];
            for &i in &self.ranked[..k] {
                shown[i] = true;
            }
            render(&shown, total - k)
        };
        let all = with(total);
        if fits(&all) {
            return all;
        }
        let (mut lo, mut hi) = (0, total);
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

    // ----- plain text (e-mail and `default`) -----

    /// The plain text, leaving out the least important items if it would exceed
    /// `budget` bytes.
    fn plain_within(&self, budget: usize) -> String {
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
                "AppStream {} {} in account {}, region {}",
                self.noun,
                self.name,
                one_line(&c.account),
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
        line(&mut out, "AppStream console:".to_owned());
        line(&mut out, self.console_url());
        out
    }

    fn plain_item(&self, out: &mut String, item: &Item<'_>) {
        let f = item.finding;
        let severity = match item.was {
            Some(was) => format!("{was} -> {}", f.severity),
            None => f.severity.to_string(),
        };
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

    // ----- AWS Chatbot custom notification (`https`) -----

    fn chatbot(&self, subject: &str) -> Value {
        let c = self.change;
        let tag = self.severity_tag();
        let title = format!("{} {}", emoji(c.severity()), slack(subject));
        let description = self.description();
        let mut additional = Map::new();
        let mut put = |k: &str, v: String| {
            additional.insert(k.to_owned(), Value::String(v));
        };
        put("account", one_line(&c.account));
        put("region", one_line(&c.region));
        put(
            "resourceType",
            self.change.resource_type.as_str().to_owned(),
        );
        put("resourceName", self.name.clone());
        put("severity", tag.to_owned());
        put("change", self.change_kind().to_owned());
        put("ruleIds", self.rule_ids());
        match &c.trigger {
            Trigger::ApiCall {
                event_id,
                event_name,
                ..
            } => {
                put("trigger", "api-call".to_owned());
                put("eventName", one_line(event_name));
                put("eventId", one_line(event_id));
            }
            Trigger::Schedule { .. } => put("trigger", "schedule".to_owned()),
        }
        json!({
            "version": "1.0",
            "source": "custom",
            "content": {
                "textType": "client-markdown",
                "title": title,
                "description": description,
                "nextSteps": [
                    format!("<{}|Open the AppStream console>", self.console_url()),
                    "Fix what is listed above, or record a waiver in the streamwarden policy".to_owned(),
                ],
                "keywords": [tag, self.noun, one_line(&c.region)],
            },
            "metadata": {
                "threadId": format!(
                    "streamwarden/{}/{}/{}/{}",
                    one_line(&c.account),
                    one_line(&c.region),
                    self.noun,
                    self.name
                ),
                "summary": subject,
                "eventType": match self.change_kind() {
                    "opened" => "StreamwardenFindingsOpened",
                    "raised" => "StreamwardenSeverityRaised",
                    "resolved" => "StreamwardenFindingsResolved",
                    _ => "StreamwardenFindingsChanged",
                },
                "relatedResources": [self.arn()],
                "additionalContext": additional,
            },
        })
    }

    /// The Slack markdown description, within [`CHATBOT_DESCRIPTION_LIMIT`] characters.
    fn description(&self) -> String {
        let text = self.fit(
            |shown, omitted| self.description_with(shown, omitted),
            |t| t.chars().count() <= CHATBOT_DESCRIPTION_LIMIT,
        );
        if text.chars().count() <= CHATBOT_DESCRIPTION_LIMIT {
            return text;
        }
        shorten(&text, CHATBOT_DESCRIPTION_LIMIT)
    }

    fn description_with(&self, shown: &[bool], omitted: usize) -> String {
        let c = self.change;
        let mut out = String::new();
        line(
            &mut out,
            format!(
                "*AppStream {} `{}`* · account `{}` · `{}`",
                self.noun,
                code(&self.name),
                code(&c.account),
                code(&c.region)
            ),
        );
        match &c.trigger {
            Trigger::ApiCall {
                event_id,
                event_name,
                principal,
                source_ip,
                ..
            } => {
                let from = source_ip
                    .as_deref()
                    .map(|ip| format!(" from `{}`", code(ip)))
                    .unwrap_or_default();
                line(
                    &mut out,
                    format!(
                        "Changed by `{}`{from} at {} (CloudTrail `{}`, event ID `{}`)",
                        code(principal),
                        timestamp(self.time),
                        code(event_name),
                        code(event_id)
                    ),
                );
            }
            Trigger::Schedule { .. } => line(
                &mut out,
                format!("Found by the scheduled sweep at {}", timestamp(self.time)),
            ),
        }
        line(&mut out, slack(&self.still_open_sentence()));
        for section in Section::ALL {
            let count = self.count(section);
            if count == 0 {
                continue;
            }
            out.push('\n');
            line(
                &mut out,
                format!("*{} ({count})*", slack(section.heading())),
            );
            for (i, item) in self.items.iter().enumerate() {
                if item.section == section && shown[i] {
                    self.description_item(&mut out, item);
                }
            }
        }
        if omitted > 0 {
            out.push('\n');
            out.push_str(&format!(
                "... and {omitted} more (see e-mail / streamwarden)"
            ));
        }
        out.trim_end().to_owned()
    }

    fn description_item(&self, out: &mut String, item: &Item<'_>) {
        let f = item.finding;
        let severity = match item.was {
            Some(was) => format!("{was} -> {}", f.severity),
            None => f.severity.to_string(),
        };
        let icon = if item.section == Section::Resolved {
            ":white_check_mark:"
        } else {
            emoji(Some(f.severity))
        };
        line(
            out,
            format!(
                "{icon} *{}* `{}` {}",
                slack(&severity),
                code(&f.rule_id),
                slack(&f.title)
            ),
        );
        let mut detail = literal(&shorten(&one_line(&f.message), DESCRIPTION_FIELD_LIMIT));
        if item.section == Section::Resolved {
            if let Some(since) = f.since {
                let open_for = format!(
                    "open for {}",
                    duration(self.time.signed_duration_since(since))
                );
                detail = if detail.is_empty() {
                    capitalize(&open_for)
                } else {
                    format!("{detail} _({open_for})_")
                };
            }
        } else if !f.remediation.trim().is_empty() {
            let fix = literal(&shorten(&one_line(&f.remediation), DESCRIPTION_FIELD_LIMIT));
            detail = if detail.is_empty() {
                format!("_Fix:_ {fix}")
            } else {
                format!("{detail}\n_Fix:_ {fix}")
            };
        }
        if !detail.is_empty() {
            line(out, detail);
        }
    }
}

// ----- small helpers -----

fn line(out: &mut String, text: String) {
    out.push_str(&text);
    out.push('\n');
}

/// `1 finding`, `2 findings`.
fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_owned()
    } else {
        format!("{n} findings")
    }
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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

/// Printable ASCII on one line, for the SNS subject: whitespace and control characters
/// become spaces (runs collapsed), other non-ASCII characters become `?`.
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

/// Text for Slack markdown: one line, with `&`, `<` and `>` escaped as Slack requires
/// (<https://api.slack.com/reference/surfaces/formatting#escaping>).
fn slack(s: &str) -> String {
    one_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text shown as written: escaped, and in a code span when it holds `*` or `~`, which
/// Slack would otherwise read as bold or strike-through (ARN patterns such as
/// `arn:aws:iam::*:role/appstream-*`); Slack markdown has no backslash escapes.
fn literal(s: &str) -> String {
    if s.contains(['*', '~']) {
        format!("`{}`", code(s))
    } else {
        slack(s)
    }
}

/// Text for inside a Slack code span: escaped, and without backticks that would end it.
fn code(s: &str) -> String {
    slack(s).replace('`', "'")
}

/// At most `limit` characters, ending in `...` when shortened.
fn shorten(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_owned();
    }
    let keep = limit.saturating_sub(3);
    let mut out: String = s.chars().take(keep).collect();
    out.push_str("...");
    out
}

/// At most `limit` bytes, cut at a character boundary.
fn truncate_bytes(s: &str, limit: usize) -> String {
    let mut end = limit.min(s.len());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `3 days 4 hours`, `2 hours 5 minutes`, `12 minutes`, `less than a minute`.
fn duration(d: chrono::TimeDelta) -> String {
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

/// A Slack emoji for a severity; a check mark when nothing opened or was raised.
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
