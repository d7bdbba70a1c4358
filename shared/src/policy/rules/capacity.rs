//! A described fleet's capacity and health: consistent counts, headroom, fleet errors.

use super::{PASS, fail, resource_errors};
use crate::finding::Severity;
use crate::model::{Fleet, FleetType, Origin};
use crate::policy::{Check, Outcome, Policy, Rule};

pub const FLEET_CAPACITY_CONSISTENCY: Rule = Rule {
    id: "FLEET-CAPACITY-CONSISTENCY",
    severity: Severity::Low,
    title: "Capacity counts do not add up",
    fails_when: "described fleet: ActualUserSessions != AvailableUserSessions + ActiveUserSessions, or DesiredUserSessions < ActualUserSessions, or any count negative (checked only where the fields are present). Drain mode (2026: Draining, DrainModeActiveUserSessions, DrainModeUnusedUserSessions) is not in the documented identities (the AWS documentation does not say which counters include drain capacity), so the rule never fails on it alone: where Actual = Available + Active fails but Actual = Available + Active + DrainModeActiveUserSessions + DrainModeUnusedUserSessions holds, the fleet complies, and DesiredUserSessions is compared with ActualUserSessions less the drain sessions",
    default: "always on",
    remediation: "Check the fleet in the console or DescribeFleets again; if the counts stay inconsistent, open an AWS support case with the fleet name and the ComputeCapacityStatus.",
    check: Check::Fleet(capacity_consistency),
};

fn capacity_consistency(_: &Policy, fleet: &Fleet) -> Outcome {
    let Some(status) = fleet
        .compute_capacity_status
        .as_ref()
        .filter(|_| fleet.origin == Origin::Described)
    else {
        return PASS;
    };
    let mut problems = Vec::new();
    for (name, value) in [
        ("Desired", status.desired),
        ("Running", status.running),
        ("InUse", status.in_use),
        ("Available", status.available),
        ("Draining", status.draining),
        ("DesiredUserSessions", status.desired_user_sessions),
        ("AvailableUserSessions", status.available_user_sessions),
        ("ActiveUserSessions", status.active_user_sessions),
        ("ActualUserSessions", status.actual_user_sessions),
        (
            "DrainModeActiveUserSessions",
            status.drain_mode_active_user_sessions,
        ),
        (
            "DrainModeUnusedUserSessions",
            status.drain_mode_unused_user_sessions,
        ),
    ] {
        if let Some(v) = value.filter(|v| *v < 0) {
            problems.push(format!("{name} is negative ({v})"));
        }
    }
    // Sessions of draining instances: the documentation does not say whether Actual
    // counts them, so either reading of the counters is accepted.
    let drain = match (
        status.drain_mode_active_user_sessions,
        status.drain_mode_unused_user_sessions,
    ) {
        (None, None) => None,
        (active, unused) => Some(active.unwrap_or(0) + unused.unwrap_or(0)),
    };
    if let (Some(actual), Some(available), Some(active)) = (
        status.actual_user_sessions,
        status.available_user_sessions,
        status.active_user_sessions,
    ) && actual != available + active
        && drain.is_none_or(|drain| actual != available + active + drain)
    {
        let with_drain = drain
            .map(|d| format!(" (+ {d} drain-mode sessions)"))
            .unwrap_or_default();
        problems.push(format!(
            "ActualUserSessions {actual} != AvailableUserSessions {available} + ActiveUserSessions {active}{with_drain}"
        ));
    }
    if let (Some(desired), Some(actual)) =
        (status.desired_user_sessions, status.actual_user_sessions)
        && desired < actual - drain.unwrap_or(0)
    {
        problems.push(format!(
            "DesiredUserSessions {desired} < ActualUserSessions {actual}"
        ));
    }
    if problems.is_empty() {
        PASS
    } else {
        fail(problems.join("; "))
    }
}

pub const FLEET_CAPACITY_HEADROOM: Rule = Rule {
    id: "FLEET-CAPACITY-HEADROOM",
    severity: Severity::Medium,
    title: "Little free capacity left",
    fails_when: "RUNNING Always-On or On-Demand fleet (never Elastic, never a fleet with nothing running): multi-session by user sessions, AvailableUserSessions / ActualUserSessions below the ratio; single-session by instances, Available / Running below the ratio",
    default: "min_available_ratio = 0.10",
    remediation: "Raise the fleet's desired capacity (UpdateFleet --compute-capacity) or add scaling policies (Application Auto Scaling) so new users are not turned away.",
    check: Check::Fleet(capacity_headroom),
};

