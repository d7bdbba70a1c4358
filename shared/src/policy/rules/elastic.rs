//! Elastic fleets: what AppStream requires of them, and what only they may use.

use super::instance::ELASTIC_INSTANCE_TYPES;
use super::{PASS, fail};
use crate::finding::Severity;
use crate::model::Fleet;
use crate::policy::{Check, Outcome, Policy, Rule};

/// Platforms Elastic fleets support: the 2023-10-26 API's two and the current model's third.
pub const ELASTIC_PLATFORMS: &[&str] = &["WINDOWS_SERVER_2019", "AMAZON_LINUX2", "UBUNTU_PRO_2404"];

pub const FLEET_ELASTIC_INSTANCE_TYPE: Rule = Rule {
    id: "FLEET-ELASTIC-INSTANCE-TYPE",
    severity: Severity::High,
    title: "Elastic fleet on an instance type Elastic fleets do not support",
    fails_when: "Elastic fleet not on stream.standard.{small,medium,large,xlarge,2xlarge}",
    default: "always on",
    remediation: "Use one of stream.standard.small, medium, large, xlarge or 2xlarge for the Elastic fleet.",
    check: Check::Fleet(elastic_instance_type),
};

fn elastic_instance_type(_: &Policy, fleet: &Fleet) -> Outcome {
    if !fleet.is_elastic()? {
        return PASS;
    }
    match fleet.instance_type.get()? {
        Some(t) if !ELASTIC_INSTANCE_TYPES.contains(&t.as_str()) => fail(format!(
            "Elastic fleet on {t}; Elastic fleets support only stream.standard.small, medium, large, xlarge and 2xlarge"
        )),
        _ => PASS,
    }
}

pub const FLEET_ELASTIC_VPC: Rule = Rule {
    id: "FLEET-ELASTIC-VPC",
    severity: Severity::High,
    title: "Elastic fleet without two subnets",
    fails_when: "Elastic fleet without VpcConfig holding at least 2 subnets",
    default: "always on",
    remediation: "Give the Elastic fleet a VpcConfig with at least two subnets in different Availability Zones.",
    check: Check::Fleet(elastic_vpc),
};

fn elastic_vpc(_: &Policy, fleet: &Fleet) -> Outcome {
    if !fleet.is_elastic()? {
        return PASS;
    }
    let Some(vpc) = fleet.vpc_config.get()? else {
        return fail("Elastic fleet has no VpcConfig; Elastic fleets need at least 2 subnets");
    };
    let count = vpc.subnet_ids.get()?.map_or(0, Vec::len);
    if count < 2 {
        return fail(format!(
            "Elastic fleet has {count} subnet{}; Elastic fleets need at least 2, in different Availability Zones",
            if count == 1 { "" } else { "s" }
        ));
    }
    PASS
}

pub const FLEET_ELASTIC_CAPACITY: Rule = Rule {
    id: "FLEET-ELASTIC-CAPACITY",
    severity: Severity::High,
    title: "Capacity set the wrong way for the fleet type",
    fails_when: "Elastic without MaxConcurrentSessions, or Elastic with ComputeCapacity (request/template input), or non-Elastic with MaxConcurrentSessions",
    default: "always on",
    remediation: "Size Elastic fleets with MaxConcurrentSessions only; size Always-On and On-Demand fleets with ComputeCapacity only.",
    check: Check::Fleet(elastic_capacity),
};

fn elastic_capacity(_: &Policy, fleet: &Fleet) -> Outcome {
    let max_concurrent = fleet.max_concurrent_sessions.get()?;
    if !fleet.is_elastic()? {
        return match max_concurrent {
            Some(n) => fail(format!(
                "MaxConcurrentSessions is {n} on a non-Elastic fleet; it applies only to Elastic fleets"
            )),
            None => PASS,
        };
    }
    let mut problems = Vec::new();
    if max_concurrent.is_none() {
        problems
            .push("Elastic fleet without MaxConcurrentSessions; Elastic fleets are sized by it");
    }
    if fleet.origin.is_declared() && fleet.compute_capacity.get()?.is_some() {
        problems.push(
            "Elastic fleet with ComputeCapacity; Elastic fleets take MaxConcurrentSessions instead",
        );
    }
    if problems.is_empty() {
        PASS
    } else {
        fail(problems.join("; "))
    }
}

pub const FLEET_ELASTIC_DOMAIN_JOIN: Rule = Rule {
    id: "FLEET-ELASTIC-DOMAIN-JOIN",
    severity: Severity::High,
    title: "Elastic fleet joined to a domain",
    fails_when: "Elastic fleet with DomainJoinInfo",
    default: "always on",
    remediation: "Remove DomainJoinInfo from the Elastic fleet (UpdateFleet --attributes-to-delete DOMAIN_JOIN_INFO); use an Always-On or On-Demand fleet where a domain join is needed.",
    check: Check::Fleet(elastic_domain_join),
};

