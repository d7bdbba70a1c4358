//! Session rules: evaluated by the session recorder over DescribeSessions joined with the
//! fleet. Listed here so the catalog, the policy and the reports know them.

use crate::finding::Severity;
use crate::policy::{Check, Rule};

pub const SESSION_INSTANCE_OVERPACKED: Rule = Rule {
    id: "SESSION-INSTANCE-OVERPACKED",
    severity: Severity::High,
    title: "More active sessions on an instance than the fleet allows",
    fails_when: "more ACTIVE sessions share one InstanceId than the fleet's MaxSessionsPerInstance (1 for single-session)",
    default: "always on",
    remediation: "Drain the instance (DrainSessionInstance) and open an AWS support case: AppStream placed more sessions than MaxSessionsPerInstance.",
    check: Check::Session,
};

pub const SESSION_OVER_MAX_DURATION: Rule = Rule {
    id: "SESSION-OVER-MAX-DURATION",
    severity: Severity::Medium,
    title: "Session runs past the fleet's maximum duration",
    fails_when: "now - StartTime > MaxUserDurationInSeconds + grace",
    default: "grace 600 s",
    remediation: "End the session (ExpireSession) and check the fleet's MaxUserDurationInSeconds.",
    check: Check::Session,
};

pub const SESSION_STALE_DISCONNECTED: Rule = Rule {
    id: "SESSION-STALE-DISCONNECTED",
    severity: Severity::Low,
    title: "Disconnected session outlives the disconnect timeout",
    fails_when: "NOT_CONNECTED longer than DisconnectTimeoutInSeconds + grace (by the recorder's own observations)",
    default: "grace 600 s",
    remediation: "End the session (ExpireSession); it holds capacity no user is using.",
    check: Check::Session,
};

pub const SESSION_ON_NONCOMPLIANT_FLEET: Rule = Rule {
    id: "SESSION-ON-NONCOMPLIANT-FLEET",
    severity: Severity::Info,
    title: "Session on a fleet with an open HIGH or CRITICAL finding",
    fails_when: "a session runs on a fleet with an open HIGH/CRITICAL finding",
    default: "always on",
    remediation: "Fix the fleet's open HIGH/CRITICAL findings; the session shows who is exposed meanwhile.",
    check: Check::Session,
};

pub const SESSION_INSTANCE_AGE: Rule = Rule {
    id: "SESSION-INSTANCE-AGE",
    severity: Severity::Low,
    title: "Multi-session instance has not been drained for too long",
    fails_when: "a multi-session instance has hosted sessions without a break for longer than the limit (image updates cannot reach it until drained; DrainSessionInstance is the fix)",
    default: "7 days",
    remediation: "Drain the instance (DrainSessionInstance) so it is replaced with one from the current image.",
    check: Check::Session,
};
