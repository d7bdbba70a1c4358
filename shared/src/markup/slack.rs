//! Slack `mrkdwn`, as AWS Chatbot shows a custom notification's `client-markdown` text
//! (title, description, next steps) in Slack.
//!
//! The custom notification schema
//! (<https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html>) says
//! which fields take markdown and defines no escaping of its own: Chatbot hands the text
//! to Slack, so Slack's rules apply
//! (<https://api.slack.com/reference/surfaces/formatting#escaping>). `&`, `<` and `>`
//! must be escaped as `&amp;`, `&lt;` and `&gt;` (otherwise `<!channel>` pings a channel
//! and `<url|text>` makes a link). `*bold*`, `_italic_`, `~strike~` and `` `code` `` have
//! no escape at all (no backslashes in mrkdwn), so text from outside that holds one of
//! those characters is shown in a code span, where Slack formats nothing.

use crate::finding::Severity;

use super::one_line;

/// Characters Slack reads as formatting: bold, italic, strike-through, code.
const FORMATTING: [char; 4] = ['*', '_', '~', '`'];

/// Text of our own for Slack: one line, with `&`, `<` and `>` escaped. For text we write
/// (headings, sentences, counts, AWS enum values); text from outside (finding messages,
/// remediation) goes through [`literal`], identifiers through [`code`].
pub fn escape(s: &str) -> String {
    one_line(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text shown as written: escaped, and in a code span when it holds `*`, `_`, `~` or a
/// backtick, which Slack would otherwise read as formatting (ARN patterns such as
/// `arn:aws:iam::*:role/appstream-*`, `FILE_DOWNLOAD`).
pub fn literal(s: &str) -> String {
    if s.contains(FORMATTING) {
        format!("`{}`", code(s))
    } else {
        escape(s)
    }
}

/// Text for inside a code span: escaped, and without backticks that would end it (each
/// becomes `'`).
pub fn code(s: &str) -> String {
    escape(s).replace('`', "'")
}

/// A Slack emoji for a severity; a check mark for none (nothing open, only resolved).
pub fn emoji(severity: Option<Severity>) -> &'static str {
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
    use super::*;

    #[test]
    fn escape_replaces_the_three_characters_slack_reserves() {
        assert_eq!(escape("a <!channel> & b"), "a &lt;!channel&gt; &amp; b");
        assert_eq!(escape("<https://evil|click>"), "&lt;https://evil|click&gt;");
        assert_eq!(escape("3600 > 900\nnext"), "3600 &gt; 900 next");
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "already escaped text is escaped again"
        );
    }

    #[test]
    fn literal_leaves_text_without_formatting_characters_as_escaped_text() {
        assert_eq!(
            literal("EnableDefaultInternetAccess is true; the policy requires false"),
            "EnableDefaultInternetAccess is true; the policy requires false"
        );
        assert_eq!(literal("3600 > 900"), "3600 &gt; 900");
    }

    #[test]
    fn literal_puts_text_with_any_formatting_character_in_a_code_span() {
        for (input, want) in [
            (
                "allowed: arn:aws:iam::*:role/appstream-*",
                "`allowed: arn:aws:iam::*:role/appstream-*`",
            ),
            ("~/home is ~ours~", "`~/home is ~ours~`"),
            // The alert's copy of this function left `_` alone (the digest's did not),
            // so `_this_` came out in italics in an alert.
            (
                "FILE_DOWNLOAD is ENABLED; _this_ is italic",
                "`FILE_DOWNLOAD is ENABLED; _this_ is italic`",
            ),
            ("run `rm -rf` & see", "`run 'rm -rf' &amp; see`"),
        ] {
            assert_eq!(literal(input), want, "{input:?}");
        }
    }

    #[test]
    fn code_cannot_be_ended_early_by_a_backtick() {
        assert_eq!(code("a`b"), "a'b");
        assert_eq!(code("<x>"), "&lt;x&gt;");
        assert_eq!(code("line\nbreak"), "line break");
    }

    #[test]
    fn every_severity_has_an_emoji_and_none_is_a_check_mark() {
        let all: Vec<&str> = Severity::ALL.into_iter().map(|s| emoji(Some(s))).collect();
        assert_eq!(all.len(), 5);
        assert!(all.iter().all(|e| e.starts_with(':') && e.ends_with(':')));
        assert_eq!(emoji(Some(Severity::Critical)), ":rotating_light:");
        assert_eq!(emoji(None), ":white_check_mark:");
    }
}