fn elastic_domain_join(_: &Policy, fleet: &Fleet) -> Outcome {
    if fleet.is_elastic()? && fleet.domain_join_info.get()?.is_some() {
        return fail("Elastic fleet with DomainJoinInfo; Elastic fleets cannot join a domain");
    }
    PASS
}

pub const FLEET_ELASTIC_PLATFORM: Rule = Rule {
    id: "FLEET-ELASTIC-PLATFORM",
    severity: Severity::High,
    title: "Elastic fleet on a platform Elastic fleets do not support",
    fails_when: "Elastic platform not in {WINDOWS_SERVER_2019, AMAZON_LINUX2, UBUNTU_PRO_2404}",
    default: "always on",
    remediation: "Set the Elastic fleet's Platform to WINDOWS_SERVER_2019, AMAZON_LINUX2 or UBUNTU_PRO_2404.",
    check: Check::Fleet(elastic_platform),
};

fn elastic_platform(_: &Policy, fleet: &Fleet) -> Outcome {
    if !fleet.is_elastic()? {
        return PASS;
    }
    match fleet.platform.get()? {
        Some(p) if ELASTIC_PLATFORMS.contains(&p.as_str()) => PASS,
        Some(p) => fail(format!(
            "Elastic fleet on platform {p}; Elastic fleets support {}",
            ELASTIC_PLATFORMS.join(", ")
        )),
        None => fail(format!(
            "Elastic fleet without a Platform; Elastic fleets need one of {}",
            ELASTIC_PLATFORMS.join(", ")
        )),
    }
}

pub const FLEET_SESSION_SCRIPT_ELASTIC_ONLY: Rule = Rule {
    id: "FLEET-SESSION-SCRIPT-ELASTIC-ONLY",
    severity: Severity::Medium,
    title: "Session script location on a non-Elastic fleet",
    fails_when: "SessionScriptS3Location on a non-Elastic fleet",
    default: "always on",
    remediation: "Remove SessionScriptS3Location (UpdateFleet --attributes-to-delete SESSION_SCRIPT_S3_LOCATION); non-Elastic fleets take session scripts from the image.",
    check: Check::Fleet(session_script_elastic_only),
};

