//! Renders one [`Change`] into one SNS message for its three readers: the e-mail
//! subject and attributes (this module), the plain text for `default` and `email`
//! ([`text`]), and the AWS Chatbot custom notification for `https` ([`chatbot`]), put
//! together within SNS's size limit by [`fit`]. [`view`] derives what they all show once.
//!
//! Everything here is deterministic: items are sorted (severity, most severe first, then
//! rule ID), maps are `BTreeMap`s or insertion-ordered JSON objects, and the only clock
//! is the trigger's own time.

mod chatbot;
mod fit;
mod text;
mod view;

use super::{Alert, Change};
use crate::markup::{ascii_line, one_line, shorten};
use std::collections::BTreeMap;
use view::View;

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

/// The longest `rule_ids` message attribute. Not an SNS limit (a String attribute value
/// may be as long as the message body): a cap that keeps the attribute readable in
/// subscription filter policies and logs. Truncated at a comma, so every ID in it is
/// whole.
const RULE_IDS_LIMIT: usize = 256;

/// The most characters of an account name in a subject (the resource name and the
/// counts come first).
const ACCOUNT_NAME_IN_SUBJECT: usize = 24;

/// Renders the alert for one change on one fleet or stack.
pub fn render(change: &Change) -> Alert {
    let view = View::new(change);
    let subject = view.subject();
    let https = view.chatbot(&subject).to_string();
    Alert {
        message: view.message(&https),
        subject,
        attributes: view.attributes(),
    }
}

impl View<'_> {
    /// `[HIGH] AppStream fleet finance-apps: 2 findings opened`, under
    /// [`SUBJECT_LIMIT`]: the resource name is shortened with `...` when needed, never
    /// the severity or the counts.
    fn subject(&self) -> String {
        let prefix = format!("[{}] AppStream {} ", self.severity_tag(), self.noun);
        let deleted = if self.change.deleted { " deleted" } else { "" };
        let account = match &self.account_name {
            Some(name) => format!(" ({})", shorten(&ascii_line(name), ACCOUNT_NAME_IN_SUBJECT)),
            None => String::new(),
        };
        let suffix = format!("{account}{deleted}: {}", self.counts_phrase());
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
        if let Some(name) = &self.account_name {
            attributes.insert("account_name".to_owned(), name.clone());
        }
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
}
