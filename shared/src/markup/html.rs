//! HTML, for the digest page a person opens in a browser (`streamwarden report --format
//! html`): escaping for element content and quoted attribute values, and the slugs used
//! in element IDs.

/// Text for HTML element content and double- or single-quoted attribute values: `&`,
/// `<`, `>`, `"` and `'` as character references, control characters other than line
/// breaks and tabs as spaces.
pub fn escape(s: &str) -> String {
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

/// Lower-case ASCII letters and digits, other runs as one `-`, `x` when nothing is left:
/// `Finance Apps` -> `finance-apps`. Safe in an element ID and a URL fragment.
pub fn slug(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_both_quotes() {
        assert_eq!(
            escape("<script>alert('1')</script>&\""),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c"), "a b c");
        assert_eq!(escape("two\nlines\tand a tab"), "two\nlines\tand a tab");
        assert_eq!(escape("Zoë → ✓"), "Zoë → ✓");
    }

    #[test]
    fn slugs_keep_letters_and_digits_and_join_the_rest_with_dashes() {
        assert_eq!(slug("Finance Apps (EU)"), "finance-apps-eu");
        assert_eq!(
            slug("<script>alert(1)</script>&\""),
            "script-alert-1-script"
        );
        assert_eq!(slug("--eu-west-1--"), "eu-west-1");
        assert_eq!(slug("***"), "x");
        assert_eq!(slug(""), "x");
    }
}
