//! Multi-session fleets (AppStream, 2023-10-26): several user sessions on one instance.

use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::Fleet;
use crate::policy::{Check, Outcome, Policy, Rule};

pub const FLEET_MULTI_SESSION_ELASTIC: Rule = Rule {
    id: "FLEET-MULTI-SESSION-ELASTIC",
    severity: Severity::High,
    title: "Multi-session set on an Elastic fleet",
    fails_when: "MaxSessionsPerInstance set (> 1) on an Elastic fleet",
    default: "always on",
    remediation: "Remove MaxSessionsPerInstance from the Elastic fleet (UpdateFleet --attributes-to-delete MAX_SESSIONS_PER_INSTANCE); multi-session needs an Always-On or On-Demand fleet.",
    check: Check::Fleet(multi_session_elastic),
};

fn multi_session_elastic(_: &Policy, fleet: &Fleet) -> Outcome {
    if fleet.is_elastic()? && fleet.is_multi_session()? {
        let n = fleet
            .max_sessions_per_instance
            .known()
            .copied()
            .unwrap_or_default();
        return fail(format!(
            "MaxSessionsPerInstance is {n} on an Elastic fleet; multi-session applies only to Always-On and On-Demand fleets"
        ));
    }
    PASS
}

pub const FLEET_MULTI_SESSION_CAPACITY: Rule = Rule {
    id: "FLEET-MULTI-SESSION-CAPACITY",
    severity: Severity::High,
    title: "Capacity sized with the wrong attribute for the session mode",
    fails_when: "request/template: multi-session (MaxSessionsPerInstance > 1) sized with DesiredInstances, single-session sized with DesiredSessions, both set, or neither set (non-Elastic)",
    default: "always on",
    remediation: "Set exactly one of ComputeCapacity.DesiredSessions (multi-session fleets) or ComputeCapacity.DesiredInstances (single-session fleets).",
    check: Check::Fleet(multi_session_capacity),
};

fn multi_session_capacity(_: &Policy, fleet: &Fleet) -> Outcome {
    if !fleet.origin.is_declared() {
        return PASS;
    }
    let (instances, sessions) = match fleet.compute_capacity.get()? {
        Some(capacity) => (
            capacity.desired_instances.get()?.copied(),
            capacity.desired_sessions.get()?.copied(),
        ),
        None => (None, None),
    };
    let multi = fleet.is_multi_session()?;
    match (instances, sessions) {
        (Some(i), Some(s)) => fail(format!(
            "ComputeCapacity sets both DesiredInstances ({i}) and DesiredSessions ({s}); set exactly one"
        )),
        (Some(i), None) if multi => fail(format!(
            "multi-session fleet (MaxSessionsPerInstance {}) sized with DesiredInstances {i}; use DesiredSessions",
            fleet
                .max_sessions_per_instance
                .known()
                .copied()
                .unwrap_or_default()
        )),
        (None, Some(s)) if !multi => fail(format!(
            "single-session fleet sized with DesiredSessions {s}; use DesiredInstances (or set MaxSessionsPerInstance > 1)"
        )),
        (None, None) if !fleet.is_elastic()? => fail(
            "ComputeCapacity sets neither DesiredInstances nor DesiredSessions; set the one that fits the session mode",
        ),
        _ => PASS,
    }
}

pub const FLEET_MULTI_SESSION_PLATFORM: Rule = Rule {
    id: "FLEET-MULTI-SESSION-PLATFORM",
    severity: Severity::High,
    title: "Multi-session fleet on a platform that is not Windows",
    fails_when: "multi-session fleet on a platform that is not Windows (AWS FAQ: \"supported only for Windows configurations of Always-On and On-Demand fleets\")",
    default: "always on",
    remediation: "Use a Windows image for the multi-session fleet, or set MaxSessionsPerInstance to 1.",
    check: Check::Fleet(multi_session_platform),
};

fn multi_session_platform(_: &Policy, fleet: &Fleet) -> Outcome {
    // Without a platform (derived from the image) nothing says it is not Windows.
    let Some(platform) = fleet.platform.get()? else {
        return PASS;
    };
    match platform {
        p if !p.starts_with("WINDOWS") && fleet.is_multi_session()? => fail(format!(
            "multi-session fleet on platform {p}; multi-session is supported only on Windows"
        )),
        _ => PASS,
    }
}

pub const FLEET_MULTI_SESSION_LIMIT: Rule = Rule {
    id: "FLEET-MULTI-SESSION-LIMIT",
    severity: Severity::Medium,
    title: "Too many sessions per instance",
    fails_when: "MaxSessionsPerInstance > policy limit",
    default: "no limit",
    remediation: "Lower MaxSessionsPerInstance (UpdateFleet --max-sessions-per-instance) to the policy limit.",
    check: Check::Fleet(multi_session_limit),
};

fn multi_session_limit(policy: &Policy, fleet: &Fleet) -> Outcome {
    let Some(limit) = policy.fleet.max_sessions_per_instance else {
        return PASS;
    };
    match fleet.max_sessions_per_instance.get()? {
        Some(&n) if n > i64::from(limit) => fail(format!(
            "MaxSessionsPerInstance is {n}; the policy allows at most {limit}"
        )),
        _ => PASS,
    }
}

