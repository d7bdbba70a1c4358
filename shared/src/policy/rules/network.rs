//! Network exposure: default internet access and VPC placement. The checks are shared
//! with the image builder rules, which judge the same fields.

use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::{Attr, Fleet, VpcConfig};
use crate::policy::{Check, Outcome, Policy, Rule};

pub const FLEET_INTERNET_ACCESS: Rule = Rule {
    id: "FLEET-INTERNET-ACCESS",
    severity: Severity::High,
    title: "Default internet access is enabled",
    fails_when: "EnableDefaultInternetAccess is true",
    default: "allow_default_internet_access = false",
    remediation: "Turn off default internet access (UpdateFleet --no-enable-default-internet-access) and give the fleet's private subnets a NAT gateway route instead.",
    check: Check::Fleet(internet_access),
};

fn internet_access(policy: &Policy, fleet: &Fleet) -> Outcome {
    default_internet_access(
        policy.fleet.allow_default_internet_access,
        &fleet.enable_default_internet_access,
    )
}

/// EnableDefaultInternetAccess of a fleet or an image builder.
pub(crate) fn default_internet_access(allowed: bool, enabled: &Attr<bool>) -> Outcome {
    if allowed {
        return PASS;
    }
    match enabled.get()? {
        Some(true) => {
            fail("EnableDefaultInternetAccess is true; the policy requires it to be false")
        }
        _ => PASS,
    }
}

pub const FLEET_VPC_REQUIRED: Rule = Rule {
    id: "FLEET-VPC-REQUIRED",
    severity: Severity::Medium,
    title: "Fleet is not placed in a VPC",
    fails_when: "no VpcConfig or no SubnetIds (policy may switch off)",
    default: "require_vpc = true",
    remediation: "Give the fleet a VpcConfig with private subnets and security groups (UpdateFleet --vpc-config SubnetIds=...,SecurityGroupIds=...).",
    check: Check::Fleet(vpc_required),
};

fn vpc_required(policy: &Policy, fleet: &Fleet) -> Outcome {
    in_vpc(policy.fleet.require_vpc, &fleet.vpc_config, "fleets")
}

/// The VpcConfig of a fleet or an image builder (`what`, plural, names them in messages).
pub(crate) fn in_vpc(required: bool, vpc_config: &Attr<VpcConfig>, what: &str) -> Outcome {
    if !required {
        return PASS;
    }
    let Some(vpc) = vpc_config.get()? else {
        return fail(format!("no VpcConfig; the policy requires {what} in a VPC"));
    };
    match vpc.subnet_ids.get()? {
        Some(subnets) if !subnets.is_empty() => PASS,
        _ => fail(format!(
            "VpcConfig has no SubnetIds; the policy requires {what} in a VPC"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::testing::*;
    use serde_json::json;

    #[test]
    fn internet_access_fails_only_when_true() {
        let p = Policy::builtin();
        for (value, expected) in [
            (json!({"EnableDefaultInternetAccess": true}), Some(true)),
            (json!({"EnableDefaultInternetAccess": false}), Some(false)),
            (json!({}), Some(false)),
        ] {
            assert_eq!(
                fails(&FLEET_INTERNET_ACCESS, &p, &described(value.clone())),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn internet_access_allowed_by_policy_complies() {
        let p = policy("[fleet]\nallow_default_internet_access = true\n");
        let f = described(json!({"EnableDefaultInternetAccess": true}));
        assert_eq!(fails(&FLEET_INTERNET_ACCESS, &p, &f), Some(false));
    }

    #[test]
    fn internet_access_from_an_intrinsic_is_unresolved() {
        let f = fleet(
            crate::model::Origin::Template,
            json!({"EnableDefaultInternetAccess": {"Ref": "Internet"}}),
        );
        assert_eq!(fails(&FLEET_INTERNET_ACCESS, &Policy::builtin(), &f), None);
    }

    #[test]
    fn vpc_is_required_with_at_least_one_subnet() {
        let p = Policy::builtin();
        for (value, expected) in [
            (json!({}), Some(true)),
            (json!({"VpcConfig": {}}), Some(true)),
            (json!({"VpcConfig": {"SubnetIds": []}}), Some(true)),
            (
                json!({"VpcConfig": {"SubnetIds": ["subnet-1"]}}),
                Some(false),
            ),
        ] {
            assert_eq!(
                fails(&FLEET_VPC_REQUIRED, &p, &described(value.clone())),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn vpc_not_required_by_policy_complies() {
        let p = policy("[fleet]\nrequire_vpc = false\n");
        assert_eq!(
            fails(&FLEET_VPC_REQUIRED, &p, &described(json!({}))),
            Some(false)
        );
    }
}