fn session_script_elastic_only(_: &Policy, fleet: &Fleet) -> Outcome {
    if fleet.is_elastic()? {
        return PASS;
    }
    match fleet.session_script_s3_location.get()? {
        Some(location) => fail(format!(
            "SessionScriptS3Location {location} on a non-Elastic fleet; it applies only to Elastic fleets"
        )),
        None => PASS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::policy::rules::testing::*;
    use serde_json::{Value, json};

    fn elastic(extra: Value) -> Value {
        let mut base = json!({
            "FleetType": "ELASTIC", "InstanceType": "stream.standard.medium",
            "Platform": "AMAZON_LINUX2", "MaxConcurrentSessions": 10,
            "VpcConfig": {"SubnetIds": ["subnet-a", "subnet-b"]}
        });
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        base
    }

    #[test]
    fn a_compliant_elastic_fleet_passes_every_elastic_rule() {
        let p = Policy::builtin();
        for origin in [Origin::Described, Origin::CreateRequest] {
            let f = fleet(origin, elastic(json!({})));
            for rule in [
                &FLEET_ELASTIC_INSTANCE_TYPE,
                &FLEET_ELASTIC_VPC,
                &FLEET_ELASTIC_CAPACITY,
                &FLEET_ELASTIC_DOMAIN_JOIN,
                &FLEET_ELASTIC_PLATFORM,
                &FLEET_SESSION_SCRIPT_ELASTIC_ONLY,
            ] {
                assert_eq!(fails(rule, &p, &f), Some(false), "{}", rule.id);
            }
        }
    }

    #[test]
    fn elastic_fleet_on_a_non_standard_type_is_flagged() {
        let p = Policy::builtin();
        for (t, expected) in [
            ("stream.standard.2xlarge", false),
            ("stream.standard.small", false),
            ("stream.compute.large", true),
            ("stream.graphics.g4dn.xlarge", true),
        ] {
            let f = described(elastic(json!({"InstanceType": t})));
            assert_eq!(
                fails(&FLEET_ELASTIC_INSTANCE_TYPE, &p, &f),
                Some(expected),
                "{t}"
            );
        }
        let always_on =
            described(json!({"FleetType": "ALWAYS_ON", "InstanceType": "stream.compute.large"}));
        assert_eq!(
            fails(&FLEET_ELASTIC_INSTANCE_TYPE, &p, &always_on),
            Some(false)
        );
    }

    #[test]
    fn elastic_fleet_with_one_subnet_is_flagged() {
        let p = Policy::builtin();
        for (vpc, expected) in [
            (json!({"VpcConfig": {"SubnetIds": ["subnet-a"]}}), true),
            (json!({"VpcConfig": {"SubnetIds": []}}), true),
            (json!({"VpcConfig": {"SecurityGroupIds": ["sg-1"]}}), true),
            (
                json!({"VpcConfig": {"SubnetIds": ["subnet-a", "subnet-b", "subnet-c"]}}),
                false,
            ),
        ] {
            assert_eq!(
                fails(&FLEET_ELASTIC_VPC, &p, &described(elastic(vpc.clone()))),
                Some(expected),
                "{vpc}"
            );
        }
        let mut no_vpc = elastic(json!({}));
        no_vpc.as_object_mut().unwrap().remove("VpcConfig");
        assert_eq!(
            fails(&FLEET_ELASTIC_VPC, &p, &described(no_vpc)),
            Some(true)
        );
    }

    #[test]
    fn two_intrinsic_subnets_count_as_two() {
        let f = fleet(
            Origin::Template,
            elastic(json!({"VpcConfig": {"SubnetIds": [{"Ref": "A"}, {"Ref": "B"}]}})),
        );
        assert_eq!(
            fails(&FLEET_ELASTIC_VPC, &Policy::builtin(), &f),
            Some(false)
        );
        let f = fleet(
            Origin::Template,
            elastic(json!({"VpcConfig": {"SubnetIds": {"Ref": "Subnets"}}})),
        );
        assert_eq!(fails(&FLEET_ELASTIC_VPC, &Policy::builtin(), &f), None);
    }

    #[test]
    fn elastic_capacity_is_max_concurrent_sessions_only() {
        let p = Policy::builtin();
        let mut missing = elastic(json!({}));
        missing
            .as_object_mut()
            .unwrap()
            .remove("MaxConcurrentSessions");
        assert_eq!(
            fails(&FLEET_ELASTIC_CAPACITY, &p, &described(missing)),
            Some(true)
        );
        let with_capacity = elastic(json!({"ComputeCapacity": {"DesiredInstances": 2}}));
        assert_eq!(
            fails(&FLEET_ELASTIC_CAPACITY, &p, &request(with_capacity.clone())),
            Some(true)
        );
        // A described fleet reports ComputeCapacityStatus, never ComputeCapacity.
        assert_eq!(
            fails(&FLEET_ELASTIC_CAPACITY, &p, &described(elastic(json!({})))),
            Some(false)
        );
        let on_demand = json!({"FleetType": "ON_DEMAND", "MaxConcurrentSessions": 5});
        assert_eq!(
            fails(&FLEET_ELASTIC_CAPACITY, &p, &described(on_demand)),
            Some(true)
        );
        let on_demand =
            json!({"FleetType": "ON_DEMAND", "ComputeCapacity": {"DesiredInstances": 2}});
        assert_eq!(
            fails(&FLEET_ELASTIC_CAPACITY, &p, &request(on_demand)),
            Some(false)
        );
    }

    #[test]
    fn elastic_fleet_joined_to_a_domain_is_flagged() {
        let p = Policy::builtin();
        let f = described(elastic(
            json!({"DomainJoinInfo": {"DirectoryName": "corp.example.com"}}),
        ));
        assert_eq!(fails(&FLEET_ELASTIC_DOMAIN_JOIN, &p, &f), Some(true));
        let f = described(
            json!({"FleetType": "ALWAYS_ON", "DomainJoinInfo": {"DirectoryName": "corp.example.com"}}),
        );
        assert_eq!(fails(&FLEET_ELASTIC_DOMAIN_JOIN, &p, &f), Some(false));
    }

    #[test]
    fn elastic_platforms_of_the_2023_api_and_the_current_model_are_allowed() {
        let p = Policy::builtin();
        for (platform, expected) in [
            (json!("WINDOWS_SERVER_2019"), false),
            (json!("AMAZON_LINUX2"), false),
            (json!("UBUNTU_PRO_2404"), false),
            (json!("WINDOWS_SERVER_2022"), true),
            (json!("RHEL8"), true),
            (Value::Null, true),
        ] {
            let f = described(elastic(json!({"Platform": platform})));
            assert_eq!(
                fails(&FLEET_ELASTIC_PLATFORM, &p, &f),
                Some(expected),
                "{platform}"
            );
        }
    }

    #[test]
    fn session_scripts_belong_to_elastic_fleets() {
        let p = Policy::builtin();
        let script = json!({"S3Bucket": "scripts", "S3Key": "session.zip"});
        let f =
            described(json!({"FleetType": "ON_DEMAND", "SessionScriptS3Location": script.clone()}));
        assert_eq!(
            fails(&FLEET_SESSION_SCRIPT_ELASTIC_ONLY, &p, &f),
            Some(true)
        );
        let f = described(elastic(json!({"SessionScriptS3Location": script})));
        assert_eq!(
            fails(&FLEET_SESSION_SCRIPT_ELASTIC_ONLY, &p, &f),
            Some(false)
        );
    }
}
