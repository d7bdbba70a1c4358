//! Instance types: the policy's allowlist, the documented types, and retired families.

use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::{Attr, Fleet};
use crate::policy::{Check, Outcome, Policy, Rule};

/// Instance types documented for CreateFleet: the union of the 2023-10-26 API document
/// and the service model in aws-sdk-appstream 1.138 (which adds the g5, g6, g6f, gr6 and
/// gr6f families and drops graphics-design, graphics-desktop and graphics-pro).
pub const DOCUMENTED_INSTANCE_TYPES: &[&str] = &[
    "stream.standard.small",
    "stream.standard.medium",
    "stream.standard.large",
    "stream.standard.xlarge",
    "stream.standard.2xlarge",
    "stream.compute.large",
    "stream.compute.xlarge",
    "stream.compute.2xlarge",
    "stream.compute.4xlarge",
    "stream.compute.8xlarge",
    "stream.memory.large",
    "stream.memory.xlarge",
    "stream.memory.2xlarge",
    "stream.memory.4xlarge",
    "stream.memory.8xlarge",
    "stream.memory.z1d.large",
    "stream.memory.z1d.xlarge",
    "stream.memory.z1d.2xlarge",
    "stream.memory.z1d.3xlarge",
    "stream.memory.z1d.6xlarge",
    "stream.memory.z1d.12xlarge",
    "stream.graphics-design.large",
    "stream.graphics-design.xlarge",
    "stream.graphics-design.2xlarge",
    "stream.graphics-design.4xlarge",
    "stream.graphics-desktop.2xlarge",
    "stream.graphics.g4dn.xlarge",
    "stream.graphics.g4dn.2xlarge",
    "stream.graphics.g4dn.4xlarge",
    "stream.graphics.g4dn.8xlarge",
    "stream.graphics.g4dn.12xlarge",
    "stream.graphics.g4dn.16xlarge",
    "stream.graphics-pro.4xlarge",
    "stream.graphics-pro.8xlarge",
    "stream.graphics-pro.16xlarge",
    "stream.graphics.g5.xlarge",
    "stream.graphics.g5.2xlarge",
    "stream.graphics.g5.4xlarge",
    "stream.graphics.g5.8xlarge",
    "stream.graphics.g5.12xlarge",
    "stream.graphics.g5.16xlarge",
    "stream.graphics.g5.24xlarge",
    "stream.graphics.g6.xlarge",
    "stream.graphics.g6.2xlarge",
    "stream.graphics.g6.4xlarge",
    "stream.graphics.g6.8xlarge",
    "stream.graphics.g6.12xlarge",
    "stream.graphics.g6.16xlarge",
    "stream.graphics.g6.24xlarge",
    "stream.graphics.gr6.4xlarge",
    "stream.graphics.gr6.8xlarge",
    "stream.graphics.g6f.large",
    "stream.graphics.g6f.xlarge",
    "stream.graphics.g6f.2xlarge",
    "stream.graphics.g6f.4xlarge",
    "stream.graphics.gr6f.4xlarge",
];

/// Families the catalog names as current whose sizes are newer than the SDK model we
/// ship with: any size of these counts as documented.
const DOCUMENTED_FAMILIES: &[&str] = &["stream.graphics.g7.", "stream.graphics.g7e."];

/// Families at end of life (graphics-design and graphics-desktop 2025-12-31,
/// graphics-pro 2025-10-31).
const RETIRED_FAMILIES: &[(&str, &str)] = &[
    (
        "stream.graphics-design.",
        "graphics-design (end of life 2025-12-31)",
    ),
    (
        "stream.graphics-desktop.",
        "graphics-desktop (end of life 2025-12-31)",
    ),
    (
        "stream.graphics-pro.",
        "graphics-pro (end of life 2025-10-31)",
    ),
];

/// The five instance types Elastic fleets may use.
pub const ELASTIC_INSTANCE_TYPES: &[&str] = &[
    "stream.standard.small",
    "stream.standard.medium",
    "stream.standard.large",
    "stream.standard.xlarge",
    "stream.standard.2xlarge",
];

/// Whether AppStream documents this instance type.
pub fn is_documented(instance_type: &str) -> bool {
    DOCUMENTED_INSTANCE_TYPES.contains(&instance_type)
        || DOCUMENTED_FAMILIES.iter().any(|f| {
            instance_type
                .strip_prefix(f)
                .is_some_and(|size| size.ends_with("large") && !size.contains('.'))
        })
}

pub const FLEET_INSTANCE_TYPE_ALLOWED: Rule = Rule {
    id: "FLEET-INSTANCE-TYPE-ALLOWED",
    severity: Severity::Medium,
    title: "Instance type is not on the allowlist",
    fails_when: "InstanceType matches no pattern of the allowlist (globs like `stream.standard.*`)",
    default: "allow all",
    remediation: "Move the fleet to an allowed instance type (stop the fleet, UpdateFleet --instance-type, start it), or extend fleet.allowed_instance_types.",
    check: Check::Fleet(instance_type_allowed),
};

