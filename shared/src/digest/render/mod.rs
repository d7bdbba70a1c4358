//! Renders a [`Digest`] for its readers, one module each: the plain text in
//! fixed-width columns for people reading e-mail and the terminal ([`text`], with its
//! [`table`]s), the AWS Chatbot custom notification for a Slack channel ([`chatbot`]),
//! and one self-contained HTML page for a browser ([`html`], with a usage [`chart`] per
//! fleet). [`message`] puts the text and the notification in one SNS message with
//! attributes for subscription filters, shortened by [`fit`] to SNS's size limit.
//! [`view`] derives once what they all show.
//!
//! Everything here is deterministic: the only clock is the digest's own times, and every
//! list is in a fixed order. The digest holds no user IDs and nothing here adds any.

mod chart;
mod chatbot;
mod fit;
mod html;
mod table;
#[cfg(test)]
mod tests;
mod text;
mod view;

use super::Digest;
use crate::alert::{Alert, SUBJECT_LIMIT};
use crate::finding::Severity;
use crate::markup::{ascii_line, one_line, plural, shorten};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use text::Limits;
use view::View;

/// The largest SNS publish: "The total size limit for a single SNS publish action is
/// 262,144 bytes (256 KiB)", counting the message, the subject and every message
/// attribute's name, type and value (SNS API reference, `Publish`; SNS developer guide,
/// "Amazon SNS message attributes"). [`message`] keeps [`published_size`] within it.
pub const SNS_PUBLISH_LIMIT: usize = 262_144;

/// The plain-text digest: the e-mail body and `streamwarden report --format text`.
pub fn text(d: &Digest) -> String {
    View::new(d).text(Limits::ALL)
}

/// The AWS Chatbot custom notification for Slack, within
/// [`CHATBOT_DESCRIPTION_LIMIT`](crate::alert::CHATBOT_DESCRIPTION_LIMIT).
pub fn chatbot(d: &Digest) -> Value {
    let view = View::new(d);
    view.chatbot(&view.subject())
}

/// The whole digest as one SNS message (`MessageStructure=json`): the plain text for
/// `default` and `email`, the Chatbot notification (as a JSON string) for `https`, and
/// attributes for subscription filter policies (`kind`, `account`, `regions`,
/// `severity`, `open_findings`, `idle_fleets`; an organisation digest adds `accounts`
/// and `not_audited`, counts). A digest too large for
/// [`SNS_PUBLISH_LIMIT`] lists fewer rows per table, then fewer sections, then (an
/// organisation digest) fewer accounts, the smallest left out first, and says what it
/// left out.
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
/// idle fleets) holding `svg.usage-chart` with a `polyline.sessions`. An organisation
/// digest puts its regions in `section.account#account-<id>[data-account]` (class
/// `not-audited` and `data-not-audited="true"` for an account no longer governed),
/// largest account first, as `#region-<id>-<region>` and `#fleet-<id>-<region>-<fleet>`.
pub fn html(d: &Digest) -> String {
    View::new(d).html()
}

impl View<'_> {
    /// `[HIGH] AppStream digest 123456789012: 7 open findings, 2 idle fleets`.
    fn subject(&self) -> String {
        let tag = self.d.worst().map_or("OK", Severity::as_str);
        let whose = if self.org {
            format!(
                "organisation digest ({})",
                plural(self.accounts.len(), "account", "accounts")
            )
        } else {
            format!("digest {}", ascii_line(&self.d.account))
        };
        let subject = format!(
            "[{tag}] AppStream {whose}: {}, {}",
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
        if self.org {
            put("accounts", self.accounts.len().to_string());
            put("not_audited", self.not_audited().count().to_string());
        }
        attributes
    }
}
