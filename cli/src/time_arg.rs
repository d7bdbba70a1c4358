//! `--since` / `--until` of `sessions` and `report`: a moment as RFC 3339, a date, or an
//! age before now. Never panics: any input is a time or a message.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

/// RFC 3339, a date (midnight UTC), or an age such as `30m`, `12h`, `7d`, `1w 2d` (an
/// optional trailing `ago` is allowed).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time_at(s, Utc::now())
}

pub(crate) fn parse_time_at(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN).and_utc());
    }
    let age = s.strip_suffix("ago").unwrap_or(s).trim_end();
    // humantime reads `30m` as minutes and `1M` as a month, refuses signs and checks its
    // own arithmetic; the subtraction from now is range-checked here.
    let age = humantime::parse_duration(age).map_err(|e| match e {
        humantime::DurationError::NumberOverflow => too_long_ago(s),
        _ => not_a_time(s),
    })?;
    TimeDelta::from_std(age)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .ok_or_else(|| too_long_ago(s))
}

fn too_long_ago(s: &str) -> String {
    format!(
        "{s:?} is too long ago: an age reaches back at most to {} (use a date instead)",
        DateTime::<Utc>::MIN_UTC.format("%Y-%m-%d")
    )
}

fn not_a_time(s: &str) -> String {
    format!(
        "{s:?} is not a time: use RFC 3339 (2026-11-27T08:00:00Z), a date (2026-11-27) or an age (30m, 12h, 7d)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    #[test]
    fn times_are_rfc3339_dates_or_ages() {
        let at = |y, mo, d, h, mi| Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
        for (input, want) in [
            ("2026-11-27T08:00:00Z", at(2026, 11, 27, 8, 0)),
            ("2026-11-27T09:00:00+01:00", at(2026, 11, 27, 8, 0)),
            ("2026-11-20", at(2026, 11, 20, 0, 0)),
            ("12h", at(2026, 11, 27, 0, 0)),
            ("7d", at(2026, 11, 20, 12, 0)),
            ("7d ago", at(2026, 11, 20, 12, 0)),
            ("1w", at(2026, 11, 20, 12, 0)),
            ("30m", at(2026, 11, 27, 11, 30)),
            ("1h 30m", at(2026, 11, 27, 10, 30)),
        ] {
            assert_eq!(parse_time_at(input, now()), Ok(want), "{input}");
        }
    }

    #[test]
    fn anything_else_is_a_message_never_a_panic() {
        for bad in [
            "yesterday",
            "12x",
            "-3d",
            "",
            "12",
            "2026-13-01",
            "5µ",
            "1€",
            "💥",
            "µ",
            "d",
        ] {
            let e = parse_time_at(bad, now()).unwrap_err();
            assert!(
                e.contains("is not a time") || e.contains("too long ago"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn an_age_before_the_calendar_starts_is_refused() {
        for age in [
            "99999999999d",
            "9999999999999999d",
            "99999999999999999999999d",
        ] {
            let e = parse_time_at(age, now()).unwrap_err();
            assert!(e.contains("too long ago"), "{age}: {e}");
        }
    }
}