fn instance_type_allowed(policy: &Policy, fleet: &Fleet) -> Outcome {
    let allowed = &policy.fleet.allowed_instance_types;
    if allowed.matches_all() {
        return PASS;
    }
    match fleet.instance_type.get()? {
        Some(t) if !allowed.matches(t) => {
            fail(format!("InstanceType is {t}; the policy allows {allowed}"))
        }
        _ => PASS,
    }
}

pub const FLEET_INSTANCE_TYPE_UNKNOWN: Rule = Rule {
    id: "FLEET-INSTANCE-TYPE-UNKNOWN",
    severity: Severity::Low,
    title: "Instance type is not a documented AppStream type",
    fails_when: "InstanceType is not a documented AppStream instance type",
    default: "always on",
    remediation: "Use a documented AppStream instance type (stream.<family>.<size>); check for a typo.",
    check: Check::Fleet(instance_type_unknown),
};

fn instance_type_unknown(_: &Policy, fleet: &Fleet) -> Outcome {
    match fleet.instance_type.get()? {
        Some(t) if !is_documented(t) => fail(format!(
            "InstanceType {t} is not a documented AppStream instance type"
        )),
        _ => PASS,
    }
}

pub const FLEET_INSTANCE_TYPE_RETIRED: Rule = Rule {
    id: "FLEET-INSTANCE-TYPE-RETIRED",
    severity: Severity::High,
    title: "Instance type family is retired",
    fails_when: "graphics-design, graphics-desktop or graphics-pro family (end of life 2025-12-31, 2025-12-31 and 2025-10-31 per the AWS service quotas page; all three are gone from the current service model)",
    default: "always on",
    remediation: "Move the fleet to a current graphics family (stream.graphics.g4dn, g5 or g6): create a fleet on the new type, or stop this one and UpdateFleet --instance-type.",
    check: Check::Fleet(instance_type_retired),
};

fn instance_type_retired(_: &Policy, fleet: &Fleet) -> Outcome {
    retired(&fleet.instance_type)
}

/// The InstanceType of a fleet or an image builder, against the retired families.
pub(crate) fn retired(instance_type: &Attr<String>) -> Outcome {
    let Some(t) = instance_type.get()? else {
        return PASS;
    };
    match RETIRED_FAMILIES
        .iter()
        .find(|(prefix, _)| t.starts_with(prefix))
    {
        Some((_, family)) => fail(format!(
            "InstanceType {t} belongs to the retired family {family}"
        )),
        None => PASS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    fn typed(t: &str) -> Fleet {
        described(json!({"InstanceType": t}))
    }

    #[test]
    fn allowlist_globs_decide_the_instance_type() {
        let p = policy(
            "[fleet]\nallowed_instance_types = [\"stream.standard.*\", \"stream.compute.large\"]\n",
        );
        for (t, expected) in [
            ("stream.standard.small", false),
            ("stream.compute.large", false),
            ("stream.compute.xlarge", true),
            ("stream.graphics.g5.xlarge", true),
        ] {
            assert_eq!(
                fails(&FLEET_INSTANCE_TYPE_ALLOWED, &p, &typed(t)),
                Some(expected),
                "{t}"
            );
        }
        assert_eq!(
            fails(
                &FLEET_INSTANCE_TYPE_ALLOWED,
                &Policy::builtin(),
                &typed("anything")
            ),
            Some(false)
        );
    }

    #[test]
    fn documented_types_of_the_2023_api_and_the_current_model_are_known() {
        let p = Policy::builtin();
        for (t, expected) in [
            ("stream.standard.small", false),
            ("stream.memory.z1d.12xlarge", false),
            ("stream.graphics.g6f.large", false),
            ("stream.graphics.gr6f.4xlarge", false),
            ("stream.graphics.g7.2xlarge", false),
            ("stream.graphics-desktop.2xlarge", false),
            ("stream.graphics-design.large", false),
            ("stream.graphics-pro.16xlarge", false),
            ("stream.standard.mega", true),
            ("m5.large", true),
            ("stream.graphics.g4dn.24xlarge", true),
            ("STREAM.STANDARD.SMALL", true),
        ] {
            assert_eq!(
                fails(&FLEET_INSTANCE_TYPE_UNKNOWN, &p, &typed(t)),
                Some(expected),
                "{t}"
            );
        }
    }

    #[test]
    fn graphics_design_desktop_and_pro_are_retired_not_unknown() {
        let p = Policy::builtin();
        for (t, expected) in [
            ("stream.graphics-design.xlarge", true),
            ("stream.graphics-pro.4xlarge", true),
            ("stream.graphics-desktop.2xlarge", true),
            ("stream.graphics.g4dn.xlarge", false),
        ] {
            assert_eq!(
                fails(&FLEET_INSTANCE_TYPE_RETIRED, &p, &typed(t)),
                Some(expected),
                "{t}"
            );
            assert_eq!(
                fails(&FLEET_INSTANCE_TYPE_UNKNOWN, &p, &typed(t)),
                Some(false),
                "{t}"
            );
        }
    }
}
