//! Escaping and wording shared by the renderers of alerts ([`crate::alert`]) and digests
//! ([`crate::digest`]): text on one line, printable ASCII for SNS subjects, shortening to
//! a limit, plurals, and the two markup languages our readers get, [`slack`] (AWS
//! Chatbot custom notifications) and [`html`] (the digest page). One copy of each, so
//! the e-mail, Slack and the page agree on how a name or a message is shown.
//!
//! Escaping for a terminal (the CLI's text output) is not here: see [`crate::report`].

pub mod html;
pub mod slack;

use crate::finding::ResourceType;

/// Appends `text` and a line break.
pub fn line(out: &mut String, text: impl AsRef<str>) {
    out.push_str(text.as_ref());
    out.push('\n');
}

/// The text on one line: control characters (line breaks included) become spaces, and
/// the ends are trimmed.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Printable ASCII on one line, for an SNS e-mail subject (see
/// [`crate::alert::SUBJECT_LIMIT`]): whitespace and control characters become spaces
/// (runs collapsed, ends trimmed), other non-ASCII characters become `?`.
pub fn ascii_line(s: &str) -> String {
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

/// At most `limit` characters, ending in `...` when shortened.
pub fn shorten(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(limit.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// At most `limit` bytes, cut at a character boundary.
pub fn truncate_bytes(s: &str, limit: usize) -> String {
    let mut end = limit.min(s.len());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The largest `n` from `fits_at` to `fails_at` for which `fits(n)` holds, found by
/// binary search: `fits(fits_at)` is taken to hold (or `fits_at` is the least there is),
/// `fits(fails_at)` not to, and whatever fits with `n` items fits with fewer. The
/// renderers use it to list as many rows as fit a size limit.
pub fn most_that_fit(
    fits_at: usize,
    fails_at: usize,
    mut fits: impl FnMut(usize) -> bool,
) -> usize {
    let (mut lo, mut hi) = (fits_at, fails_at);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The first character in upper case.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `1 fleet`, `2 fleets`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The ARN of the fleet or stack a finding is about (session findings belong to their
/// fleet), in the partition the region belongs to, every part on one line.
pub fn appstream_arn(
    account: &str,
    region: &str,
    resource_type: ResourceType,
    name: &str,
) -> String {
    let partition = crate::finding::partition(region);
    // Usage reports are the account's, per region: the account is the resource.
    let Some(kind) = resource_type.arn_kind() else {
        return format!("arn:{partition}:iam::{}:root", one_line(account));
    };
    format!(
        "arn:{partition}:appstream:{}:{}:{kind}/{}",
        one_line(region),
        one_line(account),
        one_line(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_turns_line_breaks_and_control_characters_into_spaces_and_trims() {
        for (input, want) in [
            ("finance-apps", "finance-apps"),
            ("  a\nb\r\nc\t ", "a b  c"),
            ("x\u{1b}[31my", "x [31my"),
            ("\n\n", ""),
            ("Zoë ✓", "Zoë ✓"),
        ] {
            assert_eq!(one_line(input), want, "{input:?}");
        }
    }

    #[test]
    fn ascii_line_keeps_printable_ascii_collapses_spaces_and_marks_the_rest() {
        for (input, want) in [
            ("[HIGH] AppStream fleet a", "[HIGH] AppStream fleet a"),
            ("a\n\n\tb", "a b"),
            ("  lead", "lead"),
            ("Zoë’s fleet", "Zo??s fleet"),
            ("bell\u{7}", "bell"),
        ] {
            assert_eq!(ascii_line(input), want, "{input:?}");
        }
    }

    #[test]
    fn shorten_counts_characters_and_ends_in_an_ellipsis() {
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefg", 6), "abc...");
        assert_eq!(shorten("ééééééé", 6), "ééé...");
        assert_eq!(shorten("abcdef", 2), "...");
    }

    #[test]
    fn truncate_bytes_never_splits_a_character() {
        assert_eq!(truncate_bytes("abc", 10), "abc");
        assert_eq!(truncate_bytes("aé", 2), "a");
        assert_eq!(truncate_bytes("aé", 3), "aé");
        assert_eq!(truncate_bytes("é", 0), "");
    }

    #[test]
    fn most_that_fit_finds_the_last_n_that_fits() {
        for limit in 0..=20 {
            let mut tried = Vec::new();
            let n = most_that_fit(0, 20, |n| {
                tried.push(n);
                n <= limit
            });
            assert_eq!(n, limit.min(19), "limit {limit}");
            assert!(tried.len() <= 5, "binary, not linear: {tried:?}");
            assert!(tried.iter().all(|&t| t > 0 && t < 20), "{tried:?}");
        }
        assert_eq!(most_that_fit(3, 4, |_| unreachable!()), 3);
    }

    #[test]
    fn words_are_capitalized_and_counted() {
        assert_eq!(capitalize("2 findings opened"), "2 findings opened");
        assert_eq!(capitalize("open for 2 days"), "Open for 2 days");
        assert_eq!(capitalize(""), "");
        assert_eq!(plural(1, "fleet", "fleets"), "1 fleet");
        assert_eq!(plural(0, "fleet", "fleets"), "0 fleets");
        assert_eq!(plural(2, "fleet", "fleets"), "2 fleets");
    }

    #[test]
    fn arns_name_the_partition_and_put_sessions_under_their_fleet() {
        assert_eq!(
            appstream_arn("123456789012", "eu-west-1", ResourceType::Session, "desk"),
            "arn:aws:appstream:eu-west-1:123456789012:fleet/desk"
        );
        assert_eq!(
            appstream_arn("1", "cn-north-1", ResourceType::Stack, "s"),
            "arn:aws-cn:appstream:cn-north-1:1:stack/s"
        );
        assert_eq!(
            appstream_arn("1", "us-gov-west-1", ResourceType::Fleet, "a\nb"),
            "arn:aws-us-gov:appstream:us-gov-west-1:1:fleet/a b"
        );
    }
}