fn capacity_headroom(policy: &Policy, fleet: &Fleet) -> Outcome {
    if fleet.origin != Origin::Described || fleet.state.as_deref() != Some("RUNNING") {
        return PASS;
    }
    if !matches!(
        fleet.fleet_type.get()?,
        Some(FleetType::AlwaysOn | FleetType::OnDemand)
    ) {
        return PASS;
    }
    let Some(status) = &fleet.compute_capacity_status else {
        return PASS;
    };
    let ratio = policy.fleet.min_available_ratio;
    let (available, total, unit, available_field, total_field) = if fleet.is_multi_session()? {
        (
            status.available_user_sessions,
            status.actual_user_sessions,
            "user sessions",
            "AvailableUserSessions",
            "ActualUserSessions",
        )
    } else {
        (
            status.available,
            status.running,
            "instances",
            "Available",
            "Running",
        )
    };
    let (Some(available), Some(total)) = (available, total) else {
        return PASS;
    };
    if total <= 0 {
        return PASS;
    }
    // Dividing two exact integers rounds the same way as the policy's decimal, so a
    // ratio equal to the limit complies.
    let actual = available as f64 / total as f64;
    if actual < ratio {
        return fail(format!(
            "{available_field} {available} of {total_field} {total} {unit} is {:.1} % free; the policy wants at least {:.1} %",
            actual * 100.0,
            ratio * 100.0
        ));
    }
    PASS
}

pub const FLEET_ERRORS: Rule = Rule {
    id: "FLEET-ERRORS",
    severity: Severity::High,
    title: "Fleet reports errors",
    fails_when: "FleetErrors non-empty (report each ErrorCode)",
    default: "always on",
    remediation: "Fix the cause each FleetErrors code names (IAM service role, subnet IPs, security groups, domain join), then stop and start the fleet.",
    check: Check::Fleet(fleet_errors),
};

