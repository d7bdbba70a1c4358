//! Session lengths and timeouts, and the documented ranges of every numeric setting.

use super::{PASS, fail, human_seconds};
use crate::finding::Severity;
use crate::model::{Attr, Fleet, Unread, UnreadReason};
use crate::policy::{Check, Outcome, Policy, Rule};

pub const FLEET_MAX_USER_DURATION: Rule = Rule {
    id: "FLEET-MAX-USER-DURATION",
    severity: Severity::Medium,
    title: "Maximum session duration is above the limit",
    fails_when: "MaxUserDurationInSeconds > limit",
    default: "36000 (10 h)",
    remediation: "Lower the maximum session duration (UpdateFleet --max-user-duration-in-seconds).",
    check: Check::Fleet(max_user_duration),
};

fn max_user_duration(policy: &Policy, fleet: &Fleet) -> Outcome {
    above(
        &fleet.max_user_duration_in_seconds,
        "MaxUserDurationInSeconds",
        policy.fleet.max_user_duration_seconds,
    )
}

pub const FLEET_DISCONNECT_TIMEOUT: Rule = Rule {
    id: "FLEET-DISCONNECT-TIMEOUT",
    severity: Severity::Medium,
    title: "Disconnect timeout is above the limit",
    fails_when: "DisconnectTimeoutInSeconds > limit",
    default: "300",
    remediation: "Lower the disconnect timeout (UpdateFleet --disconnect-timeout-in-seconds) so abandoned sessions end sooner.",
    check: Check::Fleet(disconnect_timeout),
};

fn disconnect_timeout(policy: &Policy, fleet: &Fleet) -> Outcome {
    above(
        &fleet.disconnect_timeout_in_seconds,
        "DisconnectTimeoutInSeconds",
        policy.fleet.max_disconnect_timeout_seconds,
    )
}

fn above(value: &Attr<i64>, field: &str, limit: u32) -> Outcome {
    match value.get()? {
        Some(&v) if v > i64::from(limit) => fail(format!(
            "{field} is {v} ({}); the policy allows at most {limit} ({})",
            human_seconds(v),
            human_seconds(i64::from(limit))
        )),
        _ => PASS,
    }
}

pub const FLEET_IDLE_DISCONNECT_TIMEOUT: Rule = Rule {
    id: "FLEET-IDLE-DISCONNECT-TIMEOUT",
    severity: Severity::Medium,
    title: "Idle disconnect is off or above the limit",
    fails_when: "IdleDisconnectTimeoutInSeconds is 0/absent (disabled) or > limit",
    default: "600",
    remediation: "Set an idle disconnect timeout of at most the limit, in whole minutes (UpdateFleet --idle-disconnect-timeout-in-seconds 600).",
    check: Check::Fleet(idle_disconnect_timeout),
};

fn idle_disconnect_timeout(policy: &Policy, fleet: &Fleet) -> Outcome {
    let limit = policy.fleet.max_idle_disconnect_timeout_seconds;
    match fleet.idle_disconnect_timeout_in_seconds.get()? {
        None => fail(format!(
            "IdleDisconnectTimeoutInSeconds is not set, so idle sessions are never disconnected; the policy requires 60..{limit}"
        )),
        Some(0) => fail(format!(
            "IdleDisconnectTimeoutInSeconds is 0 (idle disconnect disabled); the policy requires 60..{limit}"
        )),
        Some(&v) if v > i64::from(limit) => fail(format!(
            "IdleDisconnectTimeoutInSeconds is {v} ({}); the policy allows at most {limit} ({})",
            human_seconds(v),
            human_seconds(i64::from(limit))
        )),
        _ => PASS,
    }
}

pub const FLEET_CONFIG_RANGE: Rule = Rule {
    id: "FLEET-CONFIG-RANGE",
    severity: Severity::Medium,
    title: "A setting is outside its documented range",
    fails_when: "a value outside every documented range: MaxUserDuration 600..432000, DisconnectTimeout 60..360000, IdleDisconnectTimeout 0 or 60..36000, MaxSessionsPerInstance < 1, Description > 256 chars, DisplayName > 100 chars",
    default: "always on",
    remediation: "Set the value within the range the AppStream API documents; the service rejects or silently clamps values outside it.",
    check: Check::Fleet(config_range),
};