pub const FLEET_MULTI_SESSION_FORBIDDEN: Rule = Rule {
    id: "FLEET-MULTI-SESSION-FORBIDDEN",
    severity: Severity::High,
    title: "Multi-session fleet where the policy forbids it",
    fails_when: "policy forbids multi-session (e.g. for regulated data: OS-level isolation only) and MaxSessionsPerInstance > 1",
    default: "allowed",
    remediation: "Use a single-session fleet (MaxSessionsPerInstance 1) for this workload; the policy requires OS-level isolation between users.",
    check: Check::Fleet(multi_session_forbidden),
};

fn multi_session_forbidden(policy: &Policy, fleet: &Fleet) -> Outcome {
    if policy.fleet.allow_multi_session || !fleet.is_multi_session()? {
        return PASS;
    }
    fail(format!(
        "MaxSessionsPerInstance is {}; the policy forbids multi-session fleets",
        fleet
            .max_sessions_per_instance
            .known()
            .copied()
            .unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    #[test]
    fn multi_session_on_elastic_is_flagged_but_one_session_is_not_multi() {
        let p = Policy::builtin();
        for (mspi, expected) in [
            (json!(4), true),
            (json!(2), true),
            (json!(1), false),
            (json!(null), false),
        ] {
            let f = described(json!({"FleetType": "ELASTIC", "MaxSessionsPerInstance": mspi}));
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_ELASTIC, &p, &f),
                Some(expected),
                "{mspi}"
            );
        }
        let f = described(json!({"FleetType": "ALWAYS_ON", "MaxSessionsPerInstance": 4}));
        assert_eq!(fails(&FLEET_MULTI_SESSION_ELASTIC, &p, &f), Some(false));
    }

    #[test]
    fn capacity_must_match_the_session_mode_in_requests() {
        let p = Policy::builtin();
        for (body, expected) in [
            (
                json!({"MaxSessionsPerInstance": 4, "ComputeCapacity": {"DesiredSessions": 20}}),
                false,
            ),
            (
                json!({"MaxSessionsPerInstance": 4, "ComputeCapacity": {"DesiredInstances": 5}}),
                true,
            ),
            (json!({"ComputeCapacity": {"DesiredInstances": 5}}), false),
            (
                json!({"MaxSessionsPerInstance": 1, "ComputeCapacity": {"DesiredInstances": 5}}),
                false,
            ),
            (json!({"ComputeCapacity": {"DesiredSessions": 5}}), true),
            (
                json!({"MaxSessionsPerInstance": 1, "ComputeCapacity": {"DesiredSessions": 5}}),
                true,
            ),
            (
                json!({"MaxSessionsPerInstance": 4, "ComputeCapacity": {"DesiredInstances": 2, "DesiredSessions": 8}}),
                true,
            ),
            (json!({"ComputeCapacity": {}}), true),
            (json!({"FleetType": "ON_DEMAND"}), true),
            (
                json!({"FleetType": "ELASTIC", "MaxConcurrentSessions": 5}),
                false,
            ),
        ] {
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_CAPACITY, &p, &request(body.clone())),
                Some(expected),
                "{body}"
            );
        }
    }

    #[test]
    fn capacity_sizing_is_not_judged_on_described_fleets() {
        let f = described(json!({"MaxSessionsPerInstance": 4}));
        assert_eq!(
            fails(&FLEET_MULTI_SESSION_CAPACITY, &Policy::builtin(), &f),
            Some(false)
        );
    }

    #[test]
    fn capacity_from_a_template_parameter_is_unresolved() {
        let f = fleet(
            Origin::Template,
            json!({"MaxSessionsPerInstance": 4, "ComputeCapacity": {"DesiredSessions": {"Ref": "Sessions"}}}),
        );
        assert_eq!(
            fails(&FLEET_MULTI_SESSION_CAPACITY, &Policy::builtin(), &f),
            None
        );
    }

    #[test]
    fn multi_session_needs_windows() {
        let p = Policy::builtin();
        for (platform, mspi, expected) in [
            ("WINDOWS_SERVER_2022", 4, false),
            ("WINDOWS", 2, false),
            ("AMAZON_LINUX2", 4, true),
            ("RHEL8", 2, true),
            ("AMAZON_LINUX2", 1, false),
        ] {
            let f = described(json!({"Platform": platform, "MaxSessionsPerInstance": mspi}));
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_PLATFORM, &p, &f),
                Some(expected),
                "{platform} {mspi}"
            );
        }
    }

    #[test]
    fn session_limit_and_prohibition_follow_the_policy() {
        let limited = policy("[fleet]\nmax_sessions_per_instance = 4\n");
        for (mspi, expected) in [(4, false), (5, true), (1, false)] {
            let f = described(json!({"MaxSessionsPerInstance": mspi}));
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_LIMIT, &limited, &f),
                Some(expected),
                "{mspi}"
            );
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_LIMIT, &Policy::builtin(), &f),
                Some(false)
            );
        }
        let forbidden = policy("[fleet]\nallow_multi_session = false\n");
        for (mspi, expected) in [(2, true), (1, false)] {
            let f = described(json!({"MaxSessionsPerInstance": mspi}));
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_FORBIDDEN, &forbidden, &f),
                Some(expected),
                "{mspi}"
            );
            assert_eq!(
                fails(&FLEET_MULTI_SESSION_FORBIDDEN, &Policy::builtin(), &f),
                Some(false)
            );
        }
    }
}
