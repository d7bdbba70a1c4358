//! Text bound for a terminal. A string read from input (a fleet name, a file name, a key,
//! an error code) may hold escape sequences that clear the screen, set the window title,
//! move the cursor or, with bidi overrides, reorder what is shown. Every such string is
//! escaped before it is printed; our own colour codes are added after.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal raw: a C0 control, DEL, a C1 control, a bidi
/// embedding, override, isolate or mark, or a Unicode line or paragraph separator.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character written as `\t`, `\n`, `\r` or `\u{..}` (ESC as
/// `\u{1b}`), so it shows as one inert line. Borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe)
}

/// Like [`escape`], but keeps line breaks: for messages of several lines (a TOML error
/// with its snippet) whose every other character is still made inert.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_unsafe(c))
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// Displays a string escaped as by [`escape`]: `format!("{}", Escaped(name))`.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in ["fleet-01", "Ünïcødé flëet", "日本語", "a\\b", ""] {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn controls_and_bidi_overrides_become_visible_escapes() {
        for (raw, shown) in [
            ("evil\x1b[2J", "evil\\u{1b}[2J"),
            ("\x1b]0;title\x07", "\\u{1b}]0;title\\u{7}"),
            ("a\rb\nc\td", "a\\rb\\nc\\td"),
            ("del\x7f", "del\\u{7f}"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("\u{202e}gnp.exe", "\\u{202e}gnp.exe"),
            ("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}"),
            ("line\u{2028}break", "line\\u{2028}break"),
        ] {
            assert_eq!(escape(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn escape_lines_keeps_line_breaks_only() {
        assert_eq!(escape_lines("a\n\x1b[31mb\r"), "a\n\\u{1b}[31mb\\r");
    }

    #[test]
    fn escaped_honours_width() {
        assert_eq!(format!("{:<6}|", Escaped("a\x07")), "a\\u{7}|");
        assert_eq!(format!("{:<4}|", Escaped("ab")), "ab  |");
    }

    #[test]
    fn nothing_unsafe_survives_escaping() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!escape(&all).chars().any(is_unsafe));
        assert!(
            !escape_lines(&all)
                .chars()
                .any(|c| c != '\n' && is_unsafe(c))
        );
    }
}
