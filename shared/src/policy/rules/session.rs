//! Session rules: evaluated by the session recorder over a fleet's recorded sessions
//! (what DescribeSessions shows now, joined with what earlier runs saw). Each rule gives
//! one finding per fleet that names the sessions or instances at fault.
//!
//! Messages name session and instance IDs, never user IDs: alerts reach e-mail and
//! Slack, and the session history (`streamwarden sessions`) says who.

use super::{PASS, fail, human_seconds};
use crate::finding::Severity;
use crate::model::{Attr, Fleet, InstanceLoad, TrackedSession};
use crate::policy::{Check, Outcome, Policy, Rule};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the session rules read about one fleet at one run.
pub struct SessionView<'a> {
    pub fleet: &'a Fleet,
    /// Open sessions after this run (closed ones left out).
    pub sessions: &'a [TrackedSession],
    /// Load per instance at this run.
    pub instances: &'a BTreeMap<String, InstanceLoad>,
    /// The fleet's most severe open HIGH or CRITICAL finding, if any.
    pub fleet_finding: Option<(&'a str, Severity)>,
    pub now: DateTime<Utc>,
}

/// At most this many IDs are named in one message; the rest are counted.
const NAMED: usize = 5;

fn list(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > NAMED {
        text.push_str(&format!(" and {} more", items.len() - NAMED));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whole minutes (or hours and minutes) of a duration, for messages.
fn human(d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

pub const SESSION_INSTANCE_OVERPACKED: Rule = Rule {
    id: "SESSION-INSTANCE-OVERPACKED",
    severity: Severity::High,
    title: "More active sessions on an instance than the fleet allows",
    fails_when: "more ACTIVE sessions share one InstanceId than the fleet's MaxSessionsPerInstance (1 for single-session)",
    default: "always on",
    remediation: "Drain the instance (DrainSessionInstance) and open an AWS support case: AppStream placed more sessions than MaxSessionsPerInstance.",
    check: Check::Session(instance_overpacked),
};

fn max_sessions(fleet: &Fleet) -> Result<i64, crate::model::Unread> {
    Ok(fleet.max_sessions_per_instance.get()?.copied().unwrap_or(1))
}

fn instance_overpacked(_: &Policy, view: &SessionView<'_>) -> Outcome {
    let limit = max_sessions(view.fleet)?;
    let over: Vec<String> = view
        .instances
        .iter()
        .filter(|(_, load)| i64::from(load.active) > limit)
        .map(|(id, load)| format!("{id} ({} active)", load.active))
        .collect();
    if over.is_empty() {
        return PASS;
    }
    fail(format!(
        "{} over MaxSessionsPerInstance {limit}: {}",
        plural(over.len(), "instance", "instances"),
        list(&over)
    ))
}

pub const SESSION_OVER_MAX_DURATION: Rule = Rule {
    id: "SESSION-OVER-MAX-DURATION",
    severity: Severity::Medium,
    title: "Session runs past the fleet's maximum duration",
    fails_when: "now - StartTime > MaxUserDurationInSeconds + grace",
    default: "grace 600 s",
    remediation: "End the session (ExpireSession) and check the fleet's MaxUserDurationInSeconds.",
    check: Check::Session(over_max_duration),
};

fn over_max_duration(policy: &Policy, view: &SessionView<'_>) -> Outcome {
    let Some(max) = view.fleet.max_user_duration_in_seconds.get()?.copied() else {
        return PASS;
    };
    let grace = i64::from(policy.session.max_duration_grace_seconds);
    let limit = chrono::Duration::seconds(max + grace);
    let over: Vec<String> = view
        .sessions
        .iter()
        .filter(|s| s.state != "EXPIRED")
        .filter_map(|s| {
            let age = view.now - s.start_time?;
            (age > limit).then(|| format!("{} ({})", s.session_id, human(age)))
        })
        .collect();
    if over.is_empty() {
        return PASS;
    }
    fail(format!(
        "{} past MaxUserDurationInSeconds {} + {} grace: {}",
        plural(over.len(), "session", "sessions"),
        human_seconds(max),
        human_seconds(grace),
        list(&over)
    ))
}

pub const SESSION_STALE_DISCONNECTED: Rule = Rule {
    id: "SESSION-STALE-DISCONNECTED",
    severity: Severity::Low,
    title: "Disconnected session outlives the disconnect timeout",
    fails_when: "NOT_CONNECTED longer than DisconnectTimeoutInSeconds + grace (by the recorder's own observations)",
    default: "grace 600 s",
    remediation: "End the session (ExpireSession); it holds capacity no user is using.",
    check: Check::Session(stale_disconnected),
};

fn stale_disconnected(policy: &Policy, view: &SessionView<'_>) -> Outcome {
    let timeout = match &view.fleet.disconnect_timeout_in_seconds {
        Attr::Set(t) => *t,
        _ => return PASS,
    };
    let grace = i64::from(policy.session.stale_disconnected_grace_seconds);
    let limit = chrono::Duration::seconds(timeout + grace);
    let stale: Vec<String> = view
        .sessions
        .iter()
        .filter(|s| s.state == "ACTIVE")
        .filter_map(|s| {
            let since = s.disconnected_since()?;
            let gone = view.now - since;
            (gone > limit).then(|| format!("{} ({})", s.session_id, human(gone)))
        })
        .collect();
    if stale.is_empty() {
        return PASS;
    }
    fail(format!(
        "{} disconnected for longer than DisconnectTimeoutInSeconds {} + {} grace: {}",
        plural(stale.len(), "session", "sessions"),
        human_seconds(timeout),
        human_seconds(grace),
        list(&stale)
    ))
}

pub const SESSION_ON_NONCOMPLIANT_FLEET: Rule = Rule {
    id: "SESSION-ON-NONCOMPLIANT-FLEET",
    severity: Severity::Info,
    title: "Session on a fleet with an open HIGH or CRITICAL finding",
    fails_when: "a session runs on a fleet with an open HIGH/CRITICAL finding",
    default: "always on",
    remediation: "Fix the fleet's open HIGH/CRITICAL findings; the session shows who is exposed meanwhile.",
    check: Check::Session(on_noncompliant_fleet),
};

fn on_noncompliant_fleet(_: &Policy, view: &SessionView<'_>) -> Outcome {
    let Some((rule, severity)) = view.fleet_finding else {
        return PASS;
    };
    let running: Vec<String> = view
        .sessions
        .iter()
        .filter(|s| s.state != "EXPIRED")
        .map(|s| s.session_id.clone())
        .collect();
    if running.is_empty() {
        return PASS;
    }
    fail(format!(
        "{} on a fleet with open {severity} finding {rule}: {}",
        plural(running.len(), "session runs", "sessions run"),
        list(&running)
    ))
}

pub const SESSION_INSTANCE_AGE: Rule = Rule {
    id: "SESSION-INSTANCE-AGE",
    severity: Severity::Low,
    title: "Multi-session instance has not been drained for too long",
    fails_when: "a multi-session instance has hosted sessions without a break for longer than the limit (image updates cannot reach it until drained; DrainSessionInstance is the fix)",
    default: "7 days",
    remediation: "Drain the instance (DrainSessionInstance) so it is replaced with one from the current image.",
    check: Check::Session(instance_age),
};

fn instance_age(policy: &Policy, view: &SessionView<'_>) -> Outcome {
    if max_sessions(view.fleet)? <= 1 {
        return PASS;
    }
    let limit = chrono::Duration::days(i64::from(policy.session.max_instance_age_days));
    let old: Vec<String> = view
        .instances
        .iter()
        .filter(|(_, load)| load.sessions > 0 && view.now - load.busy_since > limit)
        .map(|(id, load)| {
            format!(
                "{id} (busy since {})",
                load.busy_since.format("%Y-%m-%d %H:%M UTC")
            )
        })
        .collect();
    if old.is_empty() {
        return PASS;
    }
    fail(format!(
        "{} hosted sessions without a break for more than {} days: {}",
        plural(old.len(), "instance has", "instances have"),
        policy.session.max_instance_age_days,
        list(&old)
    ))
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