fn config_range(_: &Policy, fleet: &Fleet) -> Outcome {
    let mut problems = Vec::new();
    let mut unread: Option<Unread> = None;
    let mut int = |attr: &Attr<i64>, field: &str, ok: &dyn Fn(i64) -> bool, range: &str| match attr
        .get()
    {
        Ok(Some(&v)) if !ok(v) => problems.push(format!("{field} is {v} (documented: {range})")),
        Ok(_) => {}
        Err(e) => {
            unread.get_or_insert(e);
        }
    };
    int(
        &fleet.max_user_duration_in_seconds,
        "MaxUserDurationInSeconds",
        &|v| (600..=432_000).contains(&v),
        "600..432000",
    );
    int(
        &fleet.disconnect_timeout_in_seconds,
        "DisconnectTimeoutInSeconds",
        &|v| (60..=360_000).contains(&v),
        "60..360000",
    );
    int(
        &fleet.idle_disconnect_timeout_in_seconds,
        "IdleDisconnectTimeoutInSeconds",
        &|v| v == 0 || (60..=36_000).contains(&v),
        "0 or 60..36000",
    );
    int(
        &fleet.max_sessions_per_instance,
        "MaxSessionsPerInstance",
        &|v| v >= 1,
        "at least 1",
    );
    let mut text = |attr: &Attr<String>, field: &str, max: usize| match attr.get() {
        Ok(Some(s)) if s.chars().count() > max => problems.push(format!(
            "{field} has {} characters (documented: at most {max})",
            s.chars().count()
        )),
        Ok(_) => {}
        Err(e) => {
            unread.get_or_insert(e);
        }
    };
    text(&fleet.description, "Description", 256);
    text(&fleet.display_name, "DisplayName", 100);
    if !problems.is_empty() {
        return fail(problems.join("; "));
    }
    match unread {
        Some(e) if e.reason != UnreadReason::NotInRequest => Err(e),
        _ => PASS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    #[test]
    fn max_user_duration_equal_to_the_limit_complies() {
        let p = Policy::builtin();
        for (value, expected) in [(36_000, false), (36_001, true), (600, false)] {
            let f = described(json!({"MaxUserDurationInSeconds": value}));
            assert_eq!(
                fails(&FLEET_MAX_USER_DURATION, &p, &f),
                Some(expected),
                "{value}"
            );
        }
        assert_eq!(
            fails(&FLEET_MAX_USER_DURATION, &p, &described(json!({}))),
            Some(false)
        );
    }

    #[test]
    fn max_user_duration_follows_the_policy_limit() {
        let p = policy("[fleet]\nmax_user_duration_seconds = 3600\n");
        let f = described(json!({"MaxUserDurationInSeconds": 7200}));
        assert_eq!(fails(&FLEET_MAX_USER_DURATION, &p, &f), Some(true));
    }

    #[test]
    fn disconnect_timeout_boundaries() {
        let p = Policy::builtin();
        for (value, expected) in [(300, false), (301, true), (60, false), (900, true)] {
            let f = described(json!({"DisconnectTimeoutInSeconds": value}));
            assert_eq!(
                fails(&FLEET_DISCONNECT_TIMEOUT, &p, &f),
                Some(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn idle_disconnect_disabled_or_above_the_limit_is_flagged() {
        let p = Policy::builtin();
        for (value, expected) in [
            (json!({}), true),
            (json!({"IdleDisconnectTimeoutInSeconds": 0}), true),
            (json!({"IdleDisconnectTimeoutInSeconds": 60}), false),
            (json!({"IdleDisconnectTimeoutInSeconds": 600}), false),
            (json!({"IdleDisconnectTimeoutInSeconds": 601}), true),
        ] {
            assert_eq!(
                fails(
                    &FLEET_IDLE_DISCONNECT_TIMEOUT,
                    &p,
                    &described(value.clone())
                ),
                Some(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn config_range_checks_every_documented_range_inclusively() {
        let p = Policy::builtin();
        for (value, expected) in [
            (json!({"MaxUserDurationInSeconds": 600}), false),
            (json!({"MaxUserDurationInSeconds": 599}), true),
            (json!({"MaxUserDurationInSeconds": 432000}), false),
            (json!({"MaxUserDurationInSeconds": 432001}), true),
            (json!({"DisconnectTimeoutInSeconds": 60}), false),
            (json!({"DisconnectTimeoutInSeconds": 59}), true),
            (json!({"DisconnectTimeoutInSeconds": 360000}), false),
            (json!({"DisconnectTimeoutInSeconds": 360001}), true),
            (json!({"IdleDisconnectTimeoutInSeconds": 0}), false),
            (json!({"IdleDisconnectTimeoutInSeconds": 30}), true),
            (json!({"IdleDisconnectTimeoutInSeconds": 60}), false),
            (json!({"IdleDisconnectTimeoutInSeconds": 36000}), false),
            (json!({"IdleDisconnectTimeoutInSeconds": 36001}), true),
            (json!({"MaxSessionsPerInstance": 1}), false),
            (json!({"MaxSessionsPerInstance": 0}), true),
            (json!({"MaxSessionsPerInstance": -2}), true),
            (json!({"Description": "d".repeat(256)}), false),
            (json!({"Description": "d".repeat(257)}), true),
            (json!({"DisplayName": "é".repeat(100)}), false),
            (json!({"DisplayName": "n".repeat(101)}), true),
        ] {
            assert_eq!(
                fails(&FLEET_CONFIG_RANGE, &p, &described(value.clone())),
                Some(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn config_range_reports_a_definite_violation_even_beside_an_unresolved_value() {
        let f = fleet(
            crate::model::Origin::Template,
            json!({"MaxUserDurationInSeconds": {"Ref": "Duration"}, "DisconnectTimeoutInSeconds": 10}),
        );
        assert_eq!(
            fails(&FLEET_CONFIG_RANGE, &Policy::builtin(), &f),
            Some(true)
        );
        let f = fleet(
            crate::model::Origin::Template,
            json!({"MaxUserDurationInSeconds": {"Ref": "Duration"}}),
        );
        assert_eq!(fails(&FLEET_CONFIG_RANGE, &Policy::builtin(), &f), None);
    }
}
