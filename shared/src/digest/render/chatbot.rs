//! The digest as an AWS Chatbot custom notification, for people reading the Slack
//! channel Chatbot posts to: the totals, the most severe open findings, idle and busiest
//! fleets, in Slack markdown within [`CHATBOT_DESCRIPTION_LIMIT`], and the command that
//! prints the whole digest.

use super::view::{View, age, hours_range, resource_noun, rfc3339};
use crate::alert::CHATBOT_DESCRIPTION_LIMIT;
use crate::digest::{FleetUsage, OpenFinding, RegionDigest};
use crate::finding::{ResourceType, Severity};
use crate::markup::slack::{code, emoji, escape as slack, literal};
use crate::markup::{appstream_arn as arn, line, one_line, plural, shorten};
use serde_json::{Map, Value, json};

/// The most items of each kind the Chatbot description lists.
const CHATBOT_TOP: usize = 5;

/// The longest title or message of one item in the Chatbot description, in characters.
const CHATBOT_FIELD_LIMIT: usize = 160;

impl<'a> View<'a> {
    pub(super) fn chatbot(&self, subject: &str) -> Value {
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
            .map(|(r, f)| arn(&r.account, &r.region, f.resource_type, &f.resource));
        let idle = self
            .idle_fleets()
            .into_iter()
            .map(|(r, f)| arn(&r.account, &r.region, ResourceType::Fleet, &f.fleet));
        for a in findings.chain(idle) {
            if !arns.contains(&a) && arns.len() < CHATBOT_TOP {
                arns.push(a);
            }
        }
        arns
    }

    /// Open findings across regions, most severe first, then oldest first.
    fn top_findings(&self) -> Vec<(&'a RegionDigest, &'a OpenFinding)> {
        let mut all: Vec<(&RegionDigest, &OpenFinding)> = self
            .regions
            .iter()
            .flat_map(|rv| rv.open.iter().map(move |f| (rv.r, *f)))
            .collect();
        all.sort_by(|(_, a), (_, b)| {
            b.severity
                .cmp(&a.severity)
                .then(a.opened_at.cmp(&b.opened_at))
        });
        all
    }

    fn idle_fleets(&self) -> Vec<(&'a RegionDigest, &'a FleetUsage)> {
        self.regions
            .iter()
            .flat_map(|rv| rv.idle.iter().map(move |f| (rv.r, *f)))
            .collect()
    }

    /// Fleets with sessions, busiest first.
    fn busiest_fleets(&self) -> Vec<(&'a RegionDigest, &'a FleetUsage)> {
        let mut all: Vec<(&RegionDigest, &FleetUsage)> = self
            .d
            .regions
            .iter()
            .flat_map(|r| r.fleets.iter().map(move |f| (r, f)))
            .filter(|(_, f)| f.sessions > 0)
            .collect();
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
        if self.org {
            line(
                &mut out,
                format!(
                    "*AppStream compliance digest* · organisation, {} · {}",
                    slack(&self.accounts_phrase()),
                    slack(&self.period())
                ),
            );
        } else {
            line(
                &mut out,
                format!(
                    "*AppStream compliance digest* · account `{}` · {}",
                    code(&d.account),
                    slack(&self.period())
                ),
            );
        }
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
        if self.org {
            self.account_lines(&mut out, n.max(1) * 2);
        } else if regions.len() > 1 {
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
            line(&mut out, "*Most severe open findings*");
            for (r, f) in top.iter().take(n) {
                line(
                    &mut out,
                    format!(
                        "{} *{}* `{}` {} `{}` (`{}`), open {}: {}",
                        emoji(Some(f.severity)),
                        f.severity,
                        code(&f.rule_id),
                        resource_noun(f.resource_type),
                        code(&f.resource),
                        self.place(r),
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
                "*Idle fleets* (running, no sessions: money to save)",
            );
            for (r, f) in idle.iter().take(n) {
                let kind = f
                    .fleet_type
                    .as_deref()
                    .map(|t| format!(", {}", slack(t)))
                    .unwrap_or_default();
                line(
                    &mut out,
                    format!("• `{}` (`{}`{kind})", code(&f.fleet), self.place(r)),
                );
            }
            more_slack(&mut out, idle.len(), n, "idle fleet", "idle fleets");
        }

        let busiest = self.busiest_fleets();
        if !busiest.is_empty() {
            out.push('\n');
            line(&mut out, "*Busiest fleets*");
            for (r, f) in busiest.iter().take(n.min(3)) {
                line(
                    &mut out,
                    format!(
                        "• `{}` (`{}`): {}, {}, {} session-hours, peak {}",
                        code(&f.fleet),
                        self.place(r),
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
                    self.place(rv.r)
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
}

impl View<'_> {
    /// Where a row is: `eu-west-1`, or in an organisation digest `eu-west-1`, `111111111111`
    /// (the text between the outer backticks, escaped for a code span).
    fn place(&self, r: &RegionDigest) -> String {
        if self.org {
            format!("{}`, `{}", code(&r.region), code(&r.account))
        } else {
            code(&r.region)
        }
    }

    /// An organisation digest's accounts, largest first: the first `shown`, then how many
    /// more and the command for one of them; then the accounts not audited.
    fn account_lines(&self, out: &mut String, shown: usize) {
        for a in self.accounts.iter().take(shown) {
            let rvs = || a.regions.iter().map(|&i| &self.regions[i]);
            let name = a
                .name
                .as_deref()
                .map(|n| format!(" ({})", literal(n)))
                .unwrap_or_default();
            let flag = if a.not_audited {
                " · :warning: *not audited*"
            } else {
                ""
            };
            line(
                out,
                format!(
                    "• `{}`{name}: {} open ({}), {}, {}, {} idle{flag}",
                    code(a.id),
                    a.open,
                    Self::severity_phrase(|s| rvs().map(|rv| rv.count_by_severity(s)).sum()),
                    plural(a.changes, "change", "changes"),
                    plural(rvs().map(|rv| rv.r.fleets.len()).sum(), "fleet", "fleets"),
                    rvs().map(|rv| rv.idle.len()).sum::<usize>()
                ),
            );
        }
        if self.accounts.len() > shown {
            line(
                out,
                format!(
                    "… and {} (see `{}`)",
                    plural(self.accounts.len() - shown, "more account", "more accounts"),
                    code(&self.account_command("ID"))
                ),
            );
        }
        let mut not_audited: Vec<String> = self
            .not_audited()
            .take(CHATBOT_TOP)
            .map(|a| format!("`{}`", code(a.id)))
            .collect();
        let more = self.not_audited().count().saturating_sub(CHATBOT_TOP);
        if more > 0 {
            not_audited.push(format!("and {more} more"));
        }
        if !not_audited.is_empty() {
            line(
                out,
                format!(
                    ":warning: Not audited (no longer governed; findings kept open as last seen): {}",
                    not_audited.join(", ")
                ),
            );
        }
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
