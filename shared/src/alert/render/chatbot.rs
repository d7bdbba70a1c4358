//! The AWS Chatbot custom notification of an alert (SNS `https`), for people reading
//! the Slack channel Chatbot posts to: a title with the severity's emoji, a short
//! description in Slack markdown, next steps and metadata Chatbot threads and filters on.

use super::CHATBOT_DESCRIPTION_LIMIT;
use super::view::{Item, Section, View, duration, timestamp};
use crate::alert::Trigger;
use crate::markup::slack::{code, emoji, escape as slack, literal};
use crate::markup::{capitalize, line, one_line, shorten};
use serde_json::{Map, Value, json};

/// The longest observed-value message or remediation shown for one item in the Chatbot
/// description, in characters; the e-mail always has the whole text.
const DESCRIPTION_FIELD_LIMIT: usize = 300;

impl View<'_> {
    pub(super) fn chatbot(&self, subject: &str) -> Value {
        let c = self.change;
        let tag = self.severity_tag();
        let title = format!("{} {}", emoji(c.severity()), slack(subject));
        let description = self.description();
        let mut additional = Map::new();
        let mut put = |k: &str, v: String| {
            additional.insert(k.to_owned(), Value::String(v));
        };
        put("account", one_line(&c.account));
        if let Some(name) = &self.account_name {
            put("accountName", name.clone());
        }
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
                "*AppStream {} `{}`* · account `{}`{} · `{}`",
                self.noun,
                code(&self.name),
                code(&c.account),
                self.account_name
                    .as_deref()
                    .map(|n| format!(" ({})", literal(n)))
                    .unwrap_or_default(),
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
        let severity = item.severity_label();
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