fn fleet_errors(_: &Policy, fleet: &Fleet) -> Outcome {
    resource_errors(
        "FleetErrors",
        fleet
            .fleet_errors
            .iter()
            .map(|e| (e.error_code.as_str(), e.error_message.as_deref())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    #[test]
    fn consistent_user_session_counts_pass() {
        let p = Policy::builtin();
        for (status, expected) in [
            (
                json!({"DesiredUserSessions": 20, "ActualUserSessions": 20, "AvailableUserSessions": 5, "ActiveUserSessions": 15}),
                false,
            ),
            (
                json!({"ActualUserSessions": 20, "AvailableUserSessions": 5, "ActiveUserSessions": 14}),
                true,
            ),
            (
                json!({"DesiredUserSessions": 10, "ActualUserSessions": 20}),
                true,
            ),
            (json!({"Desired": 2, "Running": -1}), true),
            (
                json!({"Desired": 2, "Running": 2, "InUse": 1, "Available": 1}),
                false,
            ),
            (json!({"ActualUserSessions": 20}), false),
        ] {
            let f = described(json!({"ComputeCapacityStatus": status.clone()}));
            assert_eq!(
                fails(&FLEET_CAPACITY_CONSISTENCY, &p, &f),
                Some(expected),
                "{status}"
            );
        }
    }

    #[test]
    fn drain_mode_sessions_never_fail_the_counts_alone() {
        let p = Policy::builtin();
        for (status, expected) in [
            // Actual = Available + Active + drain: complies.
            (
                json!({"ActualUserSessions": 20, "AvailableUserSessions": 5, "ActiveUserSessions": 10,
                    "DrainModeActiveUserSessions": 3, "DrainModeUnusedUserSessions": 2}),
                false,
            ),
            // Actual = Available + Active, drain counted elsewhere: complies.
            (
                json!({"ActualUserSessions": 15, "AvailableUserSessions": 5, "ActiveUserSessions": 10,
                    "DrainModeActiveUserSessions": 3, "DrainModeUnusedUserSessions": 2}),
                false,
            ),
            // One drain counter present is enough.
            (
                json!({"ActualUserSessions": 18, "AvailableUserSessions": 5, "ActiveUserSessions": 10,
                    "DrainModeActiveUserSessions": 3}),
                false,
            ),
            // Neither identity holds.
            (
                json!({"ActualUserSessions": 21, "AvailableUserSessions": 5, "ActiveUserSessions": 10,
                    "DrainModeActiveUserSessions": 3, "DrainModeUnusedUserSessions": 2}),
                true,
            ),
            // Draining capacity above Desired is not a failure on its own...
            (
                json!({"DesiredUserSessions": 15, "ActualUserSessions": 20, "AvailableUserSessions": 5,
                    "ActiveUserSessions": 10, "DrainModeActiveUserSessions": 3, "DrainModeUnusedUserSessions": 2}),
                false,
            ),
            // ...but more than the drain sessions explain is.
            (
                json!({"DesiredUserSessions": 14, "ActualUserSessions": 20, "AvailableUserSessions": 5,
                    "ActiveUserSessions": 10, "DrainModeActiveUserSessions": 3, "DrainModeUnusedUserSessions": 2}),
                true,
            ),
            (
                json!({"ActualUserSessions": 15, "AvailableUserSessions": 5, "ActiveUserSessions": 10,
                    "DrainModeUnusedUserSessions": -1}),
                true,
            ),
        ] {
            let mut f = described(json!({}));
            let get = |k: &str| status.get(k).and_then(serde_json::Value::as_i64);
            f.compute_capacity_status = Some(crate::model::ComputeCapacityStatus {
                desired_user_sessions: get("DesiredUserSessions"),
                actual_user_sessions: get("ActualUserSessions"),
                available_user_sessions: get("AvailableUserSessions"),
                active_user_sessions: get("ActiveUserSessions"),
                drain_mode_active_user_sessions: get("DrainModeActiveUserSessions"),
                drain_mode_unused_user_sessions: get("DrainModeUnusedUserSessions"),
                ..Default::default()
            });
            assert_eq!(
                fails(&FLEET_CAPACITY_CONSISTENCY, &p, &f),
                Some(expected),
                "{status}"
            );
        }
    }

    #[test]
    fn headroom_uses_instances_for_single_session_and_sessions_for_multi_session() {
        let p = Policy::builtin();
        let single = |running: i64, available: i64| {
            described(json!({"FleetType": "ALWAYS_ON", "State": "RUNNING",
                "ComputeCapacityStatus": {"Desired": running, "Running": running, "InUse": running - available, "Available": available}}))
        };
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &single(10, 1)),
            Some(false),
            "exactly 10 % complies"
        );
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &single(11, 1)),
            Some(true)
        );
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &single(0, 0)),
            Some(false),
            "nothing running"
        );
        let multi = |actual: i64, available: i64| {
            described(
                json!({"FleetType": "ON_DEMAND", "State": "RUNNING", "MaxSessionsPerInstance": 5,
                "ComputeCapacityStatus": {"Desired": 4, "Running": 4, "InUse": 4, "Available": 0,
                    "ActualUserSessions": actual, "AvailableUserSessions": available, "ActiveUserSessions": actual - available}}),
            )
        };
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &multi(20, 2)),
            Some(false)
        );
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &multi(20, 1)),
            Some(true)
        );
    }

    #[test]
    fn headroom_ignores_elastic_and_stopped_fleets() {
        let p = Policy::builtin();
        let full = json!({"Desired": 2, "Running": 2, "InUse": 2, "Available": 0});
        for (fleet_type, state) in [
            ("ELASTIC", "RUNNING"),
            ("ALWAYS_ON", "STOPPED"),
            ("ON_DEMAND", "STARTING"),
        ] {
            let f = described(
                json!({"FleetType": fleet_type, "State": state, "ComputeCapacityStatus": full.clone()}),
            );
            assert_eq!(
                fails(&FLEET_CAPACITY_HEADROOM, &p, &f),
                Some(false),
                "{fleet_type} {state}"
            );
        }
        let f = described(
            json!({"FleetType": "ALWAYS_ON", "State": "RUNNING", "ComputeCapacityStatus": full}),
        );
        assert_eq!(fails(&FLEET_CAPACITY_HEADROOM, &p, &f), Some(true));
    }

    #[test]
    fn headroom_ratio_follows_the_policy() {
        let p = policy("[fleet]\nmin_available_ratio = 0.3\n");
        let f = described(json!({"FleetType": "ALWAYS_ON", "State": "RUNNING",
            "ComputeCapacityStatus": {"Running": 10, "Available": 3}}));
        assert_eq!(
            fails(&FLEET_CAPACITY_HEADROOM, &p, &f),
            Some(false),
            "0.3 exactly complies"
        );
    }

    #[test]
    fn fleet_errors_name_each_code() {
        let f = described(json!({"FleetErrors": [
            {"ErrorCode": "IAM_SERVICE_ROLE_IS_MISSING", "ErrorMessage": "role missing"},
            {"ErrorCode": "SUBNET_HAS_INSUFFICIENT_IP_ADDRESSES"}]}));
        let crate::policy::Check::Fleet(check) = FLEET_ERRORS.check else {
            unreachable!()
        };
        let message = check(&Policy::builtin(), &f).unwrap().unwrap();
        assert!(
            message.contains("IAM_SERVICE_ROLE_IS_MISSING")
                && message.contains("SUBNET_HAS_INSUFFICIENT_IP_ADDRESSES"),
            "{message}"
        );
        assert_eq!(
            fails(
                &FLEET_ERRORS,
                &Policy::builtin(),
                &described(json!({"FleetErrors": []}))
            ),
            Some(false)
        );
    }
}
